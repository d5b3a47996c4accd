"""Copy a saved thought record into the client's mood diary (module ``assessments``).

The diary keeps one entry per day with a mood score (1–10) the thought record does not collect:
the client gives it, or today's existing entry keeps its own. An existing note is kept and the
record is appended below it, never written over it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.assessments import service as assessments
from anxin.companion import service
from anxin.companion.content import lang_of, load
from anxin.companion.errors import ConversationNotFound, MoodNeeded
from anxin.core import clock


def record_note(fields: dict[str, str], locale: str) -> str:
    """The record as plain text, each answer under its question, in the reader's language."""
    lang = lang_of(locale)
    exercise = load().exercises["thought_record"]
    lines = [exercise.title(lang)]
    for step in exercise.steps:
        if step.field and fields.get(step.field):
            lines.append(f"- {step.say(lang)}\n  {fields[step.field]}")
    return "\n".join(lines)


async def copy_to_diary(
    db: AsyncSession, user_id: int, record_id: int, *, mood: int | None, locale: str
) -> assessments.Saved:
    records = dict((row.id, body) for row, body in await service.thought_records(db, user_id))
    if record_id not in records:
        raise ConversationNotFound()
    day = clock.utcnow().date()
    existing = [e for e in await assessments.diary_entries(db, user_id, since=day) if e.day == day]
    note = record_note(records[record_id], locale)
    emotions: list[str] = []
    sleep_hours = None
    if existing:
        view = await assessments.diary_view(db, existing[0])
        mood = mood if mood is not None else view.mood
        emotions, sleep_hours = view.emotions, view.sleep_hours
        if view.note:
            note = f"{view.note}\n\n{note}"
    if mood is None:
        raise MoodNeeded()
    note = note[: assessments.MAX_NOTE_CHARS]
    return await assessments.save_diary(
        db, user_id, day=day, mood=mood, emotions=emotions, sleep_hours=sleep_hours, note=note, locale=locale
    )
