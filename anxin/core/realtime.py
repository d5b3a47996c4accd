"""Realtime: a per-process hub of WebSocket subscribers and a broker that carries events between
processes (in-process by default, Redis pub/sub when ``ANXIN_REDIS_URL`` is set).

Events carry ids and kinds, never personal text; a subscriber fetches what it may see over HTTP
or through its module's service.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger("anxin.realtime")

Event = dict[str, Any]
Listener = Callable[[str, Event], Awaitable[None]]


class Hub:
    """Local subscriptions: channel -> queues of connected sockets in this process."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._queues: dict[str, set[asyncio.Queue[Event]]] = defaultdict(set)
        self._queue_size = queue_size

    def subscribe(self, channel: str) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=self._queue_size)
        self._queues[channel].add(queue)
        return queue

    def unsubscribe(self, channel: str, queue: asyncio.Queue[Event]) -> None:
        queues = self._queues.get(channel)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._queues[channel]

    def subscriber_count(self, channel: str | None = None) -> int:
        if channel is not None:
            return len(self._queues.get(channel, ()))
        return sum(len(queues) for queues in self._queues.values())

    async def deliver(self, channel: str, event: Event) -> None:
        for queue in list(self._queues.get(channel, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # A stuck client: drop its oldest event; it resyncs from the database on reconnect.
                queue.get_nowait()
                queue.put_nowait({**event, "lagged": True})


class Broker(Protocol):
    async def start(self, listener: Listener) -> None: ...
    async def publish(self, channel: str, event: Event) -> None: ...
    async def stop(self) -> None: ...


class InProcessBroker:
    """Single-process broker: a publish goes straight to the local listener."""

    def __init__(self) -> None:
        self._listener: Listener | None = None

    async def start(self, listener: Listener) -> None:
        self._listener = listener

    async def publish(self, channel: str, event: Event) -> None:
        if self._listener is not None:
            await self._listener(channel, event)

    async def stop(self) -> None:
        self._listener = None


class RedisBroker:
    """Cross-process broker over Redis pub/sub (pattern subscription on one prefix)."""

    def __init__(self, url: str, *, prefix: str = "anxin:rt:") -> None:
        self.url = url
        self.prefix = prefix
        self._task: asyncio.Task[None] | None = None
        self._redis: Any = None
        self._ready = asyncio.Event()

    async def start(self, listener: Listener) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(self.url)
        self._task = asyncio.create_task(self._listen(listener), name="realtime-redis")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def _listen(self, listener: Listener) -> None:
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(f"{self.prefix}*")
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    channel = message["channel"].decode()[len(self.prefix) :]
                    try:
                        event = json.loads(message["data"])
                    except (ValueError, TypeError):
                        continue
                    await listener(channel, event)
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception:
                # Redis restarted or the link dropped: subscribe again after a short pause.
                # Clients resync from the database, so nothing is lost, only delayed.
                log.warning("realtime broker lost Redis; reconnecting")
                await asyncio.sleep(1.0)

    async def publish(self, channel: str, event: Event) -> None:
        await self._redis.publish(f"{self.prefix}{channel}", json.dumps(event))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._redis is not None:
            await self._redis.aclose()


def make_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else InProcessBroker()
