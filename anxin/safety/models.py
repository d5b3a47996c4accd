"""Safety's tables: risk flags and their history, the on-call rota, stored deep-analysis results,
emergency contacts and safety plans. Notes, analysis results, contacts and plans exist only sealed
with the subject's data key (erasure shreds them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.notify import N_
from anxin.core.outbox import BigId
from anxin.privacy.crypto import Encrypted

# Flag states: open (nobody has taken it), acknowledged (a human has it), closed (followed up).
OPEN = "open"
ACKNOWLEDGED = "acknowledged"
CLOSED = "closed"

# Where a flag came from.
ORIGIN_SCREEN = "screen"  # the inline screen in the writer's transaction
ORIGIN_DEEP = "deep"  # the background deep analysis
ORIGIN_ANSWER = "answer"  # a structured answer (PHQ-9 item 9)

LEVELS = ("low", "moderate", "high", "imminent")
HIGH_LEVELS = frozenset({"high", "imminent"})

FOLLOW_UPS = (
    "contacted",
    "safety_plan_made",
    "emergency_contact_reached",
    "emergency_services_called",
    "false_alarm",
)


class RiskFlag(Base):
    """A risk that a human must look at; one per stored object (``source`` + ``ref``)."""

    __tablename__ = "risk_flags"
    __table_args__ = (
        UniqueConstraint("source", "ref"),
        Index("ix_risk_flags_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(32))  # surface: room_message, diary, assessment, ...
    ref: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)  # stable codes, never text
    model_version: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    # The client's counsellor at the time, if any; escalation reaches the on-call admins.
    owner_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    follow_up: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RiskFlagEvent(Base):
    """One step in a flag's life (opened, alerted, escalated, acknowledged, note, follow-up)."""

    __tablename__ = "risk_flag_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    flag_id: Mapped[int] = mapped_column(BigId, ForeignKey("risk_flags.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(24))
    code: Mapped[str | None] = mapped_column(String(32))
    note_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OnCallShift(Base):
    """An admin on call from ``starts_at`` to ``ends_at``: escalations page them."""

    __tablename__ = "safety_oncall_shifts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TextAnalysis(Base):
    """The deep pass over one stored text, with the versions of the models that produced it."""

    __tablename__ = "safety_text_analyses"
    __table_args__ = (UniqueConstraint("source", "ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64))
    model_versions: Mapped[dict[str, Any]] = mapped_column(JSON)  # task -> version (no content)
    result_sealed: Mapped[bytes] = mapped_column(Encrypted())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EmergencyContact(Base):
    __tablename__ = "safety_emergency_contacts"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    contact_sealed: Mapped[bytes] = mapped_column(Encrypted())  # JSON: name, phone, relation, city
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SafetyPlan(Base):
    __tablename__ = "safety_plans"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    plan_sealed: Mapped[bytes] = mapped_column(Encrypted())  # JSON of the plan's sections
    updated_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# The safety plan's sections and their labels (msgids, translated when rendered).
PLAN_SECTIONS_LABELS = (
    (
        "warning_signs",
        N_("Warning signs: thoughts, feelings or situations that tell me a crisis may be coming"),
    ),
    ("coping_steps", N_("Things I can do on my own to feel calmer")),
    ("people_and_places", N_("People and places that help me, and people I can ask for help")),
    ("professionals", N_("Professionals and services I can call")),
)
