"""Appointments' jobs and subscribers (imported at start-up by ``modules.load_tasks``): confirm on
payment, release expired holds, reminders, settle sessions nobody marked; data-rights handlers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.appointments import booking, lifecycle, notices
from anxin.appointments import rights as appointment_rights
from anxin.appointments.models import Booking
from anxin.commerce.orders import ORDER_PAID, paid_event
from anxin.core import outbox
from anxin.privacy import rights


# Only paid sessions (articles and the like write no job for appointments).
@outbox.subscribe(paid_event(booking.SESSION_ITEM), name="appointments.confirm_booking", max_attempts=12)
async def confirm_booking(db: AsyncSession, payload: outbox.Payload) -> None:
    if payload.get("item_type") == booking.SESSION_ITEM:
        await booking.confirm_paid_order(db, int(payload["order_id"]))


# Jobs written before the subscription above moved to the session-only event still run.
outbox.job(f"{ORDER_PAID}->appointments.confirm_booking", max_attempts=12)(confirm_booking)


@outbox.scheduled("appointments.release_expired_holds", every=timedelta(minutes=1))
async def release_expired_holds(db: AsyncSession, payload: outbox.Payload) -> None:
    await booking.release_expired_holds(db)


@outbox.scheduled("appointments.settle_unmarked", every=timedelta(hours=1))
async def settle_unmarked(db: AsyncSession, payload: outbox.Payload) -> None:
    await lifecycle.settle_unmarked(db)


@outbox.job(notices.REMIND_JOB)
async def remind(db: AsyncSession, payload: outbox.Payload) -> None:
    row = await db.get(Booking, int(payload["booking_id"]))
    await notices.send_reminder(db, row, int(payload["starts"]))


rights.register_personal_data(
    "appointments",
    export=appointment_rights.export_appointments,
    erase=appointment_rights.erase_appointments,
    tables=appointment_rights.TABLES,
)
