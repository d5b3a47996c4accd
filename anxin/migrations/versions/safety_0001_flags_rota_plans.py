"""safety: risk flags and their events, on-call rota, deep-analysis results, emergency contacts,
safety plans

Revision ID: safety_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "safety_0001"
down_revision = None
branch_labels = ("safety",)
depends_on = "accounts_0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def _user_fk(table: str, column: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "risk_flags",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(80), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner_id", BigId, nullable=True),
        sa.Column("escalated_at", Stamp, nullable=True),
        sa.Column("acknowledged_by", BigId, nullable=True),
        sa.Column("acknowledged_at", Stamp, nullable=True),
        sa.Column("follow_up", sa.String(32), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("closed_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_risk_flags"),
        sa.UniqueConstraint("source", "ref", name="uq_risk_flags_source_ref"),
        _user_fk("risk_flags", "subject_id"),
        _user_fk("risk_flags", "owner_id", "SET NULL"),
        _user_fk("risk_flags", "acknowledged_by", "SET NULL"),
    )
    op.create_index("ix_risk_flags_subject_id", "risk_flags", ["subject_id"])
    op.create_index("ix_risk_flags_owner_id", "risk_flags", ["owner_id"])
    op.create_index("ix_risk_flags_status", "risk_flags", ["status", "created_at"])
    op.create_table(
        "risk_flag_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("flag_id", BigId, nullable=False),
        sa.Column("actor_id", BigId, nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("code", sa.String(32), nullable=True),
        sa.Column("note_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_flag_events"),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["risk_flags.id"], name="fk_risk_flag_events_flag_id_risk_flags", ondelete="CASCADE"
        ),
        _user_fk("risk_flag_events", "actor_id", "SET NULL"),
    )
    op.create_index("ix_risk_flag_events_flag_id", "risk_flag_events", ["flag_id"])
    op.create_table(
        "safety_oncall_shifts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("starts_at", Stamp, nullable=False),
        sa.Column("ends_at", Stamp, nullable=False),
        sa.Column("created_by", BigId, nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_safety_oncall_shifts"),
        _user_fk("safety_oncall_shifts", "user_id"),
        _user_fk("safety_oncall_shifts", "created_by", "SET NULL"),
    )
    op.create_index("ix_safety_oncall_shifts_user_id", "safety_oncall_shifts", ["user_id"])
    op.create_table(
        "safety_text_analyses",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("model_versions", sa.JSON(), nullable=False),
        sa.Column("result_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_safety_text_analyses"),
        sa.UniqueConstraint("source", "ref", name="uq_safety_text_analyses_source_ref"),
        _user_fk("safety_text_analyses", "subject_id"),
    )
    op.create_index("ix_safety_text_analyses_subject_id", "safety_text_analyses", ["subject_id"])
    op.create_table(
        "safety_emergency_contacts",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("contact_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_safety_emergency_contacts"),
        _user_fk("safety_emergency_contacts", "user_id"),
    )
    op.create_table(
        "safety_plans",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("plan_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("updated_by", BigId, nullable=True),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_safety_plans"),
        _user_fk("safety_plans", "user_id"),
        _user_fk("safety_plans", "updated_by", "SET NULL"),
    )


def downgrade() -> None:
    for table in (
        "safety_plans",
        "safety_emergency_contacts",
        "safety_text_analyses",
        "safety_oncall_shifts",
        "risk_flag_events",
        "risk_flags",
    ):
        op.drop_table(table)
