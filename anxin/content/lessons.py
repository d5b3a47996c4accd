"""Course lessons: ordered, each an uploaded audio file with show notes; some free as a trial. The
player's position is kept per listener so a lesson resumes where it was left."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import User
from anxin.commerce import orders
from anxin.commerce.models import Order
from anxin.content import access, media, service
from anxin.content.errors import LessonNotFound, NotEntitled
from anxin.content.models import COURSE, ContentItem, Lesson, ListenPosition, Purchase
from anxin.content.storage import storage_for
from anxin.core import clock
from anxin.core.errors import ValidationFailed


async def add_lesson(
    db: AsyncSession,
    user: User,
    course_id: int,
    *,
    home: Path,
    title: str,
    notes_md: str,
    free: bool,
    audio: bytes,
) -> Lesson:
    await service.require_author(db, user)
    course = await service.own_item(db, user, course_id)
    if course.kind != COURSE:
        raise ValidationFailed("Lessons belong to courses.")
    title = title.strip()
    if not 1 <= len(title) <= 200:
        raise ValidationFailed("Please give the lesson a title (up to 200 characters).")
    if len(notes_md) > 100_000:
        raise ValidationFailed("The show notes are too long.")
    media_type = media.check_upload(audio)
    last = await db.scalar(select(func.max(Lesson.position)).where(Lesson.course_id == course.id))
    key = await asyncio.to_thread(storage_for(home).put, audio)  # S3 is a network call
    lesson = Lesson(
        course_id=course.id,
        position=(last or 0) + 1,
        title=title,
        notes_md=notes_md,
        free=free,
        storage_key=key,
        media_type=media_type,
        size=len(audio),
        listens=0,
        created_at=clock.utcnow(),
    )
    db.add(lesson)
    await db.flush()
    return lesson


async def playable_lesson(db: AsyncSession, user: User | None, lesson_id: int) -> tuple[Lesson, ContentItem]:
    """The lesson if ``user`` may listen to it; 'not found' for what they may not even see."""
    lesson, course = await access.access_lesson(db, user, lesson_id)
    if not await access.can_play(db, user, lesson, course):
        raise NotEntitled()
    return lesson, course


async def save_position(db: AsyncSession, user: User, lesson_id: int, seconds: int) -> int:
    lesson, course = await playable_lesson(db, user, lesson_id)
    row = await db.get(ListenPosition, (user.id, lesson.id))
    if row is None:
        db.add(
            ListenPosition(user_id=user.id, lesson_id=lesson.id, seconds=seconds, updated_at=clock.utcnow())
        )
        await db.execute(update(Lesson).where(Lesson.id == lesson.id).values(listens=Lesson.listens + 1))
        await _record_consumption(db, user, course)
    else:
        row.seconds, row.updated_at = seconds, clock.utcnow()
    await db.flush()
    return seconds


async def _record_consumption(db: AsyncSession, user: User, course: ContentItem) -> None:
    """Tell commerce how much of the course the buyer has started (the refund policy depends on it)."""
    order_id = await db.scalar(
        select(Purchase.order_id)
        .join(Order, Order.id == Purchase.order_id)
        .where(
            Purchase.client_id == user.id,
            Purchase.content_id == course.id,
            Order.status.in_(access.ENTITLING),
        )
    )
    if order_id is None:
        return
    total = (
        await db.scalar(select(func.count()).select_from(Lesson).where(Lesson.course_id == course.id)) or 1
    )
    started = (
        await db.scalar(
            select(func.count())
            .select_from(ListenPosition)
            .join(Lesson, Lesson.id == ListenPosition.lesson_id)
            .where(ListenPosition.user_id == user.id, Lesson.course_id == course.id)
        )
        or 0
    )
    await orders.record_consumption(db, order_id, int(10_000 * (started + 1) / total))


async def positions_of(db: AsyncSession, user: User | None, lesson_ids: list[int]) -> dict[int, int]:
    if user is None or not lesson_ids:
        return {}
    rows = await db.execute(
        select(ListenPosition.lesson_id, ListenPosition.seconds).where(
            ListenPosition.user_id == user.id, ListenPosition.lesson_id.in_(lesson_ids)
        )
    )
    return {int(lesson_id): int(seconds) for lesson_id, seconds in rows.all()}


async def media_of(db: AsyncSession, lesson_id: int, token: str) -> Lesson:
    """For the audio endpoint: the signed token names the listener; the entitlement is checked now."""
    listener_id = media.verify("lesson", lesson_id, token)
    lesson = await access.playable_media(db, listener_id, lesson_id)
    if lesson.storage_key is None:
        raise LessonNotFound()
    return lesson
