"""Sharing with the counsellor: consent per item type, strict per-object access, audited reads,
assignments with a reminder, referrals the client can read."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from anxin.assessments import counselling
from anxin.assessments.models import AssessmentAssignment, Referral
from anxin.core.notify import Notification
from anxin.core.outbox import OutboxMessage
from anxin.privacy import consent, crypto
from anxin.privacy.models import AuditEvent
from tests.appointments.support import person
from tests.assessments.support import care_pair, relate, unit

API = "/api/v1/assessments"


async def take(
    client: httpx.AsyncClient, headers: dict[str, str], code: str, answers: list[int]
) -> dict[str, Any]:
    reply = await client.post(
        f"{API}/instruments/{code}/responses", json={"answers": answers}, headers=headers
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def audits(app: FastAPI, action: str) -> list[AuditEvent]:
    async with unit(app) as db:
        return list((await db.scalars(select(AuditEvent).where(AuditEvent.action == action))).all())


async def test_nothing_is_shared_until_the_client_chooses(app: FastAPI, client: httpx.AsyncClient) -> None:
    me, counsellor = await care_pair(app)
    await take(client, me.headers, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0])
    clients = (await client.get(f"{API}/clients", headers=counsellor.headers)).json()
    assert clients == [{"client_id": me.id, "measures_shared": False, "diary_shared": False}]
    refused = await client.get(f"{API}/clients/{me.id}/measures", headers=counsellor.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_shared"
    assert (await client.get(f"{API}/clients/{me.id}/diary", headers=counsellor.headers)).status_code == 403
    assert await audits(app, "assessments.measures_read") == []


async def test_shared_measures_are_seen_and_every_read_audited(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    me, counsellor = await care_pair(app)
    first = await take(client, me.headers, "phq9", [2, 2, 2, 2, 2, 0, 0, 0, 0])
    await take(client, me.headers, "gad7", [1] * 7)
    shared = await client.put(f"{API}/sharing", json={"measures": True, "diary": False}, headers=me.headers)
    assert shared.json() == {"measures": True, "diary": False}
    async with unit(app) as db:
        assert await consent.has_consent(db, me.id, consent.SHARE_MEASURES_WITH_COUNSELLOR)
    for _ in range(2):
        seen = await client.get(f"{API}/clients/{me.id}/measures", headers=counsellor.headers)
        assert seen.status_code == 200
    assert [(m["instrument"], m["score"], m["band"]) for m in seen.json()] == [
        ("phq9", 10, "moderate"),
        ("gad7", 7, "mild"),
    ]
    assert "answers" not in seen.json()[0] and seen.json()[0]["id"] == first["id"]
    reads = await audits(app, "assessments.measures_read")
    assert len(reads) == 2
    assert (reads[0].actor_id, reads[0].subject_id, reads[0].object_id) == (counsellor.id, me.id, str(me.id))
    # The diary stays private until chosen too.
    assert (await client.get(f"{API}/clients/{me.id}/diary", headers=counsellor.headers)).status_code == 403


async def test_withdrawing_consent_stops_sharing_at_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    me, counsellor = await care_pair(app)
    await client.put(f"{API}/sharing", json={"measures": True, "diary": True}, headers=me.headers)
    await client.post(
        f"{API}/diary", json={"day": "2026-01-05", "mood": 7, "note": "private words"}, headers=me.headers
    )
    diary = await client.get(f"{API}/clients/{me.id}/diary", headers=counsellor.headers)
    assert diary.json() == [{"day": "2026-01-05", "mood": 7, "sleep_hours": None}]
    assert "private words" not in diary.text
    assert len(await audits(app, "assessments.diary_read")) == 1
    async with unit(app, write=True) as db:
        await consent.withdraw(db, me.id, consent.SHARE_MEASURES_WITH_COUNSELLOR)
    assert (
        await client.get(f"{API}/clients/{me.id}/measures", headers=counsellor.headers)
    ).status_code == 403
    assert (await client.get(f"{API}/clients/{me.id}/diary", headers=counsellor.headers)).status_code == 403
    assert (await client.get(f"{API}/sharing", headers=me.headers)).json() == {
        "measures": False,
        "diary": False,
    }
    # Turning everything off withdraws the consent as well.
    await client.put(f"{API}/sharing", json={"measures": True}, headers=me.headers)
    await client.put(f"{API}/sharing", json={"measures": False, "diary": False}, headers=me.headers)
    async with unit(app) as db:
        assert not await consent.has_consent(db, me.id, consent.SHARE_MEASURES_WITH_COUNSELLOR)


async def test_access_matrix(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Only the client's active counsellor, and only with consent; everyone else 403/404."""
    me, mine = await care_pair(app)
    stranger = await person(app, "counsellor")
    former = await person(app, "counsellor")
    await relate(app, me, former, status="ended")
    other_client = await person(app)
    admin = await person(app, "admin")
    await client.put(f"{API}/sharing", json={"measures": True, "diary": True}, headers=me.headers)
    for path in ("measures", "diary", "assignments", "referrals"):
        url = f"{API}/clients/{me.id}/{path}"
        assert (await client.get(url, headers=mine.headers)).status_code == 200, path
        for who in (stranger, former):
            reply = await client.get(url, headers=who.headers)
            assert reply.status_code == 404 and reply.json()["error"]["code"] == "client_not_found", path
        for who in (other_client, admin, me):
            assert (await client.get(url, headers=who.headers)).status_code == 403, path
        assert (await client.get(url)).status_code == 401
    for who in (stranger, former):
        assert (await client.get(f"{API}/clients", headers=who.headers)).json() == []
        assign = await client.post(
            f"{API}/clients/{me.id}/assignments", json={"instrument": "phq9"}, headers=who.headers
        )
        assert assign.status_code == 404
        refer = await client.post(
            f"{API}/clients/{me.id}/referrals",
            json={"reason": "assessment_needed", "service_type": "psychiatry"},
            headers=who.headers,
        )
        assert refer.status_code == 404
    assert len(await audits(app, "assessments.measures_read")) == 1


async def test_assignment_gives_a_task_a_notice_and_a_reminder(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    me, counsellor = await care_pair(app)
    made = await client.post(
        f"{API}/clients/{me.id}/assignments", json={"instrument": "gad7"}, headers=counsellor.headers
    )
    assert made.status_code == 201
    again = await client.post(
        f"{API}/clients/{me.id}/assignments", json={"instrument": "gad7"}, headers=counsellor.headers
    )
    assert again.json()["id"] == made.json()["id"]
    unknown = await client.post(
        f"{API}/clients/{me.id}/assignments", json={"instrument": "xyz"}, headers=counsellor.headers
    )
    assert unknown.status_code == 404
    tasks = (await client.get(f"{API}/tasks", headers=me.headers)).json()
    assert [(t["id"], t["instrument"], t["status"]) for t in tasks] == [(made.json()["id"], "gad7", "open")]
    async with unit(app) as db:
        notices = (await db.scalars(select(Notification).where(Notification.recipient_id == me.id))).all()
        assert [n.kind for n in notices] == [counselling.ASSIGNED]
        reminders = (
            await db.scalars(select(OutboxMessage).where(OutboxMessage.name == counselling.REMIND_JOB))
        ).all()
        assert len(reminders) == 1 and reminders[0].payload == {"assignment_id": made.json()["id"]}
    # The reminder job tells the client again while the task is open, and not after it is done.
    async with unit(app, write=True) as db:
        assert await counselling.remind(db, made.json()["id"]) is True
    done = await client.post(
        f"{API}/instruments/gad7/responses",
        json={"answers": [0] * 7, "assignment_id": made.json()["id"]},
        headers=me.headers,
    )
    assert done.status_code == 201
    assert (await client.get(f"{API}/tasks", headers=me.headers)).json() == []
    async with unit(app, write=True) as db:
        assert await counselling.remind(db, made.json()["id"]) is False
        row = await db.get(AssessmentAssignment, made.json()["id"])
        assert row is not None and row.response_id == done.json()["id"]
    # Someone else's task cannot be completed.
    other = await person(app)
    wrong = await client.post(
        f"{API}/instruments/gad7/responses",
        json={"answers": [0] * 7, "assignment_id": made.json()["id"]},
        headers=other.headers,
    )
    assert wrong.status_code == 404


async def test_referral_is_sealed_and_the_client_reads_it(app: FastAPI, client: httpx.AsyncClient) -> None:
    me, counsellor = await care_pair(app)
    bad = await client.post(
        f"{API}/clients/{me.id}/referrals",
        json={"reason": "nope", "service_type": "psychiatry"},
        headers=counsellor.headers,
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "referral_invalid"
    made = await client.post(
        f"{API}/clients/{me.id}/referrals",
        json={
            "reason": "assessment_needed",
            "service_type": "psychiatry",
            "notes": "CANARY-ref see Dr. Zhou",
        },
        headers=counsellor.headers | {"Accept-Language": "en"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["service_type_label"] == "Psychiatry clinic (hospital)"
    async with unit(app) as db:
        row = await db.get(Referral, made.json()["id"])
        assert row is not None and row.notes_sealed is not None and b"CANARY" not in row.notes_sealed
        assert crypto.sealed_key_id(row.notes_sealed) > 0
    mine = (await client.get(f"{API}/referrals", headers=me.headers | {"Accept-Language": "zh-CN"})).json()
    assert [(r["notes"], r["service_type_label"]) for r in mine] == [
        ("CANARY-ref see Dr. Zhou", "医院精神科")
    ]
    other = await person(app)
    assert (await client.get(f"{API}/referrals", headers=other.headers)).json() == []
