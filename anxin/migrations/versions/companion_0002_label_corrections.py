"""companion: counsellors' corrections of AI labels

Revision ID: companion_0002
Revises: companion_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "companion_0002"
down_revision = "companion_0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ai_label_corrections",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("corrector_id", BigId, nullable=False),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("surface", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("task", sa.String(16), nullable=False),
        sa.Column("original_label", sa.String(32), nullable=True),
        sa.Column("corrected_label", sa.String(32), nullable=False),
        sa.Column("text_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ai_label_corrections"),
        sa.ForeignKeyConstraint(
            ["corrector_id"],
            ["users.id"],
            name="fk_ai_label_corrections_corrector_id_users",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name="fk_ai_label_corrections_subject_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_ai_label_corrections_corrector_id", "ai_label_corrections", ["corrector_id"])
    op.create_index("ix_ai_label_corrections_subject_id", "ai_label_corrections", ["subject_id"])


def downgrade() -> None:
    op.drop_table("ai_label_corrections")
