"""Companion's and the help assistant's API shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from anxin.companion.content import HelpArticle, Timer, lang_of
from anxin.companion.service import Exchange, MessageView, Summary


class ConversationIn(BaseModel):
    locale: str | None = Field(default=None, max_length=8, description="en or zh-CN (default: yours).")


class ConversationOut(BaseModel):
    id: int
    locale: str
    exercise: str | None
    messages: list[MessageOut]


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class ExerciseIn(BaseModel):
    exercise: str = Field(min_length=1, max_length=32)


class MessageOut(BaseModel):
    id: int
    role: str
    ai: bool
    kind: str
    text: str
    at: str

    @classmethod
    def of(cls, view: MessageView) -> MessageOut:
        return cls(id=view.id, role=view.role, ai=view.is_ai, kind=view.kind, text=view.text, at=view.at)


class TimerOut(BaseModel):
    inhale: int
    hold: int
    exhale: int
    cycles: int

    @classmethod
    def of(cls, timer: Timer | None) -> TimerOut | None:
        return cls(**timer.__dict__) if timer else None


class CrisisLineOut(BaseModel):
    name: str
    phone: str
    hours: str


class CrisisOut(BaseModel):
    region: str
    emergency_number: str
    lines: list[CrisisLineOut]
    resources_api: str = "/api/v1/safety/resources"
    safety_plan_url: str


class ExchangeOut(BaseModel):
    conversation_id: int
    messages: list[MessageOut]
    crisis: CrisisOut | None
    risk_level: str
    exercise: str | None
    timer: TimerOut | None
    offer_save: bool
    suggest_session: bool
    completed: str | None
    generated: bool

    @classmethod
    def of(cls, exchange: Exchange, crisis: CrisisOut | None) -> ExchangeOut:
        return cls(
            conversation_id=exchange.conversation_id,
            messages=[MessageOut.of(m) for m in exchange.messages],
            crisis=crisis,
            risk_level=exchange.risk_level,
            exercise=exchange.exercise,
            timer=TimerOut.of(exchange.timer),
            offer_save=exchange.offer_save,
            suggest_session=exchange.suggest_session,
            completed=exchange.completed,
            generated=exchange.generated,
        )


class ThoughtRecordOut(BaseModel):
    id: int
    at: str
    fields: dict[str, str]


class SummaryOut(BaseModel):
    client_id: int
    conversations: int
    messages: int
    last_at: str | None
    exercises: dict[str, int]
    emotions: dict[str, int]
    flags: list[dict[str, Any]]
    thought_records: int

    @classmethod
    def of(cls, summary: Summary) -> SummaryOut:
        return cls(**summary.__dict__)


class ExerciseOut(BaseModel):
    key: str
    title: str
    summary: str


class HelpQuestionIn(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    locale: str | None = Field(default=None, max_length=8)


class ArticleOut(BaseModel):
    slug: str
    title: str
    body: str
    url: str
    link: str

    @classmethod
    def of(cls, article: HelpArticle, locale: str) -> ArticleOut:
        lang = lang_of(locale)
        return cls(
            slug=article.slug,
            title=article.title(lang),
            body=article.body(lang),
            url=f"/help/{article.slug}",
            link=article.link,
        )


class HelpAnswerOut(BaseModel):
    confident: bool
    answer: ArticleOut | None
    related: list[ArticleOut]
    handover: bool = Field(description="True: the assistant is unsure; offer a support request.")
    score: float


class SupportRequestIn(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    contact: str | None = Field(default=None, max_length=200)
    locale: str | None = Field(default=None, max_length=8)


class SupportRequestOut(BaseModel):
    id: int
    status: str


class SupportViewOut(BaseModel):
    id: int
    user_id: int | None
    question: str
    contact: str | None
    locale: str
    status: str
    at: str


ConversationOut.model_rebuild()


class CorrectionIn(BaseModel):
    surface: str = Field(description="room_message or companion")
    ref: str = Field(min_length=1, max_length=64, description="The message id.")
    task: str = Field(description="risk or emotion")
    label: str = Field(
        min_length=1, max_length=32, description="The right label; for risk also false_alarm or missed_risk."
    )
    original_label: str | None = Field(default=None, max_length=32)
    note: str | None = Field(
        default=None, max_length=1000, description="The counsellor's own note; never training data."
    )


class CorrectionOut(BaseModel):
    id: int
    task: str
    corrected_label: str
    kept_for_training: bool


class DiaryCopyIn(BaseModel):
    mood: int | None = Field(
        default=None, ge=1, le=10, description="Today's mood, 1–10 (optional if today has an entry)."
    )


class DiaryCopyOut(BaseModel):
    entry_id: int
    day: str
