"""Hands committed outbox rows to their runner, and runs jobs with exactly-once database effects.

* In-process mode (embedded default): jobs run as asyncio tasks in this process.
* Queue mode (``ANXIN_REDIS_URL`` set): jobs are handed to ``anxin worker`` processes through arq.

Either way ``run_job`` marks the row done in the same transaction as the handler's own writes, so
a job whose handler committed is never run again, and a crash at any point leaves the row to be
handed out again once its lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from anxin.core import clock
from anxin.core.db import Database
from anxin.core.outbox import (
    EVENT_ID_KEY,
    KIND_JOB,
    KIND_PUBLISH,
    STATUS_DISPATCHED,
    STATUS_DONE,
    STATUS_FAILED,
    STATUS_PENDING,
    CommittedPublish,
    OutboxMessage,
    add_waker,
    install_fast_publisher,
    registry,
    remove_fast_publisher,
    remove_waker,
)

log = logging.getLogger("anxin.outbox")

# How long a dispatched row belongs to its runner before it is handed out again.
DISPATCH_LEASE = timedelta(minutes=5)
BATCH_SIZE = 100

Publisher = Callable[[str, dict[str, Any]], Awaitable[None]]


class JobQueue(Protocol):
    async def submit(self, outbox_id: int, attempt: int) -> None: ...


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: ~2 s, 4 s, 8 s … capped at one hour."""
    base = min(2.0**attempts, 3600.0)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security


async def run_job(database: Database, outbox_id: int) -> str:
    """Run one job; returns the row's status afterwards ("done", "pending", "failed" or "skipped")."""
    try:
        async with database.transaction() as db:
            # Row lock on PostgreSQL (BEGIN IMMEDIATE on SQLite): a second runner of the same
            # job waits here and then sees it done.
            row = await db.scalar(
                select(OutboxMessage).where(OutboxMessage.id == outbox_id).with_for_update()
            )
            if row is None or row.status in (STATUS_DONE, STATUS_FAILED) or row.kind != KIND_JOB:
                return "skipped"
            spec = registry.jobs.get(row.name)
            if spec is None:
                raise LookupError(f"no handler registered for job {row.name!r}")
            await spec.handler(db, dict(row.payload))
            row.status = STATUS_DONE
            row.attempts += 1
            row.finished_at = clock.utcnow()
            row.last_error = None
        return STATUS_DONE
    except Exception as exc:
        return await _record_failure(database, outbox_id, exc)


async def _record_failure(database: Database, outbox_id: int, exc: Exception) -> str:
    # Only the exception's type reaches the table and the log: its text may hold personal data.
    error = type(exc).__name__
    log.warning("job failed", extra={"outbox_id": outbox_id, "error": error})
    async with database.transaction() as db:
        row = await db.get(OutboxMessage, outbox_id)
        if row is None or row.status == STATUS_DONE:
            return "skipped"
        row.attempts += 1
        row.last_error = error
        if row.attempts >= row.max_attempts:
            row.status = STATUS_FAILED
            row.finished_at = clock.utcnow()
            log.error("job parked as failed", extra={"outbox_id": outbox_id, "job": row.name})
        else:
            row.status = STATUS_PENDING
            row.available_at = clock.utcnow() + backoff(row.attempts)
        return row.status


class OutboxRelay:
    """Sweeps due rows and hands them out: jobs to a runner, publishes to the realtime broker."""

    def __init__(
        self,
        database: Database,
        *,
        publisher: Publisher,
        queue: JobQueue | None = None,
        poll_seconds: float = 2.0,
        run_schedules: bool = True,
    ) -> None:
        self.database = database
        self.publisher = publisher
        self.queue = queue
        self.poll_seconds = poll_seconds
        self.run_schedules = run_schedules
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running_jobs: set[asyncio.Task[str]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        # One hand-out at a time per relay: ``drain`` must not see "nothing due" while the
        # background loop has claimed rows but not yet started their jobs.
        self._dispatching = asyncio.Lock()
        # Fast-path publishes sent (to be marked done) or not sent (to be handed to the sweep now),
        # written in batches by the finisher task.
        self._published: list[int] = []
        self._unsent: list[int] = []
        self._finish = asyncio.Event()
        self._finisher: asyncio.Task[None] | None = None
        self._finishing = asyncio.Lock()

    def wake(self) -> None:
        """Thread- and loop-safe poke: something was just committed."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        add_waker(self.wake)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")
        self._finisher = asyncio.create_task(self._run_finisher(), name="outbox-finisher")
        install_fast_publisher(self.database.engine.url, self.publish_committed)

    async def stop(self) -> None:
        remove_fast_publisher(self.database.engine.url, self.publish_committed)
        remove_waker(self.wake)
        for task in (self._task, self._finisher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._finisher = None
        if self._running_jobs:
            await asyncio.gather(*self._running_jobs, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.finish_published()

    # -- the fast path: publish what a transaction of this process just committed

    async def publish_committed(self, rows: list[CommittedPublish]) -> None:
        """Publish rows that were written on the fast path (already ``dispatched``) right after their
        commit; the finisher marks them done in a batch. A row not sent goes back to the sweep."""
        for outbox_id, channel, payload in rows:
            try:
                await self.publisher(channel, {**payload, EVENT_ID_KEY: outbox_id})
            except Exception as exc:
                error = type(exc).__name__
                log.warning("fast publish failed", extra={"outbox_id": outbox_id, "error": error})
                self._unsent.append(outbox_id)
            else:
                self._published.append(outbox_id)
        self._finish.set()

    async def _run_finisher(self) -> None:
        while True:
            await self._finish.wait()
            self._finish.clear()
            try:
                await self.finish_published()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The rows stay dispatched: the sweep publishes them again after their lease, and
                # receivers drop the second copy by its event id.
                log.exception("marking fast publishes done failed")

    async def finish_published(self) -> None:
        """Mark the fast path's sent rows done and hand its unsent rows to the sweep (one batch each)."""
        async with self._finishing:
            while self._published or self._unsent:
                published, self._published = self._published, []
                unsent, self._unsent = self._unsent, []
                async with self.database.transaction() as db:
                    if published:
                        await db.execute(
                            update(OutboxMessage)
                            .where(OutboxMessage.id.in_(published), OutboxMessage.status == STATUS_DISPATCHED)
                            .values(
                                status=STATUS_DONE,
                                finished_at=clock.utcnow(),
                                attempts=OutboxMessage.attempts + 1,
                            )
                            .execution_options(synchronize_session=False)
                        )
                    if unsent:
                        await db.execute(
                            update(OutboxMessage)
                            .where(OutboxMessage.id.in_(unsent), OutboxMessage.status == STATUS_DISPATCHED)
                            .values(status=STATUS_PENDING, available_at=clock.utcnow())
                            .execution_options(synchronize_session=False)
                        )
                if unsent:
                    self.wake()

    async def _run(self) -> None:
        next_schedule_check = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                # Schedules are checked on the poll timer, not on every wake: a busy relay is woken
                # once per committed request and must not pay a write transaction each time.
                if self.run_schedules and loop.time() >= next_schedule_check:
                    await enqueue_due_schedules(self.database)
                    next_schedule_check = loop.time() + self.poll_seconds
                while await self.dispatch_due() >= BATCH_SIZE:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay sweep failed; retrying")
            # asyncio.timeout, not wait_for: on Python 3.11 a wait_for cancelled at the moment its
            # inner task is woken can leave stop() waiting for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._wake.wait()
            self._wake.clear()

    async def dispatch_due(self) -> int:
        """Hand out every due row once (one batch); returns how many were claimed."""
        async with self._dispatching:
            return await self._dispatch_batch()

    async def _dispatch_batch(self) -> int:
        now = clock.utcnow()
        async with self.database.transaction(write=False) as db:
            due = (
                await db.execute(
                    select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.attempts)
                    .where(
                        OutboxMessage.status.in_([STATUS_PENDING, STATUS_DISPATCHED]),
                        OutboxMessage.available_at <= now,
                    )
                    .order_by(OutboxMessage.id)
                    .limit(BATCH_SIZE)
                )
            ).all()
        if not due:
            return 0
        claimed = await self._claim([row.id for row in due], now)
        if not claimed:
            return 0
        publishes = [row for row in due if row.id in claimed and row.kind == KIND_PUBLISH]
        if publishes:
            await self._publish([row.id for row in publishes])
        for row in due:
            if row.id in claimed and row.kind == KIND_JOB:
                await self._dispatch_job(row.id, row.attempts)
        return len(claimed)

    async def _claim(self, outbox_ids: list[int], now: datetime) -> set[int]:
        # One atomic compare-and-set for the batch, so that several relays (processes) never hand
        # out a row twice within one lease; RETURNING tells which rows this relay won.
        async with self.database.transaction() as db:
            result = await db.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(outbox_ids),
                    OutboxMessage.status.in_([STATUS_PENDING, STATUS_DISPATCHED]),
                    OutboxMessage.available_at <= now,
                )
                .values(status=STATUS_DISPATCHED, available_at=now + DISPATCH_LEASE)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
            return set(result.scalars().all())

    async def _dispatch_job(self, outbox_id: int, attempts: int) -> None:
        if self.queue is not None:
            await self.queue.submit(outbox_id, attempts)
            return
        task = asyncio.create_task(run_job(self.database, outbox_id), name=f"job-{outbox_id}")
        self._running_jobs.add(task)
        task.add_done_callback(self._job_finished)

    def _job_finished(self, task: asyncio.Task[str]) -> None:
        self._running_jobs.discard(task)
        if not task.cancelled() and task.result() == STATUS_PENDING:
            self.wake()

    async def _publish(self, outbox_ids: list[int]) -> None:
        async with self.database.transaction(write=False) as db:
            rows = (
                await db.execute(
                    select(OutboxMessage.id, OutboxMessage.name, OutboxMessage.payload)
                    .where(OutboxMessage.id.in_(outbox_ids))
                    .order_by(OutboxMessage.id)
                )
            ).all()
        published: list[int] = []
        for outbox_id, channel, payload in rows:
            try:
                await self.publisher(channel, {**payload, EVENT_ID_KEY: outbox_id})
            except Exception as exc:
                await _record_failure(self.database, outbox_id, exc)
                continue
            published.append(outbox_id)
        if not published:
            return
        async with self.database.transaction() as db:
            await db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(published))
                .values(status=STATUS_DONE, finished_at=clock.utcnow(), attempts=OutboxMessage.attempts + 1)
                .execution_options(synchronize_session=False)
            )

    async def drain(self, max_seconds: float = 10.0) -> None:
        """Dispatch until nothing is due and no in-process job is running (tests, CLI commands)."""
        deadline = asyncio.get_running_loop().time() + max_seconds
        while True:
            await self.finish_published()
            claimed = await self.dispatch_due()
            if self._running_jobs:
                await asyncio.gather(*list(self._running_jobs), return_exceptions=True)
                continue
            if claimed == 0:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("outbox did not drain in time")


async def enqueue_due_schedules(database: Database) -> int:
    """Write one outbox row per scheduled job and time bucket; the dedupe key makes it once-only."""
    from anxin.core.outbox import enqueue  # local: avoids a cycle at import time

    if not registry.schedules:
        return 0
    now = clock.utcnow()
    written = 0
    async with database.transaction() as db:
        for name, every in registry.schedules.items():
            bucket = int(now.timestamp() // every.total_seconds())
            try:
                if await enqueue(db, name, {"bucket": bucket}, dedupe_key=f"schedule:{name}:{bucket}"):
                    written += 1
            except IntegrityError:
                continue
    return written
