"""assessments: questionnaire responses, assignments, mood diary, sharing choices, referrals

Revision ID: assessments_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assessments_0001"
down_revision = None
branch_labels = ("assessments",)
depends_on = "accounts_0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "assessment_assignments",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("client_id", BigId, nullable=False),
        sa.Column("counsellor_id", BigId, nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("completed_at", Stamp, nullable=True),
        sa.Column("response_id", BigId, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_assignments"),
        _user_fk("assessment_assignments", "client_id"),
        _user_fk("assessment_assignments", "counsellor_id"),
    )
    op.create_index("ix_assessment_assignments_client_id", "assessment_assignments", ["client_id", "status"])
    op.create_index("ix_assessment_assignments_counsellor_id", "assessment_assignments", ["counsellor_id"])
    op.create_table(
        "assessment_responses",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("instrument_version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("raw_total", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(24), nullable=False),
        sa.Column("answers_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("risk_reason", sa.String(24), nullable=True),
        sa.Column("assignment_id", BigId, nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_responses"),
        _user_fk("assessment_responses", "subject_id"),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assessment_assignments.id"],
            name="fk_assessment_responses_assignment_id_assessment_assignments",
            ondelete="SET NULL",
        ),
    )
    op.create_index(
        "ix_assessment_responses_subject_id",
        "assessment_responses",
        ["subject_id", "instrument", "created_at"],
    )
    op.create_table(
        "diary_entries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("author_id", BigId, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("mood", sa.Integer(), nullable=False),
        sa.Column("sleep_minutes", sa.Integer(), nullable=True),
        sa.Column("emotions_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("note_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_diary_entries"),
        sa.UniqueConstraint("author_id", "day", name="uq_diary_entries_author_id_day"),
        sa.CheckConstraint("mood >= 1 AND mood <= 10", name="ck_diary_entries_mood_range"),
        _user_fk("diary_entries", "author_id"),
    )
    op.create_table(
        "assessment_sharing",
        sa.Column("client_id", BigId, nullable=False),
        sa.Column("item_type", sa.String(16), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("client_id", "item_type", name="pk_assessment_sharing"),
        _user_fk("assessment_sharing", "client_id"),
    )
    op.create_table(
        "assessment_referrals",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("client_id", BigId, nullable=False),
        sa.Column("counsellor_id", BigId, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("service_type", sa.String(32), nullable=False),
        sa.Column("notes_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("seen_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_referrals"),
        _user_fk("assessment_referrals", "client_id"),
        _user_fk("assessment_referrals", "counsellor_id"),
    )
    op.create_index("ix_assessment_referrals_client_id", "assessment_referrals", ["client_id"])
    op.create_index("ix_assessment_referrals_counsellor_id", "assessment_referrals", ["counsellor_id"])


def downgrade() -> None:
    for table in (
        "assessment_referrals",
        "assessment_sharing",
        "diary_entries",
        "assessment_responses",
        "assessment_assignments",
    ):
        op.drop_table(table)
