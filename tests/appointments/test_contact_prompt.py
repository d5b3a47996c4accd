"""The booking page before a client's first session points to the emergency-contact page and says
who may see it; once a session is booked and paid it no longer asks."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.appointments.conftest import NOW
from tests.appointments.support import Person, in_days, person, verified_counsellor
from tests.appointments.test_booking import book_and_pay

PROMPT = 'id="emergency-contact-prompt"'


async def test_first_booking_page_links_to_the_emergency_contact(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    headers = {**me.headers, "Cookie": "anxin_lang=en"}
    url = f"/counselors/{counsellor.id}/book"
    params = {"starts_at": in_days(NOW, 3, 4).isoformat(), "modality": "text"}
    first = await client.get(url, params=params, headers=headers)
    assert first.status_code == 200, first.text
    assert PROMPT in first.text and 'href="/safety/contact"' in first.text
    assert "shown only to the person who responds to an active high-risk alert" in first.text

    await book_and_pay(client, app, me, counsellor)
    later = await client.get(url, params=params, headers=headers)
    assert later.status_code == 200 and PROMPT not in later.text
