"""appointments: bookings (partial unique index on active slots), informed consents, reviews,
complaints, care relationships

Revision ID: appointments_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "appointments_0001"
down_revision = None
branch_labels = ("appointments",)
depends_on = "counselors_0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)
ACTIVE_SQL = "status IN ('held', 'confirmed')"


def _user(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _user("client_id"),
        _user("counsellor_id"),
        sa.Column("starts_at", Stamp, nullable=False),
        sa.Column("ends_at", Stamp, nullable=False),
        sa.Column("modality", sa.String(8), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("hold_expires_at", Stamp, nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("confirmed_at", Stamp, nullable=True),
        sa.Column("ended_at", Stamp, nullable=True),
        sa.Column("ended_by", sa.String(16), nullable=True),
        sa.Column("refunded_amount", sa.Integer(), nullable=False),
        sa.UniqueConstraint("item_id", name="uq_bookings_item_id"),
    )
    op.create_index(
        "uq_bookings_active_slot",
        "bookings",
        ["counsellor_id", "starts_at"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_SQL),
        postgresql_where=sa.text(ACTIVE_SQL),
    )
    op.create_index("ix_bookings_counsellor_id", "bookings", ["counsellor_id", "starts_at"])
    op.create_index("ix_bookings_client_id", "bookings", ["client_id", "starts_at"])
    op.create_index("ix_bookings_status", "bookings", ["status", "starts_at"])
    op.create_table(
        "informed_consents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _user("client_id"),
        _user("counsellor_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("accepted_at", Stamp, nullable=False),
    )
    op.create_index(
        "ix_informed_consents_client_id", "informed_consents", ["client_id", "counsellor_id", "version"]
    )
    op.create_table(
        "session_reviews",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("booking_id", BigId, sa.ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
        _user("client_id"),
        _user("counsellor_id"),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(2000), nullable=False),
        sa.Column("reply", sa.String(2000), nullable=True),
        sa.Column("replied_at", Stamp, nullable=True),
        sa.Column("reported_at", Stamp, nullable=True),
        sa.Column("hidden_at", Stamp, nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.UniqueConstraint("booking_id", name="uq_session_reviews_booking_id"),
    )
    op.create_index("ix_session_reviews_counsellor_id", "session_reviews", ["counsellor_id"])
    op.create_table(
        "counsellor_complaints",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _user("client_id"),
        _user("counsellor_id"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("details_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("response", sa.String(1000), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("resolved_at", Stamp, nullable=True),
        sa.Column("resolved_by", BigId, nullable=True),
    )
    op.create_index("ix_counsellor_complaints_client_id", "counsellor_complaints", ["client_id"])
    op.create_index("ix_counsellor_complaints_counsellor_id", "counsellor_complaints", ["counsellor_id"])
    op.create_index("ix_counsellor_complaints_status", "counsellor_complaints", ["status", "created_at"])
    op.create_table(
        "care_relationships",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _user("client_id"),
        _user("counsellor_id"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", Stamp, nullable=False),
        sa.Column("ended_at", Stamp, nullable=True),
        sa.Column("end_reason", sa.String(24), nullable=True),
        sa.Column("referral_note_sealed", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_care_relationships_client_id", "care_relationships", ["client_id", "counsellor_id"])
    op.create_index("ix_care_relationships_counsellor_id", "care_relationships", ["counsellor_id"])


def downgrade() -> None:
    op.drop_table("care_relationships")
    op.drop_table("counsellor_complaints")
    op.drop_table("session_reviews")
    op.drop_table("informed_consents")
    op.drop_table("bookings")
