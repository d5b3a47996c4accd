"""The "Recommended for you" slots on the library and profile pages (filled in the browser from the
recommendations API), a profile's own counsellor first, and no slot in a care room."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

import anxin.commerce.tasks
import anxin.content.tasks  # noqa: F401
from anxin.accounts import keys
from anxin.commerce.payments import registry
from anxin.commerce.settings import reset_commerce_settings
from anxin.core.config import Settings
from tests.appointments.support import person, verified_counsellor
from tests.content.support import published
from tests.rooms.support import make_pair

SLOT = "data-recommendations="


@pytest.fixture(autouse=True)
def commerce_ready(settings: Settings) -> Iterator[None]:
    reset_commerce_settings()
    registry.reset()
    keys.use_settings(settings)
    yield
    registry.reset()


async def test_library_and_profile_carry_the_slot_and_the_script(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await person(app, "admin")
    counsellor = await verified_counsellor(app, admin)
    reader = await person(app)
    english = {"Cookie": "anxin_lang=en"}

    library = await client.get("/library", headers={**reader.headers, **english})
    assert library.status_code == 200
    assert f'{SLOT}"library"' in library.text and 'data-signed-in="1"' in library.text
    assert "/static/js/recommendations.js" in library.text and "Recommended for you" in library.text
    # Not signed in: the slot is there but the script leaves it hidden and asks nothing.
    anonymous = await client.get("/library", headers=english)
    assert f'{SLOT}"library"' in anonymous.text and "data-signed-in" not in anonymous.text

    profile = await client.get(f"/counselors/{counsellor.id}", headers={**reader.headers, **english})
    assert profile.status_code == 200
    assert f'{SLOT}"profile" data-counsellor="{counsellor.id}"' in profile.text
    chinese = await client.get(
        f"/counselors/{counsellor.id}", headers={**reader.headers, "Cookie": "anxin_lang=zh-CN"}
    )
    assert "为你推荐" in chinese.text


async def test_a_profile_puts_that_counsellors_items_first(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await person(app, "admin")
    author = await verified_counsellor(app, admin)
    other = await verified_counsellor(app, admin)
    theirs = await published(client, author, title="Sleeping again after a loss", topic="sleep")
    popular = await published(client, other, title="Calm mornings", topic="anxiety")
    reader = await person(app)
    url = "/api/v1/matching/recommendations"
    headers = {**reader.headers, "Cookie": "anxin_lang=en"}
    found = await client.get(url, params={"context": "profile", "counsellor_id": author.id}, headers=headers)
    assert found.status_code == 200, found.text
    assert found.json()[0]["content_id"] == theirs["id"]
    assert found.json()[0]["reason"] == "Written by this counsellor"
    plain = await client.get(url, params={"context": "profile"}, headers=headers)
    assert {r["content_id"] for r in plain.json()} == {theirs["id"], popular["id"]}
    assert all(r["reason"] != "Written by this counsellor" for r in plain.json())
    bad = await client.get(url, params={"context": "profile", "counsellor_id": 0}, headers=headers)
    assert bad.status_code == 422


async def test_a_care_room_has_no_recommendation_slot(app: FastAPI, client: httpx.AsyncClient) -> None:
    pair = await make_pair(app.state.database)
    room = await client.get(f"/rooms/{pair.room_id}", headers=pair.client.headers)
    assert room.status_code == 200
    assert SLOT not in room.text and "recommendations.js" not in room.text
