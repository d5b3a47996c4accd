"""The in-app notification centre, and ``notify_user``: one call that reaches a person on the
channels asked for (in-app, e-mail, SMS, web push).

People and their addresses belong to the accounts module, on the right of the import chain; it
registers a contact resolver here at start-up (``set_contact_resolver``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock, outbox
from anxin.core.config import get_settings
from anxin.core.errors import NotFound
from anxin.core.notify.models import Notification
from anxin.core.notify.outgoing import deliver
from anxin.core.notify.senders import EMAIL, SMS, WEB_PUSH
from anxin.core.notify.templates import NEW_NOTIFICATION, has_template

log = logging.getLogger("anxin.notify")

IN_APP = "in_app"
MAX_PAGE = 100
# Params are ids and short flags, never personal text (the same rule as outbox payloads).
_FORBIDDEN_PARAM_KEYS = frozenset({"text", "body", "content", "message", "email", "phone", "name"})
_MAX_PARAM_TEXT = 200


@dataclass(frozen=True)
class Contacts:
    email: str | None = None
    phone: str | None = None
    push_endpoint: str | None = None
    locale: str | None = None

    def address_for(self, channel: str) -> str | None:
        return {EMAIL: self.email, SMS: self.phone, WEB_PUSH: self.push_endpoint}.get(channel)


ContactResolver = Callable[[AsyncSession, int], Awaitable[Contacts | None]]
_contact_resolver: ContactResolver | None = None


def set_contact_resolver(resolver: ContactResolver | None) -> None:
    """Accounts tells notify how to find a person's addresses and language."""
    global _contact_resolver
    _contact_resolver = resolver


def contact_resolver() -> ContactResolver | None:
    return _contact_resolver


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]
    # Pass as ``before_id`` for the next (older) page; None on the last page.
    next_before_id: int | None


def _check_params(params: dict[str, Any]) -> dict[str, Any]:
    for key, value in params.items():
        if key.lower() in _FORBIDDEN_PARAM_KEYS:
            raise ValueError(f"notification params carry ids, not personal data (key {key!r})")
        if not isinstance(value, int | str | bool | float | type(None)):
            raise ValueError(f"notification params must be scalars (key {key!r})")
        if isinstance(value, str) and len(value) > _MAX_PARAM_TEXT:
            raise ValueError(f"notification param {key!r} is too long for a short value")
    return dict(params)


async def notify_user(
    db: AsyncSession,
    user_id: int,
    kind: str,
    params: dict[str, Any] | None = None,
    channels: Sequence[str] = (IN_APP,),
    locale: str | None = None,
    *,
    ttl: timedelta | None = None,
) -> Notification | None:
    """Tell ``user_id`` that ``kind`` happened, on each of ``channels``, after this transaction commits.

    In-app: a row in their notification centre and a realtime event ``{"type": "notification",
    "id": ...}`` on ``user:{user_id}``. Other channels: the message template named ``kind`` (or, when
    there is none, core's "you have a new notification") to the address the contact resolver
    returns; a channel the person has no address for is skipped. Returns the in-app row, if any.
    """
    unknown = set(channels) - {IN_APP, EMAIL, SMS, WEB_PUSH}
    if unknown:
        raise ValueError(f"unknown channels {sorted(unknown)}")
    values = _check_params(params or {})
    notification: Notification | None = None
    if IN_APP in channels:
        notification = Notification(
            recipient_id=user_id, kind=kind, params=values, created_at=clock.utcnow(), read_at=None
        )
        db.add(notification)
        await db.flush()
        await outbox.publish(db, f"user:{user_id}", {"type": "notification", "id": notification.id})
    external = [channel for channel in channels if channel != IN_APP]
    if not external:
        return notification
    if _contact_resolver is None:
        raise LookupError("no contact resolver is registered (accounts sets one at start-up)")
    contacts = await _contact_resolver(db, user_id)
    if contacts is None:
        log.info("notification not sent: no contacts", extra={"user_id": user_id, "kind": kind})
        return notification
    template = kind if has_template(kind) else NEW_NOTIFICATION.name
    for channel in external:
        address = contacts.address_for(channel)
        if address is None:
            log.info(
                "notification channel skipped: no address",
                extra={"user_id": user_id, "kind": kind, "channel": channel},
            )
            continue
        chosen_locale = locale or contacts.locale or get_settings().default_locale
        await deliver(db, channel, address, template, values, chosen_locale, ttl=ttl)
    return notification


async def list_notifications(
    db: AsyncSession, recipient_id: int, *, limit: int = 20, before_id: int | None = None
) -> NotificationPage:
    """The recipient's notifications, newest first, ``limit`` at a time (keyset pagination)."""
    limit = max(1, min(limit, MAX_PAGE))
    query = select(Notification).where(Notification.recipient_id == recipient_id)
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    rows = list((await db.scalars(query.order_by(Notification.id.desc()).limit(limit + 1))).all())
    more = len(rows) > limit
    items = rows[:limit]
    return NotificationPage(items=items, next_before_id=items[-1].id if more else None)


async def unread_count(db: AsyncSession, recipient_id: int) -> int:
    count = await db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == recipient_id, Notification.read_at.is_(None))
    )
    return int(count or 0)


async def access_notification(db: AsyncSession, recipient_id: int, notification_id: int) -> Notification:
    """Load one of the recipient's own notifications; anyone else's does not exist (NotFound)."""
    row = await db.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.recipient_id == recipient_id
        )
    )
    if row is None:
        raise NotFound()
    return row


async def mark_read(db: AsyncSession, recipient_id: int, notification_id: int) -> Notification:
    """Mark one of the recipient's notifications read (again: no change)."""
    row = await access_notification(db, recipient_id, notification_id)
    if row.read_at is None:
        row.read_at = clock.utcnow()
        await db.flush()
    return row


async def mark_all_read(db: AsyncSession, recipient_id: int) -> int:
    result = await db.execute(
        update(Notification)
        .where(Notification.recipient_id == recipient_id, Notification.read_at.is_(None))
        .values(read_at=clock.utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def export_for(db: AsyncSession, recipient_id: int) -> list[dict[str, Any]]:
    """Everything the centre holds about a person (for the data export)."""
    rows = (
        await db.scalars(
            select(Notification).where(Notification.recipient_id == recipient_id).order_by(Notification.id)
        )
    ).all()
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "params": row.params,
            "created_at": clock.as_utc(row.created_at).isoformat(),
            "read_at": clock.as_utc(row.read_at).isoformat() if row.read_at else None,
        }
        for row in rows
    ]


async def erase_for(db: AsyncSession, recipient_id: int) -> None:
    """Delete a person's notifications (for erasure)."""
    await db.execute(delete(Notification).where(Notification.recipient_id == recipient_id))
