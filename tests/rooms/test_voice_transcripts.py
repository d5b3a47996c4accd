"""Voice messages get a transcript in the worker: sealed at rest, visible to both participants,
searchable, announced on the room's channel, screened like typed text; voice indicators reach the
counsellor only with the client's consent."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from anxin.core import hooks
from anxin.core.config import Settings
from anxin.core.db import Database
from anxin.core.errors import NotFound
from anxin.core.relay import OutboxRelay
from anxin.privacy import consent
from anxin.rooms import attachments, transcripts
from anxin.rooms import rights as room_rights
from anxin.rooms.models import RoomMessage, RoomTranscript
from tests.rooms.support import Pair, make_pair

pytest.importorskip("faster_whisper", reason="the speech extra is not installed: pip install 'anxin[speech]'")
pytest.importorskip("opensmile", reason="the speech extra is not installed: pip install 'anxin[speech]'")

SAID = "I am going to kill myself tonight."


@pytest.fixture(autouse=True)
def speech_settings(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install -y espeak-ng)")
    monkeypatch.setenv("ANXIN_MODEL_CACHE", str(tmp_path_factory.getbasetemp() / "speech-models"))
    monkeypatch.setenv("ANXIN_HOME", str(tmp_path / "home"))
    from anxin.core.config import get_settings

    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


def spoken_webm(text: str, tmp_path: Path) -> bytes:
    from anxin.mind.speech import audio
    from tests.mind.speech.conftest import encode

    wav = tmp_path / "said.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "130", "-w", str(wav), text], check=True)
    return encode(audio.load(wav).samples, "webm")


async def send_voice(database: Database, pair: Pair, data: bytes, client_msg_id: str) -> int:
    from anxin.core.config import get_settings

    async with database.transaction() as db:
        posted = await attachments.store(
            db,
            get_settings().home,
            pair.client.user_id,
            pair.room_id,
            data,
            file_name="voice.webm",
            client_msg_id=client_msg_id,
        )
    return posted.message.seq


async def test_voice_message_transcript_reaches_both_and_the_crisis_screen(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    pair = await make_pair(database)
    async with database.transaction() as db:
        await consent.grant(db, pair.client.user_id, consent.AI_EMOTION_ANALYSIS)
        await consent.grant(db, pair.client.user_id, consent.SHARE_MEASURES_WITH_COUNSELLOR)
    heard: list[hooks.TextWritten] = []

    async def listener(_db: object, event: hooks.TextWritten) -> None:
        heard.append(event)

    published: list[tuple[str, dict[str, object]]] = []

    async def publisher(channel: str, event: dict[str, object]) -> None:
        published.append((channel, event))

    hooks.text_written.register(listener)  # type: ignore[arg-type]
    try:
        seq = await send_voice(database, pair, spoken_webm(SAID, tmp_path), "v-1")
        relay = OutboxRelay(database, publisher=publisher, run_schedules=False)
        await relay.drain()
        await transcripts.settle()
        await relay.drain()
    finally:
        hooks.text_written.unregister(listener)  # type: ignore[arg-type]

    async with database.transaction() as db:
        for person in (pair.client, pair.counselor):
            (view,) = await transcripts.transcripts_since(db, person.user_id, pair.room_id)
            assert view.seq == seq and view.status == "done" and view.language == "en"
            assert "kill myself" in (view.text or "").lower()
        found = await transcripts.search_with_transcripts(db, pair.counselor.user_id, pair.room_id, "TONIGHT")
        assert [v.seq for v in found] == [seq]
        points = await transcripts.voice_indicators(db, pair.counselor.user_id, pair.room_id)
        assert len(points) == 1 and 0.5 < points[0].values["speech_rate"] < 6
        exported = await room_rights.export_rooms(db, pair.client.user_id)
        assert "kill myself" in str(exported["rooms"][0]["voice_transcripts"]).lower()  # type: ignore[index]
    assert (f"room:{pair.room_id}", {"type": "transcript", "room": pair.room_id, "seq": seq}) in [
        (channel, {k: v for k, v in event.items() if k != "event_id"}) for channel, event in published
    ]
    (event,) = [e for e in heard if e.surface == transcripts.SURFACE]
    assert event.author_id == pair.client.user_id and "kill myself" in event.text.lower()

    try:
        from anxin.safety.models import RiskFlag
    except ImportError:
        RiskFlag = None  # type: ignore[assignment,misc]  # the safety module is not installed here
    if RiskFlag is not None:
        async with database.transaction(write=False) as db:
            flags = list(await db.scalars(select(RiskFlag).where(RiskFlag.subject_id == pair.client.user_id)))
        assert any(flag.source == transcripts.SURFACE for flag in flags)

    await database.dispose()
    from tests.rooms.at_rest import raw_database_contains

    assert not raw_database_contains(database_url, b"kill myself")


async def test_without_consent_no_indicators_and_silence_is_a_failed_transcript(
    database: Database, tmp_path: Path
) -> None:
    import numpy as np

    from tests.mind.speech.conftest import encode

    pair = await make_pair(database)
    seq = await send_voice(database, pair, spoken_webm("We walked to the park.", tmp_path), "v-1")
    silent = await send_voice(database, pair, encode(np.zeros(16000, np.float32), "webm"), "v-2")

    async def ignore(_channel: str, _event: dict[str, object]) -> None:
        return None

    relay = OutboxRelay(database, publisher=ignore, run_schedules=False)
    await relay.drain()
    await transcripts.settle()
    from anxin.core.config import get_settings

    async with database.transaction(write=False) as db:
        ids = list(await db.scalars(select(RoomMessage.id).where(RoomMessage.room_id == pair.room_id)))
        assert await transcripts.missed_voice_messages(db, older_than=timedelta(0)) == []
    for message_id in ids:  # a second run changes nothing
        assert await transcripts.transcribe_message(database, get_settings().home, message_id) is None
    async with database.transaction() as db:
        views = {
            v.seq: v for v in await transcripts.transcripts_since(db, pair.counselor.user_id, pair.room_id)
        }
        assert views[seq].status == "done" and "park" in (views[seq].text or "")
        assert views[silent].status == "failed" and views[silent].error_code == "no_speech"
        assert await transcripts.voice_indicators(db, pair.counselor.user_id, pair.room_id) == []
        rows = list(await db.scalars(select(RoomTranscript)))
        assert len(rows) == 2 and all(r.indicators_sealed is None for r in rows)
        with pytest.raises(NotFound):
            await transcripts.voice_indicators(db, pair.client.user_id, pair.room_id)


async def test_upload_over_http_then_both_see_the_transcript(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    database: Database = app.state.database
    pair = await make_pair(database)
    data = spoken_webm("My sister called me yesterday.", tmp_path)
    upload = await client.post(
        f"/api/v1/rooms/{pair.room_id}/attachments",
        files={"file": ("voice.webm", data)},
        data={"client_msg_id": "voice-1"},
        headers=pair.client.headers,
    )
    assert upload.status_code == 201, upload.text

    async def ignore(_channel: str, _event: dict[str, object]) -> None:
        return None

    # The app's own relay may be running the job too: wait until the worker side has written it.
    relay = OutboxRelay(database, publisher=ignore, run_schedules=False)
    for _ in range(300):
        await relay.drain()
        await transcripts.settle()
        got = await client.get(f"/api/v1/rooms/{pair.room_id}/transcripts", headers=pair.client.headers)
        if got.json():
            break
        await asyncio.sleep(0.1)
    for person in (pair.client, pair.counselor):
        got = await client.get(f"/api/v1/rooms/{pair.room_id}/transcripts", headers=person.headers)
        assert got.status_code == 200
        (heard,) = got.json()
        assert heard["status"] == "done" and "sister" in heard["text"].lower()
        page = await client.get(f"/rooms/{pair.room_id}", headers=person.headers)
        assert page.status_code == 200 and "sister" in page.text.lower() and "room-transcript" in page.text
    found = await client.get(
        f"/api/v1/rooms/{pair.room_id}/search", params={"q": "yesterday"}, headers=pair.client.headers
    )
    assert [m["kind"] for m in found.json()] == ["voice"]
    outsider = await client.get(f"/api/v1/rooms/{pair.room_id + 99}/transcripts", headers=pair.client.headers)
    assert outsider.status_code == 404

    # Deleting the message deletes its recording and its transcript; only the sender may.
    seq = found.json()[0]["seq"]
    url = f"/api/v1/rooms/{pair.room_id}/messages/{seq}"
    assert (await client.delete(url, headers=pair.counselor.headers)).status_code == 404
    files = settings.home / "rooms"
    assert len(list(files.iterdir())) == 1
    assert (await client.delete(url, headers=pair.client.headers)).status_code == 204
    assert list(files.iterdir()) == []
    for person in (pair.client, pair.counselor):
        assert (
            await client.get(f"/api/v1/rooms/{pair.room_id}/transcripts", headers=person.headers)
        ).json() == []
        assert (
            await client.get(f"/api/v1/rooms/{pair.room_id}/messages", headers=person.headers)
        ).json() == []
