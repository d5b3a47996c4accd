"""Single-use codes sent to a person (sign-up, password reset, guardian consent).

Codes are 6 digits, stored as a keyed hash, valid for ``code_ttl_minutes``; issuing a new one for
the same purpose retires the previous. Guessing is throttled by the caller (``throttle``).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.keys import keyed_hash
from anxin.accounts.models import OneTimeCode
from anxin.accounts.settings import account_settings
from anxin.core import clock

PURPOSE_SIGNUP = "signup"
PURPOSE_RESET = "reset"
PURPOSE_GUARDIAN = "guardian"
PURPOSE_LOGIN_MFA = "login_mfa"


class CodeCheck(Enum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"  # expired, already used, or none issued


def _hash(user_id: int, purpose: str, code: str) -> str:
    return keyed_hash("one-time-code", f"{user_id}:{purpose}:{code.strip()}")


async def issue(
    db: AsyncSession, user_id: int, purpose: str, *, code: str | None = None, ttl: timedelta | None = None
) -> str:
    now = clock.utcnow()
    await db.execute(
        update(OneTimeCode)
        .where(OneTimeCode.user_id == user_id, OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = code or f"{secrets.randbelow(1_000_000):06d}"
    db.add(
        OneTimeCode(
            user_id=user_id,
            purpose=purpose,
            code_hash=_hash(user_id, purpose, code),
            created_at=now,
            expires_at=now + (ttl or timedelta(minutes=account_settings().code_ttl_minutes)),
        )
    )
    await db.flush()
    return code


async def find_live(db: AsyncSession, user_id: int, purpose: str, code: str) -> OneTimeCode | None:
    """The unused, unexpired code row matching ``code`` (not used up; see :func:`consume`)."""
    row = await db.scalar(
        select(OneTimeCode).where(
            OneTimeCode.user_id == user_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.code_hash == _hash(user_id, purpose, code),
            OneTimeCode.used_at.is_(None),
        )
    )
    if row is None or clock.utcnow() >= clock.as_utc(row.expires_at):
        return None
    return row


async def recently_issued(db: AsyncSession, user_id: int, purpose: str, since: timedelta) -> int:
    rows = await db.scalars(
        select(OneTimeCode.id).where(
            OneTimeCode.user_id == user_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.created_at > clock.utcnow() - since,
        )
    )
    return len(rows.all())


async def consume(db: AsyncSession, user_id: int, purpose: str, code: str) -> CodeCheck:
    """Check ``code``; on success it is used up and can never be used again."""
    now = clock.utcnow()
    candidates = (
        await db.scalars(
            select(OneTimeCode)
            .where(OneTimeCode.user_id == user_id, OneTimeCode.purpose == purpose)
            .order_by(OneTimeCode.id.desc())
            .limit(5)
        )
    ).all()
    wanted = _hash(user_id, purpose, code)
    for row in candidates:
        if hmac.compare_digest(row.code_hash, wanted):
            if row.used_at is not None or now >= clock.as_utc(row.expires_at):
                return CodeCheck.EXPIRED
            row.used_at = now
            await db.flush()
            return CodeCheck.OK
    live = [r for r in candidates if r.used_at is None and now < clock.as_utc(r.expires_at)]
    return CodeCheck.WRONG if live else CodeCheck.EXPIRED
