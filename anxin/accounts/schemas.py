"""Request and response bodies of the /api/v1/auth endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

# Generous bounds: the service gives the precise, translated message; these only stop abuse.
Identifier = Field(min_length=1, max_length=254, description="E-mail address or mobile number.")
Password = Field(min_length=1, max_length=256)
Code = Field(min_length=1, max_length=64, description="A one-time code, TOTP code or recovery code.")


class SignUpIn(BaseModel):
    identifier: str = Identifier
    password: str = Password
    birth_date: date
    nickname: str | None = Field(default=None, max_length=40)
    role: Literal["client", "counsellor"] = "client"
    region: str = Field(default="CN", min_length=2, max_length=8)


class IdentifierIn(BaseModel):
    identifier: str = Identifier


class ConfirmIn(BaseModel):
    identifier: str = Identifier
    code: str = Code


class LoginIn(BaseModel):
    identifier: str = Identifier
    password: str = Password


class SecondStepIn(BaseModel):
    challenge: str = Field(min_length=1, max_length=128)
    code: str = Code


class PasswordChangeIn(BaseModel):
    current_password: str = Password
    new_password: str = Password


class PasswordResetIn(BaseModel):
    identifier: str = Identifier
    code: str = Code
    new_password: str = Password


class CodeIn(BaseModel):
    code: str = Code


class TotpDisableIn(BaseModel):
    password: str = Password
    code: str = Code


class GuardianIn(BaseModel):
    guardian_name: str = Field(min_length=1, max_length=80)
    guardian_contact: str = Identifier


class CodeSentOut(BaseModel):
    sent_to: str = Field(description="Where the code went, partly hidden.")


class TokenOut(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    user_id: int


class LoginOut(BaseModel):
    token: str | None = None
    user_id: int | None = None
    mfa_required: bool = False
    challenge: str | None = Field(
        default=None, description="Send with a TOTP code to /auth/login/second-step."
    )


class MeOut(BaseModel):
    id: int
    role: str
    status: str
    nickname: str | None
    mfa_enabled: bool
    mfa_setup_required: bool
    guardian_consent_required: bool


class SessionOut(BaseModel):
    id: int
    kind: str
    user_agent: str | None
    created_at: datetime
    last_seen_at: datetime
    current: bool


class TotpSetupOut(BaseModel):
    secret: str
    otpauth_uri: str


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]


class EndedOut(BaseModel):
    ended: int
