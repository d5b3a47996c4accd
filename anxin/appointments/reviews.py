"""Ratings and reviews: only a client who had a completed session, once per session; one reply by
the counsellor; anyone signed in may report a review, and admins hide it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_ADMIN, User
from anxin.appointments.booking import access_booking
from anxin.appointments.errors import BookingNotFound, ReviewNotAllowed
from anxin.appointments.models import COMPLETED, Review
from anxin.core import clock
from anxin.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from anxin.privacy import audit


async def write_review(
    db: AsyncSession, client: User, booking_id: int, *, rating: int, comment: str
) -> Review:
    booking = await access_booking(db, client, booking_id)
    if booking.client_id != client.id:
        raise BookingNotFound()
    if booking.status != COMPLETED:
        raise ReviewNotAllowed()
    if not 1 <= rating <= 5:
        raise ValidationFailed("Please give a rating from 1 to 5.")
    existing = await db.scalar(select(Review.id).where(Review.booking_id == booking.id))
    if existing is not None:
        raise ReviewNotAllowed()
    review = Review(
        booking_id=booking.id,
        client_id=client.id,
        counsellor_id=booking.counsellor_id,
        rating=rating,
        comment=comment.strip()[:2000],
        created_at=clock.utcnow(),
    )
    db.add(review)
    await db.flush()
    return review


async def _review(db: AsyncSession, review_id: int) -> Review:
    review = await db.get(Review, review_id)
    if review is None:
        raise NotFound("We could not find this review.")
    return review


async def reply(db: AsyncSession, counsellor: User, review_id: int, *, text: str) -> Review:
    review = await _review(db, review_id)
    if review.counsellor_id != counsellor.id:
        raise NotFound("We could not find this review.")
    if review.reply is not None:
        raise Conflict("You have already replied to this review.")
    if not text.strip():
        raise ValidationFailed("Please write your reply.")
    review.reply, review.replied_at = text.strip()[:2000], clock.utcnow()
    await db.flush()
    return review


async def report(db: AsyncSession, user: User, review_id: int) -> Review:
    review = await _review(db, review_id)
    if review.hidden_at is not None:
        raise NotFound("We could not find this review.")
    review.reported_at = review.reported_at or clock.utcnow()
    await db.flush()
    return review


async def hide(db: AsyncSession, admin: User, review_id: int) -> Review:
    if admin.role != ROLE_ADMIN:
        raise Forbidden()
    review = await _review(db, review_id)
    review.hidden_at = review.hidden_at or clock.utcnow()
    await audit.record(
        db,
        action="appointments.review_hidden",
        actor_id=admin.id,
        actor_role=admin.role,
        object_type="review",
        object_id=review.id,
        subject_id=review.client_id,
    )
    await db.flush()
    return review


async def reported_reviews(db: AsyncSession, admin: User) -> list[Review]:
    if admin.role != ROLE_ADMIN:
        raise Forbidden()
    rows = await db.scalars(
        select(Review)
        .where(Review.reported_at.is_not(None), Review.hidden_at.is_(None))
        .order_by(Review.reported_at)
    )
    return list(rows.all())


async def public_reviews(db: AsyncSession, counsellor_id: int, *, limit: int = 20) -> list[Review]:
    rows = await db.scalars(
        select(Review)
        .where(Review.counsellor_id == counsellor_id, Review.hidden_at.is_(None))
        .order_by(Review.created_at.desc())
        .limit(limit)
    )
    return list(rows.all())


@dataclass(frozen=True)
class Rating:
    average: float | None
    count: int


async def rating_of(db: AsyncSession, counsellor_id: int) -> Rating:
    row = (
        await db.execute(
            select(func.avg(Review.rating), func.count(Review.id)).where(
                Review.counsellor_id == counsellor_id, Review.hidden_at.is_(None)
            )
        )
    ).one()
    return Rating(round(float(row[0]), 1) if row[0] is not None else None, int(row[1]))
