"""Pydantic shapes of the assessments API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from anxin.assessments.instruments import Instrument
from anxin.assessments.models import AssessmentResponse
from anxin.core.i18n import gettext
from anxin.core.notify.templates import N_

# Ids fit a signed 64-bit column; a larger number is refused before it reaches the database.
MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]

RESOURCES_URL = "/api/v1/safety/resources"
RESOURCES_PAGE = "/safety/resources"
SCREENING_NOTE = N_(
    "This is a screening questionnaire, not a diagnosis. Please talk about your result with your counsellor."
)


class OptionOut(BaseModel):
    value: int
    label: str


class InstrumentOut(BaseModel):
    code: str
    version: int
    name: str
    instructions: str
    items: list[str]
    options: list[OptionOut]
    score_max: int
    licence: str

    @classmethod
    def of(cls, spec: Instrument, locale: str) -> InstrumentOut:
        return cls(
            code=spec.code,
            version=spec.version,
            name=spec.name.get(locale),
            instructions=spec.instructions.get(locale),
            items=[item.get(locale) for item in spec.items],
            options=[OptionOut(value=o.value, label=o.label.get(locale)) for o in spec.options],
            score_max=spec.score_max,
            licence=spec.licence,
        )


class SubmitIn(BaseModel):
    # Values are checked by the scoring function, so a wrong one gets its own clear message.
    answers: list[Any] = Field(max_length=50)
    assignment_id: RowId | None = None


class ResultOut(BaseModel):
    id: int
    instrument: str
    score: int
    score_max: int
    raw_total: int
    band: str
    band_label: str
    meaning: str
    screening_note: str
    at: datetime
    show_resources: bool = False
    resources_url: str | None = None

    @classmethod
    def of(
        cls, row: AssessmentResponse, spec: Instrument, locale: str, *, show_resources: bool = False
    ) -> ResultOut:
        band = next((b for b in spec.bands if b.code == row.band), spec.band_for(row.score))
        return cls(
            id=row.id,
            instrument=row.instrument,
            score=row.score,
            score_max=spec.score_max,
            raw_total=row.raw_total,
            band=band.code,
            band_label=band.label.get(locale),
            meaning=band.meaning.get(locale),
            screening_note=gettext(locale, SCREENING_NOTE),
            at=row.created_at,
            show_resources=show_resources,
            resources_url=RESOURCES_URL if show_resources else None,
        )


class DiaryIn(BaseModel):
    day: date
    mood: Any  # checked by the service: a whole number from 1 to 10
    emotions: list[str] = Field(default_factory=list, max_length=20)
    sleep_hours: float | None = None
    note: str | None = Field(default=None, max_length=20_000)


class SpokenNoteOut(BaseModel):
    """A spoken note: "pending" until the worker has transcribed it, then "done" or "failed"."""

    status: str
    transcript: str | None
    error: str | None
    audio_url: str


class DiaryOut(BaseModel):
    id: int
    day: date
    mood: int
    sleep_hours: float | None
    emotions: list[str]
    note: str | None
    show_resources: bool = False
    resources_url: str | None = None
    spoken_note: SpokenNoteOut | None = None


class TrendPointOut(BaseModel):
    start: date
    label: str
    mood_average: float
    sleep_average_hours: float | None
    entries: int


class SharingIn(BaseModel):
    measures: bool = False
    diary: bool = False


class SharingOut(BaseModel):
    measures: bool
    diary: bool


class AssignIn(BaseModel):
    instrument: str = Field(max_length=16)


class AssignmentOut(BaseModel):
    id: int
    client_id: int
    counsellor_id: int
    instrument: str
    status: str
    created_at: datetime
    completed_at: datetime | None


class ReferralIn(BaseModel):
    reason: str = Field(max_length=32)
    service_type: str = Field(max_length=32)
    notes: str | None = Field(default=None, max_length=20_000)


class ReferralOut(BaseModel):
    id: int
    client_id: int
    counsellor_id: int
    reason: str
    reason_label: str
    service_type: str
    service_type_label: str
    notes: str | None
    created_at: datetime


class MeasureOut(BaseModel):
    id: int
    instrument: str
    score: int
    band: str
    risk_reason: str | None  # e.g. "phq9_item9": the answer alone indicates risk
    at: datetime


class DiaryNumbersOut(BaseModel):
    day: date
    mood: int
    sleep_hours: float | None


class ClientOut(BaseModel):
    client_id: int
    measures_shared: bool
    diary_shared: bool
