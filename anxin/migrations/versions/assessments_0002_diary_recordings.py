"""assessments: spoken diary notes (sealed audio file, sealed transcript)

Revision ID: assessments_0002
Revises: assessments_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assessments_0002"
down_revision = "assessments_0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "diary_recordings",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("entry_id", BigId, nullable=False),
        sa.Column("author_id", BigId, nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("storage_name", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("transcript_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("transcribed_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_diary_recordings"),
        sa.UniqueConstraint("entry_id", name="uq_diary_recordings_entry_id"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["diary_entries.id"],
            name="fk_diary_recordings_entry_id_diary_entries",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name="fk_diary_recordings_author_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_diary_recordings_author_id", "diary_recordings", ["author_id"])


def downgrade() -> None:
    op.drop_table("diary_recordings")
