"""The on-call rota that admins keep: who is paged when a flag is escalated."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_ADMIN, STATUS_ACTIVE, User
from anxin.core import clock
from anxin.privacy import audit
from anxin.safety.errors import BadShift
from anxin.safety.models import OnCallShift

MAX_SHIFT = timedelta(days=14)


async def shifts(db: AsyncSession, *, since: datetime | None = None) -> list[OnCallShift]:
    """Current and future shifts, soonest first."""
    now = since or clock.utcnow()
    rows = await db.scalars(
        select(OnCallShift).where(OnCallShift.ends_at > now).order_by(OnCallShift.starts_at, OnCallShift.id)
    )
    return list(rows)


async def admins(db: AsyncSession) -> list[User]:
    rows = await db.scalars(
        select(User).where(User.role == ROLE_ADMIN, User.status == STATUS_ACTIVE).order_by(User.id)
    )
    return list(rows)


async def on_call_now(db: AsyncSession) -> list[int]:
    """The admins on call now; when the rota has a gap, every active admin (nobody is left unpaged)."""
    now = clock.utcnow()
    rows = await db.scalars(
        select(OnCallShift.user_id)
        .where(OnCallShift.starts_at <= now, OnCallShift.ends_at > now)
        .order_by(OnCallShift.starts_at)
    )
    on_call = list(dict.fromkeys(rows))
    return on_call or [admin.id for admin in await admins(db)]


async def add_shift(
    db: AsyncSession, actor: User, *, user_id: int, starts_at: datetime, ends_at: datetime
) -> OnCallShift:
    starts_at, ends_at = clock.as_utc(starts_at), clock.as_utc(ends_at)
    if not timedelta(0) < ends_at - starts_at <= MAX_SHIFT:
        raise BadShift()
    person = await db.get(User, user_id)
    if person is None or person.role != ROLE_ADMIN:
        raise BadShift()
    row = OnCallShift(
        user_id=user_id, starts_at=starts_at, ends_at=ends_at, created_by=actor.id, created_at=clock.utcnow()
    )
    db.add(row)
    await db.flush()
    await audit.record(
        db,
        action="safety.oncall_shift_added",
        actor_id=actor.id,
        actor_role=actor.role,
        object_type="oncall_shift",
        object_id=row.id,
        subject_id=user_id,
    )
    return row


async def remove_shift(db: AsyncSession, actor: User, shift_id: int) -> None:
    await db.execute(delete(OnCallShift).where(OnCallShift.id == shift_id))
    await audit.record(
        db,
        action="safety.oncall_shift_removed",
        actor_id=actor.id,
        actor_role=actor.role,
        object_type="oncall_shift",
        object_id=shift_id,
    )
