"""Authoring and browsing: verified counsellors write items, set prices and publish; readers browse
by topic and author in their language, newest or most bought, and see their library."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_ADMIN, ROLE_COUNSELLOR, User
from anxin.commerce import catalog
from anxin.commerce.models import Order
from anxin.content import access
from anxin.content.errors import AuthorsOnly, ContentNotFound, NotPublishable
from anxin.content.models import (
    COURSE,
    DELETED,
    DRAFT,
    KINDS,
    LIVE_EVENT,
    PUBLISHED,
    SUSPENDED,
    UNPUBLISHED,
    ContentItem,
    Lesson,
    Purchase,
)
from anxin.content.schemas import ItemIn
from anxin.core import clock
from anxin.core.errors import Forbidden, ValidationFailed
from anxin.counselors import service as counselors
from anxin.counselors.errors import CounselorNotFound

TOPICS = ("anxiety", "depression", "relationships", "family", "work", "sleep", "self_growth", "parenting")
LANGUAGES = ("zh", "en")
SORTS = ("newest", "most_bought")


async def require_author(db: AsyncSession, user: User) -> None:
    """Only verified counsellors publish and answer (a suspended one may not)."""
    if user.role != ROLE_COUNSELLOR:
        raise AuthorsOnly()
    try:
        await counselors.public_profile(db, user.id)
    except CounselorNotFound:
        raise AuthorsOnly() from None


async def own_item(db: AsyncSession, user: User, content_id: int) -> ContentItem:
    item = await db.get(ContentItem, content_id)
    if item is None or item.author_id != user.id or item.status == DELETED:
        raise ContentNotFound()
    return item


def _check(data: ItemIn) -> None:
    if data.kind not in KINDS:
        raise ValidationFailed("Please choose an article, a course or a live event.")
    if data.topic not in TOPICS:
        raise ValidationFailed("Please choose one of the topics.")
    if data.language not in LANGUAGES:
        raise ValidationFailed("Please choose the language the item is written in.")
    catalog.check_currency(data.currency)
    if data.kind == LIVE_EVENT:
        if data.capacity is None or data.starts_at is None:
            raise ValidationFailed("A live event needs a number of seats and a start time.")
        if data.starts_at.tzinfo is None:
            raise ValidationFailed("Times need a time zone offset.")
        if clock.as_utc(data.starts_at) <= clock.utcnow():
            raise ValidationFailed("A live event must start in the future.")


async def create_item(db: AsyncSession, user: User, data: ItemIn) -> ContentItem:
    await require_author(db, user)
    _check(data)
    item = ContentItem(
        kind=data.kind,
        author_id=user.id,
        status=DRAFT,
        topic=data.topic,
        language=data.language,
        title=data.title.strip(),
        summary=data.summary.strip(),
        preview_md=data.preview_md,
        body_md=data.body_md,
        currency=data.currency,
        amount=data.amount,
        capacity=data.capacity if data.kind == LIVE_EVENT else None,
        seats_taken=0,
        starts_at=clock.as_utc(data.starts_at) if data.kind == LIVE_EVENT and data.starts_at else None,
        sales=0,
        created_at=clock.utcnow(),
    )
    db.add(item)
    await db.flush()
    return item


async def update_item(db: AsyncSession, user: User, content_id: int, data: ItemIn) -> ContentItem:
    await require_author(db, user)
    item = await own_item(db, user, content_id)
    _check(data)
    if data.kind != item.kind:
        raise ValidationFailed("The kind of an item cannot change.")
    if item.kind == LIVE_EVENT and data.capacity is not None and data.capacity < item.seats_taken:
        raise ValidationFailed("There cannot be fewer seats than are already sold.")
    item.topic, item.language, item.title, item.summary = data.topic, data.language, data.title, data.summary
    item.preview_md, item.body_md = data.preview_md, data.body_md
    item.currency, item.amount = data.currency, data.amount
    if item.kind == LIVE_EVENT:
        item.capacity = data.capacity
        item.starts_at = clock.as_utc(data.starts_at) if data.starts_at else item.starts_at
    if item.status == PUBLISHED:
        await _list_for_sale(db, item)
    await db.flush()
    return item


async def _list_for_sale(db: AsyncSession, item: ContentItem) -> None:
    if item.amount <= 0:
        return
    listed = await catalog.put_item(
        db,
        item_type=item.kind,
        ref=f"content:{item.id}",
        seller_id=item.author_id,
        title=item.title[:200],
        prices={item.currency: item.amount},
        starts_at=item.starts_at,
    )
    item.catalog_item_id = listed.id


async def publish(db: AsyncSession, user: User, content_id: int) -> ContentItem:
    await require_author(db, user)
    item = await own_item(db, user, content_id)
    if item.status == SUSPENDED:
        raise Forbidden("An administrator has withdrawn this item; it cannot be published.")
    if not item.title.strip() or not (item.preview_md.strip() or item.body_md.strip()):
        raise NotPublishable()
    if item.kind == COURSE:
        lessons = await db.scalar(select(func.count()).select_from(Lesson).where(Lesson.course_id == item.id))
        if not lessons:
            raise NotPublishable()
    await _list_for_sale(db, item)
    item.status = PUBLISHED
    item.published_at = item.published_at or clock.utcnow()
    await db.flush()
    return item


async def unpublish(db: AsyncSession, user: User, content_id: int) -> ContentItem:
    """Off the shelf: nobody new can buy it; those who bought it keep it."""
    item = await own_item(db, user, content_id)
    if item.status == PUBLISHED:
        item.status = UNPUBLISHED
    await db.flush()
    return item


async def delete(db: AsyncSession, user: User, content_id: int) -> ContentItem:
    item = await own_item(db, user, content_id)
    sold = await db.scalar(select(func.count()).select_from(Purchase).where(Purchase.content_id == item.id))
    if sold:
        raise ValidationFailed("People have bought this item; unpublish it instead of deleting it.")
    item.status = DELETED
    await db.flush()
    return item


async def suspend(db: AsyncSession, admin: User, content_id: int) -> ContentItem:
    if admin.role != ROLE_ADMIN:
        raise ContentNotFound()
    item = await db.get(ContentItem, content_id)
    if item is None:
        raise ContentNotFound()
    item.status = SUSPENDED
    await db.flush()
    return item


# ---------------------------------------------------------------- browsing


@dataclass(frozen=True, slots=True)
class Shelf:
    items: list[ContentItem]
    authors: dict[int, tuple[str, str]]


async def browse(
    db: AsyncSession,
    *,
    language: str | None = None,
    topic: str | None = None,
    author_id: int | None = None,
    kind: str | None = None,
    sort: str = "newest",
    limit: int = 50,
) -> Shelf:
    query = select(ContentItem).where(ContentItem.status == PUBLISHED)
    if language:
        query = query.where(ContentItem.language == language)
    if topic:
        query = query.where(ContentItem.topic == topic)
    if author_id:
        query = query.where(ContentItem.author_id == author_id)
    if kind:
        query = query.where(ContentItem.kind == kind)
    if sort == "most_bought":
        query = query.order_by(ContentItem.sales.desc(), ContentItem.id.desc())
    else:
        query = query.order_by(ContentItem.published_at.desc(), ContentItem.id.desc())
    items = list((await db.scalars(query.limit(max(1, min(limit, 100))))).all())
    return Shelf(items, await counselors.names_of(db, sorted({i.author_id for i in items})))


async def library(db: AsyncSession, user: User) -> list[ContentItem]:
    """What ``user`` may read: bought and still paid for."""
    rows = await db.scalars(
        select(ContentItem)
        .join(Purchase, Purchase.content_id == ContentItem.id)
        .join(Order, Order.id == Purchase.order_id)
        .where(
            Purchase.client_id == user.id, Order.status.in_(access.ENTITLING), ContentItem.status != DELETED
        )
        .order_by(Purchase.id.desc())
    )
    return list(rows.all())


async def authored(db: AsyncSession, user: User) -> list[ContentItem]:
    rows = await db.scalars(
        select(ContentItem)
        .where(ContentItem.author_id == user.id, ContentItem.status != DELETED)
        .order_by(ContentItem.id.desc())
    )
    return list(rows.all())


async def lessons_of(db: AsyncSession, course_id: int) -> list[Lesson]:
    rows = await db.scalars(select(Lesson).where(Lesson.course_id == course_id).order_by(Lesson.position))
    return list(rows.all())


def starts_label(item: ContentItem) -> datetime | None:
    return clock.as_utc(item.starts_at) if item.starts_at else None
