"""Learning from feedback: counsellors correct AI labels; consenting clients' corrected texts,
de-identified, become training data for ``anxin mind train --include-corrections``.

A counsellor may correct a label only on text they may read: a message in their own room, or a
companion message of a client who shares the companion summary with them. The correction itself
(labels, who, when) is always stored; the text only with the writer's consent to de-identified model
training, and it is exported for training only while that consent stands. A new model is served
only if the promote gate (``mind.gate``) lets it through.

``labelled_items`` lists what a counsellor may correct (the corrections page): AI labels on their own
clients' room messages (risk flags and, with the writer's consent to emotion analysis, the deep
pass's emotion) and, for clients who share the companion summary, on their companion messages
(flags and emotions, never the words).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_COUNSELLOR, User
from anxin.companion.errors import CorrectionNotAllowed, LabelsNotFound
from anxin.companion.models import ROLE_USER, CompanionMessage, LabelCorrection
from anxin.companion.service import message_context
from anxin.core import clock
from anxin.core.errors import Forbidden, NotFound, ValidationFailed
from anxin.core.notify.templates import N_
from anxin.mind.deid import deidentify
from anxin.mind.labels import TASK_LABELS
from anxin.mind.text import detect_language
from anxin.privacy import audit, consent, crypto
from anxin.rooms import service as rooms
from anxin.rooms.models import Room, RoomMessage
from anxin.safety import analysis
from anxin.safety.models import RiskFlag, TextAnalysis

SURFACES = ("room_message", "companion")
TASKS = ("risk", "emotion")
# Plain words counsellors use, mapped onto the model's labels.
ALIASES = {"false_alarm": "none", "missed_risk": "high"}
TEXT_CONTEXT = "companion.correction.text"
NOTE_CONTEXT = "companion.correction.note"
MAX_NOTE_CHARS = 1000
FLAGGED = ("moderate", "high", "imminent")
EMOTIONS = TASK_LABELS["emotion"]
EMOTION_LABELS = {
    "joy": N_("joy"),
    "sadness": N_("sadness"),
    "anger": N_("anger"),
    "fear": N_("fear"),
    "surprise": N_("surprise"),
    "disgust": N_("disgust"),
    "neutral": N_("neutral"),
}


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
    note: str | None = None,
) -> LabelCorrection:
    if counsellor.role != ROLE_COUNSELLOR:
        raise Forbidden()
    if task not in TASKS:
        raise ValidationFailed("Please choose a label from the list.")
    corrected = _label(task, label)
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise ValidationFailed(
            "Please keep the note under {count} characters.", params={"count": MAX_NOTE_CHARS}
        )
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
        note_sealed=(
            await crypto.seal(db, crypto.user_owner(counsellor.id), note, context=NOTE_CONTEXT)
            if note
            else None
        ),
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
        details={"task": task, "label": corrected, "with_note": note is not None},
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


# ---------------------------------------------------------------- what a counsellor may correct


@dataclass
class LabelledItem:
    """One labelled text on the corrections page. ``excerpt`` only for room messages (the
    counsellor reads them in the room anyway); a companion message's words are never shown."""

    client_id: int
    surface: str
    ref: str
    at: datetime
    risk_level: str | None  # the flag's level; None when the risk screen raised nothing
    emotion: str | None
    excerpt: str | None = None
    corrections: list[str] = field(default_factory=list)  # "task:label" this counsellor already gave

    @property
    def flagged(self) -> bool:
        return self.risk_level is not None

    @property
    def key(self) -> str:
        return f"{self.surface}-{self.ref}"


EXCERPT_CHARS = 160


async def counsellor_clients(db: AsyncSession, counsellor: User) -> list[int]:
    """Clients with a room with this counsellor (ended care included: its history stays readable)."""
    if counsellor.role != ROLE_COUNSELLOR:
        raise NotFound()
    rows = await db.scalars(select(Room.client_id).where(Room.counselor_id == counsellor.id))
    return sorted(set(rows.all()))


async def _room_items(
    db: AsyncSession, counsellor: User, clients: list[int], limit: int
) -> list[LabelledItem]:
    room_ids = list(
        await db.scalars(
            select(Room.id).where(Room.counselor_id == counsellor.id, Room.client_id.in_(clients))
        )
    )
    if not room_ids:
        return []
    levels = {
        flag.ref: flag.level
        for flag in await db.scalars(
            select(RiskFlag).where(RiskFlag.source == "room_message", RiskFlag.subject_id.in_(clients))
        )
    }
    analysed = {
        row.ref: row
        for row in await db.scalars(
            select(TextAnalysis).where(
                TextAnalysis.source == "room_message", TextAnalysis.subject_id.in_(clients)
            )
        )
    }
    ids = sorted({int(ref) for ref in (*levels, *analysed) if ref.isdigit()}, reverse=True)
    if not ids:
        return []
    messages = list(
        await db.scalars(
            select(RoomMessage)
            .where(
                RoomMessage.id.in_(ids),
                RoomMessage.room_id.in_(room_ids),
                RoomMessage.sender_id.in_(clients),
            )
            .order_by(RoomMessage.id.desc())
            .limit(limit)
        )
    )
    out = []
    for message in messages:
        ref = str(message.id)
        emotion = None
        if ref in analysed:
            emotion = ((await analysis.read_result(db, analysed[ref])).get("emotion") or {}).get("label")
        stored = await rooms.stored_text(db, message.id)
        text = stored[1] if stored else ""
        out.append(
            LabelledItem(
                client_id=message.sender_id,
                surface="room_message",
                ref=ref,
                at=clock.as_utc(message.created_at),
                risk_level=levels.get(ref),
                emotion=str(emotion) if emotion else None,
                excerpt=text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else ""),
            )
        )
    return out


async def _companion_items(db: AsyncSession, clients: list[int], limit: int) -> list[LabelledItem]:
    sharing = [c for c in clients if await consent.has_consent(db, c, consent.SHARE_MEASURES_WITH_COUNSELLOR)]
    if not sharing:
        return []
    rows = await db.execute(
        select(
            CompanionMessage.id,
            CompanionMessage.user_id,
            CompanionMessage.emotion,
            CompanionMessage.risk_level,
            CompanionMessage.created_at,
        )
        .where(
            CompanionMessage.user_id.in_(sharing),
            CompanionMessage.role == ROLE_USER,
            CompanionMessage.emotion.is_not(None) | CompanionMessage.risk_level.in_(FLAGGED),
        )
        .order_by(CompanionMessage.id.desc())
        .limit(limit)
    )
    return [
        LabelledItem(
            client_id=r.user_id,
            surface="companion",
            ref=str(r.id),
            at=clock.as_utc(r.created_at),
            risk_level=r.risk_level if r.risk_level in FLAGGED else None,
            emotion=r.emotion,
        )
        for r in rows
    ]


async def labelled_items(
    db: AsyncSession, counsellor: User, client_id: int | None = None, *, limit: int = 100
) -> list[LabelledItem]:
    """The AI labels this counsellor may correct, newest first: only their own clients' texts that
    ``correct`` would accept from them. Another counsellor's client answers not found."""
    clients = await counsellor_clients(db, counsellor)
    if client_id is not None:
        if client_id not in clients:
            raise LabelsNotFound()
        clients = [client_id]
    if not clients:
        return []
    items = await _room_items(db, counsellor, clients, limit) + await _companion_items(db, clients, limit)
    items.sort(key=lambda item: item.at, reverse=True)
    items = items[:limit]
    given = await db.scalars(
        select(LabelCorrection)
        .where(
            LabelCorrection.corrector_id == counsellor.id,
            LabelCorrection.subject_id.in_(clients),
        )
        .order_by(LabelCorrection.id)
    )
    for shown in sorted({item.client_id for item in items}):
        await audit.record(
            db,
            action="companion.labels_read",
            actor_id=counsellor.id,
            actor_role=counsellor.role,
            object_type="ai_labels",
            object_id=shown,
            subject_id=shown,
        )
    by_key = {item.key: item for item in items}
    for row in given:
        item = by_key.get(f"{row.surface}-{row.ref}")
        if item is not None:
            item.corrections.append(f"{row.task}:{row.corrected_label}")
    return items
