"""The interface every payment provider adapter implements.

It is shaped by what the providers have in common:

* **Start a payment** for an order. A gateway either captures at once (``captured``: the sandbox
  card) or hands back what the browser needs to finish with the provider (``requires_action``:
  a Stripe PaymentIntent's client secret; later an Alipay page URL or a WeChat Pay ``code_url``).
  Money is final only when the provider's signed notification arrives.
* **Verify a notification** (webhook): check the signature over the raw body and turn it into a
  provider-neutral :class:`Notification`. Stripe signs ``t.payload`` with HMAC-SHA256. Alipay signs
  the sorted form parameters with RSA2 (SHA256withRSA, Alipay's public key). WeChat Pay v3 signs
  ``timestamp\\nnonce\\nbody\\n`` with RSA (the platform certificate named in
  ``Wechatpay-Serial``) and encrypts the ``resource`` with AES-256-GCM under the merchant's APIv3
  key (nonce and associated data in the body): its adapter decrypts inside
  ``verify_notification`` so the inbox stores only verified, decoded events.
* **Acknowledge**: what the provider expects back (Stripe any 2xx; Alipay the text ``success``;
  WeChat Pay ``{"code": "SUCCESS"}``), from :meth:`Gateway.acknowledgement`.
* **Refund** a captured payment, with our refund id as the provider's idempotency key (Stripe
  ``Idempotency-Key``, Alipay ``out_request_no``, WeChat ``out_refund_no``); the outcome may be
  final at once or arrive later as a notification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from anxin.core.money import Money

PaymentOutcome = Literal[
    "payment_succeeded", "payment_failed", "refund_succeeded", "refund_failed", "ignored"
]


@dataclass(frozen=True, slots=True)
class PaymentStart:
    status: Literal["captured", "requires_action"]
    provider_ref: str
    client_secret: str | None = None
    redirect_url: str | None = None


@dataclass(frozen=True, slots=True)
class RefundResult:
    status: Literal["succeeded", "pending"]
    provider_ref: str


@dataclass(frozen=True, slots=True)
class Notification:
    """A verified provider event in our terms; ``payment_ref``/``refund_ref`` are provider ids."""

    provider: str
    event_id: str
    event_type: str
    outcome: PaymentOutcome
    payment_ref: str | None = None
    refund_ref: str | None = None
    amount: Money | None = None
    # Our own id echoed back by the provider (metadata, out_request_no): e.g. the refund id.
    our_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    status_code: int
    body: bytes
    media_type: str


class Gateway(Protocol):
    name: str

    async def start_payment(
        self, *, payment_id: int, order_id: int, amount: Money, details: Mapping[str, str]
    ) -> PaymentStart: ...

    async def refund(self, *, refund_id: int, payment_ref: str, amount: Money) -> RefundResult: ...

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notification: ...

    def acknowledgement(self) -> Acknowledgement: ...
