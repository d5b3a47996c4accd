"""Export and erasure of the companion's personal data (registered with privacy's data rights).

Everything is sealed with the client's own data key, so erasure is also crypto-shredding; the
rows are deleted here, the key by ``privacy.rights.erase_subject`` afterwards.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.companion import feedback, service
from anxin.companion import help as help_assistant
from anxin.companion.models import (
    CompanionConversation,
    CompanionMessage,
    LabelCorrection,
    SupportRequest,
    ThoughtRecord,
)
from anxin.core import clock
from anxin.privacy import crypto
from anxin.privacy.rights import JsonData


async def export_companion(db: AsyncSession, subject_id: int) -> JsonData:
    conversations = []
    for conversation in await service.conversations_of(db, subject_id):
        messages = await service.history(db, subject_id, conversation.id)
        conversations.append(
            {
                "id": conversation.id,
                "started_at": clock.as_utc(conversation.started_at).isoformat(),
                "locale": conversation.locale,
                "messages": [
                    {"role": m.role, "kind": m.kind, "text": m.text, "at": m.at, "ai": m.is_ai}
                    for m in messages
                ],
            }
        )
    records = [
        {"id": row.id, "at": clock.as_utc(row.created_at).isoformat(), "fields": body}
        for row, body in await service.thought_records(db, subject_id)
    ]
    requests = []
    for row in await db.scalars(select(SupportRequest).where(SupportRequest.user_id == subject_id)):
        view = await help_assistant.support_view(db, row)
        requests.append({"id": view.id, "question": view.question, "status": view.status, "at": view.at})
    corrections = []
    for correction in await db.scalars(
        select(LabelCorrection).where(
            (LabelCorrection.subject_id == subject_id) | (LabelCorrection.corrector_id == subject_id)
        )
    ):
        mine = correction.corrector_id == subject_id
        entry: dict[str, object] = {
            "id": correction.id,
            "role": "corrector" if mine else "writer",
            "surface": correction.surface,
            "task": correction.task,
            "original_label": correction.original_label,
            "corrected_label": correction.corrected_label,
            "text_kept_for_training": correction.text_sealed is not None,
            "at": clock.as_utc(correction.created_at).isoformat(),
        }
        if mine and correction.note_sealed is not None:  # the counsellor's own words, sealed with their key
            entry["note"] = await crypto.unseal(db, correction.note_sealed, context=feedback.NOTE_CONTEXT)
        corrections.append(entry)
    return {
        "conversations": conversations,
        "thought_records": records,
        "support_requests": requests,
        "label_corrections": corrections,
    }


async def erase_companion(db: AsyncSession, subject_id: int) -> None:
    await db.execute(
        delete(LabelCorrection).where(
            (LabelCorrection.subject_id == subject_id) | (LabelCorrection.corrector_id == subject_id)
        )
    )
    await db.execute(delete(ThoughtRecord).where(ThoughtRecord.user_id == subject_id))
    await db.execute(delete(CompanionMessage).where(CompanionMessage.user_id == subject_id))
    await db.execute(delete(CompanionConversation).where(CompanionConversation.user_id == subject_id))
    await db.execute(delete(SupportRequest).where(SupportRequest.user_id == subject_id))
    await db.flush()
