"""Helpers for safety tests: a client and counsellor in care with a room, admins, consent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import func, select

from anxin.accounts.models import ROLE_ADMIN
from anxin.appointments.models import CareRelationship
from anxin.core import clock
from anxin.core.db import Database
from anxin.core.outbox import STATUS_DISPATCHED, STATUS_PENDING, OutboxMessage
from anxin.privacy import consent
from anxin.safety.models import RiskFlag
from tests.rooms.support import Pair, Person, make_pair, make_person

HIGH_RISK = "I can't go on. I want to kill myself tonight."
HIGH_RISK_ZH = "我不想活了，今晚就结束这一切"


@dataclass(frozen=True)
class Care:
    pair: Pair

    @property
    def client(self) -> Person:
        return self.pair.client

    @property
    def counsellor(self) -> Person:
        return self.pair.counselor

    @property
    def room_id(self) -> int:
        return self.pair.room_id


async def make_care(database: Database, *, in_care: bool = True) -> Care:
    pair = await make_pair(database)
    if in_care:
        async with database.transaction() as db:
            db.add(
                CareRelationship(
                    client_id=pair.client.user_id,
                    counsellor_id=pair.counselor.user_id,
                    status="active",
                    started_at=clock.utcnow(),
                )
            )
    return Care(pair)


async def make_admin(database: Database) -> Person:
    return await make_person(database, ROLE_ADMIN)


async def grant(database: Database, user_id: int, *purposes: str) -> None:
    async with database.transaction() as db:
        for purpose in purposes:
            await consent.grant(db, user_id, purpose)


async def withdraw(database: Database, user_id: int, purpose: str) -> None:
    async with database.transaction() as db:
        await consent.withdraw(db, user_id, purpose)


async def flags(database: Database) -> list[RiskFlag]:
    async with database.transaction(write=False) as db:
        return list(await db.scalars(select(RiskFlag).order_by(RiskFlag.id)))


async def settle(app: FastAPI, *, timeout: float = 20.0) -> None:
    """Run the outbox until no job or publish is due or claimed. ``relay.drain`` alone can return
    while the app's own relay loop has just claimed a row and not yet started its job."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await app.state.relay.drain()
        async with app.state.database.transaction(write=False) as db:
            busy = await db.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    (OutboxMessage.status == STATUS_DISPATCHED)
                    | (
                        (OutboxMessage.status == STATUS_PENDING)
                        & (OutboxMessage.available_at <= clock.utcnow())
                    )
                )
            )
        if not busy:
            return
        assert loop.time() < deadline, "the outbox did not finish its jobs"
        await asyncio.sleep(0.05)
