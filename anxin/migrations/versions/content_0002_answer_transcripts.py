"""content: transcripts of recorded answers to paid questions (sealed)

Revision ID: content_0002
Revises: content_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "content_0002"
down_revision = "content_0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "content_answer_transcripts",
        sa.Column(
            "question_id",
            BigId,
            sa.ForeignKey("content_questions.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("counsellor_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("storage_key", sa.String(120), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("text_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_index(
        "ix_content_answer_transcripts_counsellor_id", "content_answer_transcripts", ["counsellor_id"]
    )


def downgrade() -> None:
    op.drop_table("content_answer_transcripts")
