"""Matching's table: the client's latest intake answers, sealed with their own data key (so the
results can be shown again, and a change of counsellor starts from what they already said)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.outbox import BigId
from anxin.privacy.crypto import Encrypted


class MatchingIntake(Base):
    __tablename__ = "matching_intakes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    answers_sealed: Mapped[bytes] = mapped_column(Encrypted())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
