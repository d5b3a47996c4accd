"""Live events: the host posts, attendees write questions, over the platform's realtime hub
(channel ``content_event:<id>``; not the care rooms). Posts are sealed at rest; realtime events
carry ids only and clients fetch the text over HTTP, where the entitlement is checked."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import User
from anxin.commerce import orders
from anxin.commerce.models import Order
from anxin.content import access
from anxin.content.errors import ContentNotFound, NotEntitled
from anxin.content.models import LIVE_EVENT, ContentItem, EventPost, Purchase
from anxin.content.schemas import EventPostOut
from anxin.core import clock, hooks, outbox
from anxin.privacy.crypto import seal, unseal, user_owner

CHANNEL_PREFIX = "content_event"
# An event counts as delivered this long after its start; then escrow becomes the host's earnings.
DELIVERED_AFTER = timedelta(hours=3)
POST_CONTEXT = "content.event_post"


def channel_of(event_id: int) -> str:
    return f"{CHANNEL_PREFIX}:{event_id}"


async def access_event(db: AsyncSession, user: User | None, event_id: int) -> ContentItem:
    """The event's room, for its host, administrators and those holding a seat."""
    item = await access.access_item(db, user, event_id)
    if item.kind != LIVE_EVENT:
        raise ContentNotFound()
    if user is None or not await access.can_read(db, user, item):
        raise NotEntitled()
    return item


async def may_subscribe(db: AsyncSession, actor_id: int | None, channel: str) -> bool:
    _, _, ref = channel.partition(":")
    if not ref.isdigit() or actor_id is None:
        return False
    user = await db.get(User, actor_id)
    try:
        await access_event(db, user, int(ref))
    except (ContentNotFound, NotEntitled):
        return False
    return True


async def post(db: AsyncSession, user: User, event_id: int, text: str) -> EventPostOut:
    item = await access_event(db, user, event_id)
    text = text.strip()
    kind = "post" if user.id == item.author_id else "question"
    row = EventPost(
        event_id=item.id,
        author_id=user.id,
        kind=kind,
        text_sealed=await seal(db, user_owner(user.id), text, context=POST_CONTEXT),
        created_at=clock.utcnow(),
    )
    db.add(row)
    await db.flush()
    outcomes = await hooks.text_written(
        db, hooks.TextWritten(user.id, surface="content_event_post", ref=str(row.id), text=text)
    )
    await outbox.publish(db, channel_of(item.id), {"kind": "event_post", "post_id": row.id})
    return EventPostOut(
        id=row.id,
        kind=kind,
        author_id=user.id,
        text=text,
        created_at=row.created_at,
        show_resources=hooks.needs_resources(outcomes),
    )


async def posts(db: AsyncSession, user: User, event_id: int, *, after: int = 0) -> list[EventPostOut]:
    item = await access_event(db, user, event_id)
    rows = await db.scalars(
        select(EventPost)
        .where(EventPost.event_id == item.id, EventPost.id > after)
        .order_by(EventPost.id)
        .limit(200)
    )
    return [
        EventPostOut(
            id=row.id,
            kind=row.kind,
            author_id=row.author_id,
            text=await unseal(db, row.text_sealed, context=POST_CONTEXT),
            created_at=row.created_at,
        )
        for row in rows.all()
    ]


async def fulfil_past_events(db: AsyncSession) -> int:
    """Tell commerce that events which have taken place were delivered (scheduled; safe to run twice)."""
    due = await db.scalars(
        select(Order.id)
        .join(Purchase, Purchase.order_id == Order.id)
        .join(ContentItem, ContentItem.id == Purchase.content_id)
        .where(
            ContentItem.kind == LIVE_EVENT,
            ContentItem.starts_at <= clock.utcnow() - DELIVERED_AFTER,
            Order.status == orders.PAID,
        )
        .limit(500)
    )
    done = 0
    for order_id in due.all():
        await orders.mark_fulfilled(db, order_id)
        done += 1
    return done
