"""Content recommendations: from what the client bought and is working on, with a reason line;
refused for a care room."""

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
from tests.content.support import buy, published, top_up


@pytest.fixture(autouse=True)
def commerce_ready(settings: Settings) -> Iterator[None]:
    reset_commerce_settings()
    registry.reset()
    keys.use_settings(settings)
    yield
    registry.reset()


async def test_recommendations_follow_what_the_client_read_and_works_on(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await person(app, "admin")
    author = await verified_counsellor(app, admin)
    bought = await published(client, author, title="Breathing through a hard day", topic="anxiety")
    similar = await published(
        client,
        author,
        title="Breathing for a calmer day",
        summary="Short breathing exercises.",
        topic="anxiety",
    )
    await published(client, author, title="Budgeting for students", summary="Money basics.", topic="work")
    sleep = await published(client, author, title="Night routines", summary="Falling asleep.", topic="sleep")
    reader = await person(app)
    await top_up(client, reader)
    assert (await buy(client, reader, bought)).status_code in (200, 201)
    await client.post("/api/v1/matching", json={"concerns": ["sleep"]}, headers=reader.headers)

    found = await client.get(
        "/api/v1/matching/recommendations",
        params={"context": "library"},
        headers={**reader.headers, "Cookie": "anxin_lang=en"},
    )
    assert found.status_code == 200, found.text
    items = found.json()
    ids = [r["content_id"] for r in items]
    assert bought["id"] not in ids  # already theirs
    assert ids[0] == similar["id"] and items[0]["reason"] == "Because you read “Breathing through a hard day”"
    by_id = {r["content_id"]: r for r in items}
    assert by_id[sleep["id"]]["reason"] == "On a topic you are working on"
    assert all(r["reason"] for r in items) and all(r["url"].startswith("/library/") for r in items)

    room = await client.get(
        "/api/v1/matching/recommendations", params={"context": "room"}, headers=reader.headers
    )
    assert room.status_code == 422
