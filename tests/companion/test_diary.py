"""A saved thought record can be added to the mood diary; an existing note for today is kept."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from anxin.assessments import service as assessments
from anxin.companion import diary, service
from anxin.companion.errors import MoodNeeded
from anxin.core import clock
from anxin.core.db import Database
from tests.companion.support import make_person

ANSWERS = [
    "missed the bus",
    "I always mess up",
    "sad 70",
    "it happened",
    "I was on time all week",
    "one bus",
    "sad 30",
]


async def _saved_record(database: Database, user_id: int) -> int:
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, user_id, "en")
        await service.start_exercise(db, user_id, conversation.id, "thought_record")
        for answer in ANSWERS:
            await service.post_message(db, user_id, conversation.id, answer)
        return (await service.save_thought_record(db, user_id, conversation.id)).id


async def test_copy_to_diary_keeps_todays_note(database: Database) -> None:
    person = await make_person(database)
    record_id = await _saved_record(database, person.user_id)
    async with database.transaction() as db:
        with pytest.raises(MoodNeeded):
            await diary.copy_to_diary(db, person.user_id, record_id, mood=None, locale="en")
        await assessments.save_diary(
            db, person.user_id, day=clock.utcnow().date(), mood=4, note="morning note"
        )
        saved = await diary.copy_to_diary(db, person.user_id, record_id, mood=None, locale="en")
        view = await assessments.diary_view(db, saved.entry)
    assert view.mood == 4 and view.note is not None
    assert view.note.startswith("morning note") and "I always mess up" in view.note


async def test_copy_to_diary_over_the_api(app: FastAPI, client: httpx.AsyncClient) -> None:
    person = await make_person(app.state.database)
    record_id = await _saved_record(app.state.database, person.user_id)
    copied = await client.post(
        f"/api/v1/companion/thought-records/{record_id}/diary", json={"mood": 6}, headers=person.headers
    )
    assert copied.status_code == 201, copied.text
    stranger = await make_person(app.state.database)
    other = await client.post(
        f"/api/v1/companion/thought-records/{record_id}/diary", json={"mood": 6}, headers=stranger.headers
    )
    assert other.status_code == 404
    client.cookies.set("anxin_session", person.token)
    try:
        listing = await client.get("/companion-records")
        assert listing.status_code == 200 and f'id="mood-{record_id}"' in listing.text
    finally:
        client.cookies.clear()
