"""Realtime: a per-process hub of WebSocket connections and a broker that carries events between
processes (in-process by default, Redis pub/sub when ``ANXIN_REDIS_URL`` is set).

Events carry ids and kinds, never personal text; a client refetches what it may see over HTTP.
Services publish through ``core.outbox.publish`` (after commit), never through the hub directly.

Three registries are filled by modules on the right of the import chain at start-up:

- ``channel_authorizers[prefix]``: may this actor subscribe to this channel? The prefix is the
  channel's part before the first ``:`` ("room:12" → "room"). A channel without an authorizer does
  not exist for anyone (``not_found``, like a 404).
- ``websocket_authenticator``: who is on this socket (an actor id, or ``None`` for anonymous)?
  Accounts sets it; until then every socket is anonymous.
- ``frame_handlers[prefix]``: client frames whose ``op`` is ``"<prefix>.<action>"`` (e.g.
  ``"room.send"``) are handed to the module that registered the prefix, one frame at a time per
  socket (so a socket's frames are handled in the order they were sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import outbox

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from anxin.core.db import Database

log = logging.getLogger("anxin.realtime")

Event = dict[str, Any]
Listener = Callable[[str, Event], Awaitable[None]]
ResumeCallback = Callable[[], None]
ChannelAuthorizer = Callable[[AsyncSession, "int | None", str], Awaitable[bool]]
WebSocketAuthenticator = Callable[["WebSocket", AsyncSession], Awaitable["int | None"]]

# Control messages between hubs travel on the broker like events, on a channel no client can name.
CONTROL_CHANNEL = "!control"
CONTROL_DISCONNECT_ACTOR = "disconnect_actor"

CHANNEL_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(:[A-Za-z0-9_.\-]+)*$")
MAX_CHANNEL_LENGTH = 200

# WebSocket close codes the server uses (4000-4999 are the application's own).
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_INTERNAL = 1011
CLOSE_RESTARTING = 1012
CLOSE_TOO_SLOW = 1013  # "try again later": the client fell too far behind; reconnect and refetch
CLOSE_SESSION_ENDED = 4401
CLOSE_NO_HEARTBEAT = 4408

# How many recent outbox event ids a hub remembers to drop a second copy of an event (the fast path
# and the relay's sweep can both publish one row, e.g. when marking it done was slow).
RECENT_EVENT_IDS = 16_384


# ---------------------------------------------------------------- who may do what (registries)


async def _everyone(_db: AsyncSession, _actor_id: int | None, _channel: str) -> bool:
    return True


async def _only_that_user(_db: AsyncSession, actor_id: int | None, channel: str) -> bool:
    _, _, user = channel.partition(":")
    return actor_id is not None and user == str(actor_id)


async def _anonymous(_websocket: WebSocket, _db: AsyncSession) -> int | None:
    return None


channel_authorizers: dict[str, ChannelAuthorizer] = {
    # Public service announcements (e.g. maintenance): for everyone, signed in or not.
    "broadcast": _everyone,
    # A person's own events ("user:42": notifications, session changes): only for that person.
    "user": _only_that_user,
}

websocket_authenticator: WebSocketAuthenticator = _anonymous


def set_websocket_authenticator(authenticator: WebSocketAuthenticator | None) -> None:
    """Install who-is-on-this-socket (``None`` restores anonymous)."""
    global websocket_authenticator
    websocket_authenticator = authenticator or _anonymous


def authenticator() -> WebSocketAuthenticator:
    return websocket_authenticator


@dataclass
class FrameContext:
    """What a module's frame handler gets besides the frame: who sent it and how to answer."""

    actor_id: int | None
    connection: Connection
    hub: Hub
    database: Database
    locale: str
    ref: int | str | None = None

    def reply(self, frame: dict[str, Any]) -> None:
        if self.ref is not None:
            frame = {**frame, "ref": self.ref}
        self.connection.send(frame)

    def error(self, code: str, message: str, **extra: Any) -> None:
        frame: dict[str, Any] = {"op": "error", "code": code, "message": message}
        frame.update({key: value for key, value in extra.items() if value is not None})
        self.reply(frame)


FrameHandler = Callable[[FrameContext, dict[str, Any]], Awaitable[None]]
frame_handlers: dict[str, FrameHandler] = {}


def register_frame_handler(prefix: str, handler: FrameHandler) -> None:
    """Route client frames with ``op`` ``"<prefix>.<action>"`` to ``handler(context, frame)``."""
    existing = frame_handlers.get(prefix)
    if existing is not None and existing is not handler:
        raise ValueError(f"frames {prefix!r} already have a handler")
    frame_handlers[prefix] = handler


def is_valid_channel(channel: object) -> bool:
    return (
        isinstance(channel, str)
        and len(channel) <= MAX_CHANNEL_LENGTH
        and CHANNEL_PATTERN.match(channel) is not None
    )


async def may_subscribe(db: AsyncSession, actor_id: int | None, channel: str) -> bool:
    """Deny by default: an unknown prefix, a failing authorizer or a "no" all mean no."""
    if not is_valid_channel(channel):
        return False
    authorizer = channel_authorizers.get(channel.partition(":")[0])
    if authorizer is None:
        return False
    try:
        return bool(await authorizer(db, actor_id, channel))
    except Exception:
        log.exception("channel authorizer failed", extra={"prefix": channel.partition(":")[0]})
        return False


async def close_actor_sockets(db: AsyncSession, actor_id: int) -> None:
    """After this transaction commits, close every socket of ``actor_id`` in every process
    (e.g. the login session ended). Safe from jobs in worker processes, which have no hub."""
    await outbox.publish(db, CONTROL_CHANNEL, {"op": CONTROL_DISCONNECT_ACTOR, "actor_id": actor_id})


# ---------------------------------------------------------------- connections and the hub


class Connection:
    """One WebSocket's server side: its actor, its channels and a bounded queue of frames to send."""

    def __init__(self, actor_id: int | None, queue_size: int) -> None:
        self.actor_id = actor_id
        self.channels: set[str] = set()
        self.close_code: int | None = None
        self._frames: asyncio.Queue[str] = asyncio.Queue(maxsize=queue_size)
        self._closing = asyncio.Event()

    def send(self, frame: dict[str, Any]) -> None:
        self.send_text(json.dumps(frame, ensure_ascii=False, separators=(",", ":")))

    def send_text(self, text: str) -> None:
        if self.close_code is not None:
            return
        try:
            self._frames.put_nowait(text)
        except asyncio.QueueFull:
            # Too far behind: rather than drop events silently, close; the client reconnects
            # and refetches over HTTP.
            self.close(CLOSE_TOO_SLOW)

    async def next_frame(self) -> str:
        return await self._frames.get()

    def close(self, code: int) -> None:
        if self.close_code is None:
            self.close_code = code
            self._closing.set()

    async def wait_closing(self) -> int:
        await self._closing.wait()
        assert self.close_code is not None
        return self.close_code


class Broker(Protocol):
    async def start(self, listener: Listener, on_resume: ResumeCallback | None = None) -> None: ...
    async def publish(self, channel: str, event: Event) -> None: ...
    async def stop(self) -> None: ...


class Hub:
    """This process's connections by channel and by actor, fed by the broker."""

    def __init__(self, broker: Broker | None = None, *, queue_size: int = 1000) -> None:
        self.broker: Broker = broker if broker is not None else InProcessBroker()
        self._queue_size = queue_size
        self._connections: set[Connection] = set()
        self._by_channel: dict[str, set[Connection]] = defaultdict(set)
        self._by_actor: dict[int, set[Connection]] = defaultdict(set)
        # Insertion-ordered: the oldest id is forgotten first.
        self._recent_event_ids: dict[int, None] = {}

    async def start(self) -> None:
        await self.broker.start(self.deliver, self.resync_all)

    async def stop(self) -> None:
        for connection in list(self._connections):
            connection.close(CLOSE_RESTARTING)
        await self.broker.stop()

    # -- connections

    def connect(self, actor_id: int | None) -> Connection:
        connection = Connection(actor_id, self._queue_size)
        self._connections.add(connection)
        if actor_id is not None:
            self._by_actor[actor_id].add(connection)
        return connection

    def disconnect(self, connection: Connection) -> None:
        for channel in list(connection.channels):
            self.unsubscribe(connection, channel)
        self._connections.discard(connection)
        if connection.actor_id is not None:
            _discard(self._by_actor, connection.actor_id, connection)

    def subscribe(self, connection: Connection, channel: str) -> None:
        connection.channels.add(channel)
        self._by_channel[channel].add(connection)

    def unsubscribe(self, connection: Connection, channel: str) -> None:
        connection.channels.discard(channel)
        _discard(self._by_channel, channel, connection)

    def connection_count(self, actor_id: int | None = None) -> int:
        if actor_id is not None:
            return len(self._by_actor.get(actor_id, ()))
        return len(self._connections)

    def subscriber_count(self, channel: str | None = None) -> int:
        if channel is not None:
            return len(self._by_channel.get(channel, ()))
        return sum(len(connections) for connections in self._by_channel.values())

    # -- sending

    async def publish(self, channel: str, event: Event) -> None:
        """Publish now, to every process. Services use ``outbox.publish`` (after commit) instead."""
        await self.broker.publish(channel, event)

    async def disconnect_actor(self, actor_id: int) -> None:
        """Close every socket of ``actor_id`` in every process, now."""
        await self.broker.publish(CONTROL_CHANNEL, {"op": CONTROL_DISCONNECT_ACTOR, "actor_id": actor_id})

    async def deliver(self, channel: str, event: Event) -> None:
        """The broker's listener: fan an event out to this process's subscribers, each outbox event once."""
        event_id = event.get(outbox.EVENT_ID_KEY)
        if isinstance(event_id, int):
            if event_id in self._recent_event_ids:
                return
            self._recent_event_ids[event_id] = None
            if len(self._recent_event_ids) > RECENT_EVENT_IDS:
                del self._recent_event_ids[next(iter(self._recent_event_ids))]
        if channel == CONTROL_CHANNEL:
            self._control(event)
            return
        connections = self._by_channel.get(channel)
        if not connections:
            return
        # Serialised once, whatever the number of subscribers.
        text = json.dumps(
            {"op": "event", "channel": channel, "event": event}, ensure_ascii=False, separators=(",", ":")
        )
        for connection in list(connections):
            connection.send_text(text)

    def resync_all(self) -> None:
        """The broker was cut off for a while: events may have been missed; tell every client."""
        for connection in list(self._connections):
            connection.send({"op": "resync"})

    def _control(self, event: Event) -> None:
        if event.get("op") == CONTROL_DISCONNECT_ACTOR and isinstance(event.get("actor_id"), int):
            for connection in list(self._by_actor.get(event["actor_id"], ())):
                connection.close(CLOSE_SESSION_ENDED)


def _discard(index: dict[Any, set[Connection]], key: Any, connection: Connection) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(connection)
        if not members:
            del index[key]


# ---------------------------------------------------------------- brokers


class InProcessBroker:
    """Single-process broker: a publish goes straight to the local listener."""

    def __init__(self) -> None:
        self._listener: Listener | None = None

    async def start(self, listener: Listener, on_resume: ResumeCallback | None = None) -> None:
        self._listener = listener

    async def publish(self, channel: str, event: Event) -> None:
        if self._listener is not None:
            await self._listener(channel, event)

    async def stop(self) -> None:
        self._listener = None


class RedisBroker:
    """Cross-process broker over Redis pub/sub (one pattern subscription on the namespace's prefix).

    The listener survives Redis restarts and silent network cuts: it pings on its own connection
    and, when Redis stops answering, subscribes again with backoff. Pub/sub keeps nothing while a
    listener is away, so after a reconnect ``on_resume`` tells the hub that clients must refetch.
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str = "anxin",
        keepalive_seconds: float = 5.0,
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self.url = url
        self.prefix = f"{namespace}:rt:"
        self.keepalive_seconds = keepalive_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.connected = asyncio.Event()
        self.reconnects = 0
        self._ever_connected = False
        self._task: asyncio.Task[None] | None = None
        self._publisher: Any = None

    async def start(self, listener: Listener, on_resume: ResumeCallback | None = None) -> None:
        from redis.asyncio import Redis
        from redis.backoff import ExponentialBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
        from redis.retry import Retry

        # Publishing retries briefly, so that the first publish after a Redis restart goes through.
        self._publisher = Redis.from_url(
            self.url,
            socket_connect_timeout=5,
            socket_timeout=5,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self._task = asyncio.create_task(self._listen(listener, on_resume), name="realtime-redis")
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 a cancelled wait_for can hang.
            async with asyncio.timeout(10):
                await self.connected.wait()
        except TimeoutError:
            await self.stop()
            raise ConnectionError("realtime broker could not subscribe to Redis") from None

    async def _listen(self, listener: Listener, on_resume: ResumeCallback | None) -> None:
        backoff = 0.2
        while True:
            try:
                await self._listen_once(listener, on_resume)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.connected.is_set():
                    # Redis restarted or the link dropped. Events meanwhile are missed, not lost:
                    # they live in the database and clients refetch on "resync".
                    log.warning(
                        "realtime broker lost Redis; reconnecting", extra={"error": type(exc).__name__}
                    )
                    backoff = 0.2
                self.connected.clear()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)

    async def _listen_once(self, listener: Listener, on_resume: ResumeCallback | None) -> None:
        from redis.asyncio import Redis

        # Its own client without retries: a broken link must surface here, not be papered over.
        client = Redis.from_url(self.url, socket_connect_timeout=5, socket_timeout=None, retry=None)
        pubsub = client.pubsub()
        try:
            await pubsub.psubscribe(f"{self.prefix}*")
            loop = asyncio.get_running_loop()
            last_heard = loop.time()
            next_ping = last_heard + self.keepalive_seconds
            while True:
                message = await pubsub.get_message(timeout=min(1.0, self.keepalive_seconds))
                now = loop.time()
                if message is not None:
                    last_heard = now
                    kind = message.get("type")
                    if kind == "psubscribe" and not self.connected.is_set():
                        self._on_subscribed(on_resume)
                    elif kind == "pmessage":
                        await self._dispatch(listener, message)
                if now >= next_ping:
                    await pubsub.ping()
                    next_ping = now + self.keepalive_seconds
                if now - last_heard > 3 * self.keepalive_seconds:
                    raise ConnectionError("Redis stopped answering")
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            with contextlib.suppress(Exception):
                await client.aclose()

    def _on_subscribed(self, on_resume: ResumeCallback | None) -> None:
        if self._ever_connected:
            self.reconnects += 1
            log.info("realtime broker back on Redis")
            if on_resume is not None:
                on_resume()
        self._ever_connected = True
        self.connected.set()

    async def _dispatch(self, listener: Listener, message: dict[str, Any]) -> None:
        raw_channel = message["channel"]
        channel = (raw_channel.decode() if isinstance(raw_channel, bytes) else str(raw_channel))[
            len(self.prefix) :
        ]
        try:
            event = json.loads(message["data"])
        except (ValueError, TypeError):
            return
        if not isinstance(event, dict):
            return
        try:
            await listener(channel, event)
        except Exception:
            log.exception("realtime listener failed")

    async def publish(self, channel: str, event: Event) -> None:
        await self._publisher.publish(f"{self.prefix}{channel}", json.dumps(event, separators=(",", ":")))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._publisher is not None:
            await self._publisher.aclose()
            self._publisher = None


def make_broker(redis_url: str | None, namespace: str | None = None) -> Broker:
    if not redis_url:
        return InProcessBroker()
    if namespace is None:
        from anxin.core.config import get_settings

        namespace = get_settings().redis_namespace
    return RedisBroker(redis_url, namespace=namespace)
