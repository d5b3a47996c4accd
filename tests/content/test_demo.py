"""The content demo seeder: articles, a course with generated audio, an event; twice changes nothing."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from anxin.content import demo as content_demo
from anxin.core.db import Database
from anxin.core.demo import seeders
from anxin.modules import load_demo
from tests.content.support import API

NEEDED = ("accounts", "counselors", "commerce", "content")


async def test_demo_twice(app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    load_demo()
    monkeypatch.setattr(content_demo, "get_settings", lambda: app.state.settings)
    database: Database = app.state.database
    for _ in range(2):
        async with database.transaction() as db:
            for name, seeder in seeders:
                if name in NEEDED:
                    await seeder(db)
    zh = (await client.get(f"{API}/items", params={"language": "zh"})).json()
    assert sorted(row["kind"] for row in zh) == ["article", "course", "live_event"]
    course = next(row for row in zh if row["kind"] == "course")
    lessons = (await client.get(f"{API}/items/{course['id']}/lessons")).json()
    assert [lesson["free"] for lesson in lessons] == [True, False]
    audio = await client.get(lessons[0]["audio_url"], headers={"Range": "bytes=0-11"})
    assert audio.status_code == 206 and audio.content.startswith(b"RIFF")
