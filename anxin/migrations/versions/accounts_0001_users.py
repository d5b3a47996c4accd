"""accounts: users, login sessions, one-time codes, recovery codes, auth attempts, guardian consents

Revision ID: accounts_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "accounts_0001"
down_revision = None
branch_labels = ("accounts",)
depends_on = "core_0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("email_index", sa.String(64), nullable=True),
        sa.Column("phone_index", sa.String(64), nullable=True),
        sa.Column("email_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("phone_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("nickname", sa.String(40), nullable=True),
        sa.Column("birth_date_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("adult_on", sa.Date(), nullable=True),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("password_changed_at", Stamp, nullable=False),
        sa.Column("totp_secret_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("totp_pending_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("totp_enabled_at", Stamp, nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("guardian_confirmed_at", Stamp, nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("confirmed_at", Stamp, nullable=True),
        sa.Column("disabled_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email_index", name="uq_users_email_index"),
        sa.UniqueConstraint("phone_index", name="uq_users_phone_index"),
    )
    op.create_table(
        "login_sessions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_agent", sa.String(80), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("last_seen_at", Stamp, nullable=False),
        sa.Column("expires_at", Stamp, nullable=False),
        sa.Column("ended_at", Stamp, nullable=True),
        sa.Column("end_reason", sa.String(24), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_login_sessions"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_login_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("token_hash", name="uq_login_sessions_token_hash"),
    )
    op.create_index("ix_login_sessions_user_id", "login_sessions", ["user_id", "ended_at"])
    op.create_table(
        "one_time_codes",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("purpose", sa.String(24), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("expires_at", Stamp, nullable=False),
        sa.Column("used_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_one_time_codes"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_one_time_codes_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_one_time_codes_user_id", "one_time_codes", ["user_id", "purpose"])
    op.create_table(
        "recovery_codes",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("used_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_recovery_codes"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_recovery_codes_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])
    op.create_table(
        "auth_attempts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_auth_attempts"),
    )
    op.create_index("ix_auth_attempts_subject", "auth_attempts", ["scope", "subject", "at"])
    op.create_table(
        "guardian_consents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("guardian_name_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("guardian_contact_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("guardian_channel", sa.String(8), nullable=False),
        sa.Column("requested_at", Stamp, nullable=False),
        sa.Column("confirmed_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_guardian_consents"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_guardian_consents_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_guardian_consents_user_id", "guardian_consents", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_guardian_consents_user_id", table_name="guardian_consents")
    op.drop_table("guardian_consents")
    op.drop_index("ix_auth_attempts_subject", table_name="auth_attempts")
    op.drop_table("auth_attempts")
    op.drop_index("ix_recovery_codes_user_id", table_name="recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_index("ix_one_time_codes_user_id", table_name="one_time_codes")
    op.drop_table("one_time_codes")
    op.drop_index("ix_login_sessions_user_id", table_name="login_sessions")
    op.drop_table("login_sessions")
    op.drop_table("users")
