"""A recorded answer to a paid question gets a transcript in the worker: sealed with the
counsellor's key, shown under the audio only to those entitled to the answer, screened like a typed
answer (``hooks.text_written``, surface "content_answer") and in the counsellor's export."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from anxin.content import rights as content_rights
from anxin.content import transcripts
from anxin.content.models import AnswerTranscript
from anxin.core import hooks
from anxin.core.relay import OutboxRelay
from tests.appointments.support import Person, person
from tests.appointments.test_pages import browser_for
from tests.assessments.support import recording, unit
from tests.content.support import API, key, top_up

pytest.importorskip("faster_whisper", reason="the speech extra is not installed: pip install 'anxin[speech]'")

SAID = "Write the worries down before you sleep, then close the notebook."


@pytest.fixture(autouse=True)
def speech_settings(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install -y espeak-ng)")
    monkeypatch.setenv("ANXIN_MODEL_CACHE", str(tmp_path_factory.getbasetemp() / "speech-models"))
    monkeypatch.setenv("ANXIN_HOME", str(tmp_path / "home"))
    from anxin.core.config import get_settings

    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


def spoken(text: str, tmp_path: Path) -> bytes:
    from anxin.mind.speech import audio
    from tests.mind.speech.conftest import encode

    wav = tmp_path / "said.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "130", "-w", str(wav), text], check=True)
    return encode(audio.load(wav).samples, "webm")


async def speaks_english(app: FastAPI, someone: Person) -> None:
    from anxin.accounts.models import User

    async with unit(app, write=True) as db:
        user = await db.get(User, someone.id)
        assert user is not None
        user.locale = "en"


async def transcribed(app: FastAPI, question_id: int) -> AnswerTranscript:
    async def ignore(_channel: str, _event: dict[str, object]) -> None:
        return None

    relay = OutboxRelay(app.state.database, publisher=ignore, run_schedules=False)
    for _ in range(300):
        await relay.drain(max_seconds=60)
        await transcripts.settle()
        async with unit(app) as db:
            row = await db.get(AnswerTranscript, question_id)
        if row is not None:
            return row
        await asyncio.sleep(0.1)
    raise AssertionError("the recorded answer was not transcribed")


async def test_a_recorded_answer_is_transcribed_for_those_entitled(
    app: FastAPI, client: httpx.AsyncClient, author: Person, tmp_path: Path
) -> None:
    await speaks_english(app, author)
    terms = await client.put(
        f"{API}/answerer",
        params={"price": 50_00, "unlock_price": 5_00, "deadline_hours": 24},
        headers=author.headers,
    )
    assert terms.status_code == 200, terms.text
    asker, other = await person(app), await person(app)
    await top_up(client, asker, 100_00)
    asked = await client.post(
        f"{API}/questions",
        json={
            "counsellor_id": author.id,
            "text": "How do I stop overthinking at night?",
            "public": True,
            "currency": "CNY",
            "expected_amount": 50_00,
        },
        headers={**asker.headers, **key()},
    )
    assert asked.status_code == 201, asked.text
    question_id = asked.json()["id"]
    with recording(hooks.text_written, None) as seen:
        answered = await client.post(
            f"{API}/questions/{question_id}/answer",
            files={"audio": ("answer.webm", spoken(SAID, tmp_path), "audio/webm")},
            headers=author.headers,
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["answer_transcript_status"] == "pending"
        row = await transcribed(app, question_id)
    assert row.status == "done" and row.language == "en" and row.text_sealed is not None
    assert b"notebook" not in row.text_sealed
    (event,) = [e for e in seen if e.surface == transcripts.SURFACE]
    assert event.author_id == author.id and event.ref == str(question_id) and "notebook" in event.text.lower()

    for entitled in (asker, author):
        got = (await client.get(f"{API}/questions/{question_id}", headers=entitled.headers)).json()
        assert got["answer_transcript_status"] == "done" and "notebook" in got["answer_transcript"].lower()
        assert got["answer_audio_url"]
    locked = (await client.get(f"{API}/questions/{question_id}", headers=other.headers)).json()
    assert locked["answer_transcript"] is None and locked["answer_transcript_status"] is None
    for page_url, reader, shown in (
        ("/questions", asker, True),
        ("/answers", asker, True),
        ("/answers", other, False),
    ):
        async with await browser_for(app, reader) as web:
            page = await web.get(page_url)
        assert page.status_code == 200
        assert ("notebook" in page.text.lower() and "content-transcript" in page.text) is shown, page_url

    async with unit(app) as db:
        exported = await content_rights.export_content(db, author.id)
        assert await transcripts.missed_answers(db, older_than=timedelta(0)) == []
    assert await transcripts.transcribe(app.state.database, app.state.settings.home, question_id) is None
    (item,) = [q for q in exported["questions"] if q["id"] == question_id]
    assert "notebook" in item["answer_transcript"].lower()
