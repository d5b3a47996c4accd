"""Two server processes on one PostgreSQL database and one Redis: a message sent to process B
reaches the other participant's socket on process A (through Redis pub/sub), whether it was sent
over B's socket or B's HTTP API."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from anxin.core.db import Database
from anxin.privacy import crypto, keys
from anxin.rooms.client import RoomClient
from tests.rooms.servers import Server, server_env
from tests.rooms.support import make_pair
from tests.support import services

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
async def two_servers(
    postgres_template: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Server, Server, str]]:
    name = services.create_postgres_database(template=postgres_template)
    database_url = services.postgres_async_url(name)
    entry = keys.new_key_entry("v1")
    keys.use_keyring(keys.parse_keyring(entry))
    crypto.key_cache.clear()
    namespace = f"anxin-test-{secrets.token_hex(4)}"
    common = {"ANXIN_REDIS_URL": redis_url, "ANXIN_REDIS_NAMESPACE": namespace}
    # A never sweeps the outbox after start-up: what reaches A's sockets came through Redis.
    a = Server(
        server_env(database_url, tmp_path / "a", entry, ANXIN_OUTBOX_POLL_SECONDS="3600", **common),
        tmp_path / "a.log",
    )
    b = Server(server_env(database_url, tmp_path / "b", entry, **common), tmp_path / "b.log")
    try:
        await asyncio.to_thread(a.start)
        await asyncio.to_thread(b.start)
        yield a, b, database_url
    finally:
        a.stop()
        b.stop()
        services.drop_postgres_database(name)


async def test_a_message_sent_on_one_process_reaches_a_socket_on_the_other(
    two_servers: tuple[Server, Server, str],
) -> None:
    a, b, database_url = two_servers
    database = Database(database_url)
    pair = await make_pair(database)
    await database.dispose()
    received_on_a = RoomClient(a.ws_url, pair.client.token, pair.room_id)
    sender_on_b = RoomClient(b.ws_url, pair.counselor.token, pair.room_id)
    try:
        await received_on_a.start()
        await sender_on_b.start()
        await sender_on_b.send("over the socket of B")
        async with asyncio.timeout(20):
            await received_on_a.wait_for_seq(1)
        async with httpx.AsyncClient(base_url=b.base_url, headers=pair.counselor.headers) as http:
            response = await http.post(
                f"/api/v1/rooms/{pair.room_id}/messages",
                json={"text": "over the API of B", "client_msg_id": "h1"},
            )
            assert response.status_code == 201, response.text
        async with asyncio.timeout(20):
            await received_on_a.wait_for_seq(2)
    finally:
        await received_on_a.stop()
        await sender_on_b.stop()
    assert [(r.seq, r.text) for r in received_on_a.received] == [
        (1, "over the socket of B"),
        (2, "over the API of B"),
    ]
