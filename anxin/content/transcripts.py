"""Transcripts of recorded answers to paid questions, written by the worker job
``content.transcribe_answer`` (never on the request path).

The job reads the recording from content storage, transcribes it with ``mind.speech`` in the
counsellor's language, seals the text with the counsellor's key (as the typed answer is) and passes
it through ``hooks.text_written`` (surface "content_answer") in one short transaction. As in rooms,
Whisper runs after the job commits with no transaction open. Whoever may
read the answer (``content.access``) sees the transcript under the audio.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.content.models import ANSWERED, TRANSCRIPT_DONE, TRANSCRIPT_FAILED, AnswerTranscript, Question
from anxin.content.storage import storage_for
from anxin.core import background, clock, hooks, outbox
from anxin.core.db import Database
from anxin.privacy.crypto import seal, unseal, user_owner

TRANSCRIBE_JOB = "content.transcribe_answer"
SURFACE = "content_answer"
TRANSCRIPT_CONTEXT = "content.answer.transcript"
log = logging.getLogger("anxin.content")


@dataclass(frozen=True)
class Heard:
    text: str | None
    language: str | None
    model: str | None
    error_code: str | None


def _listen(data: bytes, language: str | None) -> Heard:
    """Whisper in the speaker's language (in a thread; no database work here)."""
    try:
        from anxin.mind.speech import asr, audio
        from anxin.mind.speech.errors import AudioError
    except ImportError:
        return Heard(None, None, None, "speech_not_installed")
    try:
        result = asr.transcribe(audio.load(data), language=language)
    except AudioError as exc:
        return Heard(None, None, None, exc.code)
    except ImportError:
        return Heard(None, None, None, "speech_not_installed")
    text = result.text.strip()
    if not text:
        return Heard(None, result.language, result.model, "no_speech")
    return Heard(text, result.language, result.model, None)


async def queue(db: AsyncSession, question: Question) -> None:
    """Ask the worker to transcribe the question's recorded answer."""
    await outbox.enqueue(
        db, TRANSCRIBE_JOB, {"question_id": question.id}, dedupe_key=f"{TRANSCRIBE_JOB}:{question.id}"
    )


@dataclass(frozen=True)
class Recording:
    storage_key: str
    data: bytes
    language: str | None


async def prepare(db: AsyncSession, home: Path, question_id: int) -> Recording | None:
    """The recorded answer and its speaker's language, or None when there is nothing to do."""
    question = await db.get(Question, question_id)
    if question is None or question.status != ANSWERED or not question.answer_storage_key:
        return None
    if await db.get(AnswerTranscript, question.id) is not None:
        return None
    storage = storage_for(home)
    key = question.answer_storage_key
    data = await asyncio.to_thread(lambda: storage.read(key, 0, storage.size(key) - 1))
    speaker = await accounts.get_user(db, question.counsellor_id)
    language = re.split(r"[-_]", speaker.locale or "")[0].lower() or None  # "zh-CN" -> "zh"
    return Recording(key, data, language)


async def store(db: AsyncSession, question_id: int, key: str, heard: Heard) -> AnswerTranscript | None:
    """Seal and keep the transcript and screen it like a typed answer (safe to run twice)."""
    question = await db.get(Question, question_id)
    if question is None or question.answer_storage_key != key:
        return None  # gone, or answered with another recording meanwhile
    if await db.get(AnswerTranscript, question.id) is not None:
        return None
    row = AnswerTranscript(
        question_id=question.id,
        counsellor_id=question.counsellor_id,
        storage_key=key,
        status=TRANSCRIPT_DONE if heard.text else TRANSCRIPT_FAILED,
        error_code=heard.error_code,
        language=heard.language,
        model_version=heard.model,
        created_at=clock.utcnow(),
    )
    if heard.text:
        row.text_sealed = await seal(
            db, user_owner(question.counsellor_id), heard.text, context=TRANSCRIPT_CONTEXT
        )
    try:
        async with db.begin_nested():
            db.add(row)
            await db.flush()
    except IntegrityError:
        return None
    if heard.text:
        speaker = await accounts.get_user(db, question.counsellor_id)
        await hooks.text_written(
            db,
            hooks.TextWritten(
                question.counsellor_id,
                surface=SURFACE,
                ref=str(question.id),
                text=heard.text,
                locale=speaker.locale,
            ),
        )
    return row


async def transcribe(database: Database, home: Path, question_id: int) -> AnswerTranscript | None:
    """Read (short transaction), listen (no transaction open while Whisper runs), store (short)."""
    async with database.transaction(write=False) as db:
        recording = await prepare(db, home, question_id)
    if recording is None:
        return None
    async with _tasks.slot():
        heard = await asyncio.to_thread(_listen, recording.data, recording.language)
    async with database.transaction() as db:
        return await store(db, question_id, recording.storage_key, heard)


# ---------------------------------------------------------------- running it in the worker

# One recording at a time per process: each transcription already uses the speech threads.
_tasks = background.AfterCommitTasks("answer transcription", id_name="question_id", log=log)
settle = _tasks.settle


def schedule(db: AsyncSession, home: Path, question_id: int) -> None:
    """Transcribe after the job's transaction commits, in this (worker) process; a lost run is
    picked up again by ``missed_answers``."""
    _tasks.schedule(db, question_id, lambda database: transcribe(database, home, question_id))


async def missed_answers(db: AsyncSession, *, older_than: timedelta, limit: int = 20) -> list[int]:
    """Recorded answers of the last day without a transcript, answered more than ``older_than`` ago."""
    return await _tasks.missed(
        db,
        select(Question.id)
        .outerjoin(AnswerTranscript, AnswerTranscript.question_id == Question.id)
        .where(
            Question.status == ANSWERED,
            Question.answer_storage_key.is_not(None),
            AnswerTranscript.question_id.is_(None),
        ),
        since=Question.answered_at,
        older_than=older_than,
        limit=limit,
    )


@dataclass(frozen=True)
class TranscriptView:
    status: str
    text: str | None


async def view_of(db: AsyncSession, question: Question) -> TranscriptView | None:
    """The transcript of the recorded answer ("pending" until the worker has written it)."""
    if not question.answer_storage_key:
        return None
    row = await db.get(AnswerTranscript, question.id)
    if row is None or row.storage_key != question.answer_storage_key:
        return TranscriptView("pending", None)
    text = await unseal(db, row.text_sealed, context=TRANSCRIPT_CONTEXT) if row.text_sealed else None
    return TranscriptView(row.status, text)
