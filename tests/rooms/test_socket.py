"""Room frames on the real WebSocket: strangers cannot subscribe or send, bad frames get an error
frame and the socket keeps working, flooding is rate limited per socket, and typing and call
signalling reach only the other participant's room channel (and signalling only while calls are
open)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from anxin.core.db import Database
from anxin.main import create_app
from anxin.rooms import service
from anxin.rooms.client import RoomClient
from tests.conftest import make_settings
from tests.rooms.support import Pair, make_pair, make_person
from tests.support.live_server import live_server

WAIT = 10


@contextmanager
def server(tmp_path: Path, database_url: str, **overrides: Any) -> Iterator[str]:
    with live_server(create_app(make_settings(tmp_path, database_url, **overrides))) as base:
        yield base.replace("http://", "ws://") + "/api/v1/realtime"


class Socket:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self) -> dict[str, Any]:
        while True:
            frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), timeout=WAIT))
            if frame.get("op") != "ping":
                return frame

    async def request(self, frame: dict[str, Any] | str) -> dict[str, Any]:
        await self.send(frame)
        return await self.recv()

    async def works(self) -> bool:
        return await self.request({"op": "ping"}) == {"op": "pong"}


@asynccontextmanager
async def socket(url: str, token: str) -> AsyncIterator[Socket]:
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, proxy=None) as ws:
        opened = Socket(ws)
        assert (await opened.recv())["op"] == "welcome"
        yield opened


async def test_bad_frames_get_errors_and_the_socket_keeps_working(sqlite_url: str, tmp_path: Path) -> None:
    database = Database(sqlite_url)
    pair: Pair = await make_pair(database)
    stranger = await make_person(database)
    await database.dispose()
    with server(tmp_path, sqlite_url) as url:
        async with socket(url, pair.client.token) as ws, socket(url, stranger.token) as outsider:
            channel = f"room:{pair.room_id}"
            assert (await outsider.request({"op": "subscribe", "channel": channel}))["code"] == "not_found"
            sent = {"op": "room.send", "room": pair.room_id, "text": "hi", "client_msg_id": "x1"}
            assert (await outsider.request(sent))["code"] == "not_found"
            room = {"op": "room.send", "room": pair.room_id}
            for bad, code in (
                ({**room, "text": "", "client_msg_id": "e1"}, "validation_failed"),
                ({**room, "text": "x" * 5000, "client_msg_id": "e2"}, "validation_failed"),
                ({**room, "room": "12", "text": "hi", "client_msg_id": "e3"}, "not_found"),
                ({"op": "room.dance", "room": pair.room_id}, "unknown_op"),
                ({"op": "room.fetch", "room": pair.room_id, "since": -1}, "validation_failed"),
                ({"op": "room.typing", "room": pair.room_id}, "not_found"),  # not subscribed yet
                ("not json", "bad_frame"),
            ):  # fmt: skip
                reply = await ws.request(bad)
                assert (reply["op"], reply["code"]) == ("error", code), bad
            assert (await ws.request({**sent, "ref": "x1"}))["op"] == "room.stored"
            assert (await ws.request({**sent, "ref": "x1"}))["duplicate"] is True
            assert await ws.works()
            fetched = await ws.request({"op": "room.fetch", "room": pair.room_id, "since": 0})
            assert [(m["seq"], m["text"]) for m in fetched["messages"]] == [(1, "hi")]


async def test_flooding_is_rate_limited_per_socket(sqlite_url: str, tmp_path: Path) -> None:
    database = Database(sqlite_url)
    pair = await make_pair(database)
    await database.dispose()
    with server(tmp_path, sqlite_url, realtime_frames_per_second=0.5, realtime_frame_burst=3) as url:
        async with socket(url, pair.client.token) as ws, socket(url, pair.counselor.token) as other:
            replies = [await ws.request({"op": "ping", "ref": n}) for n in range(5)]
            assert [r["op"] for r in replies] == ["pong", "pong", "pong", "error", "error"]
            assert replies[3]["code"] == "rate_limited" and replies[3]["ref"] == 3
            assert await other.works()  # the limit is per socket


async def test_typing_and_signalling_reach_the_room_only_while_calls_are_open(
    sqlite_url: str, tmp_path: Path
) -> None:
    database = Database(sqlite_url)
    pair = await make_pair(database)
    with server(tmp_path, sqlite_url) as url:
        async with socket(url, pair.client.token) as client, socket(url, pair.counselor.token) as counselor:
            channel = f"room:{pair.room_id}"
            for ws in (client, counselor):
                assert (await ws.request({"op": "subscribe", "channel": channel}))["op"] == "subscribed"
            await client.send({"op": "room.typing", "room": pair.room_id})
            typing = await counselor.recv()
            assert typing["event"] == {"type": "typing", "room": pair.room_id, "user": pair.client.user_id}
            assert (await client.recv())["event"] == typing["event"]  # the page ignores its own
            offer = {"op": "room.signal", "room": pair.room_id, "kind": "offer", "data": {"sdp": "v=0"}}
            assert (await client.request(offer))["code"] == "call_not_allowed"
            async with database.transaction() as db:
                await service.open_call_window(db, pair.counselor.user_id, pair.room_id, 30)
            assert (await counselor.recv())["event"]["type"] == "call_window"
            assert (await client.recv())["event"]["type"] == "call_window"
            await client.send(offer)
            signal = await counselor.recv()
            assert signal["event"] == {
                "type": "signal", "room": pair.room_id, "from": pair.client.user_id, "kind": "offer",
                "data": {"sdp": "v=0"},
            }  # fmt: skip
            assert (await client.recv())["event"] == signal["event"]
            assert (await client.request({**offer, "kind": "nonsense"}))["code"] == "validation_failed"
    await database.dispose()


async def test_a_message_is_announced_as_it_commits_and_its_sender_needs_no_fetch(
    database_url: str, tmp_path: Path
) -> None:
    database = Database(database_url)
    pair = await make_pair(database)
    await database.dispose()
    # A relay that never sweeps: an announcement can only come from the commit's own fast path.
    with server(tmp_path, database_url, outbox_poll_seconds=3600) as url:
        async with socket(url, pair.client.token) as client, socket(url, pair.counselor.token) as counselor:
            channel = f"room:{pair.room_id}"
            for ws in (client, counselor):
                assert (await ws.request({"op": "subscribe", "channel": channel}))["op"] == "subscribed"
            await client.send({"op": "room.send", "room": pair.room_id, "text": "hi", "client_msg_id": "f1"})
            # The sender's socket hears the event before its "stored" answer: published at commit.
            announced = await client.recv()
            assert announced["op"] == "event"
            event = announced["event"]
            assert {k: v for k, v in event.items() if k != "event_id"} == {
                "type": "message", "room": pair.room_id, "seq": 1, "sender": pair.client.user_id,
            }  # fmt: skip
            assert isinstance(event["event_id"], int)
            assert (await client.recv())["op"] == "room.stored"
            assert (await counselor.recv())["event"] == event
            assert await client.works() and await counselor.works()  # each heard it once

        # The room client applies its own message from the "stored" answer: no fetch for it, while
        # the other side fetches each message it is told of.
        sender = RoomClient(url, pair.client.token, pair.room_id, user_id=pair.client.user_id)
        receiver = RoomClient(url, pair.counselor.token, pair.room_id, user_id=pair.counselor.user_id)
        fetches = {sender: 0, receiver: 0}
        for side in (sender, receiver):
            fetch = side._fetch

            async def counted(side: RoomClient = side, fetch: Any = fetch) -> None:
                fetches[side] += 1
                await fetch()

            side._fetch = counted  # type: ignore[method-assign]
            await side.start()
        try:
            for n in range(3):
                await sender.send(f"message {n}")
                async with asyncio.timeout(WAIT):
                    await sender.wait_all_stored()
                    await receiver.wait_for_seq(2 + n)
            assert [m.seq for m in sender.received] == [1, 2, 3, 4]
            assert [m.seq for m in receiver.received] == [1, 2, 3, 4]
            assert fetches[sender] == 1  # the catch-up after subscribing, nothing more
            assert fetches[receiver] >= 4
        finally:
            await sender.stop()
            await receiver.stop()
