"""Safety's API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CrisisLineOut(BaseModel):
    name: str
    phone: str
    hours: str


class ResourcesOut(BaseModel):
    region: str
    region_name: str
    emergency_number: str
    lines: list[CrisisLineOut]
    page: str = "/safety/resources"


class FlagOut(BaseModel):
    id: int
    subject_id: int
    source: str
    origin: str
    level: str
    reasons: list[str]
    model_version: str | None
    status: str
    owner_id: int | None
    escalated: bool
    acknowledged_by: int | None
    follow_up: str | None
    created_at: datetime


class FlagEventOut(BaseModel):
    kind: str
    code: str | None
    actor_id: int | None
    note: str | None
    at: datetime


class FlagDetailOut(FlagOut):
    events: list[FlagEventOut]


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class FollowUpIn(BaseModel):
    code: str = Field(max_length=32)
    close: bool = False


class RegressionIn(BaseModel):
    set: str = Field(max_length=32)


class ContactIn(BaseModel):
    name: str = Field(max_length=200)
    phone: str = Field(max_length=40)
    relation: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=200)


class ContactOut(BaseModel):
    name: str
    phone: str
    relation: str
    city: str


class PlanIn(BaseModel):
    warning_signs: str = Field(default="", max_length=4000)
    coping_steps: str = Field(default="", max_length=4000)
    people_and_places: str = Field(default="", max_length=4000)
    professionals: str = Field(default="", max_length=4000)


class PlanOut(PlanIn):
    pass


class ShiftIn(BaseModel):
    user_id: int
    starts_at: datetime
    ends_at: datetime


class ShiftOut(BaseModel):
    id: int
    user_id: int
    starts_at: datetime
    ends_at: datetime
