"""The "Recommended for you" sections on the library and profile pages (rendered by the server through
``hooks.page_slot``, with each item's reason line), a profile's own counsellor first, and none in a
care room."""

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


async def test_library_and_profile_render_recommendations_with_their_reason(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await person(app, "admin")
    counsellor = await verified_counsellor(app, admin)
    item = await published(client, counsellor, title="Sleeping again after a loss", topic="sleep")
    reader = await person(app)
    english = {"Cookie": "anxin_lang=en"}

    library = await client.get("/library", headers={**reader.headers, **english})
    assert library.status_code == 200
    # In the HTML itself (no script needed): the section, the item's link and its reason line.
    section = library.text.split(f'{SLOT}"library" data-rendered="1"')[1].split("</section>")[0]
    assert "Recommended for you" in section
    assert f'data-recommended="{item["id"]}"' in section and f'href="/library/{item["id"]}"' in section
    assert "Sleeping again after a loss" in section and "Popular with readers" in section
    assert "/static/js/recommendations.js" not in library.text
    # Not signed in, or not a client: nothing is recommended and nothing is asked for.
    anonymous = await client.get("/library", headers=english)
    assert SLOT not in anonymous.text and "recommendations.js" not in anonymous.text
    own = await client.get("/library", headers={**counsellor.headers, **english})
    assert SLOT not in own.text

    profile = await client.get(f"/counselors/{counsellor.id}", headers={**reader.headers, **english})
    assert profile.status_code == 200
    section = profile.text.split(f'{SLOT}"profile" data-rendered="1"')[1].split("</section>")[0]
    assert f'data-recommended="{item["id"]}"' in section and "Written by this counsellor" in section
    chinese = await client.get(
        f"/counselors/{counsellor.id}", headers={**reader.headers, "Cookie": "anxin_lang=zh-CN"}
    )
    assert "为你推荐" in chinese.text and "这位咨询师的作品" in chinese.text


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
    admin = await person(app, "admin")
    author = await verified_counsellor(app, admin)
    await published(client, author, title="Calm mornings", topic="anxiety")
    library = await client.get("/library", headers=pair.client.headers)
    assert SLOT in library.text  # the same client is recommended something elsewhere...
    room = await client.get(f"/rooms/{pair.room_id}", headers=pair.client.headers)
    assert room.status_code == 200
    assert SLOT not in room.text and "recommendations.js" not in room.text  # ...but never in a room
    assert "Calm mornings" not in room.text


async def test_a_failing_provider_leaves_the_page_and_the_other_fragments(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncSession

    from anxin.core import hooks

    async def broken(db: AsyncSession, slot: hooks.PageSlot) -> hooks.Fragment | None:
        await db.execute(text("SELECT * FROM no_such_table"))  # aborts a PostgreSQL transaction
        return None

    admin = await person(app, "admin")
    counsellor = await verified_counsellor(app, admin)
    item = await published(client, counsellor, title="Calm mornings", topic="anxiety")
    reader = await person(app)
    providers = hooks.page_slot.providers
    for provider in providers:
        hooks.page_slot.unregister(provider)
    hooks.page_slot.register(broken)
    for provider in providers:
        hooks.page_slot.register(provider)
    try:
        library = await client.get("/library", headers={**reader.headers, "Cookie": "anxin_lang=en"})
    finally:
        hooks.page_slot.unregister(broken)
    assert library.status_code == 200
    assert f'data-recommended="{item["id"]}"' in library.text  # the provider after it still ran
