"""Tables of the content module (written only by its services).

One ``content_items`` table holds what is for sale (article, course, live event), so publishing,
prices, browsing and the entitlement check are one piece of code. Live events carry the seat rule
in the database itself: ``CHECK (seats_taken <= capacity)``, so no code path can oversell.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.outbox import BigId

ARTICLE = "article"
COURSE = "course"
LIVE_EVENT = "live_event"
KINDS = (ARTICLE, COURSE, LIVE_EVENT)

DRAFT = "draft"
PUBLISHED = "published"
UNPUBLISHED = "unpublished"
SUSPENDED = "suspended"  # withdrawn by an admin
DELETED = "deleted"

SEATS_CHECK = "capacity IS NULL OR (seats_taken >= 0 AND seats_taken <= capacity)"


class ContentItem(Base):
    __tablename__ = "content_items"
    __table_args__ = (
        CheckConstraint(SEATS_CHECK, name="ck_content_items_seats"),
        Index("ix_content_items_listing", "status", "language", "published_at"),
        Index("ix_content_items_author_id", "author_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000))
    preview_md: Mapped[str] = mapped_column(Text)  # free for everyone
    body_md: Mapped[str] = mapped_column(Text)  # the paid part
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)  # 0 = free
    catalog_item_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    capacity: Mapped[int | None] = mapped_column(Integer)  # live events only
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sales: Mapped[int] = mapped_column(Integer, default=0)  # for "most bought"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Lesson(Base):
    __tablename__ = "content_lessons"
    __table_args__ = (UniqueConstraint("course_id", "position", name="uq_content_lessons_position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    course_id: Mapped[int] = mapped_column(BigId, ForeignKey("content_items.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    notes_md: Mapped[str] = mapped_column(Text)
    free: Mapped[bool] = mapped_column(Boolean, default=False)
    storage_key: Mapped[str | None] = mapped_column(String(120))  # random, never a path from input
    media_type: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    listens: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Purchase(Base):
    """One per buyer and item: the unique pair refuses a second purchase; the order says if it holds."""

    __tablename__ = "content_purchases"
    __table_args__ = (
        UniqueConstraint("client_id", "content_id", name="uq_content_purchases_client_item"),
        Index("ix_content_purchases_content_id", "content_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    content_id: Mapped[int] = mapped_column(BigId, ForeignKey("content_items.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    seat_held: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ListenPosition(Base):
    __tablename__ = "content_positions"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("content_lessons.id", ondelete="CASCADE"), primary_key=True
    )
    seconds: Mapped[int] = mapped_column(Integer)  # whole seconds
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Comment(Base):
    """A rating (1-5, optional) and a comment on an item; the text goes through the risk screen."""

    __tablename__ = "content_comments"
    __table_args__ = (Index("ix_content_comments_content_id", "content_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    content_id: Mapped[int] = mapped_column(BigId, ForeignKey("content_items.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    rating: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EventPost(Base):
    """A message in a live event's room: the host's posts and attendees' questions (sealed)."""

    __tablename__ = "content_event_posts"
    __table_args__ = (Index("ix_content_event_posts_event_id", "event_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("content_items.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "post" (host) or "question"
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


ASKED = "asked"  # created, waiting for payment
OPEN = "open"  # paid, waiting for the answer
ANSWERED = "answered"
EXPIRED = "expired"  # not answered in time: refunded


class Question(Base):
    """A paid question to a verified counsellor (public or private), and its answer (sealed)."""

    __tablename__ = "content_questions"
    __table_args__ = (
        Index("ix_content_questions_counsellor_id", "counsellor_id", "status"),
        Index("ix_content_questions_asker_id", "asker_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    asker_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    public: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    unlock_amount: Mapped[int] = mapped_column(BigInteger)
    catalog_item_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    unlock_item_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    answer_storage_key: Mapped[str | None] = mapped_column(String(120))
    answer_media_type: Mapped[str | None] = mapped_column(String(40))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Unlock(Base):
    """Someone other than the asker paid to read a public answer."""

    __tablename__ = "content_unlocks"
    __table_args__ = (
        UniqueConstraint("client_id", "question_id", name="uq_content_unlocks_client_question"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(BigId, ForeignKey("content_questions.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Answerer(Base):
    """A counsellor's terms for paid questions: the price, the unlock fee and the answer deadline."""

    __tablename__ = "content_answerers"

    counsellor_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    price: Mapped[int] = mapped_column(BigInteger)
    unlock_price: Mapped[int] = mapped_column(BigInteger)
    deadline_hours: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


TRANSCRIPT_DONE = "done"
TRANSCRIPT_FAILED = "failed"


class AnswerTranscript(Base):
    """What a counsellor said in a recorded answer, written by the worker and sealed with their key."""

    __tablename__ = "content_answer_transcripts"

    question_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("content_questions.id", ondelete="CASCADE"), primary_key=True
    )
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    model_version: Mapped[str | None] = mapped_column(String(64))
    text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
