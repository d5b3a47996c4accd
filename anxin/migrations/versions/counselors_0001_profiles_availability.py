"""counselors: profiles, credentials, certificate documents, weekly availability and exceptions

Revision ID: counselors_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "counselors_0001"
down_revision = None
branch_labels = ("counselors",)
depends_on = "accounts_0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def _counsellor() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("counsellor_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "counselor_profiles",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _counsellor(),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("name_en", sa.String(80), nullable=False),
        sa.Column("name_zh", sa.String(80), nullable=False),
        sa.Column("bio_en", sa.Text(), nullable=False),
        sa.Column("bio_zh", sa.Text(), nullable=False),
        sa.Column("specialties", sa.String(400), nullable=False),
        sa.Column("approaches", sa.String(400), nullable=False),
        sa.Column("languages", sa.String(100), nullable=False),
        sa.Column("modalities", sa.String(40), nullable=False),
        sa.Column("gender", sa.String(16), nullable=False),
        sa.Column("city", sa.String(60), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("price_text", sa.Integer(), nullable=True),
        sa.Column("price_voice", sa.Integer(), nullable=True),
        sa.Column("price_video", sa.Integer(), nullable=True),
        sa.Column("min_price", sa.Integer(), nullable=False),
        sa.Column("first_session_discount_bp", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("buffer_minutes", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("decision_reason", sa.String(500), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.Column("submitted_at", Stamp, nullable=True),
        sa.Column("decided_at", Stamp, nullable=True),
        sa.Column("decided_by", BigId, nullable=True),
        sa.UniqueConstraint("counsellor_id", name="uq_counselor_profiles_counsellor_id"),
    )
    op.create_index("ix_counselor_profiles_status", "counselor_profiles", ["status", "min_price"])
    op.create_table(
        "counselor_credentials",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _counsellor(),
        sa.Column("qualification", sa.String(40), nullable=False),
        sa.Column("licence_number_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("issuing_body", sa.String(200), nullable=False),
        sa.Column("years_of_practice", sa.Integer(), nullable=False),
        sa.Column("supervised_hours", sa.Integer(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_index("ix_counselor_credentials_counsellor_id", "counselor_credentials", ["counsellor_id"])
    op.create_table(
        "counselor_documents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _counsellor(),
        sa.Column("storage_name", sa.String(64), nullable=False),
        sa.Column("file_name_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", Stamp, nullable=False),
        sa.UniqueConstraint("storage_name", name="uq_counselor_documents_storage_name"),
    )
    op.create_index("ix_counselor_documents_counsellor_id", "counselor_documents", ["counsellor_id"])
    op.create_table(
        "availability_rules",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _counsellor(),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
    )
    op.create_index("ix_availability_rules_counsellor_id", "availability_rules", ["counsellor_id"])
    op.create_table(
        "availability_exceptions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _counsellor(),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("starts_at", Stamp, nullable=False),
        sa.Column("ends_at", Stamp, nullable=False),
    )
    op.create_index(
        "ix_availability_exceptions_counsellor_id", "availability_exceptions", ["counsellor_id", "starts_at"]
    )


def downgrade() -> None:
    op.drop_table("availability_exceptions")
    op.drop_table("availability_rules")
    op.drop_table("counselor_documents")
    op.drop_table("counselor_credentials")
    op.drop_table("counselor_profiles")
