"""My sessions shows "Recommended for you" (rendered by the server) once a session has been held,
not before."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from tests.appointments.conftest import NOW
from tests.appointments.support import Person, in_days, move_clock, person, verified_counsellor
from tests.appointments.test_booking import book_and_pay
from tests.content.support import published

SLOT = 'data-recommendations="after_session"'


async def test_the_slot_follows_a_completed_session(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    item = await published(client, counsellor, title="After the first session", topic="anxiety")
    me = await person(app)
    booking = await book_and_pay(client, app, me, counsellor)
    before = await client.get("/sessions", headers=me.headers)
    assert before.status_code == 200 and SLOT not in before.text
    await move_clock(app, in_days(NOW, 3, 3) + timedelta(minutes=50), me, counsellor, admin)
    held = await client.post(
        f"/api/v1/appointments/bookings/{booking['id']}/outcome",
        json={"outcome": "held"},
        headers=counsellor.headers,
    )
    assert held.status_code == 200 and held.json()["status"] == "completed"
    after = await client.get("/sessions", headers={**me.headers, "Cookie": "anxin_lang=en"})
    section = after.text.split(SLOT)[1].split("</section>")[0]
    assert f'href="/library/{item["id"]}"' in section and "After the first session" in section
    assert "data-reason" in section and "Popular with readers" in section
