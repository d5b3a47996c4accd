"""Wiring of safety into the platform (imported at start-up by ``modules.load_tasks``): the inline
screen on every ``text_written`` and ``risk_indicated`` hook call, the paging and escalation jobs,
the deep analysis of stored room messages and diary notes, and the data-rights handlers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.assessments import service as assessments
from anxin.core import hooks, outbox
from anxin.core.errors import NotFound
from anxin.privacy import rights
from anxin.rooms import service as rooms
from anxin.safety import alerts, analysis, screening
from anxin.safety import rights as safety_rights

__all__ = ["alerts"]  # imported for its job registrations

hooks.text_written.register(screening.screen_text)
hooks.risk_indicated.register(screening.risk_answered)


@outbox.subscribe("rooms.message_stored", name="safety.analyze")
async def analyze_room_message(db: AsyncSession, payload: outbox.Payload) -> None:
    message_id = int(payload["message_id"])
    author_id = await rooms.text_sender(db, message_id)
    if author_id is None:
        return

    async def load_text() -> str | None:
        stored = await rooms.stored_text(db, message_id)
        return stored[1] if stored else None

    await analysis.analyze_stored(
        db, subject_id=author_id, source=rooms.SURFACE, ref=str(message_id), load_text=load_text
    )


@outbox.subscribe(assessments.EVENT_DIARY_NOTE_STORED, name="safety.analyze")
async def analyze_diary_note(db: AsyncSession, payload: outbox.Payload) -> None:
    author_id, entry_id = int(payload["author_id"]), int(payload["entry_id"])
    try:
        entry = await assessments.access_diary_entry(db, author_id, entry_id)
    except NotFound:
        return  # erased since

    async def load_note() -> str | None:
        return (await assessments.diary_view(db, entry)).note

    await analysis.analyze_stored(
        db, subject_id=author_id, source=assessments.DIARY_SURFACE, ref=str(entry_id), load_text=load_note
    )


rights.register_personal_data(
    "safety",
    export=safety_rights.export_safety,
    erase=safety_rights.erase_safety,
    tables=(
        "risk_flags",
        "risk_flag_events",
        "safety_oncall_shifts",
        "safety_text_analyses",
        "safety_emergency_contacts",
        "safety_plans",
    ),
)
