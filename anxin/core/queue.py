"""Queue mode: outbox jobs handed to ``anxin worker`` processes through arq on Redis."""

from __future__ import annotations

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

RUN_OUTBOX_JOB = "run_outbox_job"


def queue_name(namespace: str) -> str:
    return f"{namespace}:jobs"


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


class ArqJobQueue:
    """Submits outbox ids (never payloads) to the arq queue."""

    def __init__(self, pool: ArqRedis, name: str) -> None:
        self.pool = pool
        self.name = name

    @classmethod
    async def connect(cls, url: str, namespace: str) -> ArqJobQueue:
        name = queue_name(namespace)
        return cls(await create_pool(redis_settings(url), default_queue_name=name), name)

    async def submit(self, outbox_id: int, attempt: int) -> None:
        # The job id makes a second submit of the same attempt a no-op inside arq.
        await self.pool.enqueue_job(
            RUN_OUTBOX_JOB,
            outbox_id,
            _job_id=f"{self.name}:outbox:{outbox_id}:{attempt}",
            _queue_name=self.name,
        )

    async def close(self) -> None:
        await self.pool.aclose()
