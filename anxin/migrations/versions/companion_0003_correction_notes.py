"""companion: an optional note with a counsellor's correction of an AI label

Revision ID: companion_0003
Revises: companion_0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "companion_0003"
down_revision = "companion_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ai_label_corrections") as batch:
        batch.add_column(sa.Column("note_sealed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ai_label_corrections") as batch:
        batch.drop_column("note_sealed")
