"""Wiring of assessments into the platform (imported at start-up by ``modules.load_tasks``): the
assignment reminder job, the transcription of spoken diary notes and the export and erase handlers
of assessments' personal data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.assessments import counselling, recordings
from anxin.assessments import rights as assessment_rights
from anxin.core import outbox
from anxin.core.config import get_settings
from anxin.privacy import rights


@outbox.job(counselling.REMIND_JOB)
async def remind_assignment(db: AsyncSession, payload: outbox.Payload) -> None:
    await counselling.remind(db, int(payload["assignment_id"]))


@outbox.job(recordings.TRANSCRIBE_JOB, max_attempts=3)
async def transcribe_diary_recording(db: AsyncSession, payload: outbox.Payload) -> None:
    """A spoken diary note gets its transcript in the worker after this job commits (never on the
    request path, and no transaction is open while Whisper runs)."""
    recordings.schedule(db, get_settings().home, int(payload["recording_id"]))


@outbox.scheduled("assessments.transcribe_missed", every=timedelta(minutes=5))
async def transcribe_missed_recordings(db: AsyncSession, _payload: outbox.Payload) -> None:
    """A worker that stopped mid-transcription leaves a spoken note pending: try again."""
    for recording_id in await recordings.missed_recordings(db, older_than=timedelta(minutes=5)):
        recordings.schedule(db, get_settings().home, recording_id)


rights.register_personal_data(
    "assessments",
    export=assessment_rights.export_assessments,
    erase=assessment_rights.erase_assessments,
    tables=assessment_rights.TABLES,
)
