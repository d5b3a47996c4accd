"""``anxin worker``: runs outbox jobs handed over through Redis (arq), and sweeps the outbox."""

from __future__ import annotations

import logging
from typing import Any

from arq.worker import Worker

from anxin.core import notify
from anxin.core.config import Settings, get_settings
from anxin.core.db import Database
from anxin.core.logging import configure_logging
from anxin.core.queue import RUN_OUTBOX_JOB, ArqJobQueue, queue_name, redis_settings
from anxin.core.realtime import make_broker
from anxin.core.relay import OutboxRelay, run_job
from anxin.mind.text import warm_up as warm_up_text
from anxin.modules import load_tasks
from anxin.privacy import keys

log = logging.getLogger("anxin.worker")


async def run_outbox_job(ctx: dict[str, Any], outbox_id: int) -> str:
    return await run_job(ctx["database"], outbox_id)


run_outbox_job.__name__ = RUN_OUTBOX_JOB


async def _startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    load_tasks()
    notify.configure(settings)
    keys.configure(settings)
    warm_up_text()
    database = Database(
        settings.resolved_database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    broker = make_broker(settings.redis_url, settings.redis_namespace)

    async def _ignore(_channel: str, _event: dict[str, Any]) -> None:
        return None

    await broker.start(_ignore)
    queue = await ArqJobQueue.connect(settings.redis_url or "", settings.redis_namespace)
    relay = OutboxRelay(
        database, publisher=broker.publish, queue=queue, poll_seconds=settings.outbox_poll_seconds
    )
    if ctx.get("sweep", True):
        await relay.start()
    ctx.update(database=database, broker=broker, queue=queue, relay=relay)
    log.info("worker ready")


async def _shutdown(ctx: dict[str, Any]) -> None:
    await ctx["relay"].stop()
    await ctx["queue"].close()
    await ctx["broker"].stop()
    await ctx["database"].dispose()


def build_worker(settings: Settings | None = None, *, burst: bool = False, sweep: bool = True) -> Worker:
    """An arq worker for this deployment's queue. ``sweep`` also runs an outbox relay here, so rows
    left behind by a crashed web process are handed out even when no web process is up."""
    settings = settings or get_settings()
    if not settings.redis_url:
        raise RuntimeError("ANXIN_REDIS_URL is not set: without Redis, `anxin serve` runs jobs itself")
    configure_logging(settings.log_level, json_lines=settings.log_json)
    return Worker(
        functions=[run_outbox_job],
        redis_settings=redis_settings(settings.redis_url),
        queue_name=queue_name(settings.redis_namespace),
        on_startup=_startup,
        on_shutdown=_shutdown,
        ctx={"settings": settings, "sweep": sweep},
        burst=burst,
        max_jobs=10,
        keep_result=60,
        handle_signals=not burst,
    )
