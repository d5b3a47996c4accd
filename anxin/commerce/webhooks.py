"""The webhook inbox: verify the provider's signature, store the event once (unique on provider +
event id), answer 2xx, and handle it in an outbox job. A duplicated or replayed delivery finds its
row already there and changes nothing; a wrongly signed one is refused (400) and stored nowhere."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import orders
from anxin.commerce.models import Payment, Refund, WebhookEvent
from anxin.commerce.payments import registry
from anxin.commerce.payments.gateway import Acknowledgement, Notification
from anxin.commerce.payments.stripe_gateway import notification_from_event
from anxin.commerce.refunds import service as refunds
from anxin.core import clock, outbox

log = logging.getLogger("anxin.commerce.webhooks")

HANDLE_JOB = "commerce.handle_webhook"


async def receive(
    db: AsyncSession, *, provider: str, headers: Mapping[str, str], body: bytes
) -> tuple[Acknowledgement, bool]:
    """Verify and store one delivery; returns the provider's acknowledgement and whether it was new."""
    gateway = registry.gateway(provider)
    notification = gateway.verify_notification(headers, body)  # raises before anything is written
    event = WebhookEvent(
        provider=provider,
        event_id=notification.event_id,
        event_type=notification.event_type,
        payload=body,
        received_at=clock.utcnow(),
    )
    try:
        async with db.begin_nested():
            db.add(event)
            await db.flush()
    except IntegrityError:
        return gateway.acknowledgement(), False
    await outbox.enqueue(db, HANDLE_JOB, {"webhook_event_id": event.id}, dedupe_key=f"webhook:{event.id}")
    return gateway.acknowledgement(), True


def _decode(event: WebhookEvent) -> Notification:
    if event.provider == "stripe":
        return notification_from_event(json.loads(bytes(event.payload)))
    raise LookupError(f"no decoder for provider {event.provider!r}")


async def handle(db: AsyncSession, webhook_event_id: int) -> None:
    """Outbox job: apply one stored event. Safe to run twice (``processed_at`` and the ledger's
    unique references both stop a second application)."""
    event = await db.scalar(
        select(WebhookEvent)
        .where(WebhookEvent.id == webhook_event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if event is None or event.processed_at is not None:
        return
    notification = _decode(event)
    if notification.outcome in ("payment_succeeded", "payment_failed") and notification.payment_ref:
        await _apply_payment(db, notification)
    elif notification.outcome == "refund_succeeded" and (notification.refund_ref or notification.our_ref):
        await _apply_refund(db, notification)
    event.processed_at = clock.utcnow()


async def _apply_payment(db: AsyncSession, notification: Notification) -> None:
    payment = await db.scalar(
        select(Payment).where(
            Payment.provider == notification.provider, Payment.provider_ref == notification.payment_ref
        )
    )
    if payment is None:
        log.warning("payment notification for an unknown payment", extra={"provider": notification.provider})
        return
    order = await orders.locked_order(db, payment.order_id)
    payment = (
        await db.scalar(
            select(Payment).where(Payment.id == payment.id).execution_options(populate_existing=True)
        )
        or payment
    )
    if payment.status == "succeeded":
        return
    if notification.outcome == "payment_failed":
        await orders.mark_failed(db, order, payment)
        return
    if notification.amount is not None and (
        notification.amount.amount != payment.amount or notification.amount.currency != payment.currency
    ):
        log.error("provider captured an amount other than the order's", extra={"payment_id": payment.id})
        return
    if order.status == orders.CREATED:
        await orders.capture(db, order, payment)
    else:
        await refunds.refund_late_payment(db, order, payment)


async def _apply_refund(db: AsyncSession, notification: Notification) -> None:
    # Our refund id travels in the provider's metadata, so the event finds its refund even if it
    # arrives before the job that asked for the refund has stored the provider's id.
    condition = Refund.provider_ref == notification.refund_ref
    if notification.our_ref and notification.our_ref.isdigit():
        condition = Refund.id == int(notification.our_ref)
    row = await db.scalar(
        select(Refund)
        .where(Refund.destination == notification.provider, condition)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        return  # a refund made outside Anxin
    await refunds.complete_provider_refund(db, row, notification.refund_ref)
