"""Commerce's jobs (imported at start-up by ``modules.load_tasks``): webhook handling, provider
refunds, settlement of earnings and the purge of old idempotency keys."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import idempotency, settlement, webhooks
from anxin.commerce import rights as commerce_rights
from anxin.commerce.refunds import service as refunds
from anxin.core import outbox
from anxin.privacy import rights


@outbox.job(webhooks.HANDLE_JOB)
async def handle_webhook(db: AsyncSession, payload: outbox.Payload) -> None:
    await webhooks.handle(db, int(payload["webhook_event_id"]))


@outbox.job(refunds.SEND_REFUND_JOB, max_attempts=12)
async def send_refund(db: AsyncSession, payload: outbox.Payload) -> None:
    await refunds.send_to_provider(db, int(payload["refund_id"]))


@outbox.scheduled("commerce.settle_earnings", every=timedelta(minutes=15))
async def settle_earnings(db: AsyncSession, payload: outbox.Payload) -> None:
    await settlement.settle_due(db)


@outbox.scheduled("commerce.purge_idempotency_keys", every=timedelta(hours=1))
async def purge_idempotency_keys(db: AsyncSession, payload: outbox.Payload) -> None:
    await idempotency.purge_expired(db)


rights.register_personal_data(
    "commerce",
    export=commerce_rights.export_commerce,
    erase=commerce_rights.erase_commerce,
    tables=commerce_rights.TABLES,
)
