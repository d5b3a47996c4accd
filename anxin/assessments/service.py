"""Assessments: the only writer of assessments' tables (questionnaires and the mood diary).

Answers and diary feelings/notes are sealed with the person's own data key. A PHQ-9 with item 9
above 0 calls ``hooks.risk_indicated`` and a diary note goes through ``hooks.text_written`` in the
same transaction, so whatever ``safety`` opens commits with the answer; the caller learns from the
outcomes whether to show crisis resources at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.assessments import scoring
from anxin.assessments.errors import DiaryInFuture, DiaryInvalid, UnknownEmotion
from anxin.assessments.instruments import EMOTION_CODES, LANGUAGES, instrument
from anxin.assessments.models import (
    ASSIGNMENT_DONE,
    ASSIGNMENT_OPEN,
    AssessmentAssignment,
    AssessmentResponse,
    DiaryEntry,
)
from anxin.core import clock, hooks, outbox
from anxin.core.errors import NotFound, ValidationFailed
from anxin.privacy import crypto

EVENT_RESPONSE_STORED = "assessments.response_stored"
EVENT_DIARY_NOTE_STORED = "assessments.diary_note_stored"
DIARY_SURFACE = "diary"
MAX_NOTE_CHARS = 5000
MAX_EMOTIONS = 8
# The latest calendar day anywhere on Earth (UTC+14): "today" for every diary writer.
_EARLIEST_ZONE = timedelta(hours=14)
_FIRST_DAY = date(2000, 1, 1)


def answers_context(subject_id: int) -> str:
    return f"assessments.response.answers:{subject_id}"


def emotions_context(author_id: int, day: date) -> str:
    return f"assessments.diary.emotions:{author_id}:{day.isoformat()}"


def note_context(author_id: int, day: date) -> str:
    return f"assessments.diary.note:{author_id}:{day.isoformat()}"


# ---------------------------------------------------------------- questionnaires


@dataclass(frozen=True)
class Submitted:
    response: AssessmentResponse
    result: scoring.Result
    show_resources: bool


async def submit(
    db: AsyncSession,
    subject_id: int,
    code: str,
    answers: scoring.Answers,
    *,
    language: str,
    assignment_id: int | None = None,
) -> Submitted:
    """Score and store one questionnaire. Bad answers raise before anything is written."""
    spec = instrument(code)
    result = scoring.score(spec, answers)
    assignment = None
    if assignment_id is not None:
        assignment = await db.get(AssessmentAssignment, assignment_id)
        if (
            assignment is None
            or assignment.client_id != subject_id
            or assignment.instrument != spec.code
            or assignment.status != ASSIGNMENT_OPEN
        ):
            raise NotFound("We could not find this questionnaire task.")
    sealed = await crypto.seal(
        db,
        crypto.user_owner(subject_id),
        json.dumps(list(result.answers)),
        context=answers_context(subject_id),
    )
    now = clock.utcnow()
    response = AssessmentResponse(
        subject_id=subject_id,
        instrument=spec.code,
        instrument_version=spec.version,
        language=language if language in LANGUAGES else "en",
        raw_total=result.raw,
        score=result.score,
        band=result.band.code,
        answers_sealed=sealed,
        risk_reason=result.risk.reason if result.risk else None,
        assignment_id=assignment.id if assignment else None,
        created_at=now,
    )
    db.add(response)
    await db.flush()
    outcomes: list[hooks.ScreenOutcome] = []
    if result.risk is not None:
        outcomes = await hooks.risk_indicated(
            db,
            hooks.RiskIndicated(
                subject_id=subject_id,
                source="assessment",
                ref=str(response.id),
                level=result.risk.level,
                reason=result.risk.reason,
            ),
        )
    if assignment is not None:
        assignment.status, assignment.completed_at, assignment.response_id = ASSIGNMENT_DONE, now, response.id
    await db.flush()
    await outbox.emit(db, EVENT_RESPONSE_STORED, {"response_id": response.id, "subject_id": subject_id})
    # Item 9 shows crisis resources even if no screening handler is registered (or it says less).
    return Submitted(response, result, hooks.needs_resources(outcomes) or result.risk is not None)


async def responses_of(
    db: AsyncSession, subject_id: int, code: str | None = None
) -> list[AssessmentResponse]:
    """A person's results, oldest first (the history chart reads left to right)."""
    query = select(AssessmentResponse).where(AssessmentResponse.subject_id == subject_id)
    if code is not None:
        query = query.where(AssessmentResponse.instrument == code)
    rows = await db.scalars(query.order_by(AssessmentResponse.created_at, AssessmentResponse.id))
    return list(rows.all())


async def access_response(db: AsyncSession, actor_id: int, response_id: int) -> AssessmentResponse:
    """One's own result; for anyone else it does not exist."""
    row = await db.get(AssessmentResponse, response_id)
    if row is None or row.subject_id != actor_id:
        raise NotFound("We could not find this result.")
    return row


async def answers_of(db: AsyncSession, row: AssessmentResponse) -> list[int]:
    text = await crypto.unseal(
        db,
        row.answers_sealed,
        context=answers_context(row.subject_id),
        owner=crypto.user_owner(row.subject_id),
    )
    values: list[int] = json.loads(text)
    return values


# ---------------------------------------------------------------- mood diary


@dataclass(frozen=True)
class DiaryView:
    id: int
    day: date
    mood: int
    sleep_hours: float | None
    emotions: list[str]
    note: str | None
    updated_at: datetime


@dataclass(frozen=True)
class Saved:
    entry: DiaryEntry
    show_resources: bool


def latest_allowed_day() -> date:
    return (clock.utcnow() + _EARLIEST_ZONE).date()


def _check_diary(day: date, mood: object, sleep_hours: object, emotions: list[str], note: str | None) -> None:
    if day > latest_allowed_day():
        raise DiaryInFuture()
    if day < _FIRST_DAY:
        raise DiaryInvalid("Please choose a day from the year 2000 on.")
    if isinstance(mood, bool) or not isinstance(mood, int) or not 1 <= mood <= 10:
        raise DiaryInvalid()
    if sleep_hours is not None and (
        isinstance(sleep_hours, bool)
        or not isinstance(sleep_hours, int | float)
        or not 0 <= sleep_hours <= 24
    ):
        raise DiaryInvalid()
    if len(emotions) > MAX_EMOTIONS or any(code not in EMOTION_CODES for code in emotions):
        raise UnknownEmotion()
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise ValidationFailed(
            "Please keep the note under {count} characters.", params={"count": MAX_NOTE_CHARS}
        )


async def save_diary(
    db: AsyncSession,
    author_id: int,
    *,
    day: date,
    mood: int,
    emotions: list[str] | None = None,
    sleep_hours: float | None = None,
    note: str | None = None,
    locale: str | None = None,
) -> Saved:
    """Write (or rewrite) the author's entry for ``day``; a note is screened in this transaction."""
    chosen = sorted(set(emotions or []))
    text = note.strip() if note else None
    _check_diary(day, mood, sleep_hours, chosen, text)
    owner = crypto.user_owner(author_id)
    # Seal first: sealing may read or create the data key, which must not flush a half-made row.
    emotions_sealed = (
        await crypto.seal(db, owner, json.dumps(chosen), context=emotions_context(author_id, day))
        if chosen
        else None
    )
    note_sealed = await crypto.seal(db, owner, text, context=note_context(author_id, day)) if text else None
    entry = await db.scalar(
        select(DiaryEntry).where(DiaryEntry.author_id == author_id, DiaryEntry.day == day)
    )
    now = clock.utcnow()
    if entry is None:
        entry = DiaryEntry(author_id=author_id, day=day, created_at=now)
    entry.mood = mood
    entry.sleep_minutes = None if sleep_hours is None else round(float(sleep_hours) * 60)
    entry.emotions_sealed, entry.note_sealed, entry.updated_at = emotions_sealed, note_sealed, now
    db.add(entry)
    await db.flush()
    outcomes: list[hooks.ScreenOutcome] = []
    if text:
        outcomes = await hooks.text_written(
            db,
            hooks.TextWritten(
                author_id=author_id, surface=DIARY_SURFACE, ref=str(entry.id), text=text, locale=locale
            ),
        )
        await outbox.emit(db, EVENT_DIARY_NOTE_STORED, {"entry_id": entry.id, "author_id": author_id})
    return Saved(entry, hooks.needs_resources(outcomes))


async def diary_entries(
    db: AsyncSession, author_id: int, *, since: date | None = None, limit: int = 400
) -> list[DiaryEntry]:
    """Entries oldest first, from ``since`` on."""
    query = select(DiaryEntry).where(DiaryEntry.author_id == author_id)
    if since is not None:
        query = query.where(DiaryEntry.day >= since)
    rows = await db.scalars(query.order_by(DiaryEntry.day.desc()).limit(limit))
    return list(reversed(rows.all()))


async def diary_entry_on(db: AsyncSession, author_id: int, day: date) -> DiaryEntry | None:
    return await db.scalar(select(DiaryEntry).where(DiaryEntry.author_id == author_id, DiaryEntry.day == day))


async def diary_view(db: AsyncSession, entry: DiaryEntry, *, with_text: bool = True) -> DiaryView:
    owner = crypto.user_owner(entry.author_id)
    emotions: list[str] = []
    note = None
    if with_text and entry.emotions_sealed is not None:
        emotions = json.loads(
            await crypto.unseal(
                db, entry.emotions_sealed, context=emotions_context(entry.author_id, entry.day), owner=owner
            )
        )
    if with_text and entry.note_sealed is not None:
        note = await crypto.unseal(
            db, entry.note_sealed, context=note_context(entry.author_id, entry.day), owner=owner
        )
    return DiaryView(
        id=entry.id,
        day=entry.day,
        mood=entry.mood,
        sleep_hours=None if entry.sleep_minutes is None else round(entry.sleep_minutes / 60, 2),
        emotions=emotions,
        note=note,
        updated_at=entry.updated_at,
    )


async def access_diary_entry(db: AsyncSession, actor_id: int, entry_id: int) -> DiaryEntry:
    entry = await db.get(DiaryEntry, entry_id)
    if entry is None or entry.author_id != actor_id:
        raise NotFound("We could not find this diary entry.")
    return entry


async def delete_diary_entry(db: AsyncSession, home: Path, entry: DiaryEntry) -> None:
    """The entry goes, with its spoken note; the audio file once the transaction has committed."""
    from anxin.assessments import recordings  # recordings builds on this module

    await recordings.remove(db, home, entry.id)
    await db.delete(entry)
    await db.flush()


def as_dict(view: DiaryView) -> dict[str, Any]:
    return {
        "id": view.id,
        "day": view.day.isoformat(),
        "mood": view.mood,
        "sleep_hours": view.sleep_hours,
        "emotions": view.emotions,
        "note": view.note,
    }
