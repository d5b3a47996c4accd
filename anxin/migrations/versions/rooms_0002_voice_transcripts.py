"""rooms: transcripts and voice indicators of voice messages

Revision ID: rooms_0002
Revises: rooms_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "rooms_0002"
down_revision = "rooms_0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "room_transcripts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("message_id", BigId, nullable=False),
        sa.Column("room_id", BigId, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("speaker_id", BigId, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("text_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("indicators_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("model_version", sa.String(80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_room_transcripts"),
        sa.UniqueConstraint("message_id", name="uq_room_transcripts_message_id"),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["room_messages.id"],
            name="fk_room_transcripts_message_id_room_messages",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name="fk_room_transcripts_room_id_rooms", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["speaker_id"], ["users.id"], name="fk_room_transcripts_speaker_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_room_transcripts_room_id", "room_transcripts", ["room_id"])


def downgrade() -> None:
    op.drop_index("ix_room_transcripts_room_id", table_name="room_transcripts")
    op.drop_table("room_transcripts")
