"""Tables of the accounts module (written only by ``anxin.accounts`` services)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.outbox import BigId

ROLE_CLIENT = "client"
ROLE_COUNSELLOR = "counsellor"
ROLE_ADMIN = "admin"
ROLES = (ROLE_CLIENT, ROLE_COUNSELLOR, ROLE_ADMIN)

STATUS_PENDING = "pending"  # signed up, contact not yet confirmed with a code
STATUS_ACTIVE = "active"
STATUS_APPLICANT = "applicant"  # counsellor who confirmed their contact; verification comes later
STATUS_DISABLED = "disabled"

SESSION_COOKIE = "cookie"
SESSION_API = "api"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    # Blind indexes (keyed HMAC of the normal form) find an account by its e-mail or phone;
    # the readable values exist only sealed with the user's data key.
    email_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    nickname: Mapped[str | None] = mapped_column(String(40))
    birth_date_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The day the person reaches the age of majority of their region (None: adult or unknown).
    adult_on: Mapped[date | None] = mapped_column(Date)
    region: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(8))
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_pending_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    guardian_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_id", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(24))


class OneTimeCode(Base):
    """A code sent to a contact (sign-up, reset, guardian) or a sign-in challenge; single use."""

    __tablename__ = "one_time_codes"
    __table_args__ = (Index("ix_one_time_codes_user_id", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(24))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthAttempt(Base):
    """One guess at a secret, counted per account and per network address for throttling.

    ``subject`` is a keyed hash (of the identifier, or of the address), never the value itself.
    """

    __tablename__ = "auth_attempts"
    __table_args__ = (Index("ix_auth_attempts_subject", "scope", "subject", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(8))  # "account" or "ip"
    subject: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # password, otp, totp, reset, guardian
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GuardianConsent(Base):
    """A guardian's consent for a minor's care, confirmed with a code sent to the guardian."""

    __tablename__ = "guardian_consents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    guardian_name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    guardian_contact_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    guardian_channel: Mapped[str] = mapped_column(String(8))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
