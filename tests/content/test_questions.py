"""Paid questions, checked against the ledger: asking pays the counsellor (less commission), a missed
deadline refunds in full, answering late is refused, and an unlock's earnings are split between the
answerer and the asker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from anxin.commerce import reconcile
from anxin.content import questions
from anxin.core import clock
from anxin.core.db import Database
from tests.appointments.support import Person, move_clock, person
from tests.content.support import API, account_sum, key, top_up, wallet_balance

PRICE, UNLOCK = 50_00, 5_00


def ask_body(
    counsellor: Person, *, public: bool, text: str = "How do I stop overthinking at night?"
) -> dict[str, Any]:
    return {
        "counsellor_id": counsellor.id,
        "text": text,
        "public": public,
        "currency": "CNY",
        "expected_amount": PRICE,
    }


async def _terms(client: httpx.AsyncClient, author: Person) -> None:
    response = await client.put(
        f"{API}/answerer",
        params={"price": PRICE, "unlock_price": UNLOCK, "deadline_hours": 24},
        headers=author.headers,
    )
    assert response.status_code == 200, response.text


async def _reconciled(app: FastAPI) -> None:
    database: Database = app.state.database
    async with database.transaction(write=False) as db:
        report = await reconcile.reconcile(db)
    assert report.violations == [], report.violations


async def test_lifecycle_against_the_ledger(app: FastAPI, client: httpx.AsyncClient, author: Person) -> None:
    await _terms(client, author)
    asker, other = await person(app), await person(app)
    await top_up(client, asker, 100_00)
    await top_up(client, other, 100_00)
    pending = f"earnings_pending:counsellor:{author.id}:CNY"

    replay_key = key()
    asked = await client.post(
        f"{API}/questions", json=ask_body(author, public=True), headers={**asker.headers, **replay_key}
    )
    assert asked.status_code == 201, asked.text
    question = asked.json()
    assert question["status"] == "open" and question["deadline_at"]
    resent = await client.post(
        f"{API}/questions", json=ask_body(author, public=True), headers={**asker.headers, **replay_key}
    )
    assert resent.status_code == 201 and resent.content == asked.content  # asked and paid once
    assert await wallet_balance(app, asker.id) == 50_00
    assert await account_sum(app, pending) == 35_00  # 30 % commission on content

    # Before the answer, a public question is not shown to others.
    assert (await client.get(f"{API}/questions/{question['id']}", headers=other.headers)).status_code == 404
    answered = await client.post(
        f"{API}/questions/{question['id']}/answer",
        data={"text": "ANSWER-TEXT: write the thoughts down."},
        headers=author.headers,
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered"

    locked = (await client.get(f"{API}/questions/{question['id']}", headers=other.headers)).json()
    assert locked["entitled"] is False and locked["answer"] is None and locked["text"]
    assert "ANSWER-TEXT" not in str(locked)
    assert (await client.get(f"{API}/questions/{question['id']}")).json()["answer"] is None

    unlock = await client.post(
        f"{API}/questions/{question['id']}/unlock",
        json={"expected_amount": UNLOCK},
        headers={**other.headers, **key()},
    )
    assert unlock.status_code == 201, unlock.text
    opened = (await client.get(f"{API}/questions/{question['id']}", headers=other.headers)).json()
    assert opened["entitled"] and "ANSWER-TEXT" in opened["answer"]
    again = await client.post(
        f"{API}/questions/{question['id']}/unlock",
        json={"expected_amount": UNLOCK},
        headers={**other.headers, **key()},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_owned"
    # Unlock: 5.00 gross, 1.50 commission, 3.50 net of which half (1.75) goes to the asker.
    assert await wallet_balance(app, other.id) == 95_00
    assert await wallet_balance(app, asker.id) == 50_00 + 1_75
    assert await account_sum(app, pending) == 35_00 + 1_75

    # A second question is not answered in time: refunded in full, and answering later is refused.
    late = (
        await client.post(
            f"{API}/questions", json=ask_body(author, public=False), headers={**asker.headers, **key()}
        )
    ).json()
    assert await wallet_balance(app, asker.id) == 1_75
    await move_clock(app, clock.utcnow() + timedelta(hours=25), asker, author, other)
    database: Database = app.state.database
    async with database.transaction() as db:
        # The app's own scheduled job may have expired it first once the clock moved: either way
        # exactly one expiry happens, and the refund below proves it.
        assert await questions.expire_overdue(db) in (0, 1)
    async with database.transaction() as db:
        assert await questions.expire_overdue(db) == 0  # safe to run twice
    assert await wallet_balance(app, asker.id) == 50_00 + 1_75
    assert await account_sum(app, pending) == 35_00 + 1_75
    too_late = await client.post(
        f"{API}/questions/{late['id']}/answer", data={"text": "sorry"}, headers=author.headers
    )
    assert too_late.status_code == 409 and too_late.json()["error"]["code"] == "question_closed"
    status = (await client.get(f"{API}/questions/{late['id']}", headers=asker.headers)).json()["status"]
    assert status == "expired"
    # A private question is never shown to others.
    assert (await client.get(f"{API}/questions/{late['id']}", headers=other.headers)).status_code == 404
    await _reconciled(app)


async def test_bad_questions(app: FastAPI, client: httpx.AsyncClient, author: Person) -> None:
    asker = await person(app)
    await top_up(client, asker, 100_00)
    no_terms = await client.post(
        f"{API}/questions", json=ask_body(author, public=True), headers={**asker.headers, **key()}
    )
    assert no_terms.status_code == 409 and no_terms.json()["error"]["code"] == "not_for_sale"
    await _terms(client, author)
    stale = {**ask_body(author, public=True), "expected_amount": 1}
    assert (
        await client.post(f"{API}/questions", json=stale, headers={**asker.headers, **key()})
    ).status_code == 409
    poor = await person(app)
    broke = await client.post(
        f"{API}/questions", json=ask_body(author, public=True), headers={**poor.headers, **key()}
    )
    assert broke.status_code == 409 and broke.json()["error"]["code"] == "insufficient_funds"
    unverified = await person(app, "counsellor")
    nobody = await client.post(
        f"{API}/questions", json=ask_body(unverified, public=True), headers={**asker.headers, **key()}
    )
    assert nobody.status_code == 409
    assert (await client.get(f"{API}/questions", headers=poor.headers)).json() == []


async def test_a_recorded_answer_is_served_only_to_those_entitled(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    from anxin.content import media
    from tests.content.support import tone_wav

    await _terms(client, author)
    asker, other = await person(app), await person(app)
    await top_up(client, asker, 100_00)
    question = (
        await client.post(
            f"{API}/questions", json=ask_body(author, public=True), headers={**asker.headers, **key()}
        )
    ).json()
    answered = await client.post(
        f"{API}/questions/{question['id']}/answer",
        data={"text": ""},
        files={"audio": ("answer.wav", tone_wav(1.0), "audio/wav")},
        headers=author.headers,
    )
    assert answered.status_code == 200, answered.text
    mine = (await client.get(f"{API}/questions/{question['id']}", headers=asker.headers)).json()
    audio = await client.get(mine["answer_audio_url"], headers={"Range": "bytes=0-3"})
    assert audio.status_code == 206 and audio.content == b"RIFF"
    theirs = media.answer_url(question["id"], other.id)  # genuine and fresh, but not unlocked
    assert (await client.get(theirs)).status_code == 404
    assert (await client.get(media.answer_url(question["id"], 0))).status_code == 404


async def test_an_admin_reading_a_private_question_is_audited(
    app: FastAPI, client: httpx.AsyncClient, author: Person, admin: Person
) -> None:
    from sqlalchemy import select

    from anxin.privacy.models import AuditEvent

    await _terms(client, author)
    asker = await person(app)
    await top_up(client, asker, 100_00)
    question = (
        await client.post(
            f"{API}/questions", json=ask_body(author, public=False), headers={**asker.headers, **key()}
        )
    ).json()
    seen = (await client.get(f"{API}/questions/{question['id']}", headers=admin.headers)).json()
    assert seen["text"]
    database: Database = app.state.database
    async with database.transaction(write=False) as db:
        rows = (
            await db.scalars(select(AuditEvent).where(AuditEvent.action == "content.question_read"))
        ).all()
    assert [(row.actor_id, row.subject_id) for row in rows] == [(admin.id, asker.id)]
