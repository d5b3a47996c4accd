"""Login sessions: opaque random tokens, stored only as their SHA-256, for cookies and API bearers.

A session ends on logout, after ``session_idle_minutes`` without a request, after
``session_absolute_hours`` whatever happens, and — all of a user's at once — on a password change,
a password reset, or when the account is disabled. When sessions end, their WebSockets are closed
(see ``tasks.close_ended_sessions``).
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.keys import token_hash
from anxin.accounts.models import LoginSession, User
from anxin.accounts.settings import account_settings
from anxin.core import clock, outbox

SESSION_ENDED_EVENT = "accounts.sessions_ended"
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
    return token, row


def is_live(row: LoginSession) -> bool:
    now = clock.utcnow()
    idle = timedelta(minutes=account_settings().session_idle_minutes)
    return (
        row.ended_at is None
        and now < clock.as_utc(row.expires_at)
        and now < clock.as_utc(row.last_seen_at) + idle
    )


async def resolve(db: AsyncSession, token: str | None) -> tuple[LoginSession, User] | None:
    """The live session of ``token`` and its user, touching it; None when ended or unknown."""
    if not token or len(token) > 128:
        return None
    found = (
        await db.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_hash == token_hash(token))
        )
    ).first()
    if found is None:
        return None
    row, user = found
    if not is_live(row):
        return None
    now = clock.utcnow()
    if now - clock.as_utc(row.last_seen_at) >= TOUCH_EVERY:
        try:
            await db.execute(update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=now))
            row.last_seen_at = now
        except OperationalError:
            # A read-only request on SQLite that lost the race for the write lock: the next one touches.
            pass
    return row, user


async def end(db: AsyncSession, row: LoginSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at = clock.utcnow()
        row.end_reason = reason
        await db.flush()
        await outbox.emit(db, SESSION_ENDED_EVENT, {"user_id": row.user_id, "session_id": row.id})


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
    await outbox.emit(db, SESSION_ENDED_EVENT, {"user_id": user_id, "session_id": 0})
    return len(rows)


async def live_sessions(db: AsyncSession, user_id: int) -> list[LoginSession]:
    rows = await db.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .order_by(LoginSession.last_seen_at.desc())
    )
    return [row for row in rows.all() if is_live(row)]
