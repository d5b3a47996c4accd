"""companion: conversations, messages, thought records, support requests

Revision ID: companion_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "companion_0001"
down_revision = None
branch_labels = ("companion",)
depends_on = "accounts_0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def _user_fk(table: str, column: str = "user_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "companion_conversations",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("state_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("exercise", sa.String(32), nullable=True),
        sa.Column("started_at", Stamp, nullable=False),
        sa.Column("last_at", Stamp, nullable=False),
        sa.Column("reminded_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_companion_conversations"),
        _user_fk("companion_conversations"),
    )
    op.create_index(
        "ix_companion_conversations_user_id", "companion_conversations", ["user_id", "started_at"]
    )
    op.create_table(
        "companion_messages",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("intent", sa.String(32), nullable=True),
        sa.Column("emotion", sa.String(16), nullable=True),
        sa.Column("risk_level", sa.String(16), nullable=True),
        sa.Column("flag_id", BigId, nullable=True),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_companion_messages"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["companion_conversations.id"],
            name="fk_companion_messages_conversation_id_companion_conversations",
            ondelete="CASCADE",
        ),
        _user_fk("companion_messages"),
    )
    op.create_index("ix_companion_messages_conversation_id", "companion_messages", ["conversation_id", "id"])
    op.create_index("ix_companion_messages_user_id", "companion_messages", ["user_id"])
    op.create_table(
        "companion_thought_records",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("conversation_id", BigId, nullable=True),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_companion_thought_records"),
        _user_fk("companion_thought_records"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["companion_conversations.id"],
            name="fk_companion_thought_records_conversation_id",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_companion_thought_records_user_id", "companion_thought_records", ["user_id"])
    op.create_table(
        "companion_support_requests",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("question_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("contact_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_companion_support_requests"),
        _user_fk("companion_support_requests"),
    )
    op.create_index("ix_companion_support_requests_user_id", "companion_support_requests", ["user_id"])


def downgrade() -> None:
    op.drop_table("companion_support_requests")
    op.drop_table("companion_thought_records")
    op.drop_table("companion_messages")
    op.drop_table("companion_conversations")
