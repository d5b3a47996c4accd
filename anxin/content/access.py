"""The one entitlement check. Every channel (pages, API, the audio endpoint) asks these functions
before sending paid text or audio; nothing else decides who may read or listen.

An entitlement is derived from commerce, not stored apart: the buyer's purchase row points at an
order, and only an order that is paid (or fulfilled) entitles. A refund changes the order's status
in the same transaction as the money, so access ends at once, with no job to wait for.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_ADMIN, User
from anxin.commerce import orders
from anxin.commerce.models import Order
from anxin.content.errors import ContentNotFound, LessonNotFound, NotEntitled, QuestionNotFound
from anxin.content.models import ANSWERED, DELETED, PUBLISHED, ContentItem, Lesson, Purchase, Question, Unlock

ENTITLING = (orders.PAID, orders.FULFILLED)


def is_staff_for(user: User | None, item: ContentItem) -> bool:
    """The author and administrators see everything of an item, published or not."""
    return user is not None and (user.id == item.author_id or user.role == ROLE_ADMIN)


# Built once: the item page and the audio endpoint ask these on every request, and building a
# statement costs more CPU than PostgreSQL spends answering it.
_ENTITLING_ORDER = (
    select(Order.id, Order.consumed_bp)
    .join(Purchase, Purchase.order_id == Order.id)
    .where(
        Purchase.client_id == bindparam("user_id"),
        Purchase.content_id == bindparam("content_id"),
        Order.status.in_(ENTITLING),
    )
    .limit(1)
)


async def entitling_order(db: AsyncSession, user_id: int, content_id: int) -> tuple[int, int] | None:
    """(order id, consumed share in basis points) of the buyer's paid order for the item, if any."""
    row = (await db.execute(_ENTITLING_ORDER, {"user_id": user_id, "content_id": content_id})).first()
    return None if row is None else (row[0], row[1])


async def holds_purchase(db: AsyncSession, user_id: int, content_id: int) -> bool:
    return await entitling_order(db, user_id, content_id) is not None


async def can_read(db: AsyncSession, user: User | None, item: ContentItem) -> bool:
    """May ``user`` have the paid part of ``item`` (article text, every lesson, the event room)?"""
    if is_staff_for(user, item):
        return True
    if item.status != PUBLISHED and user is None:
        return False
    if item.amount == 0 and item.status == PUBLISHED:
        return True
    if user is None:
        return False
    return await holds_purchase(db, user.id, item.id)


async def access_item(db: AsyncSession, user: User | None, content_id: int) -> ContentItem:
    """The item if ``user`` may see that it exists: published, or theirs, or bought before it was
    withdrawn. Anything else is 'not found'."""
    item = await db.get(ContentItem, content_id)
    if item is None or item.status == DELETED:
        raise ContentNotFound()
    if item.status == PUBLISHED or is_staff_for(user, item):
        return item
    if user is not None and await holds_purchase(db, user.id, item.id):
        return item
    raise ContentNotFound()


async def access_lesson(db: AsyncSession, user: User | None, lesson_id: int) -> tuple[Lesson, ContentItem]:
    lesson = await db.get(Lesson, lesson_id)
    if lesson is None:
        raise LessonNotFound()
    try:
        course = await access_item(db, user, lesson.course_id)
    except ContentNotFound:
        raise LessonNotFound() from None
    return lesson, course


async def can_play(db: AsyncSession, user: User | None, lesson: Lesson, course: ContentItem) -> bool:
    """A free trial lesson of a published course plays for everyone; the rest needs the course."""
    if lesson.free and course.status == PUBLISHED:
        return True
    return await can_read(db, user, course)


_PLAYABLE_MEDIA = (
    select(
        Lesson,
        ContentItem.status,
        ContentItem.author_id,
        ContentItem.amount,
        User.role,
        select(Purchase.id)
        .join(Order, Order.id == Purchase.order_id)
        .where(Purchase.client_id == bindparam("listener_id"), Purchase.content_id == Lesson.course_id)
        .where(Order.status.in_(ENTITLING))
        .exists(),
    )
    .join(ContentItem, ContentItem.id == Lesson.course_id)
    .outerjoin(User, User.id == bindparam("listener_id"))
    .where(Lesson.id == bindparam("lesson_id"))
)


async def playable_media(db: AsyncSession, listener_id: int, lesson_id: int) -> Lesson:
    """The audio endpoint's form of :func:`access_lesson` + :func:`can_play`, in one round trip
    (the listener comes from the signed link; 0 = signed out). Same rules; the entitlement matrix
    test runs both paths."""
    row = (await db.execute(_PLAYABLE_MEDIA, {"listener_id": listener_id, "lesson_id": lesson_id})).first()
    if row is None:
        raise LessonNotFound()
    lesson, status, author_id, amount, role, has_bought = row
    staff = listener_id != 0 and (author_id == listener_id or role == ROLE_ADMIN)
    if status == DELETED or (status != PUBLISHED and not staff and not has_bought):
        raise LessonNotFound()
    if staff or has_bought or (status == PUBLISHED and (lesson.free or amount == 0)):
        return lesson
    raise NotEntitled()


async def access_question(db: AsyncSession, user: User | None, question_id: int) -> Question:
    """A public answered question is visible to all (its answer may be locked); a private one only
    to the asker, the counsellor and administrators."""
    question = await db.get(Question, question_id)
    if question is None:
        raise QuestionNotFound()
    if user is not None and (
        user.id in (question.asker_id, question.counsellor_id) or user.role == ROLE_ADMIN
    ):
        return question
    if question.public and question.status == ANSWERED:
        return question
    raise QuestionNotFound()


async def can_read_answer(db: AsyncSession, user: User | None, question: Question) -> bool:
    if question.status != ANSWERED or user is None:
        return False
    if user.id in (question.asker_id, question.counsellor_id) or user.role == ROLE_ADMIN:
        return True
    if not question.public:
        return False
    found = await db.scalar(
        select(Unlock.id)
        .join(Order, Order.id == Unlock.order_id)
        .where(Unlock.client_id == user.id, Unlock.question_id == question.id, Order.status.in_(ENTITLING))
        .limit(1)
    )
    return found is not None
