"""The calls accounts makes into ``privacy`` and ``core.notify``, in one place.

Keeping them here means the rest of the module speaks in its own terms (seal a contact, record an
attempt, send a code) and a change in either API is a change in this file only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import messages
from anxin.core import notify
from anxin.privacy import audit as privacy_audit
from anxin.privacy import consent, crypto

# Every message a person receives from accounts, by template name (see ``messages``).
TEMPLATE_SIGNUP_CODE = messages.SIGNUP_CODE
TEMPLATE_RESET_CODE = messages.RESET_CODE
TEMPLATE_GUARDIAN_CODE = messages.GUARDIAN_CODE
TEMPLATE_SIGNUP_EXISTING = messages.SIGNUP_EXISTING


async def seal(db: AsyncSession, user_id: int, value: str, *, field: str) -> bytes:
    """Seal ``value`` with the user's own data key; ``field`` names where it is stored."""
    return await crypto.seal(db, crypto.user_owner(user_id), value, context=f"accounts.{field}")


async def unseal(db: AsyncSession, user_id: int, blob: bytes | None, *, field: str) -> str | None:
    if blob is None:
        return None
    return await crypto.unseal(db, blob, context=f"accounts.{field}", owner=crypto.user_owner(user_id))


async def audit(
    db: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    subject_id: int | None = None,
    outcome: str = "success",
    **details: str | int | bool | None,
) -> None:
    """An audit entry in this transaction (codes and ids only, never a password or an address)."""
    await privacy_audit.record(
        db, action=action, actor_id=actor_id, subject_id=subject_id, outcome=outcome, details=details or None
    )


async def send(
    db: AsyncSession,
    *,
    channel: str,
    address: str,
    template: str,
    params: dict[str, Any],
    locale: str,
    ttl: timedelta | None = None,
) -> None:
    """Send a message to a bare address after commit (``core.notify`` renders it in ``locale``)."""
    await notify.deliver(db, channel, address, template, params, locale, ttl=ttl)


async def grant_guardian_consent(db: AsyncSession, user_id: int) -> None:
    await consent.grant(db, user_id, consent.GUARDIAN_CONSENT, given_by="guardian")


async def has_guardian_consent(db: AsyncSession, user_id: int) -> bool:
    return await consent.has_consent(db, user_id, consent.GUARDIAN_CONSENT)
