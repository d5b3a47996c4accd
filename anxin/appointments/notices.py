"""What appointments tells people (in-app and e-mail through the outbox) and the reminder schedule.

Parameters carry ids and times only; the reader's language renders the words.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.appointments import models
from anxin.appointments.models import Booking
from anxin.core import clock, notify, outbox
from anxin.core.notify.templates import N_, register_template

CONFIRMED = "appointments.booking_confirmed"
CANCELLED = "appointments.booking_cancelled"
REMINDER = "appointments.reminder"
REMIND_JOB = "appointments.remind"
REMINDER_LEADS = (timedelta(hours=24), timedelta(hours=1))

register_template(
    CONFIRMED,
    subject=N_("Your Anxin session is booked"),
    body=N_("A counselling session is booked for {starts_at} (UTC). You can see it under My sessions."),
)
register_template(
    CANCELLED,
    subject=N_("An Anxin session was cancelled"),
    body=N_(
        "The counselling session on {starts_at} (UTC) was cancelled. Any refund goes back the way you paid."
    ),
)
register_template(
    REMINDER,
    subject=N_("Reminder: your Anxin session"),
    body=N_("Your counselling session starts at {starts_at} (UTC)."),
)


def _when(booking: Booking) -> str:
    return clock.as_utc(booking.starts_at).strftime("%Y-%m-%d %H:%M")


async def booking_confirmed(db: AsyncSession, booking: Booking) -> None:
    params = {"booking_id": booking.id, "starts_at": _when(booking)}
    await notify.notify_user(db, booking.client_id, CONFIRMED, params, channels=(notify.IN_APP, notify.EMAIL))
    await notify.notify_user(db, booking.counsellor_id, CONFIRMED, params)
    await schedule_reminders(db, booking)


async def booking_cancelled(db: AsyncSession, booking: Booking, *, notify_id: int) -> None:
    params = {"booking_id": booking.id, "starts_at": _when(booking)}
    await notify.notify_user(db, notify_id, CANCELLED, params, channels=(notify.IN_APP, notify.EMAIL))


async def schedule_reminders(db: AsyncSession, booking: Booking) -> None:
    """One job per lead time, keyed on the start so a reschedule schedules fresh ones."""
    now = clock.utcnow()
    starts_at = clock.as_utc(booking.starts_at)
    stamp = int(starts_at.timestamp())
    for lead in REMINDER_LEADS:
        due = starts_at - lead
        if due <= now:
            continue
        hours = int(lead.total_seconds() // 3600)
        await outbox.enqueue(
            db,
            REMIND_JOB,
            {"booking_id": booking.id, "starts": stamp, "lead_hours": hours},
            delay=due - now,
            dedupe_key=f"{REMIND_JOB}:{booking.id}:{stamp}:{hours}",
        )


async def send_reminder(db: AsyncSession, booking: Booking | None, starts: int) -> None:
    """Remind both sides, unless the session was cancelled or moved since the reminder was set."""
    if (
        booking is None
        or booking.status != models.CONFIRMED
        or int(clock.as_utc(booking.starts_at).timestamp()) != starts
    ):
        return
    params = {"booking_id": booking.id, "starts_at": _when(booking)}
    for user_id in (booking.client_id, booking.counsellor_id):
        await notify.notify_user(db, user_id, REMINDER, params, channels=(notify.IN_APP, notify.EMAIL))
