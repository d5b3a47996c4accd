"""Queue mode: with Redis, committed jobs reach arq and a worker runs them exactly once."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import outbox
from anxin.core.db import Database
from anxin.core.outbox import OutboxMessage
from anxin.core.queue import ArqJobQueue
from anxin.core.relay import OutboxRelay
from anxin.worker import build_worker
from tests.conftest import make_settings

ran: list[int] = []


@outbox.job("test.queue_mode")
async def queue_mode_job(db: AsyncSession, payload: dict[str, Any]) -> None:
    ran.append(int(payload["n"]))


async def _ignore(_channel: str, _event: dict[str, Any]) -> None:
    return None


async def test_jobs_run_once_through_redis_and_a_worker(
    database: Database, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    ran.clear()
    namespace = f"anxin-test-{secrets.token_hex(4)}"
    settings = make_settings(tmp_path, database_url, redis_url=redis_url, redis_namespace=namespace)
    queue = await ArqJobQueue.connect(redis_url, namespace)
    try:
        relay = OutboxRelay(database, publisher=_ignore, queue=queue, run_schedules=False)
        async with database.transaction() as db:
            for n in range(5):
                await outbox.enqueue(db, "test.queue_mode", {"n": n})
        assert await relay.dispatch_due() == 5
        # A second submit of the same attempt (e.g. two relays racing) is ignored by arq.
        async with database.transaction(write=False) as db:
            first_id = (await db.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id))).first()
        assert first_id is not None
        await queue.submit(first_id, 0)

        worker = build_worker(settings, burst=True, sweep=False)
        try:
            await worker.main()
        finally:
            await worker.close()
        assert sorted(ran) == [0, 1, 2, 3, 4]
        async with database.transaction(write=False) as db:
            statuses = set((await db.scalars(select(OutboxMessage.status))).all())
        assert statuses == {outbox.STATUS_DONE}
    finally:
        await queue.pool.delete(f"{namespace}:jobs")
        await queue.close()
