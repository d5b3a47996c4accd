"""Wiring of accounts into the rest of the platform (imported at start-up by ``modules.load_tasks``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import throttle
from anxin.accounts.sessions import SESSION_ENDED_EVENT
from anxin.core import outbox


@outbox.scheduled("accounts.prune_auth_attempts", every=timedelta(hours=1))
async def prune_auth_attempts(db: AsyncSession, payload: outbox.Payload) -> None:
    await throttle.prune(db)


@outbox.subscribe(SESSION_ENDED_EVENT, name="close_sockets")
async def close_sockets(db: AsyncSession, payload: outbox.Payload) -> None:
    """Close the WebSockets of ended sessions (wired to core.realtime once it offers the hook)."""
