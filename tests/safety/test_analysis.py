"""The deep pass on stored room messages: only with the writer's consent (checked when the job runs),
the result sealed with the model versions, a risk the inline screen missed opens a flag; and review
exports a flagged text to a regression set, de-identified, only with training consent."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from anxin.core import clock, hooks
from anxin.privacy import consent
from anxin.safety import analysis, regression
from anxin.safety.models import TextAnalysis
from tests.safety.support import HIGH_RISK, flags, grant, make_admin, make_care, settle, withdraw


async def _analyses(app: FastAPI) -> list[TextAnalysis]:
    async with app.state.database.transaction(write=False) as db:
        return list(await db.scalars(select(TextAnalysis).order_by(TextAnalysis.id)))


async def _send(client: httpx.AsyncClient, care, text: str, msg_id: str) -> None:  # type: ignore[no-untyped-def]
    response = await client.post(
        f"/api/v1/rooms/{care.room_id}/messages",
        json={"text": text, "client_msg_id": msg_id},
        headers=care.client.headers,
    )
    assert response.status_code == 201


async def test_no_consent_no_analysis(app: FastAPI, client: httpx.AsyncClient) -> None:
    care = await make_care(app.state.database)
    await _send(client, care, "I feel a bit low today.", "n1")
    await settle(app)
    assert await _analyses(app) == []


async def test_consented_analysis_is_sealed_with_versions(app: FastAPI, client: httpx.AsyncClient) -> None:
    care = await make_care(app.state.database)
    await grant(
        app.state.database, care.client.user_id, consent.AI_EMOTION_ANALYSIS, consent.AI_RISK_SCREENING
    )
    await _send(client, care, "I am so angry at my boss, nothing works.", "y1")
    await settle(app)
    (row,) = await _analyses(app)
    assert row.source == "room_message" and set(row.model_versions) >= {"emotion", "risk"}
    assert b"angry" not in row.result_sealed
    async with app.state.database.transaction(write=False) as db:
        result = await analysis.read_result(db, row)
    assert result["emotion"]["label"] and "risk" in result


async def test_withdrawn_consent_stores_nothing_afterwards(app: FastAPI, client: httpx.AsyncClient) -> None:
    database = app.state.database
    care = await make_care(database)
    await grant(database, care.client.user_id, consent.AI_EMOTION_ANALYSIS, consent.AI_RISK_SCREENING)
    await _send(client, care, "Work was heavy today.", "w1")
    await settle(app)
    assert len(await _analyses(app)) == 1
    await withdraw(database, care.client.user_id, consent.AI_EMOTION_ANALYSIS)
    await withdraw(database, care.client.user_id, consent.AI_RISK_SCREENING)
    await _send(client, care, "Still heavy, I cannot sleep.", "w2")
    await settle(app)
    assert len(await _analyses(app)) == 1  # nothing for the message after the withdrawal


async def test_withdrawal_stops_jobs_already_queued(app: FastAPI) -> None:
    database = app.state.database
    care = await make_care(database)
    await grant(database, care.client.user_id, consent.AI_EMOTION_ANALYSIS)
    await withdraw(database, care.client.user_id, consent.AI_EMOTION_ANALYSIS)
    loaded: list[str] = []

    async def load_text() -> str:
        loaded.append("unsealed")
        return "queued before the withdrawal"

    async with database.transaction() as db:
        stored = await analysis.analyze_stored(
            db, subject_id=care.client.user_id, source="diary", ref="1", load_text=load_text
        )
    # Without consent the text is not even unsealed for the job.
    assert stored is None and await _analyses(app) == [] and loaded == []


async def test_deep_pass_opens_a_flag_the_screen_missed(app: FastAPI) -> None:
    database = app.state.database
    care = await make_care(database)
    await grant(database, care.client.user_id, consent.AI_RISK_SCREENING)
    hooks.text_written.unregister(_screen())  # the inline screen "misses" it
    try:
        async with database.transaction() as db:
            await analysis.analyze_stored(
                db, subject_id=care.client.user_id, source="diary", ref="5", load_text=_text(HIGH_RISK)
            )
    finally:
        hooks.text_written.register(_screen())
    (flag,) = await flags(database)
    assert (flag.origin, flag.source, flag.ref) == ("deep", "diary", "5")


def _text(text: str):  # type: ignore[no-untyped-def]
    async def load() -> str:
        return text

    return load


def _screen():  # type: ignore[no-untyped-def]
    from anxin.safety.screening import screen_text

    return screen_text


async def test_review_exports_deidentified_text_with_consent(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANXIN_HOME", str(tmp_path))
    database = app.state.database
    care = await make_care(database)
    admin = await make_admin(database)
    await _send(client, care, HIGH_RISK + " Call me at 13812345678.", "r1")
    (flag,) = await flags(database)
    url = f"/api/v1/safety/flags/{flag.id}/regression"
    refused = await client.post(url, json={"set": "must_catch"}, headers=admin.headers)
    assert refused.status_code == 409
    await grant(database, care.client.user_id, consent.DEIDENTIFIED_MODEL_TRAINING)
    assert (await client.post(url, json={"set": "nonsense"}, headers=admin.headers)).status_code == 422
    assert (await client.post(url, json={"set": "must_catch"}, headers=admin.headers)).status_code == 201
    lines = (tmp_path / "models" / "regression" / "must_catch.jsonl").read_text("utf-8").splitlines()
    case = json.loads(lines[-1])
    assert "13812345678" not in case["text"] and "[PHONE]" in case["text"] and case["lang"] == "en"
    assert regression.SETS == ("must_catch", "hard_negatives")


async def test_diary_notes_are_analysed_and_screened(app: FastAPI) -> None:
    from anxin.assessments import service as assessments

    database = app.state.database
    care = await make_care(database)
    await grant(database, care.client.user_id, consent.AI_EMOTION_ANALYSIS)
    async with database.transaction() as db:
        saved = await assessments.save_diary(
            db, care.client.user_id, day=clock.utcnow().date(), mood=2, note=HIGH_RISK
        )
    assert saved.show_resources
    await settle(app)
    (row,) = await _analyses(app)
    (flag,) = await flags(database)
    assert (row.source, flag.source, flag.ref) == ("diary", "diary", row.ref)
    assert "risk" not in row.model_versions  # emotion consent only: the risk model's result is not kept
