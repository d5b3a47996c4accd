"""content: items (articles, courses, live events with a seat CHECK), lessons, purchases, listening
positions, comments, event posts, paid questions and unlocks

Revision ID: content_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "content_0001"
down_revision = None
branch_labels = ("content",)
depends_on = ("commerce_0001", "counselors_0001", "privacy_0001")

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)
SEATS_CHECK = "capacity IS NULL OR (seats_taken >= 0 AND seats_taken <= capacity)"


def _user(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def _ref(name: str, table: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, BigId, sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "content_items",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        _user("author_id"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.String(1000), nullable=False),
        sa.Column("preview_md", sa.Text(), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("catalog_item_id", sa.BigInteger(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("starts_at", Stamp, nullable=True),
        sa.Column("sales", sa.Integer(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("published_at", Stamp, nullable=True),
        sa.UniqueConstraint("catalog_item_id", name="uq_content_items_catalog_item_id"),
        sa.CheckConstraint(SEATS_CHECK, name="ck_content_items_seats"),
    )
    op.create_index("ix_content_items_listing", "content_items", ["status", "language", "published_at"])
    op.create_index("ix_content_items_author_id", "content_items", ["author_id", "id"])
    op.create_table(
        "content_lessons",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _ref("course_id", "content_items"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("notes_md", sa.Text(), nullable=False),
        sa.Column("free", sa.Boolean(), nullable=False),
        sa.Column("storage_key", sa.String(120), nullable=True),
        sa.Column("media_type", sa.String(40), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("listens", sa.Integer(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.UniqueConstraint("course_id", "position", name="uq_content_lessons_position"),
    )
    op.create_table(
        "content_purchases",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _user("client_id"),
        _ref("content_id", "content_items"),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("seat_held", sa.Boolean(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.UniqueConstraint("client_id", "content_id", name="uq_content_purchases_client_item"),
    )
    op.create_index("ix_content_purchases_content_id", "content_purchases", ["content_id"])
    op.create_table(
        "content_positions",
        sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "lesson_id", BigId, sa.ForeignKey("content_lessons.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )
    op.create_table(
        "content_comments",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _ref("content_id", "content_items"),
        _user("author_id"),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_index("ix_content_comments_content_id", "content_comments", ["content_id", "id"])
    op.create_table(
        "content_event_posts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _ref("event_id", "content_items"),
        _user("author_id"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_index("ix_content_event_posts_event_id", "content_event_posts", ["event_id", "id"])
    op.create_table(
        "content_questions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _user("asker_id"),
        _user("counsellor_id"),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("text_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("unlock_amount", sa.BigInteger(), nullable=False),
        sa.Column("catalog_item_id", sa.BigInteger(), nullable=True),
        sa.Column("unlock_item_id", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("deadline_at", Stamp, nullable=True),
        sa.Column("answer_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("answer_storage_key", sa.String(120), nullable=True),
        sa.Column("answer_media_type", sa.String(40), nullable=True),
        sa.Column("answered_at", Stamp, nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.UniqueConstraint("catalog_item_id", name="uq_content_questions_catalog_item_id"),
        sa.UniqueConstraint("unlock_item_id", name="uq_content_questions_unlock_item_id"),
    )
    op.create_index("ix_content_questions_counsellor_id", "content_questions", ["counsellor_id", "status"])
    op.create_index("ix_content_questions_asker_id", "content_questions", ["asker_id", "id"])
    op.create_table(
        "content_unlocks",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        _user("client_id"),
        _ref("question_id", "content_questions"),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.UniqueConstraint("client_id", "question_id", name="uq_content_unlocks_client_question"),
    )
    op.create_table(
        "content_answerers",
        sa.Column("counsellor_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("unlock_price", sa.BigInteger(), nullable=False),
        sa.Column("deadline_hours", sa.Integer(), nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "content_answerers",
        "content_unlocks",
        "content_questions",
        "content_event_posts",
        "content_comments",
        "content_positions",
        "content_purchases",
        "content_lessons",
        "content_items",
    ):
        op.drop_table(table)
