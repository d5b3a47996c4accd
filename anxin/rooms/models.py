"""Rooms' tables. Message bodies, file names, report reasons and notes exist only sealed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.outbox import BigId
from anxin.privacy.crypto import Encrypted

STATUS_OPEN = "open"
STATUS_READ_ONLY = "read_only"  # the care relationship ended: history stays readable

KIND_TEXT = "text"
KIND_IMAGE = "image"
KIND_FILE = "file"
KIND_VOICE = "voice"

MEMBER_CLIENT = "client"
MEMBER_COUNSELOR = "counselor"


class Room(Base):
    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("client_id", "counselor_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    counselor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    # The newest message's seq; incremented under the room row's lock, so seqs have no gaps.
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Calls are allowed until then (a session window the counsellor opened, plus grace).
    call_open_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RoomMember(Base):
    """A participant's state in a room: how far they received and read, and whether they blocked."""

    __tablename__ = "room_members"

    room_id: Mapped[int] = mapped_column(BigId, ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    delivered_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    read_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RoomMessage(Base):
    __tablename__ = "room_messages"
    __table_args__ = (
        UniqueConstraint("room_id", "client_msg_id"),
        UniqueConstraint("room_id", "seq"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    room_id: Mapped[int] = mapped_column(BigId, ForeignKey("rooms.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    sender_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    client_msg_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    body_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    attachment_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("room_attachments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RoomAttachment(Base):
    """A file or voice message, stored sealed under ``$ANXIN_HOME/rooms/``."""

    __tablename__ = "room_attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    room_id: Mapped[int] = mapped_column(BigId, ForeignKey("rooms.id", ondelete="CASCADE"))
    uploader_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    name_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RoomReport(Base):
    """A participant reported the other one; admins work through these (the complaints queue)."""

    __tablename__ = "room_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    room_id: Mapped[int] = mapped_column(BigId, ForeignKey("rooms.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    reported_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    reason_sealed: Mapped[bytes] = mapped_column(Encrypted())
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionNote(Base):
    """A counsellor's private note, sealed with the counsellor's own data key."""

    __tablename__ = "room_session_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    room_id: Mapped[int] = mapped_column(BigId, ForeignKey("rooms.id", ondelete="CASCADE"))
    counselor_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    body_sealed: Mapped[bytes] = mapped_column(Encrypted())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


TRANSCRIPT_PENDING = "pending"
TRANSCRIPT_DONE = "done"
TRANSCRIPT_FAILED = "failed"


class RoomTranscript(Base):
    """The text of a voice message (sealed with the room's key), written by the worker; and, with the
    speaker's consent to emotion analysis, the recording's voice indicators (sealed JSON)."""

    __tablename__ = "room_transcripts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("room_messages.id", ondelete="CASCADE"), unique=True
    )
    room_id: Mapped[int] = mapped_column(BigId, ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    speaker_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    text_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    indicators_sealed: Mapped[bytes | None] = mapped_column(Encrypted())
    model_version: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
