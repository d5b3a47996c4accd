"""Helpers for assessments tests: a client and counsellor in an active care relationship, and a
hook handler that records what it was called with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.appointments.models import CareRelationship
from anxin.core import clock, hooks
from anxin.core.db import Database
from tests.appointments.support import Person, person


async def care_pair(app: FastAPI) -> tuple[Person, Person]:
    client, counsellor = await person(app, "client"), await person(app, "counsellor")
    await relate(app, client, counsellor)
    return client, counsellor


async def relate(app: FastAPI, client: Person, counsellor: Person, status: str = "active") -> None:
    database: Database = app.state.database
    async with database.transaction() as db:
        db.add(
            CareRelationship(
                client_id=client.id, counsellor_id=counsellor.id, status=status, started_at=clock.utcnow()
            )
        )


@asynccontextmanager
async def unit(app: FastAPI, *, write: bool = False) -> AsyncIterator[AsyncSession]:
    database: Database = app.state.database
    async with database.transaction(write=write) as db:
        yield db


@contextmanager
def recording(point: hooks.HookPoint[Any], outcome: hooks.ScreenOutcome | None) -> Iterator[list[Any]]:
    """Register a handler on ``point`` that records its events and returns ``outcome``."""
    seen: list[Any] = []

    async def handler(db: AsyncSession, event: Any) -> hooks.ScreenOutcome | None:
        seen.append(event)
        return outcome

    point.register(handler)
    try:
        yield seen
    finally:
        point.unregister(handler)
