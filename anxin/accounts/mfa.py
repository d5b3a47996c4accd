"""Two-step sign-in: TOTP (RFC 6238, 30 s steps, ±1 step of drift) and single-use recovery codes.

An accepted TOTP step is remembered (``users.totp_last_step``), so the same code — or an older
one — is never accepted twice, even within its window.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.keys import keyed_hash
from anxin.accounts.models import RecoveryCode, User
from anxin.core import clock

ISSUER = "Anxin"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account_label: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account_label, issuer_name=ISSUER)


def current_code(secret: str, at: datetime | None = None) -> str:
    return pyotp.TOTP(secret).at(at or clock.utcnow())


def matching_step(secret: str, code: str, *, after_step: int | None) -> int | None:
    """The time step ``code`` belongs to (now ±1), if it is newer than ``after_step``; else None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(clock.utcnow().timestamp()) // STEP_SECONDS
    for step in (now_step, now_step - 1, now_step + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def looks_like_recovery_code(code: str) -> bool:
    return len(code.strip().replace("-", "").replace(" ", "")) == 10


def _normal_recovery(code: str) -> str:
    return code.strip().lower().replace("-", "").replace(" ", "")


def _recovery_hash(user_id: int, code: str) -> str:
    return keyed_hash("recovery-code", f"{user_id}:{_normal_recovery(code)}")


async def new_recovery_codes(db: AsyncSession, user: User) -> list[str]:
    """Replace the user's recovery codes with 10 fresh ones (shown once)."""
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    now = clock.utcnow()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user.id, raw), created_at=now))
    await db.flush()
    return codes


async def use_recovery_code(db: AsyncSession, user: User, code: str) -> bool:
    row = await db.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(user.id, code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = clock.utcnow()
    await db.flush()
    return True


async def recovery_codes_left(db: AsyncSession, user_id: int) -> int:
    rows = await db.scalars(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    return len(rows.all())


async def drop_recovery_codes(db: AsyncSession, user_id: int) -> None:
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
