"""Spoken diary notes: the audio is checked and stored sealed, the worker transcribes it in the
author's language, the transcript is sealed, shown on the diary page, exported, and screened like a
typed note (``hooks.text_written``); deleting the entry deletes the audio."""

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
from sqlalchemy import select

from anxin.assessments import recordings, service
from anxin.assessments import rights as assessment_rights
from anxin.assessments.models import DiaryRecording
from anxin.core import clock, hooks
from anxin.core.config import Settings
from anxin.core.relay import OutboxRelay
from tests.accounts.support import csrf_from
from tests.appointments.support import Person, person
from tests.appointments.test_pages import browser_for
from tests.assessments.support import recording, unit

pytest.importorskip("faster_whisper", reason="the speech extra is not installed: pip install 'anxin[speech]'")

SAID = "I am going to kill myself tonight."


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


async def english_speaker(app: FastAPI) -> Person:
    """The worker transcribes in the author's language: these people speak English."""
    from anxin.accounts.models import User

    someone = await person(app)
    async with unit(app, write=True) as db:
        user = await db.get(User, someone.id)
        assert user is not None
        user.locale = "en"
    return someone


async def transcribed(app: FastAPI, web_entry: int) -> DiaryRecording:
    """Run the outbox until the worker has written the transcript (the app's own relay may too)."""

    async def ignore(_channel: str, _event: dict[str, object]) -> None:
        return None

    relay = OutboxRelay(app.state.database, publisher=ignore, run_schedules=False)
    for _ in range(300):
        await relay.drain(max_seconds=60)
        await recordings.settle()
        async with unit(app) as db:
            row = await db.scalar(select(DiaryRecording).where(DiaryRecording.entry_id == web_entry))
        if row is not None and row.status != "pending":
            return row
        await asyncio.sleep(0.1)
    raise AssertionError("the spoken note was not transcribed")


async def test_a_spoken_note_is_transcribed_sealed_shown_screened_and_deleted(
    app: FastAPI, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    me = await english_speaker(app)
    today = clock.utcnow().date().isoformat()
    audio = spoken(SAID, tmp_path)
    with recording(hooks.text_written, None) as seen:
        async with await browser_for(app, me) as web:
            web.headers["Accept-Language"] = "en"
            token = csrf_from((await web.get("/diary")).text)
            saved = await web.post(
                "/diary",
                data={"csrf_token": token, "day": today, "mood": "3"},
                files={"audio": ("note.webm", audio, "audio/webm")},
            )
            assert saved.status_code == 200, saved.text
            assert "Your diary entry is saved." in saved.text
            assert "Transcribing…" in saved.text or "kill myself" in saved.text.lower()
            entries = (await web.get("/api/v1/assessments/diary", headers={"x-csrf-token": token})).json()
            (entry,) = entries
            row = await transcribed(app, entry["id"])
            assert row.status == "done" and row.language == "en" and row.transcript_sealed is not None
            page = await web.get("/diary")
            assert "diary-transcript" in page.text and "kill myself" in page.text.lower()
            (listed,) = (await web.get("/api/v1/assessments/diary")).json()
            assert listed["spoken_note"]["status"] == "done"
            assert "kill myself" in listed["spoken_note"]["transcript"].lower()
            played = await web.get(listed["spoken_note"]["audio_url"])
            assert played.status_code == 200 and played.content == audio
            assert played.headers["content-type"] == "audio/webm"
    (event,) = [e for e in seen if e.surface == "diary"]
    assert event.author_id == me.id and event.ref == str(entry["id"]) and "kill myself" in event.text.lower()

    try:
        from anxin.safety.models import RiskFlag
    except ImportError:
        RiskFlag = None  # type: ignore[assignment,misc]  # the safety module is not installed here
    if RiskFlag is not None:
        async with unit(app) as db:
            flags = list(await db.scalars(select(RiskFlag).where(RiskFlag.subject_id == me.id)))
        assert any(flag.source == "diary" for flag in flags)

    # At rest: neither the database nor the audio file shows what was said or the recording.
    files = list((settings.home / "diary").iterdir())
    assert len(files) == 1 and audio[:64] not in files[0].read_bytes()
    async with unit(app) as db:
        exported = await assessment_rights.export_assessments(db, me.id)
    assert "kill myself" in exported["diary"][0]["spoken_note"]["transcript"].lower()
    from tests.rooms.at_rest import raw_database_contains

    assert not raw_database_contains(database_url, b"kill myself")

    # Deleting the entry deletes its spoken note and the audio file; someone else cannot.
    other = await person(app)
    url = f"/api/v1/assessments/diary/{entry['id']}"
    assert (await app_client(app, other).delete(url)).status_code == 404
    assert (await app_client(app, me).delete(url)).status_code == 204
    assert list((settings.home / "diary").iterdir()) == []
    async with unit(app) as db:
        assert list(await db.scalars(select(DiaryRecording))) == []


def app_client(app: FastAPI, someone: Person) -> _Api:
    return _Api(app, someone)


class _Api:
    """One API call with the person's bearer token."""

    def __init__(self, app: FastAPI, someone: Person) -> None:
        self.app, self.someone = app, someone

    async def delete(self, url: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.delete(url, headers=self.someone.headers)

    async def post_audio(self, url: str, data: bytes) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.post(url, files={"file": ("note.webm", data)}, headers=self.someone.headers)


async def test_bad_audio_is_refused_and_silence_is_a_failed_transcript(
    app: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from tests.mind.speech.conftest import encode

    me = await english_speaker(app)
    api = app_client(app, me)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        made = await http.post(
            "/api/v1/assessments/diary",
            json={"day": clock.utcnow().date().isoformat(), "mood": 6},
            headers=me.headers,
        )
    assert made.status_code == 201, made.text
    url = f"/api/v1/assessments/diary/{made.json()['id']}/recording"

    empty = await api.post_audio(url, b"")
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "recording_empty"
    text = await api.post_audio(url, b"this is not audio at all")
    assert text.status_code == 422 and text.json()["error"]["code"] == "recording_unsupported"
    damaged = await api.post_audio(url, b"\x1a\x45\xdf\xa3" + b"\x00" * 200)
    assert damaged.status_code == 422 and damaged.json()["error"]["code"] in (
        "recording_unsupported",
        "recording_empty",
    )
    monkeypatch.setenv("ANXIN_SPEECH_MAX_SECONDS", "2")
    long = await api.post_audio(url, encode(np.full(16000 * 4, 0.1, np.float32), "webm"))
    assert long.status_code == 422 and long.json()["error"]["code"] == "recording_too_long"
    assert "2 秒" in long.json()["error"]["message"]  # translated into the default language
    monkeypatch.delenv("ANXIN_SPEECH_MAX_SECONDS")
    elsewhere = await app_client(app, await person(app)).post_audio(url, spoken("Hello there.", tmp_path))
    assert elsewhere.status_code == 404

    silent = await api.post_audio(url, encode(np.zeros(16000, np.float32), "webm"))
    assert silent.status_code == 201, silent.text
    assert silent.json()["spoken_note"]["status"] == "pending"
    row = await transcribed(app, made.json()["id"])
    assert row.status == "failed" and row.error_code == "no_speech" and row.transcript_sealed is None
    async with await browser_for(app, me) as web:
        web.headers["Accept-Language"] = "en"
        page = await web.get("/diary")
    assert "This recording could not be transcribed." in page.text
    assert await recordings.transcribe(app.state.database, app.state.settings.home, row.id) is None  # done
    async with unit(app) as db:
        assert await recordings.missed_recordings(db, older_than=timedelta(0)) == []

    # A recording whose file is gone ends as failed rather than pending for ever.
    async with unit(app, write=True) as db:
        yesterday = await service.save_diary(db, me.id, day=clock.utcnow().date() - timedelta(days=1), mood=5)
        lost = DiaryRecording(
            entry_id=yesterday.entry.id,
            author_id=me.id,
            media_type="audio/webm",
            size_bytes=10,
            storage_name="0" * 32,
            status="pending",
            created_at=clock.utcnow(),
        )
        db.add(lost)
        await db.flush()
        lost_id = lost.id
    done = await recordings.transcribe(app.state.database, app.state.settings.home, lost_id)
    assert done is not None and done.status == "failed" and done.error_code == "audio_missing"

    # Erasure removes the recordings and, after commit, their audio files.
    assert len(list((app.state.settings.home / "diary").iterdir())) == 1
    async with unit(app, write=True) as db:
        await assessment_rights.erase_assessments(db, me.id)
    assert list((app.state.settings.home / "diary").iterdir()) == []
    async with unit(app) as db:
        assert list(await db.scalars(select(DiaryRecording))) == []
