"""The Redis broker: events and control messages cross hubs (processes), namespaces stay apart,
and the listener comes back by itself after Redis restarts (on a throwaway redis-server)."""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anxin.core import realtime
from anxin.core.realtime import Hub, RedisBroker
from tests.support.live_server import free_port

WAIT = 15.0


async def next_frame(connection: realtime.Connection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(connection.next_frame(), timeout=WAIT))
    return frame


async def test_events_and_control_messages_cross_hubs_within_one_namespace(redis_url: str) -> None:
    namespace = f"anxin-test-{secrets.token_hex(4)}"
    here = Hub(RedisBroker(redis_url, namespace=namespace))
    there = Hub(RedisBroker(redis_url, namespace=namespace))
    elsewhere = Hub(RedisBroker(redis_url, namespace=f"{namespace}-other"))
    for hub in (here, there, elsewhere):
        await hub.start()
    try:
        listener = there.connect(actor_id=3)
        there.subscribe(listener, "broadcast")
        stranger = elsewhere.connect(actor_id=3)
        elsewhere.subscribe(stranger, "broadcast")

        await here.publish("broadcast", {"type": "maintenance", "id": 1})
        assert await next_frame(listener) == {
            "op": "event",
            "channel": "broadcast",
            "event": {"type": "maintenance", "id": 1},
        }

        await here.disconnect_actor(3)
        await asyncio.wait_for(listener.wait_closing(), timeout=WAIT)
        assert listener.close_code == realtime.CLOSE_SESSION_ENDED

        # The other deployment heard neither: a marker on its own namespace arrives first.
        await elsewhere.publish("broadcast", {"type": "marker", "id": 2})
        assert (await next_frame(stranger))["event"] == {"type": "marker", "id": 2}
        assert stranger.close_code is None
    finally:
        for hub in (here, there, elsewhere):
            await hub.stop()


@pytest.fixture
def redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (needed for the restart test)")
    return binary


class ThrowawayRedis:
    """A redis-server of our own on a free port, which this test may stop and start at will."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def wait_ready(self) -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(self.url)
        try:
            for _ in range(200):
                try:
                    await client.ping()
                    return
                except Exception:
                    await asyncio.sleep(0.05)
            raise RuntimeError("throwaway redis-server did not start")
        finally:
            await client.aclose()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def throwaway_redis(redis_server_binary: str, tmp_path: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(redis_server_binary, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_the_listener_survives_a_redis_restart(throwaway_redis: ThrowawayRedis) -> None:
    await throwaway_redis.wait_ready()
    received: list[tuple[str, dict[str, Any]]] = []
    arrived = asyncio.Event()
    resumed = asyncio.Event()

    async def listener(channel: str, event: dict[str, Any]) -> None:
        received.append((channel, event))
        arrived.set()

    broker = RedisBroker(
        throwaway_redis.url, namespace="restart", keepalive_seconds=0.5, max_backoff_seconds=0.3
    )
    await broker.start(listener, resumed.set)
    try:
        await broker.publish("broadcast", {"id": 1})
        await asyncio.wait_for(arrived.wait(), timeout=WAIT)

        throwaway_redis.stop()
        await asyncio.wait_for(_until(lambda: not broker.connected.is_set()), timeout=WAIT)
        throwaway_redis.start()
        await throwaway_redis.wait_ready()
        await asyncio.wait_for(resumed.wait(), timeout=WAIT)
        assert broker.reconnects == 1

        arrived.clear()
        # The publishing connection was cut too; it reconnects on its own.
        await broker.publish("broadcast", {"id": 2})
        await asyncio.wait_for(arrived.wait(), timeout=WAIT)
        assert received == [("broadcast", {"id": 1}), ("broadcast", {"id": 2})]
    finally:
        await broker.stop()


async def test_after_a_reconnect_every_client_is_told_to_resync(throwaway_redis: ThrowawayRedis) -> None:
    await throwaway_redis.wait_ready()
    broker = RedisBroker(
        throwaway_redis.url, namespace="resync", keepalive_seconds=0.5, max_backoff_seconds=0.3
    )
    hub = Hub(broker)
    await hub.start()
    try:
        connection = hub.connect(actor_id=None)
        throwaway_redis.stop()
        await asyncio.wait_for(_until(lambda: not broker.connected.is_set()), timeout=WAIT)
        throwaway_redis.start()
        assert await next_frame(connection) == {"op": "resync"}
    finally:
        await hub.stop()


async def _until(condition: Any) -> None:
    while not condition():
        await asyncio.sleep(0.02)
