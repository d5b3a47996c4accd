"""The crisis pipeline on room messages: a risky message opens a flag with it and the sender is told
to see resources; the counsellor is alerted; nobody acknowledging escalates to the on-call admin;
acknowledge, note and follow-up are audited; PHQ-9 item 9 always opens a flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from anxin.core import clock, hooks
from anxin.core.notify import Notification
from anxin.core.outbox import OutboxMessage
from anxin.privacy.models import AuditEvent
from anxin.safety.models import ACKNOWLEDGED, CLOSED, OPEN, RiskFlagEvent
from anxin.safety.service import ESCALATE_JOB
from tests.safety.support import HIGH_RISK, HIGH_RISK_ZH, flags, make_admin, make_care, settle

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def _send(client: httpx.AsyncClient, care, text: str, msg_id: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/v1/rooms/{care.room_id}/messages",
        json={"text": text, "client_msg_id": msg_id},
        headers=care.client.headers,
    )


async def test_risky_message_opens_flag_and_shows_resources(app: FastAPI, client: httpx.AsyncClient) -> None:
    care = await make_care(app.state.database)
    calm = await _send(client, care, "Thank you, see you on Tuesday.", "c1")
    assert calm.status_code == 201 and "show_resources" not in calm.json()
    risky = await _send(client, care, HIGH_RISK, "c2")
    assert risky.status_code == 201 and risky.json()["show_resources"] is True
    zh = await _send(client, care, HIGH_RISK_ZH, "c3")
    assert zh.json()["show_resources"] is True
    # A counsellor asking about risk directly is good practice, not a risk of their own.
    asked = await client.post(
        f"/api/v1/rooms/{care.room_id}/messages",
        json={"text": "Have you had thoughts of suicide this week?", "client_msg_id": "k1"},
        headers=care.counsellor.headers,
    )
    assert asked.status_code == 201 and "show_resources" not in asked.json()
    rows = await flags(app.state.database)
    assert [(f.source, f.level, f.status, f.owner_id) for f in rows] == [
        ("room_message", "high", OPEN, care.counsellor.user_id)
    ] * 2
    assert rows[0].model_version == "lexicon"  # no AI-screening consent: the rules alone
    async with app.state.database.transaction(write=False) as db:
        alerts = list(
            await db.scalars(
                select(OutboxMessage).where(OutboxMessage.name == f"user:{care.counsellor.user_id}")
            )
        )
        assert any(row.payload.get("type") == "risk_alert" for row in alerts)
        opened = await db.scalar(select(AuditEvent).where(AuditEvent.action == "safety.flag_opened"))
        assert opened is not None and opened.subject_id == care.client.user_id


async def test_hook_rolls_back_with_the_message(app: FastAPI) -> None:
    care = await make_care(app.state.database)
    database = app.state.database
    try:
        async with database.transaction() as db:
            outcomes = await hooks.text_written(
                db,
                hooks.TextWritten(author_id=care.client.user_id, surface="diary", ref="77", text=HIGH_RISK),
            )
            assert hooks.needs_resources(outcomes) and outcomes[0].flag_id
            raise RuntimeError("the writer's transaction fails")
    except RuntimeError:
        pass
    assert await flags(database) == []


async def test_unacknowledged_flag_escalates_to_on_call_admin(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    clock.freeze(START)
    database = app.state.database
    care = await make_care(database)
    admin = await make_admin(database)
    await _send(client, care, HIGH_RISK, "e1")
    await settle(app)
    (flag,) = await flags(database)
    assert flag.escalated_at is None
    async with database.transaction(write=False) as db:
        paged = await db.scalar(
            select(Notification).where(Notification.recipient_id == care.counsellor.user_id)
        )
        assert paged is not None and paged.kind == "safety.risk_alert"
        audited = await db.scalar(select(AuditEvent).where(AuditEvent.action == "safety.flag_paged"))
        assert audited is not None and audited.subject_id == care.client.user_id
    clock.freeze(START + timedelta(minutes=14))
    await settle(app)
    assert (await flags(database))[0].escalated_at is None
    clock.freeze(START + timedelta(minutes=16))
    await settle(app)
    (flag,) = await flags(database)
    assert flag.escalated_at is not None and flag.status == OPEN
    async with database.transaction(write=False) as db:
        note = await db.scalar(select(Notification).where(Notification.recipient_id == admin.user_id))
        assert note is not None and note.kind == "safety.risk_escalated"
    listed = await client.get("/api/v1/safety/flags", headers=admin.headers)
    assert [item["id"] for item in listed.json()] == [flag.id]


async def test_acknowledged_flag_does_not_escalate_and_steps_are_audited(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    clock.freeze(START)
    database = app.state.database
    care = await make_care(database)
    admin = await make_admin(database)
    await _send(client, care, HIGH_RISK, "a1")
    (flag,) = await flags(database)
    headers = care.counsellor.headers
    base = f"/api/v1/safety/flags/{flag.id}"
    early = await client.post(f"{base}/follow-up", json={"code": "contacted"}, headers=headers)
    assert early.status_code == 409
    assert (await client.post(f"{base}/acknowledge", headers=headers)).status_code == 200
    note = await client.post(
        f"{base}/notes", json={"text": "Called her, she is safe with her sister."}, headers=headers
    )
    assert note.status_code == 201
    bad = await client.post(f"{base}/follow-up", json={"code": "prayed"}, headers=headers)
    assert bad.status_code == 422
    done = await client.post(f"{base}/follow-up", json={"code": "contacted", "close": True}, headers=headers)
    assert done.status_code == 200 and done.json()["status"] == CLOSED
    detail = await client.get(base, headers=headers)
    assert "Called her" in str(detail.json().get("events")), detail.text
    # The client and other people get 404; admins see every flag.
    assert (await client.get(base, headers=care.client.headers)).status_code == 404
    assert (await client.get(base, headers=admin.headers)).status_code == 200
    clock.freeze(START + timedelta(minutes=30))
    await settle(app)
    (flag,) = await flags(database)
    assert flag.escalated_at is None and flag.acknowledged_by == care.counsellor.user_id
    async with database.transaction(write=False) as db:
        actions = set(
            await db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "risk_flag"))
        )
        kinds = list(await db.scalars(select(RiskFlagEvent.kind).where(RiskFlagEvent.flag_id == flag.id)))
    assert {
        "safety.flag_opened",
        "safety.flag_acknowledged",
        "safety.flag_note_added",
        "safety.flag_follow_up",
        "safety.flag_notes_read",
    } <= actions
    assert kinds[0] == "opened" and "acknowledged" in kinds and "follow_up" in kinds
    assert flag.status == CLOSED or flag.status == ACKNOWLEDGED


async def test_without_a_counsellor_the_on_call_admin_is_paged_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    database = app.state.database
    care = await make_care(database, in_care=False)
    admin = await make_admin(database)
    await _send(client, care, HIGH_RISK, "n1")
    await settle(app)
    (flag,) = await flags(database)
    assert flag.owner_id is None and flag.escalated_at is not None
    async with database.transaction(write=False) as db:
        escalations = list(await db.scalars(select(OutboxMessage).where(OutboxMessage.name == ESCALATE_JOB)))
        note = await db.scalar(select(Notification).where(Notification.recipient_id == admin.user_id))
    assert len(escalations) == 1 and note is not None


async def test_phq9_item9_always_opens_a_flag(app: FastAPI) -> None:
    care = await make_care(app.state.database)
    async with app.state.database.transaction() as db:
        outcomes = await hooks.risk_indicated(
            db,
            hooks.RiskIndicated(
                subject_id=care.client.user_id,
                source="assessment",
                ref="r9",
                level="moderate",
                reason="phq9_item9",
            ),
        )
    assert hooks.needs_resources(outcomes)
    (flag,) = await flags(app.state.database)
    assert (flag.source, flag.level, flag.reasons, flag.origin) == (
        "assessment",
        "moderate",
        ["phq9_item9"],
        "answer",
    )
