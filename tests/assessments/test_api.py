"""The questionnaire and diary API: scores, bands, sealed answers, crisis resources on risk, and
bad input refused with nothing stored."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from anxin.assessments.models import AssessmentResponse, DiaryEntry
from anxin.core import clock, hooks
from anxin.core.outbox import OutboxMessage
from anxin.privacy import crypto
from tests.appointments.support import person
from tests.assessments.support import recording, unit

RESOURCES = hooks.ScreenOutcome(level="high", show_resources=True, flag_id=7)


async def count(app: FastAPI, model: type) -> int:
    async with unit(app) as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_instruments_in_both_languages(app: FastAPI, client: httpx.AsyncClient) -> None:
    en = (await client.get("/api/v1/assessments/instruments/phq9", headers={"Accept-Language": "en"})).json()
    zh = (
        await client.get("/api/v1/assessments/instruments/phq9", headers={"Accept-Language": "zh-CN"})
    ).json()
    assert len(en["items"]) == len(zh["items"]) == 9
    assert en["items"][1].startswith("Feeling down") and "心情低落" in zh["items"][1]
    assert "Pfizer" in en["licence"] and en["score_max"] == 27
    codes = [item["code"] for item in (await client.get("/api/v1/assessments/instruments")).json()]
    assert codes == ["phq9", "gad7", "who5"]
    assert (await client.get("/api/v1/assessments/instruments/pss10")).status_code == 404


async def test_submit_scores_stores_sealed_and_lists(app: FastAPI, client: httpx.AsyncClient) -> None:
    me = await person(app)
    headers = me.headers | {"Accept-Language": "en"}
    reply = await client.post(
        "/api/v1/assessments/instruments/gad7/responses",
        json={"answers": [2, 2, 2, 2, 1, 1, 0]},
        headers=headers,
    )
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert (body["score"], body["band"], body["band_label"], body["show_resources"]) == (
        10,
        "moderate",
        "Moderate",
        False,
    )
    assert "not a diagnosis" in body["screening_note"]
    async with unit(app) as db:
        row = await db.get(AssessmentResponse, body["id"])
        assert row is not None and crypto.is_sealed(row.answers_sealed)
        assert b"[2, 2" not in row.answers_sealed
    listed = (await client.get("/api/v1/assessments/responses", headers=headers)).json()
    assert [item["id"] for item in listed] == [body["id"]]
    other = await person(app)
    assert (
        await client.get(f"/api/v1/assessments/responses/{body['id']}", headers=other.headers)
    ).status_code == 404
    assert (await client.get("/api/v1/assessments/responses", headers=other.headers)).json() == []


async def test_who5_reports_a_percentage(app: FastAPI, client: httpx.AsyncClient) -> None:
    me = await person(app)
    body = (
        await client.post(
            "/api/v1/assessments/instruments/who5/responses",
            json={"answers": [3, 3, 2, 2, 2]},
            headers=me.headers,
        )
    ).json()
    assert (body["raw_total"], body["score"], body["score_max"], body["band"]) == (12, 48, 100, "low")


async def test_bad_answers_are_refused_and_nothing_is_stored(app: FastAPI, client: httpx.AsyncClient) -> None:
    me = await person(app)
    url = "/api/v1/assessments/instruments/phq9/responses"
    incomplete = await client.post(
        url, json={"answers": [1, 1, 1]}, headers=me.headers | {"Accept-Language": "en"}
    )
    assert incomplete.status_code == 422
    assert incomplete.json()["error"]["code"] == "incomplete_answers"
    assert "4, 5, 6, 7, 8, 9" in incomplete.json()["error"]["message"]
    out_of_range = await client.post(url, json={"answers": [0, 0, 0, 9, 0, 0, 0, 0, 0]}, headers=me.headers)
    assert out_of_range.status_code == 422 and out_of_range.json()["error"]["code"] == "answer_out_of_range"
    text = await client.post(url, json={"answers": ["a"] * 9}, headers=me.headers)
    assert text.status_code == 422
    assert (await client.post(url, json={"answers": [0] * 9})).status_code == 401
    assert await count(app, AssessmentResponse) == 0


async def test_phq9_item9_calls_the_risk_hook_in_the_same_transaction(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    me = await person(app)
    url = "/api/v1/assessments/instruments/phq9/responses"
    with recording(hooks.risk_indicated, RESOURCES) as seen:
        calm = await client.post(url, json={"answers": [1, 1, 1, 1, 1, 1, 1, 1, 0]}, headers=me.headers)
        assert calm.json()["show_resources"] is False and seen == []
        low = await client.post(url, json={"answers": [0, 0, 0, 0, 0, 0, 0, 0, 1]}, headers=me.headers)
        high = await client.post(url, json={"answers": [3, 3, 3, 3, 3, 3, 3, 3, 2]}, headers=me.headers)
    assert seen == [
        hooks.RiskIndicated(
            subject_id=me.id,
            source="assessment",
            ref=str(low.json()["id"]),
            level="moderate",
            reason="phq9_item9",
        ),
        hooks.RiskIndicated(
            subject_id=me.id,
            source="assessment",
            ref=str(high.json()["id"]),
            level="high",
            reason="phq9_item9",
        ),
    ]
    assert low.json()["show_resources"] is True and low.json()["resources_url"] == "/api/v1/safety/resources"
    # Minimal band, and still a risk: item 9 overrides the total.
    assert low.json()["band"] == "minimal"


async def test_a_failing_risk_handler_stores_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    me = await person(app)

    async def broken(db: object, event: object) -> None:
        raise RuntimeError("flag table unavailable")

    hooks.risk_indicated.register(broken)
    try:
        reply = await client.post(
            "/api/v1/assessments/instruments/phq9/responses",
            json={"answers": [0] * 8 + [3]},
            headers=me.headers,
        )
    finally:
        hooks.risk_indicated.unregister(broken)
    assert reply.status_code == 500
    assert await count(app, AssessmentResponse) == 0


async def test_diary_saves_seals_screens_and_emits(app: FastAPI, client: httpx.AsyncClient) -> None:
    me = await person(app)
    today = clock.utcnow().date()
    with recording(hooks.text_written, RESOURCES) as seen:
        reply = await client.post(
            "/api/v1/assessments/diary",
            json={
                "day": today.isoformat(),
                "mood": 3,
                "emotions": ["sad", "tired"],
                "sleep_hours": 5.5,
                "note": "CANARY-diary a hard day",
            },
            headers=me.headers,
        )
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert (body["mood"], body["sleep_hours"], body["emotions"], body["show_resources"]) == (
        3,
        5.5,
        ["sad", "tired"],
        True,
    )
    assert seen == [
        hooks.TextWritten(
            author_id=me.id,
            surface="diary",
            ref=str(body["id"]),
            text="CANARY-diary a hard day",
            locale=seen[0].locale,
        )
    ]
    async with unit(app) as db:
        entry = await db.get(DiaryEntry, body["id"])
        assert entry is not None and entry.note_sealed is not None and b"CANARY" not in entry.note_sealed
        events = (
            await db.scalars(select(OutboxMessage).where(OutboxMessage.name.like("%diary_note_stored%")))
        ).all()
        assert [event.payload for event in events] == [{"entry_id": body["id"], "author_id": me.id}] * len(
            events
        )
        assert len(events) >= 1
    # Saving the same day again updates the one entry.
    again = await client.post(
        "/api/v1/assessments/diary", json={"day": today.isoformat(), "mood": 6}, headers=me.headers
    )
    assert again.json()["id"] == body["id"] and again.json()["note"] is None
    assert await count(app, DiaryEntry) == 1


async def test_diary_refuses_future_days_and_bad_values(app: FastAPI, client: httpx.AsyncClient) -> None:
    me = await person(app)
    future = (clock.utcnow() + timedelta(days=2)).date().isoformat()
    reply = await client.post(
        "/api/v1/assessments/diary", json={"day": future, "mood": 5}, headers=me.headers
    )
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "diary_in_future"
    today = clock.utcnow().date().isoformat()
    for bad in ({"mood": 0}, {"mood": 11}, {"mood": 5, "sleep_hours": 25}, {"mood": "x"}, {"mood": True}):
        reply = await client.post("/api/v1/assessments/diary", json={"day": today} | bad, headers=me.headers)
        assert reply.status_code == 422, bad
    reply = await client.post(
        "/api/v1/assessments/diary",
        json={"day": today, "mood": 5, "emotions": ["joyous"]},
        headers=me.headers,
    )
    assert reply.json()["error"]["code"] == "unknown_emotion"
    assert await count(app, DiaryEntry) == 0


async def test_trends_by_week_and_month(app: FastAPI, client: httpx.AsyncClient) -> None:
    me = await person(app)
    start = date(2026, 11, 2)  # a Monday
    clock.freeze(clock.utcnow().replace(year=2026, month=11, day=20))
    for offset, mood in ((0, 4), (1, 6), (7, 8)):
        day = (start + timedelta(days=offset)).isoformat()
        await client.post(
            "/api/v1/assessments/diary", json={"day": day, "mood": mood, "sleep_hours": 7}, headers=me.headers
        )
    weeks = (await client.get("/api/v1/assessments/diary/trends?period=week", headers=me.headers)).json()
    assert [(w["label"], w["mood_average"], w["entries"]) for w in weeks] == [
        ("2026-W45", 5.0, 2),
        ("2026-W46", 8.0, 1),
    ]
    months = (await client.get("/api/v1/assessments/diary/trends?period=month", headers=me.headers)).json()
    assert [(m["label"], m["mood_average"], m["sleep_average_hours"]) for m in months] == [
        ("2026-11", 6.0, 7.0)
    ]
    bad = await client.get("/api/v1/assessments/diary/trends?period=year", headers=me.headers)
    assert bad.status_code == 422


async def test_ids_beyond_the_column_range_are_refused_not_crashed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    from tests.assessments.support import care_pair

    me, counsellor = await care_pair(app)
    big = 10**30
    assert (await client.get(f"/api/v1/assessments/responses/{big}", headers=me.headers)).status_code == 422
    assert (await client.get("/api/v1/assessments/responses/0", headers=me.headers)).status_code == 422
    measures = await client.get(f"/api/v1/assessments/clients/{big}/measures", headers=counsellor.headers)
    assert measures.status_code == 422
    reply = await client.post(
        "/api/v1/assessments/instruments/gad7/responses",
        json={"answers": [0] * 7, "assignment_id": big},
        headers=me.headers,
    )
    assert reply.status_code == 422
    old = await client.post(
        "/api/v1/assessments/diary", json={"day": "0001-01-01", "mood": 5}, headers=me.headers
    )
    assert old.status_code == 422
