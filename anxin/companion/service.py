"""The companion's logic: conversations, messages through the crisis screen, exercises, thought
records and the counsellor's summary. The only writer of companion's conversation tables.

Every client message is stored sealed, then passes ``hooks.text_written`` in the same transaction
(where safety opens a risk flag) and the inline screen of ``mind``; on risk the exercise stops and
the reply is the crisis handover, whatever the dialogue would have said.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.accounts.models import ROLE_CLIENT
from anxin.companion import generative, guardrails
from anxin.companion.content import Timer, lang_of, load
from anxin.companion.dialogue import Companion, State, Turn
from anxin.companion.errors import (
    CompanionForClients,
    ConversationNotFound,
    EmptyMessage,
    MessageTooLong,
    NothingToSave,
    SummaryNotShared,
    UnknownExercise,
)
from anxin.companion.models import (
    ROLE_AI,
    ROLE_USER,
    CompanionConversation,
    CompanionMessage,
    ThoughtRecord,
)
from anxin.companion.settings import companion_settings
from anxin.core import clock, hooks
from anxin.mind import screen
from anxin.privacy import audit, consent, crypto
from anxin.rooms.models import Room

log = logging.getLogger("anxin.companion")

SURFACE = "companion"
STATE_CONTEXT = "companion.conversation.state"
RECORD_CONTEXT = "companion.thought_record.body"
RISK_ORDER = ("none", "low", "moderate", "high", "imminent")
CONTEXT_TURNS = 6


def message_context(conversation_id: int) -> str:
    # Bound to the conversation: a body copied into another conversation does not open.
    return f"companion.message.body:{conversation_id}"


@lru_cache(maxsize=1)
def companion() -> Companion:
    settings = companion_settings()
    return Companion(load(), settings.companion_embedder, settings.companion_match_threshold)


def reset_companion() -> None:
    companion.cache_clear()


@dataclass(frozen=True)
class MessageView:
    id: int
    role: str
    kind: str
    text: str
    at: str

    @property
    def is_ai(self) -> bool:
        return self.role == ROLE_AI


@dataclass
class Exchange:
    conversation_id: int
    messages: list[MessageView]
    crisis: bool = False
    risk_level: str = "none"
    flag_id: int | None = None
    exercise: str | None = None
    timer: Timer | None = None
    offer_save: bool = False
    suggest_session: bool = False
    completed: str | None = None
    generated: bool = False
    blocked: str | None = None


# ---------------------------------------------------------------- conversations


async def _require_client(db: AsyncSession, user_id: int) -> None:
    """Clients only; a minor needs their guardian's confirmed consent, as for every care feature."""
    user = await accounts.get_user(db, user_id)
    if user.role != ROLE_CLIENT:
        raise CompanionForClients()
    await accounts.require_care_access(db, user)


async def access_conversation(db: AsyncSession, user_id: int, conversation_id: int) -> CompanionConversation:
    row = await db.get(CompanionConversation, conversation_id)
    if row is None or row.user_id != user_id:
        raise ConversationNotFound()
    return row


async def _add_message(
    db: AsyncSession,
    conversation: CompanionConversation,
    role: str,
    kind: str,
    text: str,
    **labels: Any,
) -> CompanionMessage:
    row = CompanionMessage(
        conversation_id=conversation.id,
        user_id=conversation.user_id,
        role=role,
        kind=kind,
        body_sealed=await crypto.seal(
            db, crypto.user_owner(conversation.user_id), text, context=message_context(conversation.id)
        ),
        created_at=clock.utcnow(),
        **labels,
    )
    db.add(row)
    await db.flush()
    return row


async def _view(db: AsyncSession, row: CompanionMessage) -> MessageView:
    text = await crypto.unseal(db, row.body_sealed, context=message_context(row.conversation_id))
    return MessageView(row.id, row.role, row.kind, text, clock.as_utc(row.created_at).isoformat())


async def start_conversation(db: AsyncSession, user_id: int, locale: str) -> CompanionConversation:
    """A new conversation, opened by the AI saying that it is an AI."""
    await _require_client(db, user_id)
    now = clock.utcnow()
    conversation = CompanionConversation(
        user_id=user_id, locale="zh-CN" if lang_of(locale) == "zh" else "en", started_at=now, last_at=now
    )
    db.add(conversation)
    await db.flush()
    await _add_message(db, conversation, ROLE_AI, "intro", load().line("intro", lang_of(locale)))
    return conversation


async def latest_conversation(db: AsyncSession, user_id: int) -> CompanionConversation | None:
    row: CompanionConversation | None = await db.scalar(
        select(CompanionConversation)
        .where(CompanionConversation.user_id == user_id)
        .order_by(CompanionConversation.id.desc())
        .limit(1)
    )
    return row


async def conversations_of(db: AsyncSession, user_id: int) -> list[CompanionConversation]:
    rows = await db.scalars(
        select(CompanionConversation)
        .where(CompanionConversation.user_id == user_id)
        .order_by(CompanionConversation.id.desc())
    )
    return list(rows)


async def history(db: AsyncSession, user_id: int, conversation_id: int) -> list[MessageView]:
    await access_conversation(db, user_id, conversation_id)
    rows = await db.scalars(
        select(CompanionMessage)
        .where(CompanionMessage.conversation_id == conversation_id)
        .order_by(CompanionMessage.id)
    )
    return [await _view(db, row) for row in rows]


async def _state(db: AsyncSession, conversation: CompanionConversation) -> dict[str, Any]:
    if conversation.state_sealed is None:
        return {}
    raw = await crypto.unseal(db, conversation.state_sealed, context=f"{STATE_CONTEXT}:{conversation.id}")
    data: dict[str, Any] = json.loads(raw)
    return data


async def _save_state(db: AsyncSession, conversation: CompanionConversation, data: dict[str, Any]) -> None:
    conversation.state_sealed = await crypto.seal(
        db,
        crypto.user_owner(conversation.user_id),
        json.dumps(data, ensure_ascii=False),
        context=f"{STATE_CONTEXT}:{conversation.id}",
    )
    exercise = data.get("dialogue", {}).get("exercise")
    conversation.exercise = exercise


# ---------------------------------------------------------------- messages


def _max_level(levels: list[str]) -> str:
    known = [level for level in levels if level in RISK_ORDER]
    return max(known, key=RISK_ORDER.index) if known else "none"


async def _emotion(db: AsyncSession, user_id: int, text: str) -> tuple[str | None, str | None]:
    """The emotion ``mind`` reads in the text, only for clients who agreed to emotion analysis."""
    if not await consent.has_consent(db, user_id, consent.AI_EMOTION_ANALYSIS):
        return None, None
    from anxin.mind.registry import ModelNotFound
    from anxin.mind.service import predict

    try:
        answer = predict("emotion", [text])[0]
    except ModelNotFound:
        return None, None
    label = answer.get("label")
    return (str(label) if label else None), answer.get("model_version")


async def _recent_turns(db: AsyncSession, conversation_id: int) -> list[tuple[str, str]]:
    rows = list(
        await db.scalars(
            select(CompanionMessage)
            .where(CompanionMessage.conversation_id == conversation_id)
            .order_by(CompanionMessage.id.desc())
            .limit(CONTEXT_TURNS)
        )
    )
    turns = []
    for row in reversed(rows):
        view = await _view(db, row)
        turns.append(("assistant" if row.role == ROLE_AI else "user", view.text))
    return turns


async def _generated(
    db: AsyncSession, conversation: CompanionConversation, turn: Turn, lang: str
) -> tuple[bool, str | None]:
    """Replace an open reply by a generated one that passes the guardrails.

    Returns (replaced, why a generated reply was blocked)."""
    settings = companion_settings()
    if turn.kind != "open" or not generative.enabled(settings):
        return False, None
    text = await generative.generate(settings, lang, await _recent_turns(db, conversation.id))
    if text is None:
        return False, None
    verdict = guardrails.check_reply(text)
    if not verdict.allowed:
        # Logged by reason only, never with the text: the curated reply stands.
        log.info("generated reply blocked", extra={"reason": verdict.reason})
        return False, verdict.reason
    turn.text = text
    turn.kind = "generated"
    return True, None


async def post_message(db: AsyncSession, user_id: int, conversation_id: int, text: str) -> Exchange:
    settings = companion_settings()
    text = text.strip()
    if not text:
        raise EmptyMessage()
    if len(text) > settings.companion_max_message_chars:
        raise MessageTooLong()
    conversation = await access_conversation(db, user_id, conversation_id)
    await _require_client(db, user_id)
    lang = lang_of(conversation.locale)
    emotion, emotion_version = await _emotion(db, user_id, text)
    mine = await _add_message(
        db, conversation, ROLE_USER, "text", text, emotion=emotion, model_version=emotion_version
    )
    outcomes = await hooks.text_written(
        db, hooks.TextWritten(user_id, SURFACE, str(mine.id), text, conversation.locale)
    )
    # The companion's own screen keeps the handover even where no screening handler is registered.
    assessment = screen(text)
    crisis = hooks.needs_resources(outcomes) or assessment.flag
    level = _max_level([o.level for o in outcomes] + [assessment.level])
    flag_id = next((o.flag_id for o in outcomes if o.flag_id is not None), None)
    mine.risk_level, mine.flag_id = level, flag_id

    stored = await _state(db, conversation)
    state = State.from_json(stored.get("dialogue"))
    turn = companion().crisis(lang) if crisis else companion().reply(state, text, lang, emotion)
    generated, blocked = (False, None) if crisis else await _generated(db, conversation, turn, lang)
    if turn.record is not None and turn.completed == "thought_record":
        stored["pending_record"] = turn.record
    stored["dialogue"] = turn.state.to_json()
    await _save_state(db, conversation, stored)

    replies = [await _add_message(db, conversation, ROLE_AI, turn.kind, turn.text, intent=turn.intent)]
    now = clock.utcnow()
    heavy = timedelta(minutes=settings.companion_heavy_use_minutes)
    if conversation.reminded_at is None and now - clock.as_utc(conversation.started_at) >= heavy:
        conversation.reminded_at = now
        replies.append(
            await _add_message(db, conversation, ROLE_AI, "reminder", load().line("heavy_use", lang))
        )
    conversation.last_at = now
    views = [await _view(db, mine)] + [await _view(db, row) for row in replies]
    return Exchange(
        conversation.id,
        views,
        crisis=crisis,
        risk_level=level,
        flag_id=flag_id,
        exercise=turn.state.exercise,
        timer=turn.timer,
        offer_save=turn.offer_save,
        suggest_session=turn.suggest_session,
        completed=turn.completed,
        generated=generated,
        blocked=blocked,
    )


async def start_exercise(db: AsyncSession, user_id: int, conversation_id: int, key: str) -> Exchange:
    conversation = await access_conversation(db, user_id, conversation_id)
    if key not in load().exercises:
        raise UnknownExercise()
    turn = companion().start(key, lang_of(conversation.locale))
    stored = await _state(db, conversation)
    stored["dialogue"] = turn.state.to_json()
    await _save_state(db, conversation, stored)
    row = await _add_message(db, conversation, ROLE_AI, turn.kind, turn.text, intent=turn.intent)
    conversation.last_at = clock.utcnow()
    return Exchange(conversation.id, [await _view(db, row)], exercise=key, timer=turn.timer)


async def pending_record(db: AsyncSession, conversation: CompanionConversation) -> bool:
    """A finished thought record waits to be saved in this conversation."""
    return bool((await _state(db, conversation)).get("pending_record"))


async def last_risk(db: AsyncSession, conversation_id: int) -> bool:
    """The companion's newest reply in the conversation was a crisis handover."""
    kind = await db.scalar(
        select(CompanionMessage.kind)
        .where(CompanionMessage.conversation_id == conversation_id, CompanionMessage.role == ROLE_AI)
        .order_by(CompanionMessage.id.desc())
        .limit(1)
    )
    return kind == "crisis"


# ---------------------------------------------------------------- thought records


async def save_thought_record(db: AsyncSession, user_id: int, conversation_id: int) -> ThoughtRecord:
    conversation = await access_conversation(db, user_id, conversation_id)
    stored = await _state(db, conversation)
    record = stored.pop("pending_record", None)
    if not record:
        raise NothingToSave()
    row = ThoughtRecord(
        user_id=user_id,
        conversation_id=conversation.id,
        body_sealed=await crypto.seal(
            db,
            crypto.user_owner(user_id),
            json.dumps(record, ensure_ascii=False),
            context=f"{RECORD_CONTEXT}:{user_id}",
        ),
        created_at=clock.utcnow(),
    )
    db.add(row)
    await _save_state(db, conversation, stored)
    await db.flush()
    return row


async def thought_records(db: AsyncSession, user_id: int) -> list[tuple[ThoughtRecord, dict[str, str]]]:
    rows = await db.scalars(
        select(ThoughtRecord).where(ThoughtRecord.user_id == user_id).order_by(ThoughtRecord.id.desc())
    )
    out = []
    for row in rows:
        body = await crypto.unseal(db, row.body_sealed, context=f"{RECORD_CONTEXT}:{row.user_id}")
        out.append((row, json.loads(body)))
    return out


# ---------------------------------------------------------------- the counsellor's summary


@dataclass(frozen=True)
class Summary:
    client_id: int
    conversations: int
    messages: int
    last_at: str | None
    exercises: dict[str, int]
    emotions: dict[str, int]
    flags: list[dict[str, Any]]
    thought_records: int


async def counsellor_summary(db: AsyncSession, counsellor_id: int, client_id: int) -> Summary:
    """Counts and flags, never the words: for the client's counsellor, with the client's consent."""
    room = await db.scalar(
        select(Room).where(Room.client_id == client_id, Room.counselor_id == counsellor_id)
    )
    if room is None or not await consent.has_consent(db, client_id, consent.SHARE_MEASURES_WITH_COUNSELLOR):
        raise SummaryNotShared()
    summary = await _summary_of(db, client_id)
    await audit.record(
        db,
        action="companion.summary_read",
        actor_id=counsellor_id,
        actor_role="counsellor",
        object_type="companion_summary",
        object_id=client_id,
        subject_id=client_id,
    )
    return summary


@dataclass(frozen=True)
class OwnSummary:
    """What the client's counsellors see of their companion use, and whether they see it now."""

    summary: Summary
    shared: bool
    counsellor_ids: list[int]  # who would see it: every counsellor the client has a room with
    last_read_at: str | None  # when a counsellor last opened it (from the audit log)


async def own_summary(db: AsyncSession, client_id: int) -> OwnSummary:
    """The client's own view of exactly the summary their counsellor sees (same function, no audit
    entry: reading one's own data is not an access by someone else)."""
    await _require_client(db, client_id)
    counsellors = await db.scalars(select(Room.counselor_id).where(Room.client_id == client_id))
    reads = [
        entry
        for entry in await audit.who_read_my_record(db, client_id, limit=200)
        if entry.action == "companion.summary_read"
    ]
    return OwnSummary(
        await _summary_of(db, client_id),
        await consent.has_consent(db, client_id, consent.SHARE_MEASURES_WITH_COUNSELLOR),
        sorted(set(counsellors.all())),
        clock.as_utc(reads[0].at).isoformat() if reads else None,
    )


async def set_summary_sharing(db: AsyncSession, client_id: int, shared: bool) -> bool:
    """Turn the consent the summary rests on (``share_measures_with_counsellor``) on or off; it is the
    same consent as sharing questionnaires and the diary, so turning it off stops all of them."""
    await _require_client(db, client_id)
    granted = await consent.has_consent(db, client_id, consent.SHARE_MEASURES_WITH_COUNSELLOR)
    if shared and not granted:
        await consent.grant(db, client_id, consent.SHARE_MEASURES_WITH_COUNSELLOR, channel="web")
    elif not shared and granted:
        await consent.withdraw(db, client_id, consent.SHARE_MEASURES_WITH_COUNSELLOR, channel="web")
    return shared


async def _summary_of(db: AsyncSession, client_id: int) -> Summary:
    conversations = await db.scalar(
        select(func.count())
        .select_from(CompanionConversation)
        .where(CompanionConversation.user_id == client_id)
    )
    rows = list(
        await db.execute(
            select(
                CompanionMessage.id,
                CompanionMessage.role,
                CompanionMessage.kind,
                CompanionMessage.intent,
                CompanionMessage.emotion,
                CompanionMessage.risk_level,
                CompanionMessage.flag_id,
                CompanionMessage.created_at,
            ).where(CompanionMessage.user_id == client_id)
        )
    )
    exercises = Counter(r.intent for r in rows if r.role == ROLE_AI and r.kind == "completed" and r.intent)
    emotions = Counter(r.emotion for r in rows if r.role == ROLE_USER and r.emotion)
    flags = [
        {
            "message_id": r.id,
            "at": clock.as_utc(r.created_at).isoformat(),
            "level": r.risk_level,
            "flag_id": r.flag_id,
        }
        for r in rows
        if r.role == ROLE_USER and r.risk_level in ("moderate", "high", "imminent")
    ]
    records = await db.scalar(
        select(func.count()).select_from(ThoughtRecord).where(ThoughtRecord.user_id == client_id)
    )
    last = max((clock.as_utc(r.created_at) for r in rows), default=None)
    return Summary(
        client_id,
        int(conversations or 0),
        sum(1 for r in rows if r.role == ROLE_USER),
        last.isoformat() if last else None,
        dict(exercises),
        dict(emotions),
        flags,
        int(records or 0),
    )
