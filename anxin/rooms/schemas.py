"""Rooms' API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from anxin.core import clock
from anxin.rooms.service import MessageView


class RoomOut(BaseModel):
    id: int
    client_id: int
    counselor_id: int
    status: str
    last_seq: int
    call_open_until: datetime | None


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)
    client_msg_id: str = Field(min_length=1, max_length=64)


class MessageOut(BaseModel):
    seq: int
    sender: int
    client_msg_id: str
    kind: str
    text: str | None
    attachment: int | None
    at: str

    @classmethod
    def of(cls, view: MessageView) -> MessageOut:
        return cls.model_validate(view.as_frame())


class StoredOut(BaseModel):
    seq: int
    client_msg_id: str
    duplicate: bool
    # Present (true) when a screen found risk: show crisis resources (GET /api/v1/safety/resources).
    show_resources: bool | None = None


class MarksIn(BaseModel):
    delivered: int | None = Field(default=None, ge=0)
    read: int | None = Field(default=None, ge=0)


class MarksOut(BaseModel):
    delivered: int
    read: int


class ReportIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class NoteOut(BaseModel):
    id: int
    at: datetime
    text: str


class CallWindowIn(BaseModel):
    minutes: int = Field(ge=1, le=24 * 60)


class IceOut(BaseModel):
    ice_servers: list[dict[str, Any]]
    expires_at: int | None


class TranscriptOut(BaseModel):
    seq: int
    status: str  # done or failed
    language: str | None
    text: str | None
    error: str | None  # why a recording could not be transcribed (e.g. no_speech)


class VoiceIndicatorPointOut(BaseModel):
    at: str
    seq: int
    values: dict[str, float]


class VoiceIndicatorsOut(BaseModel):
    note: str = "Indicators computed from the voice, not a diagnosis."
    points: list[VoiceIndicatorPointOut]

    @classmethod
    def of(cls, points: list[Any]) -> VoiceIndicatorsOut:
        return cls(
            points=[
                VoiceIndicatorPointOut(at=clock.as_utc(p.at).isoformat(), seq=p.seq, values=p.values)
                for p in points
            ]
        )
