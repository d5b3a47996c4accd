"""Wiring of accounts into the platform (imported at start-up by ``modules.load_tasks``):
who is on a WebSocket, where notifications go, session timeouts, and pruning old attempts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket

from anxin.accounts import keys, service, sessions, throttle
from anxin.accounts import rights as account_rights
from anxin.accounts.deps import bearer_token, session_cookie, touch_session
from anxin.accounts.models import STATUS_DISABLED, User
from anxin.core import notify, outbox, realtime
from anxin.privacy import rights


async def authenticate_websocket(websocket: WebSocket, db: AsyncSession) -> int | None:
    """The user of a live login session (cookie for pages, ``Authorization: Bearer`` for apps)."""
    keys.use_settings(websocket.app.state.settings)
    found = await sessions.resolve(db, bearer_token(websocket) or session_cookie(websocket))
    if found is None:
        return None
    row, user = found
    if sessions.needs_touch(row):
        await touch_session(websocket, db, row)
    return user.id


realtime.set_websocket_authenticator(authenticate_websocket)


async def contacts_of(db: AsyncSession, user_id: int) -> notify.Contacts | None:
    """Where notify reaches a person: their own (unsealed) address, in their language."""
    user = await db.get(User, user_id)
    if user is None or user.status == STATUS_DISABLED:
        return None
    contact = await service.contact_of(db, user)
    return notify.Contacts(
        email=contact.value if contact and contact.kind == "email" else None,
        phone=contact.value if contact and contact.kind == "phone" else None,
        locale=user.locale,
    )


notify.set_contact_resolver(contacts_of)
rights.register_personal_data(
    "accounts",
    export=account_rights.export_account,
    erase=account_rights.erase_account,
    tables=account_rights.TABLES,
)


@outbox.job(sessions.WATCH_JOB)
async def watch_session(db: AsyncSession, payload: outbox.Payload) -> None:
    await sessions.end_if_timed_out(db, int(payload["session_id"]))


@outbox.scheduled("accounts.prune_auth_attempts", every=timedelta(hours=1))
async def prune_auth_attempts(db: AsyncSession, payload: outbox.Payload) -> None:
    await throttle.prune(db)
