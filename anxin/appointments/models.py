"""Tables of the appointments module (written only by its services).

``bookings`` carries the rule that matters most: a partial unique index on (counsellor, start)
over active rows (``held`` or ``confirmed``), so the database itself refuses a double booking on
SQLite and PostgreSQL alike, whatever the application code does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.outbox import BigId

HELD = "held"  # waiting for payment; released when the hold expires
CONFIRMED = "confirmed"  # paid
RELEASED = "released"  # the hold expired or payment failed
CANCELLED = "cancelled"  # by the client or the counsellor (see cancelled_by)
COMPLETED = "completed"  # held by the counsellor, or settled by the rule
CLIENT_NO_SHOW = "client_no_show"
COUNSELLOR_NO_SHOW = "counsellor_no_show"
ACTIVE = (HELD, CONFIRMED)
ACTIVE_SQL = "status IN ('held', 'confirmed')"


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_active_slot",
            "counsellor_id",
            "starts_at",
            unique=True,
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
        Index("ix_bookings_counsellor_id", "counsellor_id", "starts_at"),
        Index("ix_bookings_client_id", "client_id", "starts_at"),
        Index("ix_bookings_status", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modality: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)  # commerce catalog item
    order_id: Mapped[int | None] = mapped_column(BigInteger)  # commerce order, once paid
    hold_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[str | None] = mapped_column(String(16))  # client, counsellor, system
    refunded_amount: Mapped[int] = mapped_column(Integer, default=0)


class InformedConsent(Base):
    """The client accepted the informed-consent terms (this version) before sessions with a counsellor."""

    __tablename__ = "informed_consents"
    __table_args__ = (Index("ix_informed_consents_client_id", "client_id", "counsellor_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    text_hash: Mapped[str] = mapped_column(String(64))
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Review(Base):
    """A rating and review after a completed session (public unless hidden); one reply by the counsellor."""

    __tablename__ = "session_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    booking_id: Mapped[int] = mapped_column(BigId, ForeignKey("bookings.id", ondelete="CASCADE"), unique=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(2000))
    reply: Mapped[str | None] = mapped_column(String(2000))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Complaint(Base):
    """A complaint or ethics report about a counsellor; the details are sealed with the client's key."""

    __tablename__ = "counsellor_complaints"
    __table_args__ = (Index("ix_counsellor_complaints_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # complaint, ethics
    details_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))  # open, resolved
    outcome: Mapped[str | None] = mapped_column(String(24))  # no_action, guidance, suspended
    response: Mapped[str | None] = mapped_column(String(1000))  # seen by both sides
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[int | None] = mapped_column(BigId)


class CareRelationship(Base):
    """A client's ongoing care with one counsellor: opened by the first confirmed booking, ended by
    either side (the client ends it or asks for another counsellor; the counsellor refers on)."""

    __tablename__ = "care_relationships"
    __table_args__ = (Index("ix_care_relationships_client_id", "client_id", "counsellor_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    counsellor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # active, ended
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(24))  # client_ended, change_requested, referred
    referral_note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
