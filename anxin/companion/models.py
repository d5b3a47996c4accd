"""Companion's tables. What people wrote and what the AI answered exist only sealed with the
client's own data key; labels (intent, emotion, risk level) are plain for summaries and audits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.outbox import BigId
from anxin.privacy.crypto import Encrypted

ROLE_USER = "user"
ROLE_AI = "ai"

SUPPORT_OPEN = "open"
SUPPORT_CLOSED = "closed"


class CompanionConversation(Base):
    __tablename__ = "companion_conversations"
    __table_args__ = (Index("ix_companion_conversations_user_id", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(8))
    # Exercise progress (step answers included) as sealed JSON: answers are the client's words.
    state_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    exercise: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CompanionMessage(Base):
    __tablename__ = "companion_messages"
    __table_args__ = (Index("ix_companion_messages_conversation_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("companion_conversations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # user | ai
    kind: Mapped[str] = mapped_column(String(16))
    body_sealed: Mapped[bytes] = mapped_column(Encrypted())
    intent: Mapped[str | None] = mapped_column(String(32))
    emotion: Mapped[str | None] = mapped_column(String(16))
    risk_level: Mapped[str | None] = mapped_column(String(16))
    flag_id: Mapped[int | None] = mapped_column(BigId)
    model_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ThoughtRecord(Base):
    """A completed CBT thought record (its fields as sealed JSON)."""

    __tablename__ = "companion_thought_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("companion_conversations.id", ondelete="SET NULL")
    )
    body_sealed: Mapped[bytes] = mapped_column(Encrypted())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SupportRequest(Base):
    """A question the help assistant could not answer, handed to a person."""

    __tablename__ = "companion_support_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Sealed with the asker's key, or a key of the request's own when nobody is signed in.
    owner: Mapped[str] = mapped_column(String(80))
    question_sealed: Mapped[bytes] = mapped_column(Encrypted())
    contact_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LabelCorrection(Base):
    """A counsellor's correction of an AI label (a message's risk or emotion, a flag).

    The de-identified text is kept (sealed with the writer's key) only when the writer consented
    to de-identified model training; consent is checked again whenever training data is exported.
    The counsellor's optional note is theirs (sealed with their key) and never leaves for training.
    """

    __tablename__ = "ai_label_corrections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    corrector_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    surface: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64))
    task: Mapped[str] = mapped_column(String(16))  # risk | emotion
    original_label: Mapped[str | None] = mapped_column(String(32))
    corrected_label: Mapped[str] = mapped_column(String(32))
    text_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    language: Mapped[str | None] = mapped_column(String(8))
    # The counsellor's optional note, sealed with the counsellor's own key (like session notes);
    # never training data.
    note_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
