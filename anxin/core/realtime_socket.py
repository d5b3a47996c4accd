"""The realtime WebSocket protocol (``/api/v1/realtime``), one JSON object per text frame.

Client → server::

    {"op": "subscribe", "channel": "room:12", "ref": 1}    ref: optional, echoed in the reply
    {"op": "unsubscribe", "channel": "room:12"}
    {"op": "ping"}                                          → {"op": "pong"}
    {"op": "pong"}                                          the answer to the server's ping

Server → client::

    {"op": "welcome", "heartbeat_seconds": 20}
    {"op": "subscribed", "channel": ...} / {"op": "unsubscribed", "channel": ...}
    {"op": "event", "channel": ..., "event": {"type": ..., "id": ...}}   ids and kinds only: refetch over HTTP
    {"op": "ping"}                      every heartbeat; a client that answers two in a row with
                                        nothing at all is dropped
    {"op": "resync"}                    events may have been missed: refetch what is on screen
    {"op": "error", "code": ..., "message": ...}   the socket stays open

Frames whose ``op`` is ``"<prefix>.<action>"`` go to the module that registered ``prefix`` in
``realtime.frame_handlers`` (e.g. ``room.send``); an ``AppError`` it raises becomes an error frame.
Each socket may send ``realtime_frames_per_second`` frames on average (bursts up to
``realtime_frame_burst``); frames above that are answered with a ``rate_limited`` error and dropped.

A channel the actor may not see answers ``not_found``, exactly like one that does not exist.
Close codes: 4401 the login session ended, 4408 no answer to pings, 1013 too far behind,
1012 server restarting, 1008 a foreign Origin (refused before the handshake completes).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect

from anxin.core import realtime
from anxin.core.config import Settings
from anxin.core.db import Database
from anxin.core.errors import AppError
from anxin.core.i18n import gettext
from anxin.core.realtime import Connection, FrameContext, Hub

log = logging.getLogger("anxin.realtime")


def origin_allowed(origin: str | None, host: str | None, public_url: str | None) -> bool:
    """Browsers send cookies with a WebSocket handshake from any site; only our own pages may open one.
    Clients that are not browsers send no Origin and are judged by their credentials alone."""
    if origin is None:
        return True
    origin_parts = urlsplit(origin)
    if origin_parts.scheme not in ("http", "https") or not origin_parts.netloc:
        return False
    if host and origin_parts.netloc.lower() == host.lower():
        return True
    if public_url:
        public = urlsplit(public_url)
        return (origin_parts.scheme, origin_parts.netloc.lower()) == (public.scheme, public.netloc.lower())
    return False


async def serve(websocket: WebSocket) -> None:
    """Authenticate, then run the protocol until either side goes away."""
    app = websocket.app
    settings: Settings = app.state.settings
    hub: Hub = app.state.hub
    database: Database = app.state.database
    headers = websocket.headers
    if not origin_allowed(headers.get("origin"), headers.get("host"), settings.public_url):
        await websocket.close(code=realtime.CLOSE_POLICY)
        return
    try:
        # Write intent: an authenticator may note the session's use (on SQLite a read transaction
        # cannot safely turn into a write).
        async with database.transaction(write=True) as db:
            actor_id = await realtime.authenticator()(websocket, db)
    except Exception:
        log.exception("websocket authentication failed")
        await websocket.close(code=realtime.CLOSE_INTERNAL)
        return
    await websocket.accept()
    connection = hub.connect(actor_id)
    try:
        await SocketSession(websocket, connection, hub, database, settings).run()
    finally:
        hub.disconnect(connection)


class SocketSession:
    def __init__(
        self, websocket: WebSocket, connection: Connection, hub: Hub, database: Database, settings: Settings
    ) -> None:
        self.websocket = websocket
        self.connection = connection
        self.hub = hub
        self.database = database
        self.heartbeat = settings.realtime_heartbeat_seconds
        self.max_frame_bytes = settings.realtime_max_frame_bytes
        self.max_channels = settings.realtime_max_channels
        self.locale = str(getattr(websocket.state, "locale", "en"))
        self.loop = asyncio.get_running_loop()
        self.last_heard = self.loop.time()
        self.client_gone = False
        # Token bucket of the per-socket flood limit.
        self.frame_rate = settings.realtime_frames_per_second
        self.frame_burst = float(settings.realtime_frame_burst)
        self.frame_tokens = self.frame_burst
        self.tokens_at = self.last_heard

    async def run(self) -> None:
        self.connection.send({"op": "welcome", "heartbeat_seconds": self.heartbeat})
        tasks = [
            asyncio.create_task(self._read(), name="ws-read"),
            asyncio.create_task(self._write(), name="ws-write"),
            asyncio.create_task(self._beat(), name="ws-heartbeat"),
            asyncio.create_task(self.connection.wait_closing(), name="ws-closing"),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for result in results:
                if isinstance(result, Exception) and not isinstance(result, WebSocketDisconnect):
                    log.error("websocket task failed", exc_info=result)
        if not self.client_gone:
            with contextlib.suppress(Exception):
                await self.websocket.close(code=self.connection.close_code or realtime.CLOSE_GOING_AWAY)

    # -- the three loops

    async def _read(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                self.client_gone = True
                return
            self.last_heard = self.loop.time()
            text = message.get("text")
            if text is None:
                self._error("bad_frame", gettext(self.locale, "Send JSON objects as text frames."))
                continue
            if len(text.encode()) > self.max_frame_bytes:
                self._error("too_large", gettext(self.locale, "What you sent is too large."))
                continue
            try:
                frame = json.loads(text)
            except ValueError:
                frame = None
            if not isinstance(frame, dict):
                self._error("bad_frame", gettext(self.locale, "Send JSON objects as text frames."))
                continue
            if not self._take_token():
                self._error(
                    "rate_limited",
                    gettext(self.locale, "Too many attempts. Please wait a little and try again."),
                    ref=frame.get("ref") if isinstance(frame.get("ref"), int | str) else None,
                )
                continue
            await self._handle(frame)

    def _take_token(self) -> bool:
        now = self.loop.time()
        self.frame_tokens = min(
            self.frame_burst, self.frame_tokens + (now - self.tokens_at) * self.frame_rate
        )
        self.tokens_at = now
        if self.frame_tokens < 1:
            return False
        self.frame_tokens -= 1
        return True

    async def _write(self) -> None:
        while True:
            text = await self.connection.next_frame()
            try:
                await self.websocket.send_text(text)
            except (WebSocketDisconnect, RuntimeError):
                # The client closed while a frame was on its way (the server then may not send):
                # it is gone, not a failure of ours.
                self.client_gone = True
                return

    async def _beat(self) -> None:
        # A client that answered neither of the last two pings (nor sent anything since) is gone.
        unanswered = 0
        pinged_at = self.loop.time()
        while True:
            await asyncio.sleep(self.heartbeat)
            if self.last_heard >= pinged_at:
                unanswered = 0
            if unanswered >= 2:
                self.connection.close(realtime.CLOSE_NO_HEARTBEAT)
                return
            pinged_at = self.loop.time()
            self.connection.send({"op": "ping"})
            unanswered += 1

    # -- frames

    async def _handle(self, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        ref = frame.get("ref")
        if ref is not None and not (isinstance(ref, int | str) and len(str(ref)) <= 64):
            ref = None
        if op == "ping":
            self._reply({"op": "pong"}, ref)
        elif op == "pong":
            return
        elif op == "subscribe":
            await self._subscribe(frame.get("channel"), ref)
        elif op == "unsubscribe":
            channel = frame.get("channel")
            if isinstance(channel, str) and channel in self.connection.channels:
                self.hub.unsubscribe(self.connection, channel)
            if isinstance(channel, str) and realtime.is_valid_channel(channel):
                self._reply({"op": "unsubscribed", "channel": channel}, ref)
            else:
                self._channel_not_found(channel, ref)
        elif isinstance(op, str) and op.partition(".")[0] in realtime.frame_handlers and "." in op:
            await self._module_frame(op.partition(".")[0], frame, ref)
        else:
            self._error("unknown_op", gettext(self.locale, "This action is not available here."), ref=ref)

    async def _module_frame(self, prefix: str, frame: dict[str, Any], ref: int | str | None) -> None:
        context = FrameContext(
            actor_id=self.connection.actor_id,
            connection=self.connection,
            hub=self.hub,
            database=self.database,
            locale=self.locale,
            ref=ref,
        )
        try:
            await realtime.frame_handlers[prefix](context, frame)
        except AppError as exc:
            context.error(exc.code, gettext(self.locale, exc.message, **exc.params))
        except Exception:
            log.exception("frame handler failed", extra={"prefix": prefix})
            context.error(
                "internal",
                gettext(
                    self.locale, "Something went wrong on our side and nothing was changed. Please try again."
                ),
            )

    async def _subscribe(self, channel: object, ref: int | str | None) -> None:
        if not isinstance(channel, str) or not realtime.is_valid_channel(channel):
            self._channel_not_found(channel, ref)
            return
        if channel in self.connection.channels:
            self._reply({"op": "subscribed", "channel": channel}, ref)
            return
        if len(self.connection.channels) >= self.max_channels:
            self._error(
                "too_many_channels",
                gettext(self.locale, "Too many subscriptions on one connection."),
                channel=channel,
                ref=ref,
            )
            return
        async with self.database.transaction(write=False) as db:
            allowed = await realtime.may_subscribe(db, self.connection.actor_id, channel)
        if not allowed:
            self._channel_not_found(channel, ref)
            return
        # Registered before the reply: every event published after the client reads
        # "subscribed" reaches it.
        self.hub.subscribe(self.connection, channel)
        self._reply({"op": "subscribed", "channel": channel}, ref)

    def _channel_not_found(self, channel: object, ref: int | str | None) -> None:
        shown = channel if isinstance(channel, str) and len(channel) <= realtime.MAX_CHANNEL_LENGTH else None
        self._error(
            "not_found",
            gettext(self.locale, "We could not find what you were looking for."),
            channel=shown,
            ref=ref,
        )

    def _reply(self, frame: dict[str, Any], ref: int | str | None) -> None:
        if ref is not None:
            frame["ref"] = ref
        self.connection.send(frame)

    def _error(self, code: str, message: str, **extra: Any) -> None:
        frame: dict[str, Any] = {"op": "error", "code": code, "message": message}
        frame.update({key: value for key, value in extra.items() if value is not None})
        self.connection.send(frame)
