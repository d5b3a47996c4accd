"""Shapes for pages and the API, filled through the entitlement check (paid parts only when it allows)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import User
from anxin.content import access, buying, lessons, markdown, media
from anxin.content.models import ContentItem, Lesson
from anxin.content.schemas import ItemOut, LessonOut


async def item_out(db: AsyncSession, user: User | None, item: ContentItem) -> ItemOut:
    return _item_out(item, await access.can_read(db, user, item))


async def item_read(db: AsyncSession, user: User | None, item: ContentItem) -> tuple[ItemOut, int | None]:
    """The item as ``user`` may see it, and the order to mark read if this view opens an article's
    paid part for its buyer the first time (see :func:`anxin.content.buying.read_state`)."""
    entitled, unread_order = await buying.read_state(db, user, item)
    return _item_out(item, entitled), unread_order


def _item_out(item: ContentItem, entitled: bool) -> ItemOut:
    return ItemOut.of(
        item,
        preview_html=markdown.to_html(item.preview_md),
        entitled=entitled,
        body_html=markdown.to_html(item.body_md) if entitled else None,
    )


async def lessons_out(
    db: AsyncSession, user: User | None, course: ContentItem, rows: list[Lesson]
) -> list[LessonOut]:
    entitled = await access.can_read(db, user, course)
    positions = await lessons.positions_of(db, user, [row.id for row in rows])
    out = []
    for row in rows:
        playable = entitled or (row.free and course.status == "published")
        out.append(
            LessonOut.of(
                row,
                playable=playable,
                notes_html=markdown.to_html(row.notes_md) if playable else None,
                audio_url=media.lesson_url(row.id, user.id if user else 0)
                if playable and row.storage_key
                else None,
                position_seconds=positions.get(row.id, 0),
            )
        )
    return out
