"""After the start: the counsellor marks a session held or the client a no-show; the client may
report that the counsellor did not come (full refund); sessions nobody marks are settled by rule.

Money follows the outcome: held, client no-show and settled sessions release escrow to the
counsellor (``commerce.orders.mark_fulfilled``); a counsellor no-show refunds the client in full.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import User
from anxin.appointments.booking import _refund, access_booking
from anxin.appointments.errors import BookingNotFound, NotBookable
from anxin.appointments.models import (
    CLIENT_NO_SHOW,
    COMPLETED,
    CONFIRMED,
    COUNSELLOR_NO_SHOW,
    Booking,
)
from anxin.commerce import orders
from anxin.core import clock

# A session nobody marked within this time after its end counts as held.
SETTLE_AFTER = timedelta(hours=48)


def _started(booking: Booking) -> bool:
    return clock.as_utc(booking.starts_at) <= clock.utcnow()


async def _fulfil(db: AsyncSession, booking: Booking) -> None:
    if booking.order_id is not None:
        await orders.mark_fulfilled(db, booking.order_id)


async def mark_by_counsellor(db: AsyncSession, counsellor: User, booking_id: int, *, outcome: str) -> Booking:
    """``outcome`` is ``held`` or ``client_no_show``; either way the fee is earned."""
    booking = await access_booking(db, counsellor, booking_id, lock=True)
    if booking.counsellor_id != counsellor.id:
        raise BookingNotFound()
    if booking.status != CONFIRMED or not _started(booking):
        raise NotBookable()
    booking.status = COMPLETED if outcome == "held" else CLIENT_NO_SHOW
    booking.ended_at, booking.ended_by = clock.utcnow(), "counsellor"
    await _fulfil(db, booking)
    return booking


async def report_counsellor_no_show(db: AsyncSession, client: User, booking_id: int) -> Booking:
    """The client says the counsellor did not come: unless the counsellor already marked the session,
    the client gets everything back at once (a dispute goes through a complaint)."""
    booking = await access_booking(db, client, booking_id, lock=True)
    if booking.client_id != client.id:
        raise BookingNotFound()
    if booking.status != CONFIRMED or not _started(booking):
        raise NotBookable()
    await _refund(db, booking, None, reason="counsellor did not attend")
    booking.status, booking.ended_at, booking.ended_by = COUNSELLOR_NO_SHOW, clock.utcnow(), "client"
    return booking


async def settle_unmarked(db: AsyncSession) -> int:
    """The rule for sessions nobody marked: held, 48 hours after their end."""
    rows = await db.scalars(
        select(Booking)
        .where(Booking.status == CONFIRMED, Booking.ends_at <= clock.utcnow() - SETTLE_AFTER)
        .with_for_update()
        .limit(500)
    )
    count = 0
    for booking in rows.all():
        booking.status, booking.ended_at, booking.ended_by = COMPLETED, clock.utcnow(), "system"
        await _fulfil(db, booking)
        count += 1
    return count
