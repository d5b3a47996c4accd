"""The intake page asks for an emergency contact and city (optional, encouraged), says who may see
it, and knows when the client has given one; the privacy promises say the same."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.appointments.support import person

PROMPT = 'id="emergency-contact-prompt"'


async def test_intake_leads_to_the_emergency_contact_page(app: FastAPI, client: httpx.AsyncClient) -> None:
    me = await person(app)
    english = {**me.headers, "Cookie": "anxin_lang=en"}
    intake = await client.get("/matching", headers=english)
    assert intake.status_code == 200
    assert PROMPT in intake.text and 'data-has-contact="0"' in intake.text
    assert 'href="/safety/contact"' in intake.text and "Add an emergency contact" in intake.text
    assert "shown only to the person who responds to an active high-risk alert" in intake.text

    saved = await client.put(
        "/api/v1/safety/me/emergency-contact",
        json={"name": "Li Ming", "phone": "+86 138 0000 0000", "relation": "sister", "city": "Chengdu"},
        headers=me.headers,
    )
    assert saved.status_code == 200, saved.text
    again = await client.get("/matching", headers=english)
    assert 'data-has-contact="1"' in again.text and "Check or change my emergency contact" in again.text
    assert "Li Ming" not in again.text  # the intake only knows that there is one

    chinese = await client.get("/matching", headers={**me.headers, "Cookie": "anxin_lang=zh-CN"})
    assert "紧急联系人和你所在的城市" in chinese.text

    home = await client.get("/", headers={"Cookie": "anxin_lang=en"})
    assert 'id="promise-emergency-contact"' in home.text
