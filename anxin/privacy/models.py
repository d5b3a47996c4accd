"""Tables of the privacy module. Subjects are plain user ids (no foreign keys: accounts is to the right).

``info={"personal_data": ...}`` marks whether a table holds personal data; the data-rights test
walks the metadata and fails for any personal table without export/erase handlers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.outbox import BigId

# Genesis value of the audit chain: the prev_hash of the first entry.
GENESIS_HASH = "0" * 64


class DataKey(Base):
    """One data key per owner ("user:<id>", "room:<id>", …), wrapped by a master key version.

    Destroying it (crypto-shredding) clears ``wrapped_key`` and sets ``destroyed_at``; the row stays
    so that ciphertexts naming it fail with ``KeyDestroyed`` rather than a puzzling "not found".
    """

    __tablename__ = "data_keys"
    __table_args__ = (
        UniqueConstraint("owner", name="uq_data_keys_owner"),
        Index("ix_data_keys_master_version", "master_version"),
        # Key material wrapped by a master key that never enters the database; not personal data.
        {"info": {"personal_data": False}},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(80))
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    master_version: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    destroyed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """An append-only, hash-chained record of who did what to whose data. Never personal content."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_subject", "subject_id", "seq"),
        {"info": {"personal_data": True}},
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(80))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row that names the chain's last entry; appends lock it to serialise."""

    __tablename__ = "audit_head"
    __table_args__ = ({"info": {"personal_data": False}},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class ConsentRecord(Base):
    """One grant or withdrawal of consent to one purpose; the history is append-only.

    After erasure the rows stay de-identified (``subject_id`` NULL, ``erased`` true) as proof of
    what was consented to and when, with nothing that points back to the person.
    """

    __tablename__ = "consent_records"
    __table_args__ = (
        Index("ix_consent_records_subject", "subject_id", "purpose", "id"),
        {"info": {"personal_data": True}},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    text_hash: Mapped[str] = mapped_column(String(64))
    granted: Mapped[bool] = mapped_column(Boolean)
    given_by: Mapped[str] = mapped_column(String(16))  # "subject" or "guardian"
    channel: Mapped[str] = mapped_column(String(16))  # "web", "api", "cli"
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    request_id: Mapped[str | None] = mapped_column(String(64))
    erased: Mapped[bool] = mapped_column(Boolean, default=False)
