"""counselors: a profile photo per counsellor

Revision ID: counselors_0002
Revises: counselors_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "counselors_0002"
down_revision = "counselors_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("counselor_profiles") as batch:
        batch.add_column(sa.Column("photo_name", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("counselor_profiles") as batch:
        batch.drop_column("photo_name")
