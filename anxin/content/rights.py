"""Export and erasure of what content holds about a person (registered in ``tasks``).

Erasure removes the person's comments, positions, event posts, questions (sealed with their key,
which privacy shreds too) and purchase rows; items they authored are withdrawn and deleted with
their lessons' files. The money side (orders, ledger) stays in commerce, de-identified there.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.content import transcripts
from anxin.content.models import (
    DELETED,
    Answerer,
    AnswerTranscript,
    Comment,
    ContentItem,
    EventPost,
    Lesson,
    ListenPosition,
    Purchase,
    Question,
    Unlock,
)
from anxin.content.storage import storage_for
from anxin.core.config import get_settings
from anxin.privacy.crypto import unseal

TABLES = (
    "content_items",
    "content_lessons",
    "content_purchases",
    "content_positions",
    "content_comments",
    "content_event_posts",
    "content_questions",
    "content_unlocks",
    "content_answerers",
    "content_answer_transcripts",
)


def _row(obj: Any) -> dict[str, Any]:
    return {
        column.name: getattr(obj, column.key)
        for column in obj.__table__.columns
        if not column.name.endswith("_sealed")
    }


async def export_content(db: AsyncSession, subject_id: int) -> dict[str, Any]:
    questions = []
    for row in (
        await db.scalars(
            select(Question).where(or_(Question.asker_id == subject_id, Question.counsellor_id == subject_id))
        )
    ).all():
        item = _row(row)
        if row.asker_id == subject_id:
            item["text"] = await unseal(db, row.text_sealed, context="content.question")
        if row.counsellor_id == subject_id and row.answer_sealed is not None:
            item["answer"] = await unseal(db, row.answer_sealed, context="content.answer")
            heard = await transcripts.view_of(db, row)
            if heard is not None:
                item["answer_transcript"] = heard.text
        questions.append(item)
    posts = []
    for post in (await db.scalars(select(EventPost).where(EventPost.author_id == subject_id))).all():
        entry = _row(post)
        entry["text"] = await unseal(db, post.text_sealed, context="content.event_post")
        posts.append(entry)

    async def rows(model: Any, *where: Any) -> list[dict[str, Any]]:
        return [_row(r) for r in (await db.scalars(select(model).where(*where))).all()]

    return {
        "items": await rows(ContentItem, ContentItem.author_id == subject_id),
        "purchases": await rows(Purchase, Purchase.client_id == subject_id),
        "positions": await rows(ListenPosition, ListenPosition.user_id == subject_id),
        "comments": await rows(Comment, Comment.author_id == subject_id),
        "event_posts": posts,
        "questions": questions,
        "unlocks": await rows(Unlock, Unlock.client_id == subject_id),
        "answerer": await rows(Answerer, Answerer.counsellor_id == subject_id),
    }


async def erase_content(db: AsyncSession, subject_id: int) -> None:
    files = list(
        (
            await db.scalars(
                select(Lesson.storage_key)
                .join(ContentItem, ContentItem.id == Lesson.course_id)
                .where(ContentItem.author_id == subject_id, Lesson.storage_key.is_not(None))
            )
        ).all()
    ) + list(
        (
            await db.scalars(
                select(Question.answer_storage_key).where(
                    or_(Question.asker_id == subject_id, Question.counsellor_id == subject_id),
                    Question.answer_storage_key.is_not(None),
                )
            )
        ).all()
    )
    await db.execute(delete(ListenPosition).where(ListenPosition.user_id == subject_id))
    await db.execute(delete(Comment).where(Comment.author_id == subject_id))
    await db.execute(delete(EventPost).where(EventPost.author_id == subject_id))
    await db.execute(delete(Unlock).where(Unlock.client_id == subject_id))
    await db.execute(
        delete(AnswerTranscript).where(
            AnswerTranscript.question_id.in_(
                select(Question.id).where(
                    or_(Question.asker_id == subject_id, Question.counsellor_id == subject_id)
                )
            )
        )
    )
    await db.execute(
        delete(Question).where(or_(Question.asker_id == subject_id, Question.counsellor_id == subject_id))
    )
    await db.execute(delete(Purchase).where(Purchase.client_id == subject_id))
    await db.execute(delete(Answerer).where(Answerer.counsellor_id == subject_id))
    # Authored items: buyers lose nothing they paid for in the books (commerce keeps the orders),
    # but the text goes with its author.
    await db.execute(
        update(ContentItem)
        .where(ContentItem.author_id == subject_id)
        .values(status=DELETED, title="", summary="", preview_md="", body_md="")
    )
    await db.execute(delete(ContentItem).where(ContentItem.author_id == subject_id))
    # The recordings go with the rows (a file already gone is fine).
    store = storage_for(get_settings().home)
    for key in files:
        if key:
            await asyncio.to_thread(store.delete, key)
