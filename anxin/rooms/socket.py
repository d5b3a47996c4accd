"""Rooms' frames on the realtime WebSocket (``op`` ``room.*``); the protocol is in docs/rooms.md.

Handlers are thin: parse, call one service function in its own unit of work, answer. Typing and call
signalling are ephemeral: published straight to the room's channel, never stored.
"""

from __future__ import annotations

import json
from typing import Any

from anxin.core import realtime
from anxin.core.errors import AppError, NotFound, ValidationFailed
from anxin.core.i18n import gettext
from anxin.rooms import service

SIGNAL_KINDS = frozenset({"offer", "answer", "ice", "hangup", "ring", "decline"})
MAX_SIGNAL_BYTES = 24_000


def _room_id(frame: dict[str, Any]) -> int:
    room = frame.get("room")
    if not isinstance(room, int) or isinstance(room, bool) or room <= 0:
        raise NotFound()
    return room


def _seq(frame: dict[str, Any], key: str) -> int | None:
    value = frame.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationFailed()
    return value


def _subscribed(context: realtime.FrameContext, room_id: int) -> None:
    # Subscribing was authorised (participants only), so being subscribed proves access cheaply.
    if service.channel_of(room_id) not in context.connection.channels:
        raise NotFound()


async def handle(context: realtime.FrameContext, frame: dict[str, Any]) -> None:
    action = str(frame.get("op")).partition(".")[2]
    handler = _ACTIONS.get(action)
    if handler is None:
        context.error("unknown_op", gettext(context.locale, "This action is not available here."))
        return
    try:
        await handler(context, frame)
    except AppError as exc:
        extra: dict[str, Any] = {"room": frame.get("room") if isinstance(frame.get("room"), int) else None}
        if action == "send" and isinstance(frame.get("client_msg_id"), str):
            extra["client_msg_id"] = frame["client_msg_id"][:64]
        context.error(exc.code, gettext(context.locale, exc.message, **exc.params), **extra)


async def _send(context: realtime.FrameContext, frame: dict[str, Any]) -> None:
    room_id = _room_id(frame)
    text = frame.get("text")
    if not isinstance(text, str):
        raise ValidationFailed("Please write a message first.")
    client_msg_id = service.check_client_msg_id(frame.get("client_msg_id"))
    actor_id = context.actor_id
    if actor_id is None:
        raise NotFound()
    # The room hears of the message as this transaction commits (the outbox's fast path), before the
    # sender's "stored" answer.
    async with context.database.transaction() as db:
        posted = await service.post_message(db, actor_id, room_id, text, client_msg_id)
        seq = posted.message.seq
    reply: dict[str, Any] = {
        "op": "room.stored",
        "room": room_id,
        "seq": seq,
        "client_msg_id": client_msg_id,
        "duplicate": not posted.created,
    }
    if posted.show_resources:
        reply["show_resources"] = True  # the page shows its crisis panel at once
    context.reply(reply)


async def _fetch(context: realtime.FrameContext, frame: dict[str, Any]) -> None:
    room_id = _room_id(frame)
    since = _seq(frame, "since") or 0
    limit = _seq(frame, "limit") or 200
    async with context.database.transaction(write=False) as db:
        messages = await service.messages_since(db, context.actor_id or 0, room_id, since, limit=limit)
    context.reply(
        {"op": "room.messages", "room": room_id, "since": since, "messages": [m.as_frame() for m in messages]}
    )


async def _mark(context: realtime.FrameContext, frame: dict[str, Any]) -> None:
    room_id = _room_id(frame)
    async with context.database.transaction() as db:
        await service.mark(
            db, context.actor_id or 0, room_id, delivered=_seq(frame, "delivered"), read=_seq(frame, "read")
        )


async def _typing(context: realtime.FrameContext, frame: dict[str, Any]) -> None:
    room_id = _room_id(frame)
    _subscribed(context, room_id)
    await context.hub.publish(
        service.channel_of(room_id), {"type": "typing", "room": room_id, "user": context.actor_id}
    )


async def _signal(context: realtime.FrameContext, frame: dict[str, Any]) -> None:
    room_id = _room_id(frame)
    _subscribed(context, room_id)
    kind = frame.get("kind")
    data = frame.get("data")
    if kind not in SIGNAL_KINDS or not isinstance(data, dict | None):
        raise ValidationFailed()
    if len(json.dumps(data)) > MAX_SIGNAL_BYTES:
        raise ValidationFailed()
    async with context.database.transaction(write=False) as db:
        await service.access_call(db, context.actor_id, room_id)
    await context.hub.publish(
        service.channel_of(room_id),
        {"type": "signal", "room": room_id, "from": context.actor_id, "kind": kind, "data": data},
    )


_ACTIONS = {"send": _send, "fetch": _fetch, "mark": _mark, "typing": _typing, "signal": _signal}
