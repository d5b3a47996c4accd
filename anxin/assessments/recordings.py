"""Spoken diary notes: the audio is checked and sealed on the request, transcribed by a worker job.

The audio lives under ``$ANXIN_HOME/diary/<random name>``, sealed with the author's data key (bound to
the author and the stored name). The job ``assessments.transcribe_diary`` starts the transcription in
the worker once it commits (as rooms does for voice messages, so no database lock is held while
Whisper runs); one short transaction then seals the transcript on the recording, screens it like a
typed note (``hooks.text_written``, surface "diary") and emits ``assessments.diary_note_stored`` for
the deep analysis.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.assessments.errors import (
    RecordingEmpty,
    RecordingTooLarge,
    RecordingTooLong,
    RecordingUnsupported,
)
from anxin.assessments.models import (
    RECORDING_DONE,
    RECORDING_FAILED,
    RECORDING_PENDING,
    DiaryEntry,
    DiaryRecording,
)
from anxin.assessments.service import DIARY_SURFACE, EVENT_DIARY_NOTE_STORED
from anxin.core import background, clock, hooks, outbox
from anxin.core.db import Database, after_commit
from anxin.privacy import crypto

TRANSCRIBE_JOB = "assessments.transcribe_diary"
MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_SECONDS = 300
# What the container's first bytes say (never the file name or the declared type).
_MEDIA_TYPES = {"webm": "audio/webm", "ogg": "audio/ogg", "mp4": "audio/mp4", "wav": "audio/wav"}
log = logging.getLogger("anxin.assessments")


def max_seconds() -> int:
    return int(float(os.environ.get("ANXIN_SPEECH_MAX_SECONDS", DEFAULT_MAX_SECONDS)))


def storage_dir(home: Path) -> Path:
    folder = home / "diary"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def audio_context(author_id: int, storage_name: str) -> str:
    return f"assessments.diary.audio:{author_id}:{storage_name}"


def transcript_context(author_id: int, recording_id: int) -> str:
    return f"assessments.diary.transcript:{author_id}:{recording_id}"


def sniff(data: bytes) -> str | None:
    if data.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: MediaRecorder in Chromium/Firefox
        return "webm"
    if data.startswith(b"OggS"):
        return "ogg"
    if data[4:8] == b"ftyp":  # MP4/M4A: Safari's MediaRecorder
        return "mp4"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    return None


def _check_decodes(data: bytes) -> None:
    """Decode once (stops at the length limit) so a damaged, silent-file or too-long upload is a 4xx
    at once rather than a failed transcript later. Without the speech extra only the type is checked."""
    try:
        from anxin.mind.speech import audio
        from anxin.mind.speech.errors import AudioTooLong, CorruptAudio, UnsupportedAudio
    except ImportError:
        return
    try:
        audio.load(data, limit_seconds=max_seconds(), allow_silence=True)
    except ImportError:
        return
    except AudioTooLong as exc:
        raise RecordingTooLong(params={"seconds": max_seconds()}) from exc
    except CorruptAudio as exc:
        raise RecordingEmpty() if "no sound" in str(exc) else RecordingUnsupported() from exc
    except UnsupportedAudio as exc:
        raise RecordingUnsupported() from exc


async def check(data: bytes) -> str:
    """The media type of acceptable audio, or a 4xx error."""
    if not data:
        raise RecordingEmpty()
    if len(data) > MAX_BYTES:
        raise RecordingTooLarge(params={"megabytes": MAX_BYTES // (1024 * 1024)})
    container = sniff(data)
    if container is None:
        raise RecordingUnsupported()
    await asyncio.to_thread(_check_decodes, data)
    return _MEDIA_TYPES[container]


def remove_files(home: Path, storage_names: list[str]) -> None:
    for name in storage_names:
        (storage_dir(home) / name).unlink(missing_ok=True)


async def attach(
    db: AsyncSession, home: Path, entry: DiaryEntry, data: bytes, media_type: str
) -> DiaryRecording:
    """Seal and store the (already checked) audio on the entry, replacing an earlier recording, and
    queue its transcription."""
    storage_name = secrets.token_hex(16)
    sealed = await crypto.seal(
        db, crypto.user_owner(entry.author_id), data, context=audio_context(entry.author_id, storage_name)
    )
    await remove(db, home, entry.id)
    recording = DiaryRecording(
        entry_id=entry.id,
        author_id=entry.author_id,
        media_type=media_type,
        size_bytes=len(data),
        storage_name=storage_name,
        status=RECORDING_PENDING,
        created_at=clock.utcnow(),
    )
    db.add(recording)
    await db.flush()
    path = storage_dir(home) / storage_name
    temporary = path.with_suffix(".part")
    temporary.write_bytes(sealed)
    os.replace(temporary, path)
    await outbox.enqueue(db, TRANSCRIBE_JOB, {"recording_id": recording.id})
    return recording


async def remove(db: AsyncSession, home: Path, entry_id: int) -> None:
    """Forget the entry's recording; its file goes once the transaction has committed."""
    old = await db.scalar(select(DiaryRecording).where(DiaryRecording.entry_id == entry_id))
    if old is None:
        return
    name = old.storage_name
    await db.delete(old)
    await db.flush()
    after_commit(db, lambda: remove_files(home, [name]))


async def remove_all(db: AsyncSession, home: Path, author_id: int) -> None:
    rows = list(await db.scalars(select(DiaryRecording).where(DiaryRecording.author_id == author_id)))
    names = [row.storage_name for row in rows]
    for row in rows:
        await db.delete(row)
    await db.flush()
    if names:
        after_commit(db, lambda: remove_files(home, names))


@dataclass(frozen=True)
class Heard:
    text: str | None
    language: str | None
    model: str | None
    error_code: str | None


def _listen(data: bytes, language: str | None) -> Heard:
    """Whisper in the author's language (runs in a thread; no database work here)."""
    try:
        from anxin.mind.speech import asr, audio
        from anxin.mind.speech.errors import AudioError
    except ImportError:
        return Heard(None, None, None, "speech_not_installed")
    try:
        clip = audio.load(data, limit_seconds=max_seconds())
        result = asr.transcribe(clip, language=language) if language else asr.transcribe(clip)
    except AudioError as exc:
        return Heard(None, None, None, exc.code)
    except ImportError:
        return Heard(None, None, None, "speech_not_installed")
    text = result.text.strip()
    if not text:
        return Heard(None, result.language, result.model, "no_speech")
    return Heard(text, result.language, result.model, None)


@dataclass(frozen=True)
class Pending:
    """What the worker needs before listening (read in a short transaction)."""

    data: bytes
    language: str | None


async def prepare(db: AsyncSession, home: Path, recording_id: int) -> Pending | None:
    recording = await db.get(DiaryRecording, recording_id)
    if recording is None or recording.status != RECORDING_PENDING:
        return None
    path = storage_dir(home) / recording.storage_name
    if not path.exists():
        return Pending(b"", None)  # the file is gone (a restored backup without files): say so
    data = await crypto.unseal_bytes(
        db, path.read_bytes(), context=audio_context(recording.author_id, recording.storage_name)
    )
    author = await accounts.get_user(db, recording.author_id)
    language = re.split(r"[-_]", author.locale or "")[0].lower() or None  # "zh-CN" -> "zh"
    return Pending(data, language)


async def store(db: AsyncSession, recording_id: int, heard: Heard) -> DiaryRecording | None:
    """Seal the transcript, screen it like a typed note and announce it, in one transaction (safe
    to run twice; a recording deleted meanwhile keeps nothing)."""
    recording = await db.get(DiaryRecording, recording_id)
    if recording is None or recording.status != RECORDING_PENDING:
        return None
    recording.language, recording.model_version = heard.language, heard.model
    recording.transcribed_at = clock.utcnow()
    if heard.text is None:
        recording.status, recording.error_code = RECORDING_FAILED, heard.error_code
        await db.flush()
        return recording
    recording.transcript_sealed = await crypto.seal(
        db,
        crypto.user_owner(recording.author_id),
        heard.text,
        context=transcript_context(recording.author_id, recording.id),
    )
    recording.status, recording.error_code = RECORDING_DONE, None
    await db.flush()
    author = await accounts.get_user(db, recording.author_id)
    await hooks.text_written(
        db,
        hooks.TextWritten(
            author_id=recording.author_id,
            surface=DIARY_SURFACE,
            ref=str(recording.entry_id),
            text=heard.text,
            locale=author.locale,
        ),
    )
    await outbox.emit(
        db, EVENT_DIARY_NOTE_STORED, {"entry_id": recording.entry_id, "author_id": recording.author_id}
    )
    return recording


async def transcribe(database: Database, home: Path, recording_id: int) -> DiaryRecording | None:
    """Read (short transaction), listen (no transaction: seconds of CPU in a thread, so no database
    lock is held while Whisper runs), store (short transaction)."""
    async with database.transaction(write=False) as db:
        pending = await prepare(db, home, recording_id)
    if pending is None:
        return None
    if not pending.data:
        heard = Heard(None, None, None, "audio_missing")
    else:
        async with _tasks.slot():
            heard = await asyncio.to_thread(_listen, pending.data, pending.language)
    async with database.transaction() as db:
        return await store(db, recording_id, heard)


# ---------------------------------------------------------------- running it in the worker

# One recording at a time per process: each transcription already uses the speech threads.
_tasks = background.AfterCommitTasks("diary transcription", id_name="recording_id", log=log)
settle = _tasks.settle


def schedule(db: AsyncSession, home: Path, recording_id: int) -> None:
    """Transcribe after the job's transaction commits, in this (worker) process. A lost run (the
    process stopped) is picked up again by ``missed_recordings``."""
    _tasks.schedule(db, recording_id, lambda database: transcribe(database, home, recording_id))


async def missed_recordings(db: AsyncSession, *, older_than: timedelta, limit: int = 20) -> list[int]:
    """Recordings of the last day still pending, uploaded more than ``older_than`` ago."""
    return await _tasks.missed(
        db,
        select(DiaryRecording.id).where(DiaryRecording.status == RECORDING_PENDING),
        since=DiaryRecording.created_at,
        older_than=older_than,
        limit=limit,
    )


@dataclass(frozen=True)
class RecordingView:
    status: str
    error_code: str | None
    language: str | None
    transcript: str | None
    media_type: str


async def view_of(db: AsyncSession, entry: DiaryEntry) -> RecordingView | None:
    row = await db.scalar(select(DiaryRecording).where(DiaryRecording.entry_id == entry.id))
    if row is None:
        return None
    text = None
    if row.transcript_sealed is not None:
        text = await crypto.unseal(
            db,
            row.transcript_sealed,
            context=transcript_context(row.author_id, row.id),
            owner=crypto.user_owner(row.author_id),
        )
    return RecordingView(row.status, row.error_code, row.language, text, row.media_type)


async def read_audio(db: AsyncSession, home: Path, entry: DiaryEntry) -> tuple[str, bytes] | None:
    """The author's own audio (media type, bytes), or None."""
    row = await db.scalar(select(DiaryRecording).where(DiaryRecording.entry_id == entry.id))
    if row is None:
        return None
    path = storage_dir(home) / row.storage_name
    if not path.exists():
        return None
    data = await crypto.unseal_bytes(
        db, path.read_bytes(), context=audio_context(row.author_id, row.storage_name)
    )
    return row.media_type, data
