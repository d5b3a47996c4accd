"""Tables of the counselors module (written only by ``anxin.counselors.service``).

List-valued profile fields (specialties, approaches, languages, modalities) are stored as
``|a|b|`` tag strings so one ``LIKE '%|a|%'`` filters them the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.outbox import BigId

DRAFT = "draft"
PENDING = "pending"  # submitted, waiting in the admins' verification queue
VERIFIED = "verified"  # public in the directory
REJECTED = "rejected"
SUSPENDED = "suspended"
STATUSES = (DRAFT, PENDING, VERIFIED, REJECTED, SUSPENDED)


class CounselorProfile(Base):
    __tablename__ = "counselor_profiles"
    __table_args__ = (Index("ix_counselor_profiles_status", "status", "min_price"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    name_en: Mapped[str] = mapped_column(String(80))
    name_zh: Mapped[str] = mapped_column(String(80))
    bio_en: Mapped[str] = mapped_column(Text)
    bio_zh: Mapped[str] = mapped_column(Text)
    specialties: Mapped[str] = mapped_column(String(400))
    approaches: Mapped[str] = mapped_column(String(400))
    languages: Mapped[str] = mapped_column(String(100))
    modalities: Mapped[str] = mapped_column(String(40))
    gender: Mapped[str] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(60))
    currency: Mapped[str] = mapped_column(String(3))
    # Price of one 50-minute session per modality in minor units (None: not offered).
    price_text: Mapped[int | None] = mapped_column(Integer)
    price_voice: Mapped[int | None] = mapped_column(Integer)
    price_video: Mapped[int | None] = mapped_column(Integer)
    min_price: Mapped[int] = mapped_column(Integer)
    first_session_discount_bp: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    buffer_minutes: Mapped[int] = mapped_column(Integer)
    # Names and bios of both languages, normalised (see ``search.normalise``), for LIKE search.
    search_text: Mapped[str] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    # Random file name of the profile photo under ANXIN_HOME (see ``photos``); None: no photo.
    photo_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(BigId)


class Credential(Base):
    """A qualification the applicant holds; the licence number is sealed with their data key."""

    __tablename__ = "counselor_credentials"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    qualification: Mapped[str] = mapped_column(String(40))
    licence_number_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    issuing_body: Mapped[str] = mapped_column(String(200))
    years_of_practice: Mapped[int] = mapped_column(Integer)
    supervised_hours: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CredentialDocument(Base):
    """An uploaded certificate: the file is sealed on disk under ANXIN_HOME, named by ``storage_name``."""

    __tablename__ = "counselor_documents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    file_name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AvailabilityRule(Base):
    """A weekly window in the counsellor's own time zone (minutes after local midnight)."""

    __tablename__ = "availability_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # Monday = 0
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class AvailabilityException(Base):
    """A holiday or break (``blocked``) or a one-off extra window (``extra``), in UTC."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (Index("ix_availability_exceptions_counsellor_id", "counsellor_id", "starts_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
