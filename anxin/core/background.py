"""Slow work a job starts in its own process once its transaction commits, one task per row.

Transcribing a recording takes seconds of CPU, so the job that asks for it only schedules the work:
it starts after the job commits (never on rollback), outside any transaction, on a ``Database`` of
the same store. A row already being worked on in this process is not started twice. A run that is
lost (the process stopped) is found again by a scheduled sweep (``missed``), which skips the rows
still running here. ``settle()`` waits for the running tasks (tests, shutdown).

Work that fails is logged by its error type only (never its text: it may be personal) and left for
the sweep to try again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from anxin.core import clock
from anxin.core.db import Database, after_commit

# What runs for one row, given a Database of the job's store.
Work = Callable[[Database], Awaitable[object]]

# The sweep looks back this far; older rows are left alone (a lasting failure is not retried forever).
SWEEP_WINDOW = timedelta(days=1)

# One Database per store and process, shared by every kind of background work.
_databases: dict[str, Database] = {}


def database_for(db: AsyncSession) -> Database:
    """A Database on the same store as the job's session (one per process and URL)."""
    from anxin.core.config import get_settings

    url = db.get_bind().engine.url.render_as_string(hide_password=False)
    if url not in _databases:
        _databases[url] = Database(url, sqlite_busy_timeout_ms=get_settings().sqlite_busy_timeout_ms)
    return _databases[url]


class AfterCommitTasks:
    """One kind of background work, keyed by row id: ``schedule`` it from a job, ``missed`` finds the
    rows a stopped process left, ``settle`` waits for what runs, ``slot`` bounds the heavy step."""

    def __init__(
        self, what: str, *, id_name: str, log: logging.Logger, at_once: Callable[[], int] = lambda: 1
    ) -> None:
        self.what = what  # "voice transcription": for the log line of a failed run
        self.id_name = id_name  # "message_id": the log field that carries the row id
        self.log = log
        self.at_once = at_once
        self._active: dict[tuple[str, int], asyncio.Task[None]] = {}
        self._slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def schedule(self, db: AsyncSession, row_id: int, work: Work) -> None:
        """Run ``work`` for the row once the job's transaction commits, in this process."""
        database = database_for(db)
        after_commit(db, lambda: self._start(database, row_id, work))

    def _start(self, database: Database, row_id: int, work: Work) -> None:
        key = (database.url, row_id)
        loop = asyncio.get_running_loop()
        running = self._active.get(key)
        if running is not None and not running.done() and running.get_loop() is loop:
            return
        task = loop.create_task(self._run(database, row_id, work))
        self._active[key] = task
        task.add_done_callback(lambda done: self._active.pop(key) if self._active.get(key) is done else None)

    async def _run(self, database: Database, row_id: int, work: Work) -> None:
        try:
            await work(database)
        except Exception as exc:  # the sweep tries again; only the type is logged (no personal data)
            self.log.warning(f"{self.what} failed", extra={self.id_name: row_id, "error": type(exc).__name__})

    async def settle(self) -> None:
        """Wait for the tasks running in this process and event loop (tests, shutdown)."""
        loop = asyncio.get_running_loop()
        while mine := [t for t in self._active.values() if t.get_loop() is loop and not t.done()]:
            await asyncio.gather(*mine, return_exceptions=True)

    async def missed(
        self,
        db: AsyncSession,
        ids: Select[Any],
        *,
        since: QueryableAttribute[Any],
        older_than: timedelta,
        limit: int,
    ) -> list[int]:
        """The row ids ``ids`` selects whose ``since`` lies within the last day but more than
        ``older_than`` ago, lowest first, less those running in this process."""
        now = clock.utcnow()
        rows = await db.scalars(
            ids.where(since < now - older_than, since > now - SWEEP_WINDOW)
            .order_by(ids.selected_columns[0])
            .limit(limit)
        )
        url = database_for(db).url
        return [int(row_id) for row_id in rows if (url, row_id) not in self._active]

    def slot(self) -> asyncio.Semaphore:
        """At most ``at_once()`` heavy steps at once in this process (each already uses several
        cores; more at once only makes all of them slower)."""
        loop = asyncio.get_running_loop()
        if loop not in self._slots:
            self._slots.clear()  # a new event loop (tests): the old semaphore belongs to a closed loop
            self._slots[loop] = asyncio.Semaphore(max(1, self.at_once()))
        return self._slots[loop]
