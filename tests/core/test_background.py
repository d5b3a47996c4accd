"""Slow work scheduled by a job: it starts only once the job commits, never twice at once for one row,
a failure is logged by its type only, and the sweep finds the rows a stopped process left (within the
last day, old enough, not running here)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from anxin.core import background, clock
from anxin.core.db import Database
from anxin.core.outbox import OutboxMessage

log = logging.getLogger("tests.background")


class Work:
    """Records each run; a run waits until ``release`` is set."""

    def __init__(self) -> None:
        self.runs: list[int] = []
        self.release = asyncio.Event()

    def of(self, row_id: int):  # type: ignore[no-untyped-def]
        async def run(database: Database) -> None:
            assert isinstance(database, Database)
            self.runs.append(row_id)
            await self.release.wait()

        return run


async def test_work_starts_after_commit_once_per_row_and_never_on_rollback(database: Database) -> None:
    tasks = background.AfterCommitTasks("test work", id_name="row_id", log=log)
    work = Work()
    async with database.transaction() as db:
        tasks.schedule(db, 1, work.of(1))
        tasks.schedule(db, 1, work.of(1))
        await asyncio.sleep(0.01)
        assert work.runs == []  # nothing before the commit
    with pytest.raises(RuntimeError):
        async with database.transaction() as db:
            tasks.schedule(db, 2, work.of(2))
            raise RuntimeError("the job failed")
    async with database.transaction() as db:
        tasks.schedule(db, 1, work.of(1))  # still running: not started again
    await asyncio.sleep(0.01)
    assert work.runs == [1]
    work.release.set()
    await tasks.settle()
    assert work.runs == [1]

    async with database.transaction() as db:
        tasks.schedule(db, 1, work.of(1))  # finished before: runs again (the work itself is idempotent)
    await tasks.settle()
    assert work.runs == [1, 1]


async def test_a_failed_run_is_logged_by_its_type_only(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    tasks = background.AfterCommitTasks("test work", id_name="row_id", log=log)

    async def fails(database: Database) -> None:
        raise ValueError("what the person said")

    async with database.transaction() as db:
        tasks.schedule(db, 7, fails)
    with caplog.at_level(logging.WARNING, logger="tests.background"):
        await tasks.settle()
    [record] = [r for r in caplog.records if r.name == "tests.background"]
    assert record.getMessage() == "test work failed"
    assert (record.row_id, record.error) == (7, "ValueError")  # type: ignore[attr-defined]
    assert "what the person said" not in caplog.text


async def test_the_sweep_finds_rows_of_the_last_day_old_enough_and_not_running(database: Database) -> None:
    tasks = background.AfterCommitTasks("test work", id_name="row_id", log=log)
    now = clock.utcnow()
    ages = {"fresh": timedelta(minutes=1), "missed": timedelta(hours=2), "running": timedelta(hours=3),
            "other": timedelta(hours=4), "too old": timedelta(days=2)}  # fmt: skip
    ids = {}
    async with database.transaction() as db:
        for name, age in ages.items():
            row = OutboxMessage(
                kind="test" if name != "other" else "elsewhere", name=name, payload={}, status="pending",
                available_at=now, created_at=now - age,
            )  # fmt: skip
            db.add(row)
            await db.flush()
            ids[name] = row.id
    work = Work()
    async with database.transaction() as db:
        tasks.schedule(db, ids["running"], work.of(ids["running"]))
    await asyncio.sleep(0.01)

    async with database.transaction(write=False) as db:
        found = await tasks.missed(
            db,
            select(OutboxMessage.id).where(OutboxMessage.kind == "test"),
            since=OutboxMessage.created_at,
            older_than=timedelta(minutes=5),
            limit=20,
        )
        assert found == [ids["missed"]]
        everything = await tasks.missed(
            db, select(OutboxMessage.id), since=OutboxMessage.created_at, older_than=timedelta(0), limit=20
        )
        assert everything == sorted([ids["fresh"], ids["missed"], ids["other"]])
    work.release.set()
    await tasks.settle()
    async with database.transaction(write=False) as db:
        first = await tasks.missed(
            db, select(OutboxMessage.id), since=OutboxMessage.created_at, older_than=timedelta(0), limit=2
        )
        assert first == sorted([ids["fresh"], ids["missed"], ids["running"], ids["other"]])[:2]
        await background.database_for(db).dispose()
