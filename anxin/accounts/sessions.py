"""Login sessions: opaque random tokens, stored only as their SHA-256, for cookies and API bearers.

A session ends on logout, after ``session_idle_minutes`` without a request, after
``session_absolute_hours`` whatever happens, and — all of a user's at once — on a password change,
a password reset, or when the account is disabled. When a session ends, the user's WebSockets are
closed right after the commit (``realtime.close_actor_sockets``); sockets of their other, still
live sessions simply reconnect. Timeouts are watched by a delayed job per session
(``WATCH_JOB``), so a socket does not outlive its session by more than a relay poll.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.keys import token_hash
from anxin.accounts.models import LoginSession, User
from anxin.accounts.settings import account_settings
from anxin.core import clock, outbox, realtime

WATCH_JOB = "accounts.watch_session"
# last_seen_at is written at most this often, so reading pages rarely writes.
TOUCH_EVERY = timedelta(seconds=60)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def summarise_user_agent(user_agent: str | None) -> str | None:
    """ "Chrome on Windows": enough to recognise a device in the list, not a fingerprint."""
    if not user_agent:
        return None
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, user_agent)), "Browser")
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, user_agent)), "")
    return f"{browser} on {system}" if system else browser


_BROWSERS = [
    (r"MicroMessenger", "WeChat"),
    (r"Edg/", "Edge"),
    (r"Firefox/", "Firefox"),
    (r"HeadlessChrome|Chrome/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
    (r"python-httpx|curl|okhttp", "App"),
]
_SYSTEMS = [
    (r"Android", "Android"),
    (r"iPhone|iPad|iOS", "iOS"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"Linux", "Linux"),
]


async def start(
    db: AsyncSession, user: User, *, kind: str, user_agent: str | None
) -> tuple[str, LoginSession]:
    """Open a session for ``user``; returns the token (shown once, never stored) and the row."""
    now = clock.utcnow()
    token = new_token()
    row = LoginSession(
        user_id=user.id,
        kind=kind,
        token_hash=token_hash(token),
        user_agent=summarise_user_agent(user_agent),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=account_settings().session_absolute_hours),
    )
    db.add(row)
    await db.flush()
    await watch(db, row)
    return token, row


def deadline(row: LoginSession) -> datetime:
    """When the session times out unless it is used again (idle) or at the latest (absolute)."""
    idle = timedelta(minutes=account_settings().session_idle_minutes)
    return min(clock.as_utc(row.expires_at), clock.as_utc(row.last_seen_at) + idle)


async def watch(db: AsyncSession, row: LoginSession) -> None:
    """Check the session again when it would time out (a delayed job, written with this change)."""
    delay = deadline(row) - clock.utcnow() + timedelta(seconds=1)
    await outbox.enqueue(db, WATCH_JOB, {"session_id": row.id}, delay=max(delay, timedelta(0)))


async def end_if_timed_out(db: AsyncSession, session_id: int) -> None:
    """The watch job: end a session that timed out (closing its sockets), or look again later."""
    row = await db.get(LoginSession, session_id)
    if row is None or row.ended_at is not None:
        return
    if is_live(row):
        await watch(db, row)
        return
    reason = "expired" if clock.utcnow() >= clock.as_utc(row.expires_at) else "idle"
    await end(db, row, reason)


def is_live(row: LoginSession) -> bool:
    now = clock.utcnow()
    idle = timedelta(minutes=account_settings().session_idle_minutes)
    return (
        row.ended_at is None
        and now < clock.as_utc(row.expires_at)
        and now < clock.as_utc(row.last_seen_at) + idle
    )


# Every signed-in request asks this: built once, since building it costs more CPU than running it.
_SESSION_BY_TOKEN = (
    select(LoginSession, User)
    .join(User, User.id == LoginSession.user_id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
)


async def resolve(db: AsyncSession, token: str | None) -> tuple[LoginSession, User] | None:
    """The live session of ``token`` and its user; None when ended, timed out or unknown.

    Does not write: the caller touches the session (``needs_touch``/``touch``) in a unit of work
    that may write, so reading a page never has to upgrade a read-only transaction.
    """
    if not token or len(token) > 128:
        return None
    found = (await db.execute(_SESSION_BY_TOKEN, {"token_hash": token_hash(token)})).first()
    if found is None:
        return None
    row, user = found
    return (row, user) if is_live(row) else None


def needs_touch(row: LoginSession) -> bool:
    return clock.utcnow() - clock.as_utc(row.last_seen_at) >= TOUCH_EVERY


async def touch(db: AsyncSession, session_id: int) -> None:
    """Record that the session was used now (which keeps it from timing out for idleness)."""
    await db.execute(
        update(LoginSession)
        .where(LoginSession.id == session_id, LoginSession.ended_at.is_(None))
        .values(last_seen_at=clock.utcnow())
    )


async def end(db: AsyncSession, row: LoginSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at = clock.utcnow()
        row.end_reason = reason
        await db.flush()
        await realtime.close_actor_sockets(db, row.user_id)


async def end_all(db: AsyncSession, user_id: int, reason: str) -> int:
    """End every live session of the user (password change, reset, disable, "sign out everywhere")."""
    rows = (
        await db.scalars(
            select(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        )
    ).all()
    now = clock.utcnow()
    for row in rows:
        row.ended_at = now
        row.end_reason = reason
    await db.flush()
    await realtime.close_actor_sockets(db, user_id)
    return len(rows)


async def live_sessions(db: AsyncSession, user_id: int) -> list[LoginSession]:
    rows = await db.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .order_by(LoginSession.last_seen_at.desc())
    )
    return [row for row in rows.all() if is_live(row)]
