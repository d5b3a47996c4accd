"""The counsellor's page for correcting AI labels (/counsellor/ai-labels): their own clients' room
messages (risk flags, the deep pass's emotion) and shared companion messages, corrected with "false
alarm", "missed risk" or "the emotion was …" plus a note, through the feedback service; any other
client's items answer 404."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from anxin.accounts.models import ROLE_COUNSELLOR
from anxin.companion import feedback, service
from anxin.companion import rights as companion_rights
from anxin.companion.models import LabelCorrection
from anxin.core.db import Database
from anxin.privacy import consent, crypto
from anxin.rooms.models import RoomMessage
from tests.rooms.support import Person, make_person
from tests.safety.support import HIGH_RISK, grant, make_care, settle

CALM = "I am so angry at my boss, nothing works."
PAGE = "/counsellor/ai-labels"


def _token(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def _item(html: str, key: str) -> str:
    return html.split(f'id="item-{key}"')[1].split("</li>")[0]


async def _send(
    database: Database, client: httpx.AsyncClient, room_id: int, person: Person, text: str, msg_id: str
) -> int:
    sent = await client.post(
        f"/api/v1/rooms/{room_id}/messages",
        json={"text": text, "client_msg_id": msg_id},
        headers=person.headers,
    )
    assert sent.status_code == 201, sent.text
    async with database.transaction(write=False) as db:
        found = await db.scalar(
            select(RoomMessage.id).where(RoomMessage.room_id == room_id, RoomMessage.client_msg_id == msg_id)
        )
    assert found is not None
    return int(found)


async def test_a_counsellor_corrects_labels_of_their_own_clients(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    database = app.state.database
    care = await make_care(database)
    me = care.client
    await grant(
        database,
        me.user_id,
        consent.AI_EMOTION_ANALYSIS,
        consent.AI_RISK_SCREENING,
        consent.SHARE_MEASURES_WITH_COUNSELLOR,
        consent.DEIDENTIFIED_MODEL_TRAINING,
    )
    risky = await _send(database, client, care.room_id, me, HIGH_RISK, "r1")
    calm = await _send(database, client, care.room_id, me, CALM, "c1")
    await _send(database, client, care.room_id, care.counsellor, "Thank you for telling me.", "k1")
    await settle(app)  # the deep pass runs as a job after each message
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, me.user_id, "en")
        said = await service.post_message(db, me.user_id, conversation.id, "I want to end my life")
        companion_ref = said.messages[0].id
    await settle(app)

    client.cookies.set("anxin_session", care.counsellor.token)
    try:
        client.cookies.set("anxin_lang", "en")
        shown = await client.get(PAGE)
        assert shown.status_code == 200, shown.text
        html = shown.text
        flagged = _item(html, f"room_message-{risky}")
        assert 'data-risk="none"' not in flagged and "False alarm: no risk" in flagged
        assert "kill myself" in flagged  # the counsellor reads room messages in the room anyway
        plain = _item(html, f"room_message-{calm}")
        assert 'data-risk="none"' in plain and "Missed risk: this needed a flag" in plain
        assert 'data-emotion=""' not in plain  # the deep pass's emotion label is shown
        companion = _item(html, f"companion-{companion_ref}")
        assert "end my life" not in companion and "False alarm: no risk" in companion
        assert "Thank you for telling me" not in html  # the counsellor's own words are not labelled
        token = _token(html)

        done = await client.post(
            f"{PAGE}/corrections",
            data={
                "csrf_token": token,
                "surface": "room_message",
                "ref": str(calm),
                "correction": "emotion:sadness",
                "original_emotion": "anger",
                "note": "She told me later it was grief.",
            },
        )
        assert done.status_code == 303 and done.headers["location"].startswith(f"{PAGE}?corrected=1")
        done = await client.post(
            f"{PAGE}/corrections",
            data={
                "csrf_token": token,
                "surface": "companion",
                "ref": str(companion_ref),
                "correction": "risk:false_alarm",
                "original_risk": "high",
            },
            follow_redirects=True,
        )
        assert done.status_code == 200 and "alert-success" in done.text
        assert "You corrected this:" in _item(done.text, f"companion-{companion_ref}")
        bad = await client.post(
            f"{PAGE}/corrections",
            data={
                "csrf_token": token,
                "surface": "room_message",
                "ref": str(calm),
                "correction": "emotion:bored",
            },
        )
        assert bad.status_code == 422 and "Please choose a label from the list." in _item(
            bad.text, f"room_message-{calm}"
        )
        client.cookies.set("anxin_lang", "zh-CN")
        chinese = await client.get(PAGE)
        assert "纠正 AI 标签" in chinese.text
    finally:
        client.cookies.clear()

    async with database.transaction() as db:
        rows = list(await db.scalars(select(LabelCorrection).order_by(LabelCorrection.id)))
        assert [(r.surface, r.task, r.corrected_label) for r in rows] == [
            ("room_message", "emotion", "sadness"),
            ("companion", "risk", "none"),
        ]
        assert rows[0].original_label == "anger" and rows[0].text_sealed is not None
        assert rows[0].note_sealed is not None and b"grief" not in rows[0].note_sealed
        note = await crypto.unseal(db, rows[0].note_sealed, context=feedback.NOTE_CONTEXT)
        assert note == "She told me later it was grief." and rows[1].note_sealed is None
        exported = await companion_rights.export_companion(db, care.counsellor.user_id)
        assert isinstance(exported, dict)
        assert [c.get("note") for c in exported["label_corrections"]] == [note, None]
        for_client = await companion_rights.export_companion(db, me.user_id)
        assert isinstance(for_client, dict)
        assert all("note" not in c for c in for_client["label_corrections"])  # the counsellor's words


async def test_other_counsellors_and_clients_get_404(app: FastAPI, client: httpx.AsyncClient) -> None:
    database = app.state.database
    care = await make_care(database)
    await grant(database, care.client.user_id, consent.AI_EMOTION_ANALYSIS, consent.AI_RISK_SCREENING)
    risky = await _send(database, client, care.room_id, care.client, HIGH_RISK, "r1")
    await settle(app)
    stranger = await make_person(database, ROLE_COUNSELLOR)
    client.cookies.set("anxin_session", stranger.token)
    client.cookies.set("anxin_lang", "en")
    try:
        own = await client.get(PAGE)
        assert own.status_code == 200 and f"room_message-{risky}" not in own.text
        other = await client.get(PAGE, params={"client": care.client.user_id})
        assert other.status_code == 404 and f"room_message-{risky}" not in other.text
        assert "We could not find this client among yours." in other.text
        token = _token((await client.get("/help")).text)
        forged = await client.post(
            f"{PAGE}/corrections",
            data={
                "csrf_token": token,
                "surface": "room_message",
                "ref": str(risky),
                "correction": "risk:false_alarm",
            },
        )
        assert forged.status_code == 404
    finally:
        client.cookies.clear()
    client.cookies.set("anxin_session", care.client.token)
    try:
        assert (await client.get(PAGE)).status_code == 404
    finally:
        client.cookies.clear()
    async with database.transaction() as db:
        assert list(await db.scalars(select(LabelCorrection))) == []
        assert tuple(feedback.EMOTION_LABELS) == feedback.EMOTIONS


async def test_the_counsellor_menu_links_the_page(app: FastAPI, client: httpx.AsyncClient) -> None:
    counsellor = await make_person(app.state.database, ROLE_COUNSELLOR)
    client.cookies.set("anxin_session", counsellor.token)
    try:
        client.cookies.set("anxin_lang", "en")
        home = await client.get("/counsellor/clients")
        assert f'href="{PAGE}"' in home.text and "Correct AI labels" in home.text
    finally:
        client.cookies.clear()
