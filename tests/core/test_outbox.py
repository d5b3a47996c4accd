"""The transactional outbox: rows exist exactly when the change that wrote them committed, are
handed out after commit, survive a crash between commit and relay, and run once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock, outbox
from anxin.core.db import Database
from anxin.core.outbox import OutboxMessage
from anxin.core.relay import OutboxRelay, enqueue_due_schedules, run_job

# A scratch table standing in for a module's own table, created per test database.
scratch_metadata = MetaData()
effects = Table(
    "test_job_effects", scratch_metadata, Column("id", Integer, primary_key=True), Column("tag", String(64))
)

calls: list[dict[str, Any]] = []
failures_left: dict[str, int] = {}


@outbox.job("test.record_effect")
async def record_effect(db: AsyncSession, payload: dict[str, Any]) -> None:
    calls.append(payload)
    await db.execute(effects.insert().values(tag=payload["tag"]))


@outbox.job("test.flaky", max_attempts=3)
async def flaky(db: AsyncSession, payload: dict[str, Any]) -> None:
    calls.append(payload)
    tag = payload["tag"]
    if failures_left.get(tag, 0) > 0:
        failures_left[tag] -= 1
        # The effect written before the failure must roll back with it.
        await db.execute(effects.insert().values(tag=f"{tag}-partial"))
        raise RuntimeError("provider down")
    await db.execute(effects.insert().values(tag=tag))


@outbox.subscribe("test.something_happened", name="first")
async def first_subscriber(db: AsyncSession, payload: dict[str, Any]) -> None:
    await db.execute(effects.insert().values(tag=f"first-{payload['n']}"))


@outbox.subscribe("test.something_happened", name="second")
async def second_subscriber(db: AsyncSession, payload: dict[str, Any]) -> None:
    await db.execute(effects.insert().values(tag=f"second-{payload['n']}"))


@pytest.fixture
async def db_with_effects(database: Database) -> AsyncIterator[Database]:
    async with database.engine.begin() as conn:
        await conn.run_sync(scratch_metadata.create_all)
    calls.clear()
    failures_left.clear()
    yield database
    clock.freeze(None)


async def effect_tags(database: Database) -> list[str]:
    async with database.transaction(write=False) as db:
        return list((await db.scalars(select(effects.c.tag).order_by(effects.c.id))).all())


async def published_sink() -> tuple[list[tuple[str, dict[str, Any]]], Any]:
    sink: list[tuple[str, dict[str, Any]]] = []

    async def publisher(channel: str, event: dict[str, Any]) -> None:
        sink.append((channel, event))

    return sink, publisher


async def test_rollback_drops_the_job(db_with_effects: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db_with_effects.transaction() as db:
            await outbox.enqueue(db, "test.record_effect", {"tag": "never"})
            raise RuntimeError("the request failed")
    async with db_with_effects.transaction(write=False) as db:
        assert await db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_crash_between_commit_and_relay_loses_nothing(db_with_effects: Database) -> None:
    # Commit with no relay running: as if the process died right after commit.
    async with db_with_effects.transaction() as db:
        await outbox.enqueue(db, "test.record_effect", {"tag": "survivor"})
    await db_with_effects.engine.dispose()  # the "process" is gone

    restarted = Database(db_with_effects.url)
    try:
        _, publisher = await published_sink()
        relay = OutboxRelay(restarted, publisher=publisher, run_schedules=False)
        await relay.drain()
        assert await effect_tags(restarted) == ["survivor"]
        async with restarted.transaction(write=False) as db:
            row = (await db.scalars(select(OutboxMessage))).one()
            assert row.status == outbox.STATUS_DONE
            assert row.attempts == 1
    finally:
        await restarted.dispose()


async def test_a_job_run_twice_changes_nothing_the_second_time(db_with_effects: Database) -> None:
    async with db_with_effects.transaction() as db:
        row = await outbox.enqueue(db, "test.record_effect", {"tag": "once"})
        assert row is not None
        outbox_id = row.id
    assert await run_job(db_with_effects, outbox_id) == "done"
    assert await run_job(db_with_effects, outbox_id) == "skipped"
    assert await effect_tags(db_with_effects) == ["once"]
    assert len(calls) == 1


async def test_a_lease_that_runs_out_hands_the_job_out_again(db_with_effects: Database) -> None:
    _, publisher = await published_sink()
    relay = OutboxRelay(db_with_effects, publisher=publisher, run_schedules=False)
    async with db_with_effects.transaction() as db:
        row = await outbox.enqueue(db, "test.record_effect", {"tag": "leased"})
        assert row is not None
    now = clock.utcnow()
    # Claimed by a runner that then died: nothing is due until its lease ends.
    assert await relay._claim([row.id], now) == {row.id}
    assert await relay._claim([row.id], now) == set()  # a second claimant wins nothing
    assert await relay.dispatch_due() == 0
    clock.freeze(now + timedelta(minutes=6))
    await relay.drain()
    assert await effect_tags(db_with_effects) == ["leased"]


async def test_failures_retry_with_backoff_then_park(db_with_effects: Database) -> None:
    _, publisher = await published_sink()
    relay = OutboxRelay(db_with_effects, publisher=publisher, run_schedules=False)
    failures_left["a"] = 1
    failures_left["b"] = 99
    async with db_with_effects.transaction() as db:
        await outbox.enqueue(db, "test.flaky", {"tag": "a"})
        await outbox.enqueue(db, "test.flaky", {"tag": "b"})
    await relay.drain()
    async with db_with_effects.transaction(write=False) as db:
        rows = {r.payload["tag"]: r for r in (await db.scalars(select(OutboxMessage))).all()}
    assert rows["a"].status == outbox.STATUS_PENDING
    assert rows["a"].attempts == 1
    assert rows["a"].last_error == "RuntimeError"
    assert clock.as_utc(rows["a"].available_at) > clock.utcnow()

    # Move time past every backoff, three times: "a" succeeds, "b" is parked after 3 attempts.
    for step in range(1, 4):
        clock.freeze(clock.utcnow() + timedelta(hours=step))
        await relay.drain()
    async with db_with_effects.transaction(write=False) as db:
        rows = {r.payload["tag"]: r for r in (await db.scalars(select(OutboxMessage))).all()}
    assert rows["a"].status == outbox.STATUS_DONE
    assert rows["b"].status == outbox.STATUS_FAILED
    assert rows["b"].attempts == 3
    # No partial effect of a failed attempt survived.
    assert await effect_tags(db_with_effects) == ["a"]


async def test_events_fan_out_to_every_subscriber(db_with_effects: Database) -> None:
    _, publisher = await published_sink()
    relay = OutboxRelay(db_with_effects, publisher=publisher, run_schedules=False)
    async with db_with_effects.transaction() as db:
        assert await outbox.emit(db, "test.something_happened", {"n": 7}) == 2
        assert await outbox.emit(db, "test.nobody_listens", {"n": 1}) == 0
    await relay.drain()
    assert sorted(await effect_tags(db_with_effects)) == ["first-7", "second-7"]


async def test_publish_goes_out_only_after_commit(db_with_effects: Database) -> None:
    sink, publisher = await published_sink()
    relay = OutboxRelay(db_with_effects, publisher=publisher, run_schedules=False)
    with pytest.raises(RuntimeError):
        async with db_with_effects.transaction() as db:
            await outbox.publish(db, "room:1", {"type": "message", "seq": 1})
            raise RuntimeError("rolled back")
    async with db_with_effects.transaction() as db:
        await outbox.publish(db, "room:1", {"type": "message", "seq": 2})
    await relay.drain()
    assert [(channel, {k: v for k, v in event.items() if k != "event_id"}) for channel, event in sink] == [
        ("room:1", {"type": "message", "seq": 2})
    ]


async def test_a_running_relay_hands_out_right_after_commit(db_with_effects: Database) -> None:
    import asyncio

    sink, publisher = await published_sink()
    relay = OutboxRelay(db_with_effects, publisher=publisher, poll_seconds=60, run_schedules=False)
    await relay.start()
    try:
        await asyncio.sleep(0.05)  # the first sweep has run; the next only on a wake
        async with db_with_effects.transaction() as db:
            await outbox.publish(db, "room:9", {"type": "ping"})
        for _ in range(200):
            if sink:
                break
            await asyncio.sleep(0.01)
        assert [(channel, event["type"]) for channel, event in sink] == [("room:9", "ping")]
    finally:
        await relay.stop()


async def test_dedupe_key_writes_once_and_keeps_the_transaction(db_with_effects: Database) -> None:
    async with db_with_effects.transaction() as db:
        first = await outbox.enqueue(db, "test.record_effect", {"tag": "x"}, dedupe_key="k1")
        second = await outbox.enqueue(db, "test.record_effect", {"tag": "x"}, dedupe_key="k1")
        assert first is not None and second is None
        await db.execute(effects.insert().values(tag="same-transaction"))
    assert await effect_tags(db_with_effects) == ["same-transaction"]


async def test_scheduled_jobs_are_written_once_per_bucket(db_with_effects: Database) -> None:
    name = f"test.tick.{uuid.uuid4().hex[:8]}"

    @outbox.scheduled(name, every=timedelta(minutes=5))
    async def tick(db: AsyncSession, payload: dict[str, Any]) -> None:
        return None

    try:
        clock.freeze(clock.utcnow().replace(minute=1, second=0, microsecond=0))
        assert await enqueue_due_schedules(db_with_effects) >= 1
        assert await enqueue_due_schedules(db_with_effects) == 0  # same bucket, other process
        clock.freeze(clock.utcnow() + timedelta(minutes=5))
        assert await enqueue_due_schedules(db_with_effects) >= 1
        async with db_with_effects.transaction(write=False) as db:
            count = await db.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.name == name)
            )
        assert count == 2
    finally:
        outbox.registry.schedules.pop(name, None)
        outbox.registry.jobs.pop(name, None)


async def test_payloads_refuse_personal_text(db_with_effects: Database) -> None:
    async with db_with_effects.transaction() as db:
        with pytest.raises(ValueError, match="ids, not personal data"):
            await outbox.enqueue(db, "test.record_effect", {"text": "I feel awful"})
        with pytest.raises(ValueError, match="scalars"):
            await outbox.enqueue(db, "test.record_effect", {"tag": ["a", "b"]})
        with pytest.raises(LookupError):
            await outbox.enqueue(db, "test.unknown", {})
        await db.execute(text("SELECT 1"))
