"""The demo seeder (twice changes nothing), data-rights export and erasure of assessments' tables,
and (on PostgreSQL too) the sealed answers' roundtrip."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from anxin.accounts.demo import seed_accounts
from anxin.assessments import counselling, rights, service, sharing
from anxin.assessments.demo import seed_assessments
from anxin.assessments.models import AssessmentResponse, DiaryEntry, Referral
from anxin.core.db import Database
from anxin.privacy import crypto
from tests.assessments.support import care_pair


async def test_demo_twice(database: Database) -> None:
    for _ in range(2):
        async with database.transaction() as db:
            await seed_accounts(db)
            lines = await seed_assessments(db)
            assert any("/checkins" in line for line in lines)
    async with database.transaction(write=False) as db:
        assert await db.scalar(select(func.count()).select_from(AssessmentResponse)) == 5
        assert await db.scalar(select(func.count()).select_from(DiaryEntry)) == 14
        client = await db.scalar(select(AssessmentResponse.subject_id).limit(1))
        assert client is not None
        assert await sharing.status(db, client) == {"measures": True, "diary": True}


@pytest.mark.postgres
async def test_sealed_answers_roundtrip_and_the_database_holds_no_plaintext(
    app: FastAPI, database_url: str
) -> None:
    """Runs on both backends (the ``database`` fixture's params); marked for the PostgreSQL run."""
    client, counsellor = await care_pair(app)
    database: Database = app.state.database
    async with database.transaction() as db:
        done = await service.submit(db, client.id, "phq9", [3, 2, 1, 0, 3, 2, 1, 0, 0], language="en")
        saved = await service.save_diary(
            db, client.id, day=done.response.created_at.date(), mood=4, note="CANARY-pg-note"
        )
        await counselling.refer(
            db, counsellor.id, client.id, reason="other", service_type="other", notes="CANARY-pg-referral"
        )
    async with database.transaction(write=False) as db:
        row = await db.get(AssessmentResponse, done.response.id)
        assert row is not None and (row.score, row.band) == (12, "moderate")
        assert await service.answers_of(db, row) == [3, 2, 1, 0, 3, 2, 1, 0, 0]
        entry = await db.get(DiaryEntry, saved.entry.id)
        assert entry is not None and (await service.diary_view(db, entry)).note == "CANARY-pg-note"
        for table, column in (
            ("assessment_responses", "answers_sealed"),
            ("diary_entries", "note_sealed"),
            ("assessment_referrals", "notes_sealed"),
        ):
            blobs = (await db.execute(text(f"SELECT {column} FROM {table}"))).scalars().all()
            assert blobs and all(crypto.is_sealed(bytes(blob)) for blob in blobs)
            assert all(b"CANARY" not in bytes(blob) and b"3, 2, 1" not in bytes(blob) for blob in blobs)


async def test_export_and_erase(app: FastAPI) -> None:
    client, counsellor = await care_pair(app)
    database: Database = app.state.database
    async with database.transaction() as db:
        await service.submit(db, client.id, "gad7", [1] * 7, language="en")
        await service.save_diary(
            db, client.id, day=service.latest_allowed_day().replace(day=1), mood=6, note="CANARY-export"
        )
        await sharing.set_sharing(db, client.id, {"measures": True})
        await counselling.assign(db, counsellor.id, client.id, "phq9")
        await counselling.refer(db, counsellor.id, client.id, reason="other", service_type="other", notes="n")
    async with database.transaction() as db:
        exported = await rights.export_assessments(db, client.id)
        assert exported["responses"][0]["answers"] == [1] * 7
        assert exported["diary"][0]["note"] == "CANARY-export"
        assert exported["sharing"] == {"measures": True, "diary": False}
        assert len(exported["assignments"]) == 1 and len(exported["referrals_for_me"]) == 1
        made = await rights.export_assessments(db, counsellor.id)
        assert len(made["referrals_made"]) == 1 and made["responses"] == []
        await rights.erase_assessments(db, client.id)
    async with database.transaction(write=False) as db:
        for model in (AssessmentResponse, DiaryEntry, Referral):
            assert await db.scalar(select(func.count()).select_from(model)) == 0
