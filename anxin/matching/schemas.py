"""Matching's API shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from anxin.core.i18n import gettext
from anxin.matching.recommend import Recommendation
from anxin.matching.scoring import Intake
from anxin.matching.service import Listed


class IntakeIn(BaseModel):
    concerns: list[str] = Field(
        default_factory=list, max_length=8, description="Specialty keys, e.g. anxiety."
    )
    goals: str | None = Field(
        default=None, max_length=1000, description="In your words; kept sealed, not scored."
    )
    language: str | None = Field(default=None, description="zh, yue or en.")
    gender: str | None = Field(default=None, description="female, male or other.")
    approach: str | None = Field(default=None, description="cbt, psychodynamic, humanistic, …")
    modality: str | None = Field(default=None, description="text, voice or video.")
    budget: int | None = Field(
        default=None, ge=0, description="Most you want to pay per session, minor units."
    )
    currency: str = Field(default="CNY", pattern="^[A-Z]{3}$")
    times: list[str] = Field(
        default_factory=list, max_length=4, description="morning, afternoon, evening, weekend."
    )
    first_time: bool | None = None
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    phq9: int | None = Field(default=None, ge=0, le=27)
    gad7: int | None = Field(default=None, ge=0, le=21)
    limit: int = Field(default=10, ge=1, le=50)

    def intake(self) -> Intake:
        return Intake(
            concerns=tuple(dict.fromkeys(self.concerns)),
            language=self.language or None,
            gender=self.gender or None,
            approach=self.approach or None,
            modality=self.modality or None,
            budget=self.budget,
            currency=self.currency,
            times=tuple(dict.fromkeys(self.times)),
            first_time=self.first_time,
            timezone=self.timezone,
            phq9=self.phq9,
            gad7=self.gad7,
        )


class ReasonOut(BaseModel):
    code: str
    points: float
    text: str


class MatchOut(BaseModel):
    counsellor_id: int
    name: str
    score: float
    price: int | None
    currency: str
    next_slot: str | None
    reasons: list[ReasonOut]
    book_url: str
    profile_url: str

    @classmethod
    def of(cls, listed: Listed, locale: str, modality: str | None, reasons: list[ReasonOut]) -> MatchOut:
        candidate = listed.scored.candidate
        return cls(
            counsellor_id=candidate.counsellor_id,
            name=listed.name_zh if locale == "zh-CN" else listed.name_en,
            score=listed.scored.score,
            price=candidate.price(modality),
            currency=candidate.currency,
            next_slot=min(candidate.slots).isoformat() if candidate.slots else None,
            reasons=reasons,
            book_url=f"/counselors/{candidate.counsellor_id}/book",
            profile_url=f"/counselors/{candidate.counsellor_id}",
        )


class RecommendationOut(BaseModel):
    content_id: int
    kind: str
    topic: str
    title: str
    url: str
    reason: str
    score: float

    @classmethod
    def of(cls, found: Recommendation, locale: str) -> RecommendationOut:
        return cls(
            content_id=found.item.id,
            kind=found.item.kind,
            topic=found.item.topic,
            title=found.item.title,
            url=f"/library/{found.item.id}",
            reason=gettext(locale, found.reason, **found.params),
            score=found.score,
        )
