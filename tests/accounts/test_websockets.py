"""A WebSocket is bound to the login session that opened it: when the session ends (logout, password
change, timeout) the server closes it within seconds (T12)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from anxin.accounts import tasks
from anxin.core import clock, realtime
from anxin.main import create_app
from tests.accounts.support import API, bearer, capture_messages, new_email, new_password, wait_for_code
from tests.conftest import make_settings
from tests.support.live_server import live_server

CLOSE_WITHIN = 5.0


@pytest.fixture
def server(tmp_path: Path, sqlite_url: str) -> Iterator[str]:
    realtime.set_websocket_authenticator(tasks.authenticate_websocket)
    with live_server(create_app(make_settings(tmp_path, sqlite_url))) as base:
        capture_messages()
        yield base


async def sign_up(http: httpx.AsyncClient) -> dict[str, Any]:
    email, password = new_email(), new_password()
    started = await http.post(
        f"{API}/signup", json={"identifier": email, "password": password, "birth_date": "1990-01-01"}
    )
    assert started.status_code == 202
    code = await asyncio.to_thread(wait_for_code, email)
    confirmed = await http.post(f"{API}/signup/confirm", json={"identifier": email, "code": code})
    body = confirmed.json()
    return {"identifier": email, "password": password, "token": body["token"], "user_id": body["user_id"]}


@asynccontextmanager
async def socket(base: str, token: str) -> AsyncIterator[ClientConnection]:
    url = base.replace("http://", "ws://") + "/api/v1/realtime"
    async with connect(url, additional_headers=bearer(token), proxy=None, open_timeout=10) as ws:
        assert json.loads(await ws.recv())["op"] == "welcome"
        yield ws


async def subscribe(ws: ClientConnection, channel: str) -> dict[str, Any]:
    await ws.send(json.dumps({"op": "subscribe", "channel": channel}))
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if frame.get("op") != "ping":
            return frame


async def closed_within(ws: ClientConnection, seconds: float) -> int | None:
    """The close code if the server closes the socket within ``seconds``."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        raise AssertionError(f"the socket was still open {seconds} s after its session ended") from None


async def test_the_socket_knows_its_user_and_closes_at_logout(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        account = await sign_up(http)
        async with socket(server, account["token"]) as ws:
            assert (await subscribe(ws, f"user:{account['user_id']}"))["op"] == "subscribed"
            assert (await subscribe(ws, f"user:{account['user_id'] + 1}"))["op"] == "error"
            await http.post(f"{API}/logout", headers=bearer(account["token"]))
            assert await closed_within(ws, CLOSE_WITHIN) == realtime.CLOSE_SESSION_ENDED


async def test_a_password_change_closes_the_socket(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        account = await sign_up(http)
        async with socket(server, account["token"]) as ws:
            await http.post(
                f"{API}/password",
                headers=bearer(account["token"]),
                json={"current_password": account["password"], "new_password": "a whole new phrase"},
            )
            assert await closed_within(ws, CLOSE_WITHIN) == realtime.CLOSE_SESSION_ENDED


async def test_a_timed_out_session_closes_its_socket(server: str) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    clock.freeze(start)
    try:
        async with httpx.AsyncClient(base_url=server) as http:
            account = await sign_up(http)
            async with socket(server, account["token"]) as ws:
                clock.freeze(start + timedelta(minutes=31))  # idle for longer than 30 minutes
                assert await closed_within(ws, CLOSE_WITHIN) == realtime.CLOSE_SESSION_ENDED
            assert (await http.get(f"{API}/me", headers=bearer(account["token"]))).status_code == 401
    finally:
        clock.freeze(None)


async def test_an_ended_session_opens_only_an_anonymous_socket(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        account = await sign_up(http)
        await http.post(f"{API}/logout", headers=bearer(account["token"]))
        async with socket(server, account["token"]) as ws:
            assert (await subscribe(ws, f"user:{account['user_id']}"))["op"] == "error"
