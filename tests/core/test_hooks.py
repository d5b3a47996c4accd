"""Hook points run inside the caller's transaction: what a handler writes commits or rolls back
with the change that called it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import hooks, outbox
from anxin.core.db import Database
from anxin.core.outbox import OutboxMessage


@outbox.job("test.flag_opened")
async def flag_opened(db: AsyncSession, payload: dict[str, object]) -> None:
    return None


async def open_flag_when_risky(db: AsyncSession, event: hooks.TextWritten) -> None:
    if "risky" in event.text:
        await outbox.enqueue(db, "test.flag_opened", {"surface": event.surface, "ref": event.ref})


async def count_rows(database: Database) -> int:
    async with database.transaction(write=False) as db:
        return int(await db.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_hook_writes_share_the_callers_transaction(database: Database) -> None:
    point: hooks.HookPoint[hooks.TextWritten] = hooks.HookPoint("test")
    point.register(open_flag_when_risky)
    point.register(open_flag_when_risky)  # registering twice runs it once
    assert point.handlers == (open_flag_when_risky,)

    async with database.transaction() as db:
        await point(db, hooks.TextWritten(author_id=1, surface="diary", ref="1", text="a calm day"))
        await point(db, hooks.TextWritten(author_id=1, surface="diary", ref="2", text="risky"))
    assert await count_rows(database) == 1

    with pytest.raises(RuntimeError):
        async with database.transaction() as db:
            await point(db, hooks.TextWritten(author_id=1, surface="diary", ref="3", text="risky"))
            raise RuntimeError("the message could not be stored")
    assert await count_rows(database) == 1

    point.unregister(open_flag_when_risky)
    async with database.transaction() as db:
        await point(db, hooks.TextWritten(author_id=1, surface="diary", ref="4", text="risky"))
    assert await count_rows(database) == 1
