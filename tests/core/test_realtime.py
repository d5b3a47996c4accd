"""The realtime hub through its real WebSocket endpoint on a live server: delivery after commit,
the protocol's answers to bad frames, pluggable authentication and authorization, heartbeats,
closing an actor's sockets, and the hub's own bookkeeping."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from anxin.core import notify, outbox, realtime
from anxin.core.db import Database
from anxin.core.errors import NotFound
from anxin.core.i18n import gettext
from anxin.core.outbox import OutboxMessage
from anxin.main import create_app
from anxin.modules import load_tasks
from tests.conftest import make_settings
from tests.support.live_server import live_server

ACTOR_HEADER = "x-test-actor"
WAIT = 15.0  # upper bound for anything to arrive; tests never wait this long unless broken


async def actor_from_header(websocket: WebSocket, db: AsyncSession) -> int | None:
    value = websocket.headers.get(ACTOR_HEADER)
    return int(value) if value else None


@pytest.fixture
def registries() -> Iterator[None]:
    """Tests install an authenticator and authorizers; what the modules registered comes back after.
    The modules register first, so that a module imported during the test cannot undo ours."""
    load_tasks()
    saved_authorizers = dict(realtime.channel_authorizers)
    saved_authenticator = realtime.authenticator()
    realtime.set_websocket_authenticator(actor_from_header)
    try:
        yield
    finally:
        realtime.channel_authorizers.clear()
        realtime.channel_authorizers.update(saved_authorizers)
        realtime.set_websocket_authenticator(saved_authenticator)


@contextmanager
def running_server(tmp_path: Path, database_url: str, **overrides: object) -> Iterator[str]:
    settings = make_settings(tmp_path, database_url, **overrides)
    with live_server(create_app(settings)) as base:
        yield base.replace("http://", "ws://") + "/api/v1/realtime"


class Client:
    """A test client speaking the JSON protocol; answers nothing unless told to."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def recv(self, skip_pings: bool = True) -> dict[str, Any]:
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout=WAIT))
            if not (skip_pings and frame.get("op") == "ping"):
                return frame

    async def request(self, frame: dict[str, Any] | str | bytes) -> dict[str, Any]:
        await self.send(frame)
        return await self.recv()

    async def subscribe(self, channel: str) -> dict[str, Any]:
        return await self.request({"op": "subscribe", "channel": channel})

    async def next_is_pong(self) -> bool:
        """True when nothing (no event) was queued for this client before its ping's answer."""
        return (await self.request({"op": "ping"})) == {"op": "pong"}


@asynccontextmanager
async def client(url: str, *, actor: int | None = None, **kwargs: Any) -> AsyncIterator[Client]:
    headers = {ACTOR_HEADER: str(actor)} if actor is not None else {}
    headers.update(kwargs.pop("headers", {}))
    async with connect(url, additional_headers=headers, proxy=None, open_timeout=WAIT, **kwargs) as ws:
        connected = Client(ws)
        welcome = await connected.recv()
        assert welcome["op"] == "welcome"
        yield connected


async def test_events_reach_subscribed_sockets_after_commit(
    sqlite_url: str, tmp_path: Path, registries: None
) -> None:
    database = Database(sqlite_url)
    try:
        with running_server(tmp_path, sqlite_url) as url:
            async with client(url) as listener, client(url) as bystander:
                assert await listener.subscribe("broadcast") == {"op": "subscribed", "channel": "broadcast"}
                with pytest.raises(RuntimeError):
                    async with database.transaction() as db:
                        await outbox.publish(db, "broadcast", {"type": "maintenance", "id": 1})
                        raise RuntimeError("rolled back: nothing may be published")
                async with database.transaction() as db:
                    await outbox.publish(db, "broadcast", {"type": "maintenance", "id": 2})
                received = await listener.recv()
                assert received == {
                    "op": "event",
                    "channel": "broadcast",
                    "event": {"type": "maintenance", "id": 2, "event_id": received["event"]["event_id"]},
                }
                assert isinstance(received["event"]["event_id"], int)
                # Fan-out to all subscribers happens in one step, so the bystander would have its
                # copy queued before this answer if it had been sent one.
                assert await bystander.next_is_pong()

                unsubscribed = await listener.request({"op": "unsubscribe", "channel": "broadcast", "ref": 7})
                assert unsubscribed == {"op": "unsubscribed", "channel": "broadcast", "ref": 7}
                async with database.transaction() as db:
                    await outbox.publish(db, "broadcast", {"type": "maintenance", "id": 3})
                for _ in range(200):
                    async with database.transaction(write=False) as db:
                        pending = await outbox.pending_count(db)
                    if pending == 0:
                        break
                    await asyncio.sleep(0.05)
                assert pending == 0
                assert await listener.next_is_pong()
    finally:
        await database.dispose()


async def test_bad_frames_get_error_frames_and_the_socket_stays_open(
    sqlite_url: str, tmp_path: Path, registries: None
) -> None:
    with running_server(tmp_path, sqlite_url, realtime_max_frame_bytes=256) as url:
        async with client(url) as ws:
            for frame, code in [
                ("not json", "bad_frame"),
                ("[1, 2]", "bad_frame"),
                (b"\x00binary", "bad_frame"),
                (json.dumps({"op": "subscribe", "channel": "x" * 300}), "too_large"),
                ({"op": "dance"}, "unknown_op"),
                ({"channel": "broadcast"}, "unknown_op"),
                ({"op": "subscribe", "channel": "nowhere:1"}, "not_found"),
                ({"op": "subscribe", "channel": "Not A Channel!"}, "not_found"),
                ({"op": "subscribe", "channel": 42}, "not_found"),
                ({"op": "subscribe"}, "not_found"),
            ]:
                reply = await ws.request(frame)
                assert reply["op"] == "error", frame
                assert reply["code"] == code, frame
                assert reply["message"], frame
            assert await ws.next_is_pong()


async def test_a_flood_of_frames_is_refused_frame_by_frame_without_closing(
    sqlite_url: str, tmp_path: Path, registries: None
) -> None:
    settings = {"realtime_frame_burst": 5, "realtime_frames_per_second": 0.5}
    with running_server(tmp_path, sqlite_url, **settings) as url:
        async with client(url) as ws:
            for n in range(12):
                await ws.send({"op": "ping", "ref": n})
            replies = [await ws.recv() for _ in range(12)]
            answered = [reply for reply in replies if reply["op"] == "pong"]
            refused = [reply for reply in replies if reply["op"] == "error"]
            # The burst is answered; what follows faster than the rate is refused, one by one.
            assert 5 <= len(answered) < 12
            assert [reply["ref"] for reply in answered][:5] == [0, 1, 2, 3, 4]
            assert len(answered) + len(refused) == 12
            assert {reply["code"] for reply in refused} == {"rate_limited"}
            assert ws.ws.close_code is None


async def test_error_messages_speak_the_readers_language(
    sqlite_url: str, tmp_path: Path, registries: None
) -> None:
    with running_server(tmp_path, sqlite_url) as url:
        async with client(url, headers={"Accept-Language": "zh-CN,zh;q=0.9"}) as ws:
            reply = await ws.subscribe("nowhere:1")
    assert reply["message"] == gettext("zh-CN", NotFound.default_message)
    assert reply["message"] != NotFound.default_message


async def test_authorizers_decide_and_a_denial_looks_like_a_missing_channel(
    database_url: str, tmp_path: Path, registries: None
) -> None:
    seen: list[tuple[int | None, str, bool]] = []

    async def members_of_room_one(db: AsyncSession, actor_id: int | None, channel: str) -> bool:
        # Runs in a database transaction of the app's own database.
        rows = await db.scalar(select(func.count()).select_from(OutboxMessage))
        seen.append((actor_id, channel, isinstance(rows, int)))
        return actor_id == 7 and channel == "testroom:1"

    async def broken(db: AsyncSession, actor_id: int | None, channel: str) -> bool:
        raise RuntimeError("authorizer bug")

    realtime.channel_authorizers["testroom"] = members_of_room_one
    realtime.channel_authorizers["broken"] = broken
    with running_server(tmp_path, database_url) as url:
        async with client(url, actor=7) as member, client(url, actor=8) as other, client(url) as anonymous:
            assert (await member.subscribe("testroom:1"))["op"] == "subscribed"
            assert (await member.subscribe("user:7"))["op"] == "subscribed"
            for ws, channel in [
                (member, "testroom:2"),
                (other, "testroom:1"),
                (anonymous, "testroom:1"),
                (other, "user:7"),
                (anonymous, "user:7"),
                (member, "broken:1"),
            ]:
                reply = await ws.subscribe(channel)
                assert (reply["op"], reply["code"], reply["channel"]) == ("error", "not_found", channel)
            assert (await anonymous.subscribe("broadcast"))["op"] == "subscribed"
    assert (7, "testroom:1", True) in seen
    assert (None, "testroom:1", True) in seen


async def test_a_notification_reaches_its_recipients_socket(
    sqlite_url: str, tmp_path: Path, registries: None
) -> None:
    database = Database(sqlite_url)
    try:
        with running_server(tmp_path, sqlite_url) as url:
            async with client(url, actor=9) as recipient:
                assert (await recipient.subscribe("user:9"))["op"] == "subscribed"
                async with database.transaction() as db:
                    row = await notify.notify_user(db, 9, "test.realtime_kind", {"booking_id": 4})
                    assert row is not None
                assert await recipient.recv() == {
                    "op": "event",
                    "channel": "user:9",
                    "event": {"type": "notification", "id": row.id, "event_id": mock.ANY},
                }
    finally:
        await database.dispose()


async def test_heartbeat_pings_and_drops_a_silent_client(
    sqlite_url: str, tmp_path: Path, registries: None
) -> None:
    with running_server(tmp_path, sqlite_url, realtime_heartbeat_seconds=0.3) as url:
        async with client(url) as lively, client(url) as silent:
            lively_pings = 0

            async def answer_pings() -> None:
                nonlocal lively_pings
                while True:
                    frame = await lively.recv(skip_pings=False)
                    if frame["op"] == "ping":
                        lively_pings += 1
                        await lively.send({"op": "pong"})

            answering = asyncio.create_task(answer_pings())
            try:
                silent_frames = []
                with pytest.raises(ConnectionClosed):
                    while True:
                        silent_frames.append(await silent.recv(skip_pings=False))
                assert silent.ws.close_code == realtime.CLOSE_NO_HEARTBEAT
                # Two unanswered pings, then dropped.
                assert silent_frames == [{"op": "ping"}, {"op": "ping"}]
                # The lively client was pinged too, and kept answering.
                assert lively_pings >= 1
            finally:
                answering.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await answering
            assert lively.ws.close_code is None
            assert await lively.next_is_pong()


async def test_closing_an_actors_sockets_leaves_everyone_else_connected(
    sqlite_url: str, tmp_path: Path, registries: None
) -> None:
    database = Database(sqlite_url)
    try:
        with running_server(tmp_path, sqlite_url) as url:
            async with (
                client(url, actor=5) as phone,
                client(url, actor=5) as laptop,
                client(url, actor=6) as someone_else,
            ):
                async with database.transaction() as db:
                    await realtime.close_actor_sockets(db, 5)
                for ws in (phone, laptop):
                    with pytest.raises(ConnectionClosed):
                        await ws.recv()
                    assert ws.ws.close_code == realtime.CLOSE_SESSION_ENDED
                assert await someone_else.next_is_pong()
    finally:
        await database.dispose()


async def test_sockets_from_another_site_are_refused(
    sqlite_url: str, tmp_path: Path, registries: None
) -> None:
    with running_server(tmp_path, sqlite_url, public_url="https://anxin.example") as url:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, origin="https://evil.example", proxy=None, open_timeout=WAIT):  # type: ignore[arg-type]
                pass
        assert refused.value.response.status_code == 403
        own_origin = url.replace("ws://", "http://").removesuffix("/api/v1/realtime")
        async with client(url, origin=own_origin) as ws:
            assert await ws.next_is_pong()
        async with client(url, origin="https://anxin.example") as ws:
            assert await ws.next_is_pong()


# ---------------------------------------------------------------- the hub on its own


async def test_hub_closes_a_client_that_falls_too_far_behind() -> None:
    hub = realtime.Hub(queue_size=3)
    await hub.start()
    slow = hub.connect(actor_id=None)
    hub.subscribe(slow, "broadcast")
    for n in range(4):
        await hub.publish("broadcast", {"type": "tick", "id": n})
    assert slow.close_code == realtime.CLOSE_TOO_SLOW
    hub.disconnect(slow)
    assert hub.subscriber_count() == 0
    assert hub.connection_count() == 0
    await hub.stop()


async def test_hub_disconnect_actor_and_resync() -> None:
    hub = realtime.Hub()
    await hub.start()
    first, second, other = hub.connect(1), hub.connect(1), hub.connect(2)
    await hub.disconnect_actor(1)
    assert (first.close_code, second.close_code, other.close_code) == (
        realtime.CLOSE_SESSION_ENDED,
        realtime.CLOSE_SESSION_ENDED,
        None,
    )
    hub.resync_all()
    assert json.loads(await other.next_frame()) == {"op": "resync"}
    await hub.stop()
    assert other.close_code == realtime.CLOSE_RESTARTING
