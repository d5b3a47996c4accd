"""Queue mode: outbox jobs handed to ``anxin worker`` processes through arq on Redis."""

from __future__ import annotations

from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

QUEUE_NAME = "anxin:jobs"
RUN_OUTBOX_JOB = "run_outbox_job"


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


class ArqJobQueue:
    """Submits outbox ids (never payloads) to the arq queue."""

    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, url: str) -> ArqJobQueue:
        return cls(await create_pool(redis_settings(url), default_queue_name=QUEUE_NAME))

    async def submit(self, outbox_id: int, attempt: int) -> None:
        # The job id makes a second submit of the same attempt a no-op inside arq.
        await self.pool.enqueue_job(
            RUN_OUTBOX_JOB, outbox_id, _job_id=f"outbox:{outbox_id}:{attempt}", _queue_name=QUEUE_NAME
        )

    async def close(self) -> None:
        await self.pool.aclose()


def worker_functions() -> list[Any]:
    from anxin.worker import run_outbox_job

    return [run_outbox_job]
