"""Two real server processes on one PostgreSQL database and one Redis: an outbox row committed to
the database is handed out by process B's relay, travels through Redis, and reaches a socket
connected to process A; closing an actor's sockets reaches both processes the same way."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed

from anxin.core import outbox, realtime
from anxin.core.db import Database
from anxin.core.outbox import OutboxMessage
from tests.core.test_realtime import WAIT, actor_from_header, client
from tests.support import services
from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def create_test_app() -> FastAPI:
    """The real app for the server processes, with sockets authenticated by a test header."""
    from anxin.main import create_app

    app = create_app()
    realtime.set_websocket_authenticator(actor_from_header)
    return app


@dataclass
class ServerProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/realtime"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server {self.name} exited:\n{self.log.read_text(errors='replace')[-4000:]}"
                )
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server {self.name} did not become ready")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@dataclass
class Deployment:
    database_url: str
    a: ServerProcess
    b: ServerProcess


def start_server(name: str, folder: Path, env: dict[str, str]) -> ServerProcess:
    port = free_port()
    home = folder / name
    home.mkdir(parents=True, exist_ok=True)
    log = folder / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.core.test_realtime_processes:create_test_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ws",
        "websockets-sansio",
        "--no-access-log",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**env, "ANXIN_HOME": str(home)}, stdout=output, stderr=subprocess.STDOUT
        )
    return ServerProcess(name, port, process, log)


@pytest.fixture(scope="module")
def deployment(postgres_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    problem = services.redis_problem()
    if problem:
        pytest.skip(problem)
    name = services.create_postgres_database(template=postgres_template)
    database_url = services.postgres_async_url(name)
    namespace = f"anxin-test-{secrets.token_hex(4)}"
    folder = tmp_path_factory.mktemp("two-processes")
    env = {
        **os.environ,
        "ANXIN_DATABASE_URL": database_url,
        "ANXIN_REDIS_URL": services.REDIS_URL,
        "ANXIN_REDIS_NAMESPACE": namespace,
        "ANXIN_ENVIRONMENT": "test",
        "ANXIN_LOG_LEVEL": "WARNING",
    }
    # A sweeps the outbox only at start-up; B every 0.2 s. So whatever is committed later is
    # handed out by B, and reaches A's sockets only through Redis.
    a = start_server("a", folder, {**env, "ANXIN_OUTBOX_POLL_SECONDS": "3600"})
    b = start_server("b", folder, {**env, "ANXIN_OUTBOX_POLL_SECONDS": "0.2"})
    try:
        a.wait_ready()
        b.wait_ready()
        yield Deployment(database_url, a, b)
    finally:
        a.stop()
        b.stop()
        services.drop_postgres_database(name)
        import redis

        client_ = redis.Redis.from_url(services.REDIS_URL)
        try:
            for key in client_.scan_iter(match=f"{namespace}:*"):
                client_.delete(key)
        finally:
            client_.close()


async def wait_until_handed_out(database: Database, outbox_id: int) -> str:
    status = ""
    for _ in range(int(WAIT / 0.05)):
        async with database.transaction(write=False) as db:
            status = str(await db.scalar(select(OutboxMessage.status).where(OutboxMessage.id == outbox_id)))
        if status == outbox.STATUS_DONE:
            break
        await asyncio.sleep(0.05)
    return status


async def test_an_event_committed_to_the_outbox_reaches_a_socket_on_the_other_process(
    deployment: Deployment,
) -> None:
    database = Database(deployment.database_url)
    try:
        async with client(deployment.a.ws_url) as on_a:
            assert (await on_a.subscribe("broadcast"))["op"] == "subscribed"
            async with database.transaction() as db:
                await outbox.publish(db, "broadcast", {"type": "maintenance", "id": 42})
                row = (await db.scalars(select(OutboxMessage).where(OutboxMessage.name == "broadcast"))).one()
                row_id = row.id
            assert await on_a.recv() == {
                "op": "event",
                "channel": "broadcast",
                "event": {"type": "maintenance", "id": 42, "event_id": row_id},
            }
            assert await wait_until_handed_out(database, row_id) == outbox.STATUS_DONE
            # Handed out once: the event is not delivered a second time.
            assert await on_a.next_is_pong()
    finally:
        await database.dispose()


async def test_closing_an_actors_sockets_reaches_every_process(deployment: Deployment) -> None:
    database = Database(deployment.database_url)
    try:
        async with (
            client(deployment.a.ws_url, actor=5) as on_a,
            client(deployment.b.ws_url, actor=5) as on_b,
            client(deployment.a.ws_url, actor=6) as someone_else,
        ):
            async with database.transaction() as db:
                await realtime.close_actor_sockets(db, 5)
            for ws in (on_a, on_b):
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
                assert ws.ws.close_code == realtime.CLOSE_SESSION_ENDED
            assert await someone_else.next_is_pong()
    finally:
        await database.dispose()
