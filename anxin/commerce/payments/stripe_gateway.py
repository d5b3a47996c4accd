"""Stripe adapter (official ``stripe`` SDK): PaymentIntents for payments, Refunds, signed webhooks.

Creating a PaymentIntent moves no money (the browser confirms it with Stripe.js), so it is done
while the checkout request runs, with our payment id as Stripe's idempotency key: a retried
request never creates a second intent, and an intent orphaned by a rolled-back request is never
confirmed. The payment becomes final only on the signed ``payment_intent.succeeded`` webhook.
Refunds move money, so they run in an outbox job after commit (idempotency key: our refund id).

The SDK is synchronous; calls run on a worker thread. Tests hand in an ``http_client`` that
answers like Stripe's API, so the adapter is exercised end to end without a network.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import stripe

from anxin.commerce.errors import WebhookSignatureInvalid
from anxin.commerce.payments.gateway import (
    Acknowledgement,
    Notification,
    PaymentOutcome,
    PaymentStart,
    RefundResult,
)
from anxin.core.money import MINOR_UNIT_DIGITS, Money

SIGNATURE_HEADER = "stripe-signature"
TOLERANCE_SECONDS = 300

_PAYMENT_EVENTS: dict[str, PaymentOutcome] = {
    "payment_intent.succeeded": "payment_succeeded",
    "payment_intent.payment_failed": "payment_failed",
}
_REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed")


class StripeGateway:
    name = "stripe"

    def __init__(
        self, *, api_key: str, webhook_secret: str, http_client: stripe.HTTPClient | None = None
    ) -> None:
        self._webhook_secret = webhook_secret
        self._client = stripe.StripeClient(api_key, http_client=http_client, max_network_retries=2)

    async def start_payment(
        self, *, payment_id: int, order_id: int, amount: Money, details: Mapping[str, str]
    ) -> PaymentStart:
        def create() -> Any:
            return self._client.v1.payment_intents.create(
                params={
                    "amount": amount.amount,
                    "currency": amount.currency.lower(),
                    "automatic_payment_methods": {"enabled": True},
                    "metadata": {"anxin_order_id": str(order_id), "anxin_payment_id": str(payment_id)},
                },
                options={"idempotency_key": f"anxin-payment-{payment_id}"},
            )

        intent = await asyncio.to_thread(create)
        return PaymentStart(
            status="requires_action", provider_ref=str(intent.id), client_secret=intent.client_secret
        )

    async def refund(self, *, refund_id: int, payment_ref: str, amount: Money) -> RefundResult:
        def create() -> Any:
            return self._client.v1.refunds.create(
                params={
                    "payment_intent": payment_ref,
                    "amount": amount.amount,
                    "metadata": {"anxin_refund_id": str(refund_id)},
                },
                options={"idempotency_key": f"anxin-refund-{refund_id}"},
            )

        refund = await asyncio.to_thread(create)
        if refund.status == "succeeded":
            return RefundResult(status="succeeded", provider_ref=str(refund.id))
        return RefundResult(status="pending", provider_ref=str(refund.id))

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        signature = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), None)
        try:
            stripe.Webhook.construct_event(body, signature, self._webhook_secret, tolerance=TOLERANCE_SECONDS)
            event = json.loads(body)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise WebhookSignatureInvalid() from exc
        return notification_from_event(event)

    def acknowledgement(self) -> Acknowledgement:
        return Acknowledgement(200, b'{"received":true}', "application/json")


def _money(obj: Mapping[str, Any], field: str) -> Money | None:
    currency = str(obj.get("currency", "")).upper()
    value = obj.get(field)
    if currency in MINOR_UNIT_DIGITS and isinstance(value, int) and not isinstance(value, bool):
        return Money(value, currency)
    return None


def notification_from_event(event: Mapping[str, Any]) -> Notification:
    event_id = str(event.get("id", ""))
    event_type = str(event.get("type", ""))
    if not event_id or not event_type:
        raise WebhookSignatureInvalid()
    obj: Mapping[str, Any] = event.get("data", {}).get("object", {}) or {}
    if event_type in _PAYMENT_EVENTS:
        return Notification(
            provider="stripe",
            event_id=event_id,
            event_type=event_type,
            outcome=_PAYMENT_EVENTS[event_type],
            payment_ref=str(obj.get("id", "")) or None,
            amount=_money(obj, "amount_received" if event_type.endswith("succeeded") else "amount"),
        )
    if event_type in _REFUND_EVENTS:
        status = obj.get("status")
        outcome: PaymentOutcome = (
            "refund_succeeded"
            if status == "succeeded"
            else "refund_failed"
            if status == "failed"
            else "ignored"
        )
        return Notification(
            provider="stripe",
            event_id=event_id,
            event_type=event_type,
            outcome=outcome,
            refund_ref=str(obj.get("id", "")) or None,
            payment_ref=str(obj.get("payment_intent") or "") or None,
            amount=_money(obj, "amount"),
            our_ref=str((obj.get("metadata") or {}).get("anxin_refund_id") or "") or None,
        )
    return Notification(provider="stripe", event_id=event_id, event_type=event_type, outcome="ignored")
