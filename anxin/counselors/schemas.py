"""Pydantic shapes of the counselors API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from anxin.counselors import search
from anxin.counselors.models import AvailabilityException, CounselorProfile


class ProfileIn(BaseModel):
    name_en: str = Field(min_length=1, max_length=80)
    name_zh: str = Field(min_length=1, max_length=80)
    bio_en: str = Field(default="", max_length=4000)
    bio_zh: str = Field(default="", max_length=4000)
    specialties: list[str] = Field(default_factory=list, max_length=8)
    approaches: list[str] = Field(default_factory=list, max_length=5)
    languages: list[str] = Field(min_length=1, max_length=3)
    gender: str
    city: str = Field(default="", max_length=60)
    currency: str = "CNY"
    prices: dict[str, int] = Field(description="Price of a 50-minute session per modality, minor units")
    first_session_discount_bp: int = Field(default=0, ge=0, le=5000)
    timezone: str = "Asia/Shanghai"
    buffer_minutes: int = Field(default=10, ge=0, le=120)


class CredentialIn(BaseModel):
    qualification: str
    licence_number: str = Field(min_length=3, max_length=60)
    issuing_body: str = Field(min_length=2, max_length=200)
    years_of_practice: int = Field(ge=0, le=70)
    supervised_hours: int = Field(ge=0, le=100_000)


class DecisionIn(BaseModel):
    approve: bool
    reason: str = Field(default="", max_length=500)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=3, max_length=500)


class RuleIn(BaseModel):
    weekday: int = Field(ge=0, le=6)
    start: str = Field(pattern=r"^\d{2}:\d{2}$", examples=["09:00"])
    end: str = Field(pattern=r"^\d{2}:\d{2}$", examples=["17:00"])


class AvailabilityIn(BaseModel):
    rules: list[RuleIn] = Field(max_length=50)


class ExceptionIn(BaseModel):
    kind: str = Field(pattern="^(blocked|extra)$")
    starts_at: datetime
    ends_at: datetime


class ExceptionOut(BaseModel):
    id: int
    kind: str
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, row: AvailabilityException) -> ExceptionOut:
        return cls(id=row.id, kind=row.kind, starts_at=row.starts_at, ends_at=row.ends_at)


class ProfileOut(BaseModel):
    counsellor_id: int
    status: str
    name_en: str
    name_zh: str
    bio_en: str
    bio_zh: str
    specialties: list[str]
    approaches: list[str]
    languages: list[str]
    modalities: list[str]
    gender: str
    city: str
    currency: str
    prices: dict[str, int]
    first_session_discount_bp: int
    timezone: str
    buffer_minutes: int
    decision_reason: str | None = None

    @classmethod
    def of(cls, row: CounselorProfile, *, private: bool = False) -> ProfileOut:
        prices = {
            modality: amount
            for modality, amount in (
                ("text", row.price_text),
                ("voice", row.price_voice),
                ("video", row.price_video),
            )
            if amount is not None
        }
        return cls(
            counsellor_id=row.counsellor_id,
            status=row.status,
            name_en=row.name_en,
            name_zh=row.name_zh,
            bio_en=row.bio_en,
            bio_zh=row.bio_zh,
            specialties=search.untag(row.specialties),
            approaches=search.untag(row.approaches),
            languages=search.untag(row.languages),
            modalities=search.untag(row.modalities),
            gender=row.gender,
            city=row.city,
            currency=row.currency,
            prices=prices,
            first_session_discount_bp=row.first_session_discount_bp,
            timezone=row.timezone,
            buffer_minutes=row.buffer_minutes,
            decision_reason=row.decision_reason if private else None,
        )
