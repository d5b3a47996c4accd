"""The outbox's realtime fast path: a publish goes out as its transaction commits, with no relay sweep
in between; the outbox row stays the guarantee (a crash before the publish leaves it to the sweep);
a row published by both paths reaches each socket once; a rollback publishes nothing.
On SQLite and PostgreSQL, through the in-process broker and through Redis."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from anxin.core import clock, outbox
from anxin.core.db import Database
from anxin.core.outbox import FAST_PUBLISH_LEASE, OutboxMessage
from anxin.core.realtime import Connection, Hub, InProcessBroker, RedisBroker
from anxin.core.relay import OutboxRelay

WAIT = 15.0


@pytest.fixture(params=["in-process", pytest.param("redis", marks=pytest.mark.redis)])
async def hub(request: pytest.FixtureRequest) -> AsyncIterator[Hub]:
    if request.param == "in-process":
        hub = Hub(InProcessBroker())
    else:
        redis_url: str = request.getfixturevalue("redis_url")
        hub = Hub(RedisBroker(redis_url, namespace=f"anxin-test-{secrets.token_hex(4)}"))
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


@asynccontextmanager
async def fast_path_only(
    database: Database, publisher: Callable[[str, dict[str, Any]], Awaitable[None]]
) -> AsyncIterator[OutboxRelay]:
    """A relay whose fast path is installed but which never sweeps nor marks rows done by itself
    (its loops are not running): what arrives, arrived through the fast path."""
    relay = OutboxRelay(database, publisher=publisher, poll_seconds=60, run_schedules=False)
    outbox.install_fast_publisher(database.engine.url, relay.publish_committed)
    try:
        yield relay
    finally:
        outbox.remove_fast_publisher(database.engine.url, relay.publish_committed)


async def frames(connection: Connection, want: int) -> list[dict[str, Any]]:
    got = []
    async with asyncio.timeout(WAIT):
        while len(got) < want:
            got.append(json.loads(await connection.next_frame()))
    return got


async def nothing_more(connection: Connection, hub: Hub) -> bool:
    """True when no further frame is queued once a marker published after everything has arrived."""
    await hub.publish("broadcast", {"type": "marker"})
    (frame,) = await frames(connection, 1)
    return frame["event"] == {"type": "marker"}


async def row_statuses(database: Database) -> list[str]:
    async with database.transaction(write=False) as db:
        return list(await db.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


async def test_an_event_arrives_as_its_transaction_commits_with_the_relay_paused(
    database: Database, hub: Hub
) -> None:
    listener = hub.connect(actor_id=1)
    hub.subscribe(listener, "broadcast")
    async with fast_path_only(database, hub.broker.publish) as relay:
        async with database.transaction() as db:
            await outbox.publish(db, "broadcast", {"type": "maintenance", "id": 5})
            row_id = (await db.scalars(select(OutboxMessage.id))).one()
        (frame,) = await frames(listener, 1)
        assert frame == {
            "op": "event",
            "channel": "broadcast",
            "event": {"type": "maintenance", "id": 5, "event_id": row_id},
        }
        assert await row_statuses(database) == [outbox.STATUS_DISPATCHED]  # not due for a sweep
        assert await relay.dispatch_due() == 0
        # Marked done in a batch, off the request's path.
        await relay.finish_published()
        assert await row_statuses(database) == [outbox.STATUS_DONE]
    assert await nothing_more(listener, hub)


async def test_a_rollback_publishes_nothing(database: Database, hub: Hub) -> None:
    listener = hub.connect(actor_id=1)
    hub.subscribe(listener, "broadcast")
    async with fast_path_only(database, hub.broker.publish) as relay:
        with pytest.raises(RuntimeError):
            async with database.transaction() as db:
                await outbox.publish(db, "broadcast", {"type": "maintenance", "id": 1})
                raise RuntimeError("the request failed")
        async with database.transaction() as db:
            # A savepoint that rolls back takes its publish with it; the outer work commits.
            with pytest.raises(RuntimeError):
                async with db.begin_nested():
                    await outbox.publish(db, "broadcast", {"type": "maintenance", "id": 2})
                    raise RuntimeError("this part failed")
            await outbox.publish(db, "broadcast", {"type": "maintenance", "id": 3})
        (frame,) = await frames(listener, 1)
        assert frame["event"]["id"] == 3
        await relay.finish_published()
        assert await row_statuses(database) == [outbox.STATUS_DONE]
    assert await nothing_more(listener, hub)


async def test_a_row_published_by_both_paths_reaches_each_socket_once(database: Database, hub: Hub) -> None:
    listener = hub.connect(actor_id=1)
    hub.subscribe(listener, "broadcast")
    sent: list[dict[str, Any]] = []

    async def publisher(channel: str, event: dict[str, Any]) -> None:
        sent.append(event)
        await hub.broker.publish(channel, event)

    async with fast_path_only(database, publisher) as relay:
        async with database.transaction() as db:
            await outbox.publish(db, "broadcast", {"type": "maintenance", "id": 8})
        # Marking it done was slow: the lease ran out and a sweep published the row again.
        clock.freeze(clock.utcnow() + FAST_PUBLISH_LEASE + timedelta(seconds=1))
        try:
            assert await relay.dispatch_due() == 1
        finally:
            clock.freeze(None)
        assert len(sent) == 2 and sent[0] == sent[1]  # the same event, the same id, twice
        (frame,) = await frames(listener, 1)
        assert frame["event"] == sent[0]
        await relay.finish_published()
        assert await row_statuses(database) == [outbox.STATUS_DONE]
    assert await nothing_more(listener, hub)


async def test_a_crash_between_commit_and_the_fast_publish_loses_nothing(
    database: Database, hub: Hub
) -> None:
    listener = hub.connect(actor_id=1)
    hub.subscribe(listener, "broadcast")

    async def died(_rows: list[outbox.CommittedPublish]) -> None:
        return None  # the process is gone before it published anything

    outbox.install_fast_publisher(database.engine.url, died)
    try:
        async with database.transaction() as db:
            await outbox.publish(db, "broadcast", {"type": "maintenance", "id": 4})
    finally:
        outbox.remove_fast_publisher(database.engine.url, died)
    assert await row_statuses(database) == [outbox.STATUS_DISPATCHED]
    assert await nothing_more(listener, hub)
    # Another process's relay, once the fast path's lease has run out.
    relay = OutboxRelay(database, publisher=hub.broker.publish, run_schedules=False)
    await relay.drain()
    assert await nothing_more(listener, hub)  # not before the lease ends
    clock.freeze(clock.utcnow() + FAST_PUBLISH_LEASE + timedelta(seconds=1))
    try:
        await relay.drain()
    finally:
        clock.freeze(None)
    (frame,) = await frames(listener, 1)
    assert frame["event"]["id"] == 4
    assert await row_statuses(database) == [outbox.STATUS_DONE]


async def test_a_failed_fast_publish_goes_back_to_the_sweep_at_once(database: Database, hub: Hub) -> None:
    listener = hub.connect(actor_id=1)
    hub.subscribe(listener, "broadcast")
    broken = True

    async def publisher(channel: str, event: dict[str, Any]) -> None:
        if broken:
            raise ConnectionError("broker unreachable")
        await hub.broker.publish(channel, event)

    relay = OutboxRelay(database, publisher=publisher, poll_seconds=60, run_schedules=False)
    await relay.start()
    try:
        async with database.transaction() as db:
            await outbox.publish(db, "broadcast", {"type": "maintenance", "id": 6})
        broken = False
        await relay.finish_published()  # handed back: pending and due now
        await relay.drain()
        (frame,) = await frames(listener, 1)
        assert frame["event"]["id"] == 6
        assert await row_statuses(database) == [outbox.STATUS_DONE]
    finally:
        await relay.stop()
