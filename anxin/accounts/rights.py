"""What accounts holds about a person, for their export, and how it is erased.

Export: the profile (contact unsealed), sign-in sessions and guardian-consent requests. Secrets
(password hash, TOTP secret, code and recovery-code hashes) are security data, never exported.
Erase: every row of the person here and the throttle counters under their blind index; ``privacy``
then destroys their data key, so any sealed copy left anywhere can no longer be read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import adapters, service, sessions
from anxin.accounts.models import (
    AuthAttempt,
    GuardianConsent,
    LoginSession,
    OneTimeCode,
    RecoveryCode,
    User,
)

TABLES = ("users", "login_sessions", "one_time_codes", "recovery_codes", "guardian_consents")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def export_account(db: AsyncSession, user_id: int) -> dict[str, Any]:
    user = await db.get(User, user_id)
    if user is None:
        return {}
    contact = await service.contact_of(db, user)
    birth_date = await adapters.unseal(db, user.id, user.birth_date_sealed, field=service.FIELD_BIRTH_DATE)
    login_sessions = (
        await db.scalars(
            select(LoginSession).where(LoginSession.user_id == user_id).order_by(LoginSession.id)
        )
    ).all()
    guardian_requests = (
        await db.scalars(select(GuardianConsent).where(GuardianConsent.user_id == user_id))
    ).all()
    return {
        "profile": {
            "id": user.id,
            "role": user.role,
            "status": user.status,
            "nickname": user.nickname,
            "email": contact.value if contact and contact.kind == "email" else None,
            "mobile": contact.value if contact and contact.kind == "phone" else None,
            "birth_date": birth_date,
            "region": user.region,
            "language": user.locale,
            "created_at": _iso(user.created_at),
            "confirmed_at": _iso(user.confirmed_at),
            "password_changed_at": _iso(user.password_changed_at),
            "two_step_sign_in_since": _iso(user.totp_enabled_at),
        },
        "sessions": [
            {
                "kind": row.kind,
                "device": row.user_agent,
                "started_at": _iso(row.created_at),
                "last_seen_at": _iso(row.last_seen_at),
                "ended_at": _iso(row.ended_at),
                "end_reason": row.end_reason,
            }
            for row in login_sessions
        ],
        "guardian_consent_requests": [
            {
                "guardian_name": await adapters.unseal(
                    db, user.id, row.guardian_name_sealed, field=service.FIELD_GUARDIAN_NAME
                ),
                "guardian_contact": await adapters.unseal(
                    db, user.id, row.guardian_contact_sealed, field=service.FIELD_GUARDIAN_CONTACT
                ),
                "requested_at": _iso(row.requested_at),
                "confirmed_at": _iso(row.confirmed_at),
            }
            for row in guardian_requests
        ],
    }


async def erase_account(db: AsyncSession, user_id: int) -> None:
    user = await db.get(User, user_id)
    if user is None:
        return
    await sessions.end_all(db, user_id, "erased")  # closes their sockets too
    for index in (user.email_index, user.phone_index):
        if index:
            await db.execute(delete(AuthAttempt).where(AuthAttempt.subject == index))
    for table in (LoginSession, OneTimeCode, RecoveryCode, GuardianConsent):
        await db.execute(delete(table).where(table.user_id == user_id))
    await db.delete(user)
    await db.flush()
