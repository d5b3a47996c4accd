"""T1, the slot race: many clients try to book the same slot at once. Exactly one gets 201 and
pays; everyone else gets 409; the database holds one active booking; nobody else is charged."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from anxin.appointments.models import ACTIVE, Booking
from tests.appointments.conftest import NOW
from tests.appointments.support import (
    CARD,
    Person,
    booking_body,
    captures,
    count,
    in_days,
    people,
    settle,
    verified_counsellor,
)

API = "/api/v1/appointments"


async def attempt(http: httpx.AsyncClient, client: Person, body: dict) -> tuple[int, int]:
    """Book, and pay only when the slot was won; returns (booking status, payment status)."""
    held = await http.post(f"{API}/bookings", json=body, headers=client.headers)
    if held.status_code != 201:
        return held.status_code, 0
    paid = await http.post(
        f"{API}/bookings/{held.json()['id']}/pay",
        json={"method": "sandbox", "card_number": CARD},
        headers=client.headers,
    )
    return held.status_code, paid.status_code


async def race(app: FastAPI, http: httpx.AsyncClient, admin: Person, *, clients: int, rounds: int) -> None:
    counsellor = await verified_counsellor(app, admin)
    crowd = await people(app, clients)
    for round_no in range(rounds):
        body = booking_body(counsellor, in_days(NOW, 2 + round_no // 9, 1 + round_no % 9))
        results = await asyncio.gather(*(attempt(http, client, body) for client in crowd))
        statuses = sorted(status for status, _ in results)
        assert statuses.count(201) == 1, statuses
        assert statuses.count(409) == clients - 1, statuses
        assert not [s for s in statuses if s >= 500]
        assert [paid for status, paid in results if status == 201] == [200]
        active = await count(app, Booking, Booking.counsellor_id == counsellor.id, Booking.status.in_(ACTIVE))
        assert active == round_no + 1

    async def all_confirmed() -> bool:
        return await count(app, Booking, Booking.status == "confirmed") == rounds

    await settle(app, all_confirmed)
    assert await captures(app) == rounds  # one charge per round; the losers were never charged
    confirmed = await count(app, Booking, Booking.status == "confirmed")
    assert confirmed == rounds


async def test_fifty_clients_race_for_one_slot(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    await race(app, client, admin, clients=50, rounds=3)


async def test_two_hundred_clients_race_on_postgres_fifty_on_sqlite(
    app: FastAPI, client: httpx.AsyncClient, admin: Person, database_url: str
) -> None:
    # SQLite serialises writers; the test plan caps its concurrency at 50.
    clients = 50 if database_url.startswith("sqlite") else 200
    await race(app, client, admin, clients=clients, rounds=1)


@pytest.mark.soak
async def test_slot_race_soak(
    app: FastAPI, client: httpx.AsyncClient, admin: Person, database_url: str
) -> None:
    clients = 50 if database_url.startswith("sqlite") else 200
    await race(app, client, admin, clients=clients, rounds=27)


async def test_a_cancelled_slot_is_raced_for_again_and_again_has_one_winner(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    crowd = await people(app, 20)
    body = booking_body(counsellor, in_days(NOW, 3, 5))
    for _ in range(3):
        results = await asyncio.gather(
            *(client.post(f"{API}/bookings", json=body, headers=c.headers) for c in crowd)
        )
        winners = [(c, r) for c, r in zip(crowd, results, strict=True) if r.status_code == 201]
        assert len(winners) == 1
        assert sorted(r.status_code for r in results).count(409) == len(crowd) - 1
        winner, reply = winners[0]
        cancelled = await client.post(f"{API}/bookings/{reply.json()['id']}/cancel", headers=winner.headers)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert (
            await count(app, Booking, Booking.counsellor_id == counsellor.id, Booking.status.in_(ACTIVE)) == 0
        )
    assert await count(app, Booking, Booking.status == "cancelled") == 3
    assert await captures(app) == 0
