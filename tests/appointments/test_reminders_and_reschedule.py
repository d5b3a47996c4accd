"""Reminders 24 h and 1 h before, a reschedule that moves them, and a declined card that charges
nothing and keeps the hold until it expires."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from anxin.core.notify import Notification
from tests.appointments.conftest import NOW
from tests.appointments.support import Person, captures, in_days, move_clock, person, verified_counsellor
from tests.appointments.test_booking import API, book_and_pay


async def reminders_for(app: FastAPI, user_id: int) -> int:
    async with app.state.database.transaction(write=False) as db:
        rows = await db.scalars(
            select(Notification).where(
                Notification.recipient_id == user_id, Notification.kind == "appointments.reminder"
            )
        )
        return len(rows.all())


async def test_reminders_arrive_24_and_1_hours_before_and_follow_a_reschedule(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    booking = await book_and_pay(client, app, me, counsellor)
    start = in_days(NOW, 3, 3)
    moved_to = in_days(NOW, 4, 5)
    moved = await client.post(
        f"{API}/bookings/{booking['id']}/reschedule",
        json={"starts_at": moved_to.isoformat()},
        headers=me.headers,
    )
    assert moved.status_code == 200 and moved.json()["starts_at"].startswith("2026-03-06T05:00")
    outside = await client.post(
        f"{API}/bookings/{booking['id']}/reschedule",
        json={"starts_at": in_days(NOW, 4, 13).isoformat()},
        headers=me.headers,
    )
    assert outside.status_code == 422
    # The reminders set for the old time do nothing; the new ones come on time.
    await move_clock(app, start - timedelta(hours=1), me, counsellor)
    await app.state.relay.drain()
    assert await reminders_for(app, me.id) == 0
    await move_clock(app, moved_to - timedelta(hours=24), me, counsellor)
    await app.state.relay.drain()
    assert await reminders_for(app, me.id) == 1
    assert await reminders_for(app, counsellor.id) == 1
    await move_clock(app, moved_to - timedelta(hours=1), me, counsellor)
    await app.state.relay.drain()
    assert await reminders_for(app, me.id) == 2
    late = await client.post(
        f"{API}/bookings/{booking['id']}/reschedule",
        json={"starts_at": in_days(NOW, 6, 2).isoformat()},
        headers=me.headers,
    )
    assert late.status_code == 409  # less than 24 hours before the start


async def test_a_declined_card_charges_nothing(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    from tests.appointments.support import booking_body

    held = await client.post(
        f"{API}/bookings", json=booking_body(counsellor, in_days(NOW, 3, 4)), headers=me.headers
    )
    declined = await client.post(
        f"{API}/bookings/{held.json()['id']}/pay",
        json={"method": "sandbox", "card_number": "4000 0000 0000 0002"},
        headers=me.headers,
    )
    assert declined.status_code == 402
    assert await captures(app) == 0
    status = (await client.get(f"{API}/bookings/{held.json()['id']}", headers=me.headers)).json()["status"]
    assert status == "held"
