"""Tables of core.notify: the in-app notification centre and messages waiting to leave."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.outbox import BigId

STATUS_PENDING = "pending"
STATUS_SENT = "sent"
STATUS_EXPIRED = "expired"  # not sent in time; its text wiped


class Notification(Base):
    """One entry of a person's in-app notification centre. ``params`` holds ids and short
    non-personal values; the page renders the text from ``kind`` in the reader's language."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "recipient_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # No foreign key: people live in the accounts module, on the right of the import chain.
    recipient_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutgoingMessage(Base):
    """An e-mail, SMS or web push waiting to be sent. Once sent (or expired) its body is wiped and
    its address masked: the row stays as a record that something was sent, not what."""

    __tablename__ = "outgoing_messages"
    __table_args__ = (
        Index("ix_outgoing_messages_status", "status", "created_at"),
        # Not linked to a person: an address and text are held only until sent or expired (at most
        # ANXIN_NOTIFY_MESSAGE_TTL_MINUTES), then wiped; what stays names nobody.
        {"info": {"personal_data": False}},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(2000))
    template: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=STATUS_PENDING)
    # Sends that went through; a failed send rolls back with its job and is counted on the
    # outbox row (outbox_messages.attempts).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
