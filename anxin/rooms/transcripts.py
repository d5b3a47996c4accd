"""Transcripts of voice messages: written by the worker (never on a request path), sealed with the
room's key, shown to both participants, searchable by them, and screened like typed text.

With the speaker's consent to emotion analysis (``ai_emotion_analysis``), the worker also keeps the
recording's voice indicators (speech rate, pause ratio, pitch and loudness variability); the
counsellor sees them only if the client also shares measures with them
(``share_measures_with_counsellor``), each read audited. Indicators, never a diagnosis.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.core import background, clock, hooks, outbox
from anxin.core.db import Database
from anxin.core.errors import NotFound
from anxin.privacy import audit, consent, crypto
from anxin.rooms import attachments, service
from anxin.rooms.models import (
    KIND_VOICE,
    TRANSCRIPT_DONE,
    TRANSCRIPT_FAILED,
    Room,
    RoomAttachment,
    RoomMessage,
    RoomTranscript,
)

SURFACE = "voice_transcript"
log = logging.getLogger("anxin.rooms")


def text_context(room_id: int, seq: int) -> str:
    return f"rooms.transcript.text:{room_id}:{seq}"


def indicators_context(room_id: int, seq: int) -> str:
    return f"rooms.transcript.indicators:{room_id}:{seq}"


def transcript_event(room_id: int, seq: int) -> dict[str, int | str]:
    return {"type": "transcript", "room": room_id, "seq": seq}


@dataclass(frozen=True)
class Heard:
    """What the worker got from one recording (no database work here: it runs in a thread)."""

    text: str | None
    language: str | None
    model: str | None
    indicators: dict[str, float] | None
    error_code: str | None


def _listen(data: bytes, language_hint: str | None, with_indicators: bool) -> Heard:
    try:
        from anxin.mind.speech import asr, audio, features
        from anxin.mind.speech.errors import AudioError
    except ImportError:
        return Heard(None, None, None, None, "speech_not_installed")
    try:
        clip = audio.load(data)
        result = asr.transcribe(clip)
        if result.language_probability < 0.5 and language_hint and language_hint != result.language:
            # A short or unclear clip: the speaker's own language setting is the better guess.
            result = asr.transcribe(clip, language=language_hint)
        indicators = (
            features.indicators(clip, features.egemaps(clip), result.text) if with_indicators else None
        )
    except AudioError as exc:
        return Heard(None, None, None, None, exc.code)
    except ImportError:
        return Heard(None, None, None, None, "speech_not_installed")
    return Heard(result.text, result.language, result.model, indicators, None)


@dataclass(frozen=True)
class Recording:
    """What the worker needs from the database before listening (read in a short transaction)."""

    message_id: int
    data: bytes
    language_hint: str | None
    with_indicators: bool


async def prepare(db: AsyncSession, home: Path, message_id: int) -> Recording | None:
    """The voice message's audio and settings, or None when there is nothing to transcribe."""
    message = await db.get(RoomMessage, message_id)
    if message is None or message.kind != KIND_VOICE or message.attachment_id is None:
        return None
    if await db.scalar(select(RoomTranscript.id).where(RoomTranscript.message_id == message.id)):
        return None
    attachment = await db.get(RoomAttachment, message.attachment_id)
    if attachment is None:
        return None
    path = attachments.storage_dir(home) / attachment.storage_name
    if not path.exists():
        return None
    data = await crypto.unseal_bytes(
        db, path.read_bytes(), context=attachments.file_context(attachment.room_id, attachment.storage_name)
    )
    room = await db.get(Room, message.room_id)
    speaker = await accounts.get_user(db, message.sender_id)
    with_indicators = (
        room is not None
        and message.sender_id == room.client_id
        and await consent.has_consent(db, message.sender_id, consent.AI_EMOTION_ANALYSIS)
    )
    hint = (speaker.locale or "").split("_")[0] or None
    return Recording(message.id, data, hint, with_indicators)


async def store(db: AsyncSession, message_id: int, heard: Heard) -> RoomTranscript | None:
    """Seal and keep the transcript, screen it like typed text, tell the room (safe to run twice)."""
    message = await db.get(RoomMessage, message_id)
    if message is None:
        return None  # deleted while it was being transcribed: keep nothing
    existing = await db.scalar(select(RoomTranscript).where(RoomTranscript.message_id == message.id))
    if existing is not None:
        return existing
    speaker = await accounts.get_user(db, message.sender_id)
    row = RoomTranscript(
        message_id=message.id,
        room_id=message.room_id,
        seq=message.seq,
        speaker_id=message.sender_id,
        status=TRANSCRIPT_FAILED if heard.error_code else TRANSCRIPT_DONE,
        error_code=heard.error_code,
        language=heard.language,
        model_version=heard.model,
        created_at=clock.utcnow(),
    )
    owner = crypto.room_owner(message.room_id)
    if heard.text:
        row.text_sealed = await crypto.seal(db, owner, heard.text, context=text_context(row.room_id, row.seq))
    if heard.indicators:
        row.indicators_sealed = await crypto.seal(
            db, owner, json.dumps(heard.indicators), context=indicators_context(row.room_id, row.seq)
        )
    try:
        async with db.begin_nested():
            db.add(row)
            await db.flush()
    except IntegrityError:
        return await db.scalar(select(RoomTranscript).where(RoomTranscript.message_id == message.id))
    if heard.text:
        await hooks.text_written(
            db,
            hooks.TextWritten(
                author_id=message.sender_id,
                surface=SURFACE,
                ref=str(message.id),
                text=heard.text,
                locale=speaker.locale,
            ),
        )
    await outbox.publish(db, service.channel_of(row.room_id), transcript_event(row.room_id, row.seq))
    return row


async def transcribe_message(database: Database, home: Path, message_id: int) -> RoomTranscript | None:
    """Read (short transaction), listen (no transaction: seconds of CPU in a thread), store (short
    transaction). No database lock is held while Whisper runs."""
    async with database.transaction(write=False) as db:
        recording = await prepare(db, home, message_id)
    if recording is None:
        return None
    async with _tasks.slot():
        heard = await asyncio.to_thread(
            _listen, recording.data, recording.language_hint, recording.with_indicators
        )
    async with database.transaction() as db:
        return await store(db, message_id, heard)


# ---------------------------------------------------------------- running it in the worker


def _at_once() -> int:
    """ANXIN_SPEECH_CONCURRENCY recordings (default 1) are transcribed at once per process: each
    already uses ANXIN_SPEECH_THREADS cores, and more at once only makes all of them slower."""
    return int(os.environ.get("ANXIN_SPEECH_CONCURRENCY", "1"))


# Running transcriptions of this process, by (database, message id).
_tasks = background.AfterCommitTasks("voice transcription", id_name="message_id", log=log, at_once=_at_once)
settle = _tasks.settle


async def schedule(db: AsyncSession, home: Path, message_id: int) -> None:
    """Transcribe a voice message after the job's transaction commits, in this (worker) process. A
    lost run (the process stopped) is picked up again by ``missed_voice_messages``."""
    kind = await db.scalar(select(RoomMessage.kind).where(RoomMessage.id == message_id))
    if kind != KIND_VOICE:
        return
    _tasks.schedule(db, message_id, lambda database: transcribe_message(database, home, message_id))


async def missed_voice_messages(db: AsyncSession, *, older_than: timedelta, limit: int = 20) -> list[int]:
    """Voice messages of the last day without a transcript, sent more than ``older_than`` ago."""
    return await _tasks.missed(
        db,
        select(RoomMessage.id)
        .outerjoin(RoomTranscript, RoomTranscript.message_id == RoomMessage.id)
        .where(RoomMessage.kind == KIND_VOICE, RoomTranscript.id.is_(None)),
        since=RoomMessage.created_at,
        older_than=older_than,
        limit=limit,
    )


@dataclass(frozen=True)
class TranscriptView:
    seq: int
    status: str
    language: str | None
    text: str | None
    error_code: str | None

    def as_frame(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "status": self.status,
            "language": self.language,
            "text": self.text,
            "error": self.error_code,
        }


async def _view(db: AsyncSession, row: RoomTranscript) -> TranscriptView:
    text = None
    if row.text_sealed is not None:
        text = await crypto.unseal(
            db,
            row.text_sealed,
            context=text_context(row.room_id, row.seq),
            owner=crypto.room_owner(row.room_id),
        )
    return TranscriptView(row.seq, row.status, row.language, text, row.error_code)


async def transcripts_since(
    db: AsyncSession, actor_id: int, room_id: int, since: int = 0, *, limit: int = 200
) -> list[TranscriptView]:
    """Transcripts of the room's voice messages with seq > ``since`` (participants only)."""
    room = await service.access_room(db, actor_id, room_id)
    rows = await db.scalars(
        select(RoomTranscript)
        .where(RoomTranscript.room_id == room.id, RoomTranscript.seq > max(0, since))
        .order_by(RoomTranscript.seq)
        .limit(max(1, min(limit, 500)))
    )
    return [await _view(db, row) for row in rows]


async def search_with_transcripts(
    db: AsyncSession, actor_id: int, room_id: int, query: str, *, limit: int = 50
) -> list[service.MessageView]:
    """The room's search over typed text and over what was said in voice messages."""
    found = await service.search(db, actor_id, room_id, query, limit=limit)
    needle = query.strip().casefold()
    seen = {view.seq for view in found}
    for heard in reversed(await transcripts_since(db, actor_id, room_id, 0, limit=500)):
        if len(found) >= limit:
            break
        if heard.text and heard.seq not in seen and needle in heard.text.casefold():
            message = await db.scalar(
                select(RoomMessage).where(RoomMessage.room_id == room_id, RoomMessage.seq == heard.seq)
            )
            if message is not None:
                found.append(await service.view_of(db, message))
    return sorted(found, key=lambda view: view.seq, reverse=True)


@dataclass(frozen=True)
class IndicatorPoint:
    at: datetime
    seq: int
    values: dict[str, float]


async def voice_indicators(db: AsyncSession, actor_id: int, room_id: int) -> list[IndicatorPoint]:
    """The client's voice indicators over time, for the room's counsellor, when the client shares
    measures with them; an audited read. Empty without that consent."""
    room = await service.access_room(db, actor_id, room_id)
    if room.counselor_id != actor_id:
        raise NotFound()
    if not await consent.has_consent(db, room.client_id, consent.SHARE_MEASURES_WITH_COUNSELLOR):
        return []
    rows = await db.scalars(
        select(RoomTranscript)
        .where(
            RoomTranscript.room_id == room.id,
            RoomTranscript.speaker_id == room.client_id,
            RoomTranscript.indicators_sealed.is_not(None),
        )
        .order_by(RoomTranscript.seq)
    )
    points: list[IndicatorPoint] = []
    for row in rows:
        assert row.indicators_sealed is not None
        raw = await crypto.unseal(
            db,
            row.indicators_sealed,
            context=indicators_context(row.room_id, row.seq),
            owner=crypto.room_owner(row.room_id),
        )
        values: dict[str, Any] = json.loads(raw)
        points.append(IndicatorPoint(row.created_at, row.seq, {k: float(v) for k, v in values.items()}))
    await audit.record(
        db,
        action="rooms.voice_indicators_read",
        actor_id=actor_id,
        actor_role="counsellor",
        object_type="room",
        object_id=room.id,
        subject_id=room.client_id,
        details={"points": len(points)},
    )
    return points
