"""An iCalendar (.ics) file for one session, so clients can add it to their own calendar.

The event names no one: a shared or synced calendar should not reveal that its owner sees a counsellor.
"""

from __future__ import annotations

from anxin.appointments.models import Booking
from anxin.core import clock


def _stamp(value: object) -> str:
    return clock.as_utc(value).strftime("%Y%m%dT%H%M%SZ")  # type: ignore[arg-type]


def session_ics(booking: Booking, *, summary: str, host: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Anxin//Sessions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:booking-{booking.id}@{host}",
        f"DTSTAMP:{_stamp(clock.utcnow())}",
        f"DTSTART:{_stamp(booking.starts_at)}",
        f"DTEND:{_stamp(booking.ends_at)}",
        f"SUMMARY:{summary.replace(',', ' ').replace(';', ' ')}",
        "STATUS:CONFIRMED",
        "BEGIN:VALARM",
        "TRIGGER:-PT1H",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{summary.replace(',', ' ').replace(';', ' ')}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
