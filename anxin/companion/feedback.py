"""Learning from feedback: counsellors correct AI labels; consenting clients' corrected texts,
de-identified, become training data for ``anxin mind train --include-corrections``.

A counsellor may correct a label only on text they may read: a message in their own room, or a
companion message of a client who shares the companion summary with them. The correction itself
(labels, who, when) is always stored; the text only with the writer's consent to de-identified model
training, and it is exported for training only while that consent stands. A new model is served
only if the promote gate (``mind.gate``) lets it through.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_COUNSELLOR, User
from anxin.companion.errors import CorrectionNotAllowed
from anxin.companion.models import CompanionMessage, LabelCorrection
from anxin.companion.service import message_context
from anxin.core import clock
from anxin.core.errors import Forbidden, ValidationFailed
from anxin.mind.deid import deidentify
from anxin.mind.labels import TASK_LABELS
from anxin.mind.text import detect_language
from anxin.privacy import audit, consent, crypto
from anxin.rooms import service as rooms
from anxin.rooms.models import Room, RoomMessage

SURFACES = ("room_message", "companion")
TASKS = ("risk", "emotion")
# Plain words counsellors use, mapped onto the model's labels.
ALIASES = {"false_alarm": "none", "missed_risk": "high"}
TEXT_CONTEXT = "companion.correction.text"


def _label(task: str, label: str) -> str:
    label = ALIASES.get(label, label) if task == "risk" else label
    if label not in TASK_LABELS[task]:
        raise ValidationFailed("Please choose a label from the list.")
    return label


async def _readable_text(db: AsyncSession, counsellor: User, surface: str, ref: str) -> tuple[int, str]:
    """(writer, text) of the labelled text, if this counsellor may read it; else not found."""
    if not ref.isdigit():
        raise CorrectionNotAllowed()
    if surface == "room_message":
        message = await db.get(RoomMessage, int(ref))
        if message is None or not await rooms.is_member(db, counsellor.id, message.room_id):
            raise CorrectionNotAllowed()
        stored = await rooms.stored_text(db, message.id)
        if stored is None or stored[0] == counsellor.id:
            raise CorrectionNotAllowed()
        return stored
    if surface == "companion":
        row = await db.get(CompanionMessage, int(ref))
        if row is None or row.role != "user":
            raise CorrectionNotAllowed()
        room = await db.scalar(
            select(Room).where(Room.client_id == row.user_id, Room.counselor_id == counsellor.id)
        )
        if room is None or not await consent.has_consent(
            db, row.user_id, consent.SHARE_MEASURES_WITH_COUNSELLOR
        ):
            raise CorrectionNotAllowed()
        return row.user_id, await crypto.unseal(
            db, row.body_sealed, context=message_context(row.conversation_id)
        )
    raise ValidationFailed("Please choose a label from the list.")


async def correct(
    db: AsyncSession,
    counsellor: User,
    *,
    surface: str,
    ref: str,
    task: str,
    label: str,
    original_label: str | None = None,
) -> LabelCorrection:
    if counsellor.role != ROLE_COUNSELLOR:
        raise Forbidden()
    if task not in TASKS:
        raise ValidationFailed("Please choose a label from the list.")
    corrected = _label(task, label)
    writer, text = await _readable_text(db, counsellor, surface, ref)
    sealed = None
    if await consent.has_consent(db, writer, consent.DEIDENTIFIED_MODEL_TRAINING):
        sealed = await crypto.seal(
            db, crypto.user_owner(writer), deidentify(text), context=f"{TEXT_CONTEXT}:{writer}"
        )
    row = LabelCorrection(
        corrector_id=counsellor.id,
        subject_id=writer,
        surface=surface,
        ref=ref,
        task=task,
        original_label=original_label,
        corrected_label=corrected,
        text_sealed=sealed,
        language=detect_language(text),
        created_at=clock.utcnow(),
    )
    db.add(row)
    await db.flush()
    await audit.record(
        db,
        action="companion.label_corrected",
        actor_id=counsellor.id,
        actor_role=counsellor.role,
        object_type=surface,
        object_id=ref,
        subject_id=writer,
        details={"task": task, "label": corrected},
    )
    return row


@dataclass(frozen=True)
class TrainingExample:
    text: str
    label: str
    language: str


async def training_examples(db: AsyncSession, task: str) -> list[TrainingExample]:
    """De-identified corrected texts of writers who consent to model training now."""
    rows = await db.scalars(
        select(LabelCorrection)
        .where(LabelCorrection.task == task, LabelCorrection.text_sealed.is_not(None))
        .order_by(LabelCorrection.id)
    )
    consenting: dict[int, bool] = {}
    latest: dict[tuple[int, str, str], LabelCorrection] = {}
    for row in rows:
        if row.subject_id not in consenting:
            consenting[row.subject_id] = await consent.has_consent(
                db, row.subject_id, consent.DEIDENTIFIED_MODEL_TRAINING
            )
        if consenting[row.subject_id]:
            latest[(row.subject_id, row.surface, row.ref)] = row  # the newest correction of a text wins
    out = []
    for row in latest.values():
        assert row.text_sealed is not None
        text = await crypto.unseal(db, row.text_sealed, context=f"{TEXT_CONTEXT}:{row.subject_id}")
        out.append(TrainingExample(text, row.corrected_label, row.language or detect_language(text)))
    return out


def write_jsonl(examples: Iterable[TrainingExample], path: Path) -> int:
    lines = [
        json.dumps({"text": e.text, "label": e.label, "lang": e.language}, ensure_ascii=False)
        for e in examples
    ]
    path.write_text("\n".join(lines) + ("\n" if lines else ""), "utf-8")
    return len(lines)


async def corrections_by(db: AsyncSession, counsellor_id: int) -> list[LabelCorrection]:
    rows = await db.scalars(
        select(LabelCorrection)
        .where(LabelCorrection.corrector_id == counsellor_id)
        .order_by(LabelCorrection.id)
    )
    return list(rows)
