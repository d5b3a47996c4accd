"""rooms: rooms, members, messages, attachments, reports, counsellors' session notes

Revision ID: rooms_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "rooms_0001"
down_revision = None
branch_labels = ("rooms",)
depends_on = "accounts_0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="CASCADE"
    )


def _room_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["room_id"], ["rooms.id"], name=f"fk_{table}_room_id_rooms", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("client_id", BigId, nullable=False),
        sa.Column("counselor_id", BigId, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("call_open_until", Stamp, nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("closed_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rooms"),
        sa.UniqueConstraint("client_id", "counselor_id", name="uq_rooms_client_id_counselor_id"),
        _user_fk("rooms", "client_id"),
        _user_fk("rooms", "counselor_id"),
    )
    op.create_index("ix_rooms_counselor_id", "rooms", ["counselor_id"])
    op.create_table(
        "room_members",
        sa.Column("room_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("delivered_seq", sa.BigInteger(), nullable=False),
        sa.Column("read_seq", sa.BigInteger(), nullable=False),
        sa.Column("blocked_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("room_id", "user_id", name="pk_room_members"),
        _room_fk("room_members"),
        _user_fk("room_members", "user_id"),
    )
    op.create_index("ix_room_members_user_id", "room_members", ["user_id"])
    op.create_table(
        "room_attachments",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("room_id", BigId, nullable=False),
        sa.Column("uploader_id", BigId, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("storage_name", sa.String(64), nullable=False),
        sa.Column("name_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_room_attachments"),
        sa.UniqueConstraint("storage_name", name="uq_room_attachments_storage_name"),
        _room_fk("room_attachments"),
        _user_fk("room_attachments", "uploader_id"),
    )
    op.create_table(
        "room_messages",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("room_id", BigId, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("sender_id", BigId, nullable=False),
        sa.Column("client_msg_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("attachment_id", BigId, nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_room_messages"),
        sa.UniqueConstraint("room_id", "client_msg_id", name="uq_room_messages_room_id_client_msg_id"),
        sa.UniqueConstraint("room_id", "seq", name="uq_room_messages_room_id_seq"),
        _room_fk("room_messages"),
        _user_fk("room_messages", "sender_id"),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["room_attachments.id"],
            name="fk_room_messages_attachment_id_room_attachments",
            ondelete="SET NULL",
        ),
    )
    op.create_table(
        "room_reports",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("room_id", BigId, nullable=False),
        sa.Column("reporter_id", BigId, nullable=False),
        sa.Column("reported_id", BigId, nullable=False),
        sa.Column("reason_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_room_reports"),
        _room_fk("room_reports"),
        _user_fk("room_reports", "reporter_id"),
        _user_fk("room_reports", "reported_id"),
    )
    op.create_table(
        "room_session_notes",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("room_id", BigId, nullable=False),
        sa.Column("counselor_id", BigId, nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_room_session_notes"),
        _room_fk("room_session_notes"),
        _user_fk("room_session_notes", "counselor_id"),
    )


def downgrade() -> None:
    for table in ("room_session_notes", "room_reports", "room_messages", "room_attachments", "room_members"):
        op.drop_table(table)
    op.drop_index("ix_rooms_counselor_id", table_name="rooms")
    op.drop_table("rooms")
