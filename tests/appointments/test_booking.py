"""Booking through the API on SQLite and PostgreSQL: hold → pay → confirmed on commerce.order_paid,
lists, .ics, holds that expire, and bad inputs that change nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from anxin.appointments.models import Booking, InformedConsent
from anxin.core import clock, outbox
from anxin.core.outbox import OutboxMessage
from tests.appointments.conftest import NOW
from tests.appointments.support import (
    CARD,
    Person,
    booking_body,
    captures,
    count,
    in_days,
    orders_of,
    person,
    settle,
    verified_counsellor,
)

API = "/api/v1/appointments"

confirmed_events: list[int] = []


@outbox.subscribe("appointments.booking_confirmed", name="tests.record_confirmation")
async def _record(db, payload):  # type: ignore[no-untyped-def]
    confirmed_events.append(int(payload["booking_id"]))


async def book_and_pay(
    http: httpx.AsyncClient, app: FastAPI, client: Person, counsellor: Person, hour: int = 3
) -> dict:
    held = await http.post(
        f"{API}/bookings", json=booking_body(counsellor, in_days(NOW, 3, hour)), headers=client.headers
    )
    assert held.status_code == 201, held.text
    paid = await http.post(
        f"{API}/bookings/{held.json()['id']}/pay",
        json={"method": "sandbox", "card_number": CARD},
        headers=client.headers,
    )
    assert paid.status_code == 200, paid.text
    url = f"{API}/bookings/{held.json()['id']}"

    async def confirmed() -> bool:
        return (await http.get(url, headers=client.headers)).json()["status"] == "confirmed"

    await settle(app, confirmed)
    return (await http.get(url, headers=client.headers)).json()


async def test_a_paid_booking_is_confirmed_listed_and_announced(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    slots = (await client.get(f"{API}/counselors/{counsellor.id}/slots", headers=me.headers)).json()
    assert in_days(NOW, 3, 3).isoformat().replace("+00:00", "Z") in {s["starts_at"] for s in slots["slots"]}
    assert slots["prices"] == {"text": 200_00, "video": 400_00}

    booking = await book_and_pay(client, app, me, counsellor)

    assert booking["status"] == "confirmed" and booking["order_id"] is not None
    assert booking["id"] in confirmed_events
    mine = (await client.get(f"{API}/bookings", headers=me.headers)).json()
    assert [b["id"] for b in mine] == [booking["id"]]
    calendar = (await client.get(f"{API}/calendar", headers=counsellor.headers)).json()
    assert [b["id"] for b in calendar] == [booking["id"]]
    ics = await client.get(f"{API}/bookings/{booking['id']}/calendar.ics", headers=me.headers)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "DTSTART:20260305T030000Z" in ics.text
    # The slot is gone from the free list; someone else cannot see the booking at all.
    slots_after = (await client.get(f"{API}/counselors/{counsellor.id}/slots")).json()["slots"]
    assert in_days(NOW, 3, 3).isoformat().replace("+00:00", "Z") not in {s["starts_at"] for s in slots_after}
    stranger = await person(app)
    assert (await client.get(f"{API}/bookings/{booking['id']}", headers=stranger.headers)).status_code == 404
    # Reminders 24 h and 1 h before are waiting in the outbox.
    reminders = await count(app, OutboxMessage, OutboxMessage.name == "appointments.remind")
    assert reminders == 2


async def test_an_expired_hold_is_released_and_the_slot_can_be_booked_again(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    first, second = await person(app), await person(app)
    body = booking_body(counsellor, in_days(NOW, 2, 4))
    held = await client.post(f"{API}/bookings", json=body, headers=first.headers)
    assert held.status_code == 201
    assert (await client.post(f"{API}/bookings", json=body, headers=second.headers)).status_code == 409

    clock.freeze(NOW + timedelta(minutes=11))
    from anxin.appointments import booking as booking_service

    async with app.state.database.transaction() as db:
        assert await booking_service.release_expired_holds(db) == 1
    late_pay = await client.post(
        f"{API}/bookings/{held.json()['id']}/pay",
        json={"method": "sandbox", "card_number": CARD},
        headers=first.headers,
    )
    assert late_pay.status_code == 409
    again = await client.post(f"{API}/bookings", json=body, headers=second.headers)
    assert again.status_code == 201, again.text
    assert await orders_of(app, first.id) == 0


async def test_bad_requests_answer_4xx_and_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    pending = await person(app, "counsellor")  # never verified
    suspended = await verified_counsellor(app, admin)
    await client.post(
        f"/api/v1/counselors/admin/{suspended.id}/suspend",
        json={"reason": "under review"},
        headers=admin.headers,
    )
    me = await person(app)
    good = booking_body(counsellor, in_days(NOW, 3, 2))
    cases = [
        (booking_body(counsellor, NOW - timedelta(hours=2)), 422, "too_late_to_book"),
        (booking_body(counsellor, in_days(NOW, 3, 12)), 422, "outside_availability"),  # 20:00 Shanghai
        (booking_body(counsellor, in_days(NOW, 3, 2) + timedelta(minutes=17)), 422, "outside_availability"),
        (booking_body(pending, in_days(NOW, 3, 2)), 404, "counselor_not_found"),
        (booking_body(suspended, in_days(NOW, 3, 2)), 404, "counselor_not_found"),
        ({**good, "expected_amount": 150_00}, 409, "price_changed"),
        ({**good, "modality": "voice"}, 422, "validation_failed"),
        ({**good, "accept_terms_version": None}, 422, "informed_consent_required"),
    ]
    for body, status, code in cases:
        response = await client.post(f"{API}/bookings", json=body, headers=me.headers)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["code"] == code
    assert await count(app, Booking) == 0
    assert await count(app, InformedConsent) == 0
    assert (await client.post(f"{API}/bookings", json=good, headers=me.headers)).status_code == 201
    twice = await client.post(f"{API}/bookings", json=good, headers=me.headers)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_booked"
    assert await count(app, Booking) == 1
    # A counsellor cannot book; nobody signed in cannot either.
    assert (await client.post(f"{API}/bookings", json=good, headers=counsellor.headers)).status_code == 403
    assert (await client.post(f"{API}/bookings", json=good)).status_code == 401
    assert await captures(app) == 0


async def test_first_session_discount_is_quoted_and_charged(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin, first_session_discount_bp=2500)
    me = await person(app)
    prices = (await client.get(f"{API}/counselors/{counsellor.id}/slots", headers=me.headers)).json()[
        "prices"
    ]
    assert prices["text"] == 150_00
    full = await client.post(
        f"{API}/bookings", json=booking_body(counsellor, in_days(NOW, 3, 2)), headers=me.headers
    )
    assert full.status_code == 409  # the full price is stale for a first session
    held = await client.post(
        f"{API}/bookings",
        json=booking_body(counsellor, in_days(NOW, 3, 2), amount=150_00),
        headers=me.headers,
    )
    assert held.status_code == 201 and held.json()["amount"] == 150_00
