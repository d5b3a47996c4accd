"""The transactional outbox: side effects are rows written in the caller's transaction.

A job, an event for its subscribers or a realtime publish is stored as an ``outbox_messages`` row
in the same transaction as the change that caused it, so it exists exactly when that change does
(dropped on rollback, kept across a crash right after commit). The relay (``core.relay``) hands rows
out only after commit. Payloads carry ids and flags, never personal text.

Realtime publishes take a fast path where a relay runs in this process for the same database: the row
is written already handed out (``dispatched``, with a short lease), and right after the transaction
commits the relay publishes it and marks it done in a batch. If the process dies in between, the lease
runs out and any relay's sweep publishes the row then. Every published event carries its row's id as
``event_id``, so a receiver drops the rare second copy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core import clock
from anxin.core.db import Base, after_commit, after_commit_await

PayloadValue = int | str | bool | float | None
Payload = dict[str, Any]
JobHandler = Callable[[AsyncSession, Payload], Awaitable[None]]

KIND_JOB = "job"
KIND_PUBLISH = "publish"

STATUS_PENDING = "pending"  # waiting to be handed out
STATUS_DISPATCHED = "dispatched"  # handed to a runner; handed out again if its lease runs out
STATUS_DONE = "done"
STATUS_FAILED = "failed"  # gave up after max attempts; an operator must look

# The id of the outbox row an event was published from, added to every published event.
EVENT_ID_KEY = "event_id"

# How long a fast-path publish belongs to this process before any relay publishes it instead.
FAST_PUBLISH_LEASE = timedelta(seconds=30)

# Keys that would let personal text slip into a payload; refused outright.
_FORBIDDEN_PAYLOAD_KEYS = frozenset({"text", "body", "content", "message", "email", "phone", "name"})

BigId = BigInteger().with_variant(Integer(), "sqlite")


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "available_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    payload: Mapped[Payload] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=STATUS_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))


@dataclass(frozen=True)
class JobSpec:
    name: str
    handler: JobHandler
    max_attempts: int = 8


@dataclass
class Registry:
    """Job handlers and event subscribers, filled at import time by each module's ``tasks.py``."""

    jobs: dict[str, JobSpec] = field(default_factory=dict)
    subscribers: dict[str, list[str]] = field(default_factory=dict)
    schedules: dict[str, timedelta] = field(default_factory=dict)


registry = Registry()

# Called after a commit that wrote outbox rows, so the relay hands them out at once.
_wakers: list[Callable[[], None]] = []


def add_waker(waker: Callable[[], None]) -> None:
    if waker not in _wakers:
        _wakers.append(waker)


def remove_waker(waker: Callable[[], None]) -> None:
    if waker in _wakers:
        _wakers.remove(waker)


def _wake_relays() -> None:
    for waker in list(_wakers):
        waker()


# A committed publish on the fast path: (outbox id, channel, event without its id).
CommittedPublish = tuple[int, str, "Payload"]
FastPublisher = Callable[[list[CommittedPublish]], Awaitable[None]]

# Per database (its URL), the relay of this process that publishes committed rows at once.
_fast_publishers: dict[object, FastPublisher] = {}
_FAST_ROWS_KEY = "anxin_outbox_fast_publishes"


def install_fast_publisher(database_url: object, publisher: FastPublisher) -> None:
    """Publish rows written to the database at ``database_url`` (an engine's ``url``) right after
    their transaction commits."""
    _fast_publishers[database_url] = publisher


def remove_fast_publisher(database_url: object, publisher: FastPublisher) -> None:
    if _fast_publishers.get(database_url) is publisher:
        del _fast_publishers[database_url]


def published_event(outbox_id: int, event: Payload) -> Payload:
    """The event as receivers get it: with the id they drop a second copy by."""
    return {**event, EVENT_ID_KEY: outbox_id}


def job(name: str, *, max_attempts: int = 8) -> Callable[[JobHandler], JobHandler]:
    """Register ``handler(db, payload)`` as the job ``name``. Handlers must be safe to run twice."""

    def register(handler: JobHandler) -> JobHandler:
        existing = registry.jobs.get(name)
        if existing is not None and existing.handler is not handler:
            raise ValueError(f"job {name!r} is registered twice")
        registry.jobs[name] = JobSpec(name, handler, max_attempts)
        return handler

    return register


def subscribe(event: str, *, name: str, max_attempts: int = 8) -> Callable[[JobHandler], JobHandler]:
    """Run ``handler(db, payload)`` as its own job each time ``event`` is emitted."""

    def register(handler: JobHandler) -> JobHandler:
        job_name = f"{event}->{name}"
        job(job_name, max_attempts=max_attempts)(handler)
        subscribers = registry.subscribers.setdefault(event, [])
        if job_name not in subscribers:
            subscribers.append(job_name)
        return handler

    return register


def scheduled(name: str, *, every: timedelta, max_attempts: int = 3) -> Callable[[JobHandler], JobHandler]:
    """Register a job that runs once per ``every`` across all processes (deduplicated by time bucket)."""

    def register(handler: JobHandler) -> JobHandler:
        job(name, max_attempts=max_attempts)(handler)
        registry.schedules[name] = every
        return handler

    return register


def _check_payload(payload: Payload) -> None:
    for key, value in payload.items():
        if key.lower() in _FORBIDDEN_PAYLOAD_KEYS:
            raise ValueError(f"outbox payloads carry ids, not personal data (key {key!r})")
        if not isinstance(value, int | str | bool | float | type(None)):
            raise ValueError(f"outbox payload values must be scalars (key {key!r})")


async def _insert(db: AsyncSession, row: OutboxMessage, *, flush: bool = True) -> OutboxMessage | None:
    if row.dedupe_key is None:
        db.add(row)
        if flush:
            await db.flush()
    else:
        # A savepoint keeps the caller's transaction usable when the dedupe key already exists.
        try:
            async with db.begin_nested():
                db.add(row)
        except IntegrityError:
            return None
    after_commit(db, _wake_relays)
    return row


async def enqueue(
    db: AsyncSession,
    name: str,
    payload: Payload | None = None,
    *,
    delay: timedelta | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Write job ``name`` into the outbox; it runs after this transaction commits.

    With ``dedupe_key``, a second job with the same key is not written (returns ``None``).
    """
    return await _enqueue(db, name, payload, delay=delay, dedupe_key=dedupe_key, flush=True)


async def _enqueue(
    db: AsyncSession,
    name: str,
    payload: Payload | None,
    *,
    delay: timedelta | None = None,
    dedupe_key: str | None = None,
    flush: bool,
) -> OutboxMessage | None:
    spec = registry.jobs.get(name)
    if spec is None:
        raise LookupError(f"no job registered as {name!r}")
    payload = dict(payload or {})
    _check_payload(payload)
    now = clock.utcnow()
    row = OutboxMessage(
        kind=KIND_JOB,
        name=name,
        payload=payload,
        dedupe_key=dedupe_key,
        status=STATUS_PENDING,
        attempts=0,
        max_attempts=spec.max_attempts,
        available_at=now + (delay or timedelta(0)),
        created_at=now,
    )
    return await _insert(db, row, flush=flush)


async def emit(db: AsyncSession, event: str, payload: Payload | None = None) -> int:
    """Emit ``event``: one job per subscriber, each retried on its own. Returns the job count.

    The rows are written with the transaction's next flush (at the latest its commit), together in
    one statement."""
    count = 0
    for job_name in registry.subscribers.get(event, []):
        if await _enqueue(db, job_name, payload, flush=False) is not None:
            count += 1
    return count


async def publish(db: AsyncSession, channel: str, event: Payload) -> None:
    """Publish ``event`` on realtime ``channel`` after this transaction commits."""
    _check_payload(event)
    now = clock.utcnow()
    fast = _fast_publishers.get(db.get_bind().engine.url) if _fast_publishers else None
    row = OutboxMessage(
        kind=KIND_PUBLISH,
        name=channel,
        payload=dict(event),
        status=STATUS_PENDING if fast is None else STATUS_DISPATCHED,
        attempts=0,
        max_attempts=5,
        available_at=now if fast is None else now + FAST_PUBLISH_LEASE,
        created_at=now,
    )
    if fast is None:
        await _insert(db, row, flush=False)
        return
    # Written with the transaction's next flush (at the latest its commit), with its other rows.
    db.add(row)
    rows: list[OutboxMessage] | None = db.info.get(_FAST_ROWS_KEY)
    if rows is None:
        rows = db.info[_FAST_ROWS_KEY] = []

        async def publish_committed() -> None:
            # A row whose savepoint rolled back is no longer persistent: it was never committed.
            committed = [(r.id, r.name, r.payload) for r in rows if inspect(r).persistent]
            if committed:
                await fast(committed)

        after_commit_await(db, publish_committed)
    rows.append(row)


async def pending_count(db: AsyncSession) -> int:
    rows = await db.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status.in_([STATUS_PENDING, STATUS_DISPATCHED]))
    )
    return len(rows.all())
