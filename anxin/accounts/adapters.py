"""The few calls accounts makes into ``privacy`` and ``core.notify``, in one place.

Keeping them here means the rest of the module speaks in its own terms (seal a contact, record an
attempt, send a code) and a change in either API is a change in this file only.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.privacy import crypto

log = logging.getLogger("anxin.accounts")

# Every message a person receives from accounts, by template name (rendered by core.notify).
TEMPLATE_SIGNUP_CODE = "accounts.signup_code"
TEMPLATE_RESET_CODE = "accounts.reset_code"
TEMPLATE_GUARDIAN_CODE = "accounts.guardian_code"
TEMPLATE_SIGNUP_EXISTING = "accounts.signup_existing"

# Messages handed out while core.notify is not there yet (interim; see ``send``).
sent_messages: list[dict[str, Any]] = []


def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None


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
    **details: Any,
) -> None:
    privacy_audit = _optional("anxin.privacy.audit")
    if privacy_audit is not None:
        await privacy_audit.record(
            db, actor_id=actor_id, action=action, subject_id=subject_id, outcome=outcome, details=details
        )


async def send(
    db: AsyncSession, *, channel: str, address: str, template: str, params: dict[str, Any], locale: str
) -> None:
    notify = _optional("anxin.core.notify")
    if notify is not None:
        await notify.deliver(db, channel, address, template, params, locale)
        return
    sent_messages.append(
        {"channel": channel, "address": address, "template": template, "params": params, "locale": locale}
    )


async def grant_consent(db: AsyncSession, user_id: int, purpose: str) -> None:
    consent = _optional("anxin.privacy.consent")
    if consent is not None:
        await consent.grant(db, user_id, purpose)
