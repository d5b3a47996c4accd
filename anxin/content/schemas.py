"""Pydantic in/out shapes of the content API. Paid text appears only in the shapes that the
entitlement check has filled (``body_html`` is null for someone without it)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from anxin.content.models import ContentItem, Lesson


class ItemIn(BaseModel):
    kind: str = Field(pattern="^(article|course|live_event)$")
    topic: str = Field(max_length=32)
    language: str = Field(max_length=8)
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(default="", max_length=1000)
    preview_md: str = Field(default="", max_length=100_000)
    body_md: str = Field(default="", max_length=200_000)
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    amount: int = Field(ge=0, le=100_000_00)
    capacity: int | None = Field(default=None, ge=1, le=10_000)
    starts_at: datetime | None = None


class ItemOut(BaseModel):
    id: int
    kind: str
    author_id: int
    status: str
    topic: str
    language: str
    title: str
    summary: str
    currency: str
    amount: int
    capacity: int | None
    seats_left: int | None
    starts_at: datetime | None
    published_at: datetime | None
    preview_html: str
    entitled: bool
    body_html: str | None = None

    @classmethod
    def of(cls, item: ContentItem, *, preview_html: str, entitled: bool, body_html: str | None) -> ItemOut:
        return cls(
            id=item.id,
            kind=item.kind,
            author_id=item.author_id,
            status=item.status,
            topic=item.topic,
            language=item.language,
            title=item.title,
            summary=item.summary,
            currency=item.currency,
            amount=item.amount,
            capacity=item.capacity,
            seats_left=None if item.capacity is None else item.capacity - item.seats_taken,
            starts_at=item.starts_at,
            published_at=item.published_at,
            preview_html=preview_html,
            entitled=entitled,
            body_html=body_html if entitled else None,
        )


class LessonOut(BaseModel):
    id: int
    course_id: int
    position: int
    title: str
    free: bool
    media_type: str | None
    size: int
    playable: bool
    notes_html: str | None = None
    audio_url: str | None = None
    position_seconds: int = 0

    @classmethod
    def of(
        cls,
        lesson: Lesson,
        *,
        playable: bool,
        notes_html: str | None,
        audio_url: str | None,
        position_seconds: int = 0,
    ) -> LessonOut:
        return cls(
            id=lesson.id,
            course_id=lesson.course_id,
            position=lesson.position,
            title=lesson.title,
            free=lesson.free,
            media_type=lesson.media_type,
            size=lesson.size,
            playable=playable,
            notes_html=notes_html if playable else None,
            audio_url=audio_url if playable else None,
            position_seconds=position_seconds,
        )


class BuyIn(BaseModel):
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    expected_amount: int = Field(ge=0)
    method: str = Field(default="wallet", max_length=16)
    card_number: str | None = Field(default=None, max_length=32)


class PurchaseOut(BaseModel):
    content_id: int
    order_id: int
    order_status: str
    amount: int
    currency: str


class PositionIn(BaseModel):
    seconds: int = Field(ge=0, le=100_000)


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    rating: int | None = Field(default=None, ge=1, le=5)


class CommentOut(BaseModel):
    id: int
    author_id: int
    rating: int | None
    text: str
    created_at: datetime
    show_resources: bool = False


class QuestionIn(BaseModel):
    counsellor_id: int = Field(ge=1)
    text: str = Field(min_length=5, max_length=2000)
    public: bool = False
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    expected_amount: int = Field(ge=1)
    method: str = Field(default="wallet", max_length=16)
    card_number: str | None = Field(default=None, max_length=32)


class AnswerIn(BaseModel):
    text: str = Field(min_length=1, max_length=10_000)


class QuestionOut(BaseModel):
    id: int
    asker_id: int | None
    counsellor_id: int
    public: bool
    status: str
    text: str | None
    amount: int
    unlock_amount: int
    currency: str
    deadline_at: datetime | None
    answered_at: datetime | None
    answer: str | None = None
    answer_audio_url: str | None = None
    # A recorded answer's transcript: "pending" until the worker wrote it, then "done" or "failed".
    answer_transcript: str | None = None
    answer_transcript_status: str | None = None
    entitled: bool = False
    show_resources: bool = False


class EventPostIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class EventPostOut(BaseModel):
    id: int
    kind: str
    author_id: int
    text: str
    created_at: datetime
    show_resources: bool = False


class StatsOut(BaseModel):
    content_id: int
    title: str
    kind: str
    sales: int
    listens: int
    gross: int
    net: int
    currency: str
