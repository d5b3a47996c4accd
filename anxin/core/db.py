"""Database engine, the declarative base and the one-transaction-per-unit-of-work helpers.

SQLite (embedded default) runs in WAL mode with a busy timeout and ``synchronous=FULL``; writers
start with ``BEGIN IMMEDIATE`` so two writers never deadlock on a lock upgrade. Read-only units of
work (GET requests) start a deferred transaction so they never wait for a writer.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import MetaData, event, exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Whether the current unit of work will write; read by the SQLite BEGIN listener.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("anxin_write_intent", default=True)

log = logging.getLogger("anxin.db")

# Callbacks run after a successful commit (e.g. poke the outbox relay); keyed on the session.
AFTER_COMMIT_KEY = "anxin_after_commit"
# Coroutines awaited after a successful commit, before the unit of work returns (e.g. the outbox's
# realtime fast path); keyed on the session.
AFTER_COMMIT_ASYNC_KEY = "anxin_after_commit_async"


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def create_engine(url: str, *, sqlite_busy_timeout_ms: int = 10_000) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": sqlite_busy_timeout_ms / 1000})
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
        return engine
    engine = create_async_engine(url, pool_size=10, max_overflow=20)
    _drop_closed_connections(engine)
    return engine


def _drop_closed_connections(engine: AsyncEngine) -> None:
    """Hand out no pooled connection the server has closed (a restart, an idle timeout).

    The driver notices a closed socket while the connection sits in the pool, so asking it costs
    nothing, where a ping per checkout cost three round trips (about a tenth of a page's CPU).
    Raising DisconnectionError makes the pool throw the connection away and open a fresh one."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        is_closed = getattr(driver, "is_closed", None)
        if callable(is_closed) and is_closed():
            raise exc.DisconnectionError("the database server closed this connection")


class Database:
    """An engine plus a session factory; one per process."""

    def __init__(self, url: str, *, sqlite_busy_timeout_ms: int = 10_000) -> None:
        self.url = url
        self.engine = create_engine(url, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on any error, then run after-commit hooks."""
        token = _write_intent.set(write)
        try:
            async with self.sessionmaker() as db:
                try:
                    yield db
                    await db.commit()
                except BaseException:
                    await db.rollback()
                    raise
                callbacks: list[Callable[[], None]] = db.info.pop(AFTER_COMMIT_KEY, [])
                for callback in callbacks:
                    callback()
                waiters: list[Callable[[], Awaitable[None]]] = db.info.pop(AFTER_COMMIT_ASYNC_KEY, [])
                for waiter in waiters:
                    try:
                        await waiter()
                    except Exception:
                        # The work is committed: what follows must not turn it into an error.
                        log.exception("after-commit callback failed")
        finally:
            _write_intent.reset(token)

    async def dispose(self) -> None:
        await self.engine.dispose()


def after_commit(db: AsyncSession, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current unit of work has committed (never on rollback)."""
    callbacks: list[Callable[[], None]] = db.info.setdefault(AFTER_COMMIT_KEY, [])
    if callback not in callbacks:
        callbacks.append(callback)


def after_commit_await(db: AsyncSession, waiter: Callable[[], Awaitable[None]]) -> None:
    """Await ``waiter()`` once the current unit of work has committed (never on rollback), before
    the unit of work returns. An exception it raises is logged, not raised: the work is committed."""
    waiters: list[Callable[[], Awaitable[None]]] = db.info.setdefault(AFTER_COMMIT_ASYNC_KEY, [])
    if waiter not in waiters:
        waiters.append(waiter)
