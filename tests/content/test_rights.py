"""Data rights: export holds a person's content (questions unsealed), erasure removes it; the
hooks see questions, answers and comments under their surface names."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.content import rights
from anxin.content.models import Comment, ContentItem, Purchase, Question
from anxin.core import hooks
from anxin.core.db import Database
from tests.appointments.support import Person, person
from tests.content.support import API, add_lesson, article_body, buy, key, published, top_up


async def test_export_and_erase(
    app: FastAPI, client: httpx.AsyncClient, author: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rights, "get_settings", lambda: app.state.settings)
    surfaces: list[str] = []

    async def watch(db: AsyncSession, event: hooks.TextWritten) -> None:
        surfaces.append(event.surface)

    hooks.text_written.register(watch)
    try:
        item = await published(client, author)
        reader = await person(app)
        await top_up(client, reader)
        await buy(client, reader, item)
        await client.post(
            f"{API}/items/{item['id']}/comments", json={"text": "CANARY-comment"}, headers=reader.headers
        )
        await client.put(
            f"{API}/answerer", params={"price": 10_00, "unlock_price": 1_00}, headers=author.headers
        )
        asked = await client.post(
            f"{API}/questions",
            json={"counsellor_id": author.id, "text": "CANARY-question text", "expected_amount": 10_00},
            headers={**reader.headers, **key()},
        )
        await client.post(
            f"{API}/questions/{asked.json()['id']}/answer", data={"text": "ok"}, headers=author.headers
        )
    finally:
        hooks.text_written.unregister(watch)
    assert surfaces == ["content_comment", "content_question", "content_answer"]

    database: Database = app.state.database
    async with database.transaction() as db:
        exported = await rights.export_content(db, reader.id)
        assert exported["questions"][0]["text"] == "CANARY-question text"
        assert exported["comments"][0]["text"] == "CANARY-comment"
        assert len(exported["purchases"]) == 1
        await rights.erase_content(db, reader.id)
    async with database.transaction(write=False) as db:
        for model, column in (
            (Question, Question.asker_id),
            (Comment, Comment.author_id),
            (Purchase, Purchase.client_id),
        ):
            assert await db.scalar(select(func.count()).select_from(model).where(column == reader.id)) == 0
    course = await client.post(f"{API}/items", json=article_body(kind="course"), headers=author.headers)
    assert (await add_lesson(client, author, course.json()["id"], free=True)).status_code == 201
    media_dir = app.state.settings.home / "content-media"
    assert [p for p in media_dir.rglob("*") if p.is_file()]
    async with database.transaction() as db:
        await rights.erase_content(db, author.id)
    assert [p for p in media_dir.rglob("*") if p.is_file()] == []  # the recordings went too
    async with database.transaction(write=False) as db:
        left = await db.scalar(
            select(func.count()).select_from(ContentItem).where(ContentItem.author_id == author.id)
        )
        assert left == 0
