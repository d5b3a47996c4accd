"""A small Python client of the room protocol (load tests, benchmarks, bots), like the page's JS.

It keeps the guarantees the protocol is built for: every message gets a client id and stays in the
``pending`` queue until the server's ``room.stored`` answer; after any reconnect the client
subscribes again, catches up with ``room.fetch since=<last seq>`` and resends what is pending, in
order (the server stores each client id once). Incoming messages are applied strictly in seq order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("anxin.rooms.client")

# Error codes after which resending the same message cannot succeed.
PERMANENT_ERRORS = frozenset({"validation_failed", "not_found", "room_read_only", "too_large", "bad_frame"})


@dataclass(frozen=True)
class Received:
    seq: int
    sender: int
    client_msg_id: str
    text: str | None


class RoomClient:
    def __init__(
        self,
        ws_url: str,
        token: str,
        room_id: int,
        *,
        window: int = 32,
        on_message: Callable[[Received], None] | None = None,
        fetch_limit: int = 200,
        user_id: int | None = None,
    ) -> None:
        self.ws_url = ws_url
        self.token = token
        self.room_id = room_id
        self.channel = f"room:{room_id}"
        self.window = window
        self.on_message = on_message
        self.fetch_limit = fetch_limit
        # Known: the client's own message that is next in seq is applied without fetching it back.
        self.user_id = user_id
        self.last_seq = 0
        self.received: list[Received] = []
        self.pending: OrderedDict[str, str] = OrderedDict()
        self.stored: dict[str, int] = {}
        self.refused: dict[str, str] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.connects = 0
        self._in_flight: set[str] = set()
        self._ws: Any = None
        self._ready = asyncio.Event()
        self._room_ready = asyncio.Event()
        self._window_free = asyncio.Condition()
        self._advanced = asyncio.Event()
        self._fetching = False
        self._fetch_again = False
        self._stopped = False
        self._task: asyncio.Task[None] | None = None
        # Recent events' ids: a second copy of one (the server may publish a row twice) is dropped.
        self._seen_event_ids: OrderedDict[int, None] = OrderedDict()
        self._deferred_seq = 0
        self.duplicate_events = 0

    # -- life cycle

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"room-client-{self.room_id}")
        # asyncio.timeout, not wait_for: on Python 3.11 a cancelled wait_for can hang.
        async with asyncio.timeout(30):
            await self._room_ready.wait()

    async def stop(self) -> None:
        self._stopped = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def drop(self) -> None:
        """Cut the connection abruptly, as a bad network would (no closing handshake)."""
        if self._ws is not None:
            self._ws.transport.abort()

    # -- sending

    async def send(self, text: str, client_msg_id: str | None = None) -> str:
        """Queue a message; waits while ``window`` messages are unanswered. Returns its client id."""
        client_msg_id = client_msg_id or uuid.uuid4().hex
        async with self._window_free:
            await self._window_free.wait_for(lambda: len(self.pending) < self.window)
            self.pending[client_msg_id] = text
        await self._transmit(client_msg_id, text)
        return client_msg_id

    async def _transmit(self, client_msg_id: str, text: str) -> None:
        if not self._room_ready.is_set() or self._ws is None:
            return  # sent on reconnect
        frame = {
            "op": "room.send",
            "ref": client_msg_id,
            "room": self.room_id,
            "text": text,
            "client_msg_id": client_msg_id,
        }
        with contextlib.suppress(Exception):
            await self._ws.send(json.dumps(frame))

    async def wait_all_stored(self) -> None:
        """Until every queued message is stored (wrap in ``asyncio.timeout``)."""
        async with self._window_free:
            await self._window_free.wait_for(lambda: not self.pending)

    async def wait_for_seq(self, seq: int) -> None:
        """Until messages up to ``seq`` were received (wrap in ``asyncio.timeout``)."""
        while self.last_seq < seq:
            self._advanced.clear()
            await self._advanced.wait()

    # -- the connection loop

    async def _run(self) -> None:
        from websockets.asyncio.client import connect

        backoff = 0.05
        while not self._stopped:
            try:
                async with connect(
                    self.ws_url,
                    additional_headers={"Authorization": f"Bearer {self.token}"},
                    open_timeout=5,
                    ping_interval=None,
                    max_size=2**22,
                ) as ws:
                    self._ws = ws
                    self.connects += 1
                    backoff = 0.05
                    await ws.send(json.dumps({"op": "subscribe", "channel": self.channel, "ref": "sub"}))
                    async for raw in ws:
                        await self._on_frame(json.loads(raw))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("room client connection ended: %s", type(exc).__name__)
            finally:
                self._ws = None
                self._room_ready.clear()
                self._fetching = False
            if not self._stopped:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        if op == "ping":
            await self._ws.send('{"op":"pong"}')
        elif op == "subscribed" and frame.get("channel") == self.channel:
            await self._fetch()
            self._room_ready.set()
            for client_msg_id, text in list(self.pending.items()):
                await self._transmit(client_msg_id, text)
        elif op == "event":
            event = frame.get("event") or {}
            if self._seen_before(event.get("event_id")):
                self.duplicate_events += 1
                return
            seq = int(event.get("seq", 0))
            if event.get("type") == "message" and seq > self.last_seq:
                if self.pending and self.user_id is not None and event.get("sender") == self.user_id:
                    # Most likely one of ours: its "room.stored" answer follows; fetch only if not.
                    self._deferred_seq = max(self._deferred_seq, seq)
                else:
                    await self._fetch()
        elif op == "resync":
            await self._fetch()
        elif op == "room.messages":
            self._apply(frame.get("messages") or [])
            self._fetching = False
            if self._fetch_again or len(frame.get("messages") or []) >= self.fetch_limit:
                self._fetch_again = False
                await self._fetch()
        elif op == "room.stored":
            await self._stored(str(frame["client_msg_id"]), int(frame["seq"]))
        elif op == "error":
            await self._error(frame)

    def _seen_before(self, event_id: object) -> bool:
        if not isinstance(event_id, int):
            return False
        if event_id in self._seen_event_ids:
            return True
        self._seen_event_ids[event_id] = None
        if len(self._seen_event_ids) > 1024:
            self._seen_event_ids.popitem(last=False)
        return False

    async def _fetch(self) -> None:
        if self._fetching:
            self._fetch_again = True
            return
        self._fetching = True
        await self._ws.send(
            json.dumps(
                {
                    "op": "room.fetch",
                    "ref": "fetch",
                    "room": self.room_id,
                    "since": self.last_seq,
                    "limit": self.fetch_limit,
                }
            )
        )

    def _apply(self, messages: list[dict[str, Any]]) -> None:
        for item in messages:
            seq = int(item["seq"])
            if seq != self.last_seq + 1:
                if seq <= self.last_seq:
                    continue  # already have it
                raise RuntimeError(f"gap: expected seq {self.last_seq + 1}, got {seq}")
            received = Received(seq, int(item["sender"]), str(item["client_msg_id"]), item.get("text"))
            self.received.append(received)
            self.last_seq = seq
            self._advanced.set()
            if self.on_message is not None:
                self.on_message(received)

    async def _stored(self, client_msg_id: str, seq: int) -> None:
        self.stored[client_msg_id] = seq
        text = self.pending.get(client_msg_id)
        if self.user_id is not None and text is not None and seq == self.last_seq + 1:
            self._apply([{"seq": seq, "sender": self.user_id, "client_msg_id": client_msg_id, "text": text}])
        async with self._window_free:
            self.pending.pop(client_msg_id, None)
            self._window_free.notify_all()
        await self._settle_deferred()

    async def _settle_deferred(self) -> None:
        """Once every message of ours is answered, fetch an announced message we still do not have
        (e.g. one sent from the same account on another device)."""
        if not self.pending and self._deferred_seq > self.last_seq and self._ws is not None:
            self._deferred_seq = 0
            await self._fetch()

    async def _error(self, frame: dict[str, Any]) -> None:
        ref = frame.get("ref")
        code = frame.get("code")
        if isinstance(ref, str) and ref in self.pending:
            if code in PERMANENT_ERRORS:
                # Refused for good: keeping it queued would block the window forever.
                log.warning("room message refused: %s", code)
                self.refused[ref] = str(code)
                async with self._window_free:
                    self.pending.pop(ref, None)
                    self._window_free.notify_all()
                await self._settle_deferred()
                return
            # rate_limited, internal (e.g. the database was busy): the same client id again later.
            asyncio.get_running_loop().call_later(0.5, self._retry, ref)
        elif ref == "fetch":
            self._fetching = False
            asyncio.get_running_loop().call_later(0.5, self._retry_fetch)
        else:
            log.warning("room error frame: %s", code)

    def _retry(self, client_msg_id: str) -> None:
        text = self.pending.get(client_msg_id)
        if text is not None:
            task = asyncio.create_task(self._transmit(client_msg_id, text))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def _retry_fetch(self) -> None:
        if self._ws is not None and self._room_ready.is_set():
            task = asyncio.create_task(self._fetch())
            self._background.add(task)
            task.add_done_callback(self._background.discard)
