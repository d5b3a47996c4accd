"""The sandbox card gateway of the embedded default and the demo: no network, instant capture.

Test cards follow the common convention: ``4242 4242 4242 4242`` succeeds, ``4000 0000 0000 0002``
is declined. It takes no notifications (everything is final at once).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from anxin.commerce.errors import PaymentDeclined, WebhookSignatureInvalid
from anxin.commerce.payments.gateway import Acknowledgement, Notification, PaymentStart, RefundResult
from anxin.core.errors import ValidationFailed
from anxin.core.money import Money

SUCCEEDING_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


class SandboxCardGateway:
    name = "sandbox"

    async def start_payment(
        self, *, payment_id: int, order_id: int, amount: Money, details: Mapping[str, str]
    ) -> PaymentStart:
        number = "".join(ch for ch in details.get("card_number", "") if ch.isdigit())
        if not 12 <= len(number) <= 19:
            raise ValidationFailed("Please enter a card number.")
        if number == DECLINED_CARD:
            raise PaymentDeclined()
        return PaymentStart(status="captured", provider_ref=f"sbx_pay_{secrets.token_hex(8)}")

    async def refund(self, *, refund_id: int, payment_ref: str, amount: Money) -> RefundResult:
        return RefundResult(status="succeeded", provider_ref=f"sbx_re_{refund_id}")

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        raise WebhookSignatureInvalid()

    def acknowledgement(self) -> Acknowledgement:
        return Acknowledgement(200, b'{"received":true}', "application/json")
