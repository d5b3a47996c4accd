"""Export and erasure of what assessments holds about a person (registered in ``tasks``).

A client's export has their results with answers, diary with feelings, notes and spoken-note
transcripts, sharing choices,
tasks and the referrals made for them; a counsellor's has the tasks and referrals they made (the
notes are the client's, sealed with the client's key, and stay in the client's export).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.assessments import counselling, recordings, service
from anxin.assessments.models import (
    AssessmentAssignment,
    AssessmentResponse,
    DiaryEntry,
    Referral,
    SharingChoice,
)
from anxin.core.config import get_settings

TABLES = (
    "assessment_responses",
    "assessment_assignments",
    "diary_entries",
    "assessment_sharing",
    "assessment_referrals",
    "diary_recordings",
)


def _stamp(value: Any) -> str | None:
    return None if value is None else value.isoformat()


async def export_assessments(db: AsyncSession, subject_id: int) -> dict[str, Any]:
    responses = []
    for row in await service.responses_of(db, subject_id):
        responses.append(
            {
                "id": row.id,
                "instrument": row.instrument,
                "instrument_version": row.instrument_version,
                "language": row.language,
                "answers": await service.answers_of(db, row),
                "raw_total": row.raw_total,
                "score": row.score,
                "band": row.band,
                "risk_reason": row.risk_reason,
                "at": _stamp(row.created_at),
            }
        )
    diary = []
    for entry in await service.diary_entries(db, subject_id, limit=100_000):
        item = service.as_dict(await service.diary_view(db, entry))
        spoken = await recordings.view_of(db, entry)
        if spoken is not None:
            item["spoken_note"] = {"status": spoken.status, "transcript": spoken.transcript}
        diary.append(item)
    assignments = await db.scalars(
        select(AssessmentAssignment).where(
            or_(
                AssessmentAssignment.client_id == subject_id, AssessmentAssignment.counsellor_id == subject_id
            )
        )
    )
    made = await db.scalars(select(Referral).where(Referral.counsellor_id == subject_id))
    sharing_rows = await db.scalars(select(SharingChoice).where(SharingChoice.client_id == subject_id))
    return {
        "responses": responses,
        "diary": diary,
        "sharing": {row.item_type: row.shared for row in sharing_rows},
        "assignments": [
            {
                "id": row.id,
                "client": row.client_id,
                "counsellor": row.counsellor_id,
                "instrument": row.instrument,
                "status": row.status,
                "at": _stamp(row.created_at),
                "completed_at": _stamp(row.completed_at),
            }
            for row in assignments
        ],
        "referrals_for_me": [
            {
                "id": view.id,
                "counsellor": view.counsellor_id,
                "reason": view.reason,
                "service_type": view.service_type,
                "notes": view.notes,
                "at": _stamp(view.created_at),
            }
            for view in await counselling.referrals_for_client(db, subject_id)
        ],
        "referrals_made": [
            {"id": row.id, "client": row.client_id, "reason": row.reason, "service_type": row.service_type}
            for row in made
        ],
    }


async def erase_assessments(db: AsyncSession, subject_id: int) -> None:
    await db.execute(delete(AssessmentResponse).where(AssessmentResponse.subject_id == subject_id))
    await db.execute(
        delete(AssessmentAssignment).where(
            or_(
                AssessmentAssignment.client_id == subject_id, AssessmentAssignment.counsellor_id == subject_id
            )
        )
    )
    await recordings.remove_all(db, get_settings().home, subject_id)
    await db.execute(delete(DiaryEntry).where(DiaryEntry.author_id == subject_id))
    await db.execute(delete(SharingChoice).where(SharingChoice.client_id == subject_id))
    await db.execute(
        delete(Referral).where(or_(Referral.client_id == subject_id, Referral.counsellor_id == subject_id))
    )
