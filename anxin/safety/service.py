"""Risk flags: the only writer of ``risk_flags`` and ``risk_flag_events``.

A flag is opened in the writer's own transaction (through the hook handlers in ``screening``), so it
exists exactly when the text that raised it does. Opening one also writes, in that transaction, the
realtime alert to the client's counsellor, the paging job and the delayed escalation job: a crash
after commit loses none of them (they are outbox rows).

``access_flag(db, actor, id)`` loads and authorises in one step: the flag's owner (the client's
counsellor) and admins see a flag; for anyone else it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.accounts.models import ROLE_ADMIN, ROLE_CLIENT, User
from anxin.appointments import care
from anxin.core import clock, outbox
from anxin.core.errors import ValidationFailed
from anxin.privacy import audit, crypto
from anxin.safety.errors import BadFollowUp, FlagClosed, FlagNotFound, NotAcknowledged
from anxin.safety.models import (
    ACKNOWLEDGED,
    CLOSED,
    FOLLOW_UPS,
    LEVELS,
    OPEN,
    RiskFlag,
    RiskFlagEvent,
)
from anxin.safety.settings import safety_settings

ALERT_JOB = "safety.alert"
ESCALATE_JOB = "safety.escalate"
MAX_NOTE_CHARS = 4000


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


def alert_event(flag: RiskFlag) -> dict[str, int | str]:
    # Ids and codes only: the page fetches the rest over HTTP.
    return {"type": "risk_alert", "flag": flag.id, "level": flag.level}


def note_context(flag_id: int) -> str:
    return f"safety.flag.note:{flag_id}"


async def counsellor_of(db: AsyncSession, subject_id: int) -> int | None:
    """The client's counsellor in an active care relationship (the newest), if any."""
    user = await db.get(User, subject_id)
    if user is None or user.role != ROLE_CLIENT:
        return None
    for row in await care.relationships_of(db, user):
        if row.status == "active":
            return row.counsellor_id
    return None


async def _event(
    db: AsyncSession,
    flag: RiskFlag,
    kind: str,
    *,
    actor_id: int | None = None,
    code: str | None = None,
    note_sealed: bytes | None = None,
) -> RiskFlagEvent:
    row = RiskFlagEvent(
        flag_id=flag.id,
        actor_id=actor_id,
        kind=kind,
        code=code,
        note_sealed=note_sealed,
        created_at=clock.utcnow(),
    )
    db.add(row)
    await db.flush()
    return row


@dataclass(frozen=True)
class Opened:
    flag: RiskFlag
    created: bool  # False: this object already had a flag


async def open_flag(
    db: AsyncSession,
    *,
    subject_id: int,
    source: str,
    ref: str,
    origin: str,
    level: str,
    reasons: list[str],
    model_version: str | None,
) -> Opened:
    """Open the flag for one stored object (once: a second call returns the first flag).

    In the same transaction: the alert on the counsellor's user channel, the paging job, and the
    escalation job due after the configured minutes (at once when the client has no counsellor).
    """
    if level not in LEVELS:
        level = "moderate"
    existing = await _flag_for(db, source, ref)
    if existing is not None:
        return Opened(existing, created=False)
    owner_id = await counsellor_of(db, subject_id)
    flag = RiskFlag(
        subject_id=subject_id,
        source=source[:32],
        ref=ref[:64],
        origin=origin,
        level=level,
        reasons=[str(code)[:40] for code in reasons][:12],
        model_version=model_version,
        status=OPEN,
        owner_id=owner_id,
        created_at=clock.utcnow(),
    )
    try:
        async with db.begin_nested():
            db.add(flag)
            await db.flush()
    except IntegrityError:
        again = await _flag_for(db, source, ref)
        if again is None:
            raise
        return Opened(again, created=False)
    await _event(db, flag, "opened", code=origin)
    await audit.record(
        db,
        action="safety.flag_opened",
        object_type="risk_flag",
        object_id=flag.id,
        subject_id=subject_id,
        details={"level": level, "source": flag.source, "origin": origin},
    )
    if owner_id is not None:
        await outbox.publish(db, user_channel(owner_id), alert_event(flag))
        await outbox.enqueue(db, ALERT_JOB, {"flag_id": flag.id}, dedupe_key=f"{ALERT_JOB}:{flag.id}")
    delay = timedelta(minutes=safety_settings().safety_escalate_after_minutes) if owner_id else None
    await outbox.enqueue(
        db, ESCALATE_JOB, {"flag_id": flag.id}, delay=delay, dedupe_key=f"{ESCALATE_JOB}:{flag.id}"
    )
    return Opened(flag, created=True)


async def _flag_for(db: AsyncSession, source: str, ref: str) -> RiskFlag | None:
    return await db.scalar(select(RiskFlag).where(RiskFlag.source == source[:32], RiskFlag.ref == ref[:64]))


# ---------------------------------------------------------------- who sees a flag


def may_see(actor: User, flag: RiskFlag) -> bool:
    return actor.role == ROLE_ADMIN or (flag.owner_id is not None and flag.owner_id == actor.id)


async def access_flag(db: AsyncSession, actor: User, flag_id: int, *, lock: bool = False) -> RiskFlag:
    query = select(RiskFlag).where(RiskFlag.id == flag_id)
    if lock:
        query = query.with_for_update()
    flag = await db.scalar(query)
    if flag is None or not may_see(actor, flag):
        raise FlagNotFound()
    return flag


async def flags_for(db: AsyncSession, actor: User, *, include_closed: bool = False) -> list[RiskFlag]:
    """The actor's alert list, newest first: a counsellor's own clients' flags; for admins, every
    escalated or ownerless flag (the on-call queue)."""
    query = select(RiskFlag)
    if actor.role == ROLE_ADMIN:
        query = query.where(or_(RiskFlag.owner_id.is_(None), RiskFlag.escalated_at.is_not(None)))
    else:
        query = query.where(RiskFlag.owner_id == actor.id)
    if not include_closed:
        query = query.where(RiskFlag.status != CLOSED)
    rows = await db.scalars(query.order_by(RiskFlag.id.desc()).limit(200))
    return list(rows)


async def events_of(db: AsyncSession, actor: User, flag: RiskFlag) -> list[tuple[RiskFlagEvent, str | None]]:
    """A flag's history with its notes opened (an audited read of the subject's data)."""
    rows = list(
        await db.scalars(
            select(RiskFlagEvent).where(RiskFlagEvent.flag_id == flag.id).order_by(RiskFlagEvent.id)
        )
    )
    out: list[tuple[RiskFlagEvent, str | None]] = []
    for row in rows:
        note = None
        if row.note_sealed is not None:
            note = await crypto.unseal(
                db, row.note_sealed, context=note_context(flag.id), owner=crypto.user_owner(flag.subject_id)
            )
        out.append((row, note))
    if any(row.note_sealed is not None for row in rows):
        await audit.record(
            db,
            action="safety.flag_notes_read",
            actor_id=actor.id,
            actor_role=actor.role,
            object_type="risk_flag",
            object_id=flag.id,
            subject_id=flag.subject_id,
        )
    return out


# ---------------------------------------------------------------- the human's steps


async def _audit_step(db: AsyncSession, actor: User, flag: RiskFlag, action: str, **details: str) -> None:
    await audit.record(
        db,
        action=f"safety.{action}",
        actor_id=actor.id,
        actor_role=actor.role,
        object_type="risk_flag",
        object_id=flag.id,
        subject_id=flag.subject_id,
        details=details or None,
    )


async def acknowledge(db: AsyncSession, actor: User, flag_id: int) -> RiskFlag:
    """The actor takes the flag (again by the same person: no change). Stops the escalation."""
    flag = await access_flag(db, actor, flag_id, lock=True)
    if flag.status == CLOSED:
        raise FlagClosed()
    if flag.status == ACKNOWLEDGED:
        return flag
    flag.status = ACKNOWLEDGED
    flag.acknowledged_by = actor.id
    flag.acknowledged_at = clock.utcnow()
    await db.flush()
    await _event(db, flag, "acknowledged", actor_id=actor.id)
    await _audit_step(db, actor, flag, "flag_acknowledged")
    for user_id in {actor.id} | ({flag.owner_id} if flag.owner_id is not None else set()):
        await outbox.publish(db, user_channel(user_id), {"type": "risk_alert_update", "flag": flag.id})
    return flag


async def add_note(db: AsyncSession, actor: User, flag_id: int, text: str) -> RiskFlagEvent:
    text = text.strip()
    if not text:
        raise ValidationFailed("Please write a note first.")
    if len(text) > MAX_NOTE_CHARS:
        raise ValidationFailed("This note is too long.")
    flag = await access_flag(db, actor, flag_id)
    sealed = await crypto.seal(db, crypto.user_owner(flag.subject_id), text, context=note_context(flag.id))
    event = await _event(db, flag, "note", actor_id=actor.id, note_sealed=sealed)
    await _audit_step(db, actor, flag, "flag_note_added")
    return event


async def mark_follow_up(db: AsyncSession, actor: User, flag_id: int, code: str, *, close: bool) -> RiskFlag:
    """Record what was done; ``close`` ends the flag (a false alarm always does)."""
    if code not in FOLLOW_UPS:
        raise BadFollowUp()
    flag = await access_flag(db, actor, flag_id, lock=True)
    if flag.status == CLOSED:
        raise FlagClosed()
    if flag.status != ACKNOWLEDGED:
        raise NotAcknowledged()
    flag.follow_up = code
    if close or code == "false_alarm":
        flag.status = CLOSED
        flag.closed_at = clock.utcnow()
    await db.flush()
    await _event(db, flag, "follow_up", actor_id=actor.id, code=code)
    closed = str(flag.status == CLOSED).lower()
    await _audit_step(db, actor, flag, "flag_follow_up", follow_up=code, closed=closed)
    return flag


async def open_flags_of(db: AsyncSession, subject_id: int) -> list[RiskFlag]:
    rows = await db.scalars(
        select(RiskFlag).where(RiskFlag.subject_id == subject_id, RiskFlag.status != CLOSED)
    )
    return list(rows)


async def user(db: AsyncSession, user_id: int) -> User:
    return await accounts.get_user(db, user_id)
