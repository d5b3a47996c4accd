"""E-mail, SMS and web push through the outbox.

``deliver`` renders the message and stores it in the caller's transaction, with a job that carries
the row id only. After commit the job sends it, then wipes the body (it may hold a one-time code)
and masks the address. A sent row is never sent again; a row not sent in time expires unsent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock, outbox
from anxin.core.notify.models import STATUS_EXPIRED, STATUS_PENDING, STATUS_SENT, OutgoingMessage
from anxin.core.notify.senders import CHANNELS, Envelope, mask_address, message_ttl_minutes, sender_for
from anxin.core.notify.templates import render

SEND_JOB = "core.notify.send"
EXPIRE_JOB = "core.notify.expire"


async def deliver(
    db: AsyncSession,
    channel: str,
    address: str,
    template: str,
    params: dict[str, Any] | None = None,
    locale: str | None = None,
    *,
    ttl: timedelta | None = None,
) -> OutgoingMessage:
    """Send ``template`` to ``address`` on ``channel`` ("email", "sms", "web_push") once this
    transaction commits. ``ttl``: drop the message if it cannot be sent within this time
    (e.g. a code that expires); default ``ANXIN_NOTIFY_MESSAGE_TTL_MINUTES``."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")
    if not address or len(address) > 2000:
        raise ValueError("a message needs an address of at most 2000 characters")
    rendered = render(template, dict(params or {}), locale)
    now = clock.utcnow()
    row = OutgoingMessage(
        channel=channel,
        address=address,
        template=template,
        locale=rendered.locale,
        subject=rendered.subject[:300] if rendered.subject else None,
        body=rendered.body,
        status=STATUS_PENDING,
        attempts=0,
        created_at=now,
        expires_at=now + (ttl or timedelta(minutes=message_ttl_minutes())),
    )
    db.add(row)
    await db.flush()
    await outbox.enqueue(db, SEND_JOB, {"message_id": row.id})
    return row


def _wipe(row: OutgoingMessage) -> None:
    row.body = None
    row.address = mask_address(row.channel, row.address)


@outbox.job(SEND_JOB, max_attempts=6)
async def send_message(db: AsyncSession, payload: outbox.Payload) -> None:
    row = await db.scalar(
        select(OutgoingMessage).where(OutgoingMessage.id == int(payload["message_id"])).with_for_update()
    )
    if row is None or row.status != STATUS_PENDING:
        return  # sent (or expired) already: running twice sends nothing twice
    if clock.as_utc(row.expires_at) <= clock.utcnow() or row.body is None:
        row.status = STATUS_EXPIRED
        _wipe(row)
        return
    row.attempts += 1
    envelope = Envelope(
        message_id=row.id,
        channel=row.channel,
        address=row.address,
        template=row.template,
        locale=row.locale,
        subject=row.subject,
        body=row.body,
    )
    # A failure raises: the job (and the attempt count) rolls back and the outbox retries later.
    await sender_for(row.channel).send(envelope)
    row.status = STATUS_SENT
    row.sent_at = clock.utcnow()
    _wipe(row)


@outbox.scheduled(EXPIRE_JOB, every=timedelta(minutes=10))
async def expire_unsent(db: AsyncSession, payload: outbox.Payload) -> None:
    """Wipe messages that could not be sent in time (e.g. the provider was down for a day)."""
    await expire_overdue(db)


async def expire_overdue(db: AsyncSession) -> int:
    rows = (
        await db.scalars(
            select(OutgoingMessage)
            .where(OutgoingMessage.status == STATUS_PENDING, OutgoingMessage.expires_at <= clock.utcnow())
            .limit(500)
        )
    ).all()
    for row in rows:
        row.status = STATUS_EXPIRED
        _wipe(row)
    return len(rows)
