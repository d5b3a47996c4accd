"""Assessments' tables. Answers, diary feelings and notes, and referral notes exist only sealed
(the owner's data key); scores, bands and mood numbers stay plain so charts and dashboards work
without opening every answer."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.outbox import BigId
from anxin.privacy.crypto import Encrypted

ASSIGNMENT_OPEN = "open"
ASSIGNMENT_DONE = "done"

ITEM_MEASURES = "measures"
ITEM_DIARY = "diary"
ITEM_TYPES = (ITEM_MEASURES, ITEM_DIARY)


class AssessmentAssignment(Base):
    """A counsellor asked their client to take a questionnaire; done when the client answers it."""

    __tablename__ = "assessment_assignments"
    __table_args__ = (Index("ix_assessment_assignments_client_id", "client_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    instrument: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_id: Mapped[int | None] = mapped_column(BigId)


class AssessmentResponse(Base):
    __tablename__ = "assessment_responses"
    __table_args__ = (Index("ix_assessment_responses_subject_id", "subject_id", "instrument", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(16))
    instrument_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    raw_total: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(24))
    answers_sealed: Mapped[bytes] = mapped_column(Encrypted())
    risk_reason: Mapped[str | None] = mapped_column(String(24))
    assignment_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("assessment_assignments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DiaryEntry(Base):
    """One day of the mood diary (one entry per person and day; saving again updates it)."""

    __tablename__ = "diary_entries"
    __table_args__ = (
        UniqueConstraint("author_id", "day"),
        CheckConstraint("mood >= 1 AND mood <= 10", name="mood_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    mood: Mapped[int] = mapped_column(Integer)
    sleep_minutes: Mapped[int | None] = mapped_column(Integer)
    emotions_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    note_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SharingChoice(Base):
    """What a client lets their counsellor see, per item type, on top of the privacy consent."""

    __tablename__ = "assessment_sharing"

    client_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    item_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    shared: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Referral(Base):
    """A counsellor recorded that the client may need help beyond counselling, and where to turn."""

    __tablename__ = "assessment_referrals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    service_type: Mapped[str] = mapped_column(String(32))
    notes_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


RECORDING_PENDING = "pending"
RECORDING_DONE = "done"
RECORDING_FAILED = "failed"


class DiaryRecording(Base):
    """A spoken diary note: the audio is a sealed file under ANXIN_HOME (random name), the transcript
    the worker writes is sealed here; one per entry (a new recording replaces the old one)."""

    __tablename__ = "diary_recordings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("diary_entries.id", ondelete="CASCADE"), unique=True
    )
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    media_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    storage_name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    model_version: Mapped[str | None] = mapped_column(String(64))
    transcript_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    transcribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
