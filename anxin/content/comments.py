"""Ratings and comments on items. Comments go through the same risk screen as every writing
(``hooks.text_written``, in the same transaction) and the writer sees crisis resources at once
when the screen says so."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import User
from anxin.content import access
from anxin.content.errors import NotEntitled
from anxin.content.models import Comment, ContentItem
from anxin.content.schemas import CommentOut
from anxin.core import clock, hooks


async def add_comment(
    db: AsyncSession, user: User, content_id: int, text: str, rating: int | None
) -> CommentOut:
    item = await access.access_item(db, user, content_id)
    if rating is not None and not await access.can_read(db, user, item):
        raise NotEntitled("Only people who have this item can rate it.")
    row = Comment(
        content_id=item.id, author_id=user.id, rating=rating, text=text.strip(), created_at=clock.utcnow()
    )
    db.add(row)
    await db.flush()
    outcomes = await hooks.text_written(
        db, hooks.TextWritten(user.id, surface="content_comment", ref=str(row.id), text=row.text)
    )
    return CommentOut(
        id=row.id,
        author_id=user.id,
        rating=rating,
        text=row.text,
        created_at=row.created_at,
        show_resources=hooks.needs_resources(outcomes),
    )


async def comments_of(db: AsyncSession, user: User | None, content_id: int) -> list[CommentOut]:
    item = await access.access_item(db, user, content_id)
    rows = await db.scalars(
        select(Comment).where(Comment.content_id == item.id).order_by(Comment.id.desc()).limit(100)
    )
    return [
        CommentOut(id=r.id, author_id=r.author_id, rating=r.rating, text=r.text, created_at=r.created_at)
        for r in rows.all()
    ]


async def comments_and_rating(
    db: AsyncSession, item: ContentItem
) -> tuple[list[CommentOut], float | None, int]:
    """:func:`comments_of` and :func:`rating_of` of an item the reader may see, in one query (the
    item page shows both on every view): the average and count run over all its comments, the list
    is the newest 100."""
    rows = (
        await db.execute(
            select(
                Comment,
                func.avg(Comment.rating).over().label("average"),
                func.count(Comment.rating).over().label("ratings"),
            )
            .where(Comment.content_id == item.id)
            .order_by(Comment.id.desc())
            .limit(100)
        )
    ).all()
    if not rows:
        return [], None, 0
    average, ratings = rows[0][1], int(rows[0][2])
    comments = [
        CommentOut(id=r.id, author_id=r.author_id, rating=r.rating, text=r.text, created_at=r.created_at)
        for r, _, _ in rows
    ]
    return comments, float(average) if average is not None else None, ratings


async def rating_of(db: AsyncSession, content_id: int) -> tuple[float | None, int]:
    row = (
        await db.execute(
            select(func.avg(Comment.rating), func.count(Comment.rating)).where(
                Comment.content_id == content_id, Comment.rating.is_not(None)
            )
        )
    ).one()
    return (float(row[0]) if row[0] is not None else None, int(row[1]))
