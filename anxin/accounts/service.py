"""Accounts: sign-up and confirmation, sign-in (with two-step codes), sessions, passwords and
their reset, guardian consent for minors, and disabling an account.

Every guess at a secret goes through ``throttle`` and is written to the audit trail; failures are
raised as ``CountedFailure`` errors so that the route commits the record before answering.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import adapters, codes, mfa, passwords, sessions, throttle
from anxin.accounts.errors import (
    AccountNotActive,
    CountedLocked,
    CountedTooManyGuesses,
    ExpiredCode,
    GuardianConsentRequired,
    InvalidCode,
    InvalidCredentials,
    SignInTimedOut,
    UnknownUser,
    WrongCurrentPassword,
    WrongPassword,
)
from anxin.accounts.identifiers import Identifier, mask, parse_identifier
from anxin.accounts.models import (
    ROLE_ADMIN,
    ROLE_CLIENT,
    ROLE_COUNSELLOR,
    SESSION_COOKIE,
    STATUS_ACTIVE,
    STATUS_APPLICANT,
    STATUS_DISABLED,
    STATUS_PENDING,
    GuardianConsent,
    LoginSession,
    User,
)
from anxin.accounts.settings import account_settings
from anxin.core import clock
from anxin.core.errors import Conflict, RateLimited, ValidationFailed

MAX_NICKNAME = 40
MAX_GUARDIAN_NAME = 80
CHALLENGE_TTL = timedelta(minutes=5)
# Codes a person may ask for per purpose in this window (each one is a message sent somewhere).
CODE_SEND_WINDOW = timedelta(minutes=15)
CODE_SENDS_PER_WINDOW = 5
# Where sealed values live (the context each is bound to; a value cannot be moved between them).
FIELD_EMAIL = "users.email"
FIELD_PHONE = "users.phone"
FIELD_BIRTH_DATE = "users.birth_date"
FIELD_TOTP = "users.totp_secret"
FIELD_GUARDIAN_NAME = "guardian_consents.name"
FIELD_GUARDIAN_CONTACT = "guardian_consents.contact"


@dataclass(frozen=True, slots=True)
class CodeSent:
    """A code went out (or, for an address we cannot tell you about, seemed to)."""

    sent_to: str


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    token: str
    session_id: int


@dataclass(frozen=True, slots=True)
class SecondStepNeeded:
    """The password was right; a TOTP or recovery code must follow, quoting ``challenge``."""

    challenge: str


@dataclass(frozen=True, slots=True)
class TotpSetup:
    secret: str
    uri: str


# ---------------------------------------------------------------- lookups


async def get_user(db: AsyncSession, user_id: int) -> User:
    user = await db.get(User, user_id)
    if user is None:
        raise UnknownUser()
    return user


async def find_by_identifier(db: AsyncSession, identifier: Identifier) -> User | None:
    column = User.email_index if identifier.kind == "email" else User.phone_index
    return await db.scalar(select(User).where(column == identifier.index))


def account_key(user: User) -> str:
    """What guesses on this account are counted under (the blind index it signs in with)."""
    return user.email_index or user.phone_index or f"user:{user.id}"


async def contact_of(db: AsyncSession, user: User) -> Identifier | None:
    """The user's own e-mail address (preferred) or mobile number, unsealed."""
    email = await adapters.unseal(db, user.id, user.email_sealed, field=FIELD_EMAIL)
    if email:
        return Identifier("email", email)
    phone = await adapters.unseal(db, user.id, user.phone_sealed, field=FIELD_PHONE)
    return Identifier("phone", phone) if phone else None


# ---------------------------------------------------------------- throttled guesses


async def _guard(db: AsyncSession, subject: throttle.Subject, kind: str, user_id: int | None) -> None:
    try:
        await throttle.check(db, subject)
    except throttle.TooManyGuesses as exc:
        await adapters.audit(
            db, actor_id=None, action=f"accounts.{kind}", subject_id=user_id, outcome="throttled"
        )
        raise CountedTooManyGuesses(retry_after=exc.retry_after) from None


async def _failed(
    db: AsyncSession, subject: throttle.Subject, kind: str, user_id: int | None, error: Exception
) -> Exception:
    await throttle.record(db, subject, kind, succeeded=False)
    # The one guessing is unknown (maybe not the account's owner): no actor, the account as subject.
    await adapters.audit(db, actor_id=None, action=f"accounts.{kind}", subject_id=user_id, outcome="failure")
    return error


async def _succeeded(db: AsyncSession, subject: throttle.Subject, kind: str, user_id: int) -> None:
    await throttle.record(db, subject, kind, succeeded=True)
    await adapters.audit(
        db, actor_id=user_id, action=f"accounts.{kind}", subject_id=user_id, outcome="success"
    )


async def _send_code(
    db: AsyncSession, user: User, purpose: str, to: Identifier, template: str, *, locale: str
) -> CodeSent:
    if await codes.recently_issued(db, user.id, purpose, CODE_SEND_WINDOW) >= CODE_SENDS_PER_WINDOW:
        raise RateLimited(
            "We have sent several codes already. Please wait a few minutes before asking for another.",
            retry_after=int(CODE_SEND_WINDOW.total_seconds()),
        )
    code = await codes.issue(db, user.id, purpose)
    await adapters.send(
        db,
        channel=to.channel,
        address=to.value,
        template=template,
        params={"code": code, "minutes": account_settings().code_ttl_minutes},
        locale=locale,
        ttl=timedelta(minutes=account_settings().code_ttl_minutes),
    )
    return CodeSent(sent_to=mask(to))


# ---------------------------------------------------------------- sign-up


def adult_age_for(region: str) -> int:
    policy = account_settings()
    return policy.adult_age_by_region.get(region.upper(), policy.adult_age)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year + years, day=28)


def _check_birth_date(birth_date: date | None) -> date:
    today = clock.utcnow().date()
    if birth_date is None:
        raise ValidationFailed("Please enter your date of birth.")
    if birth_date >= today or birth_date < _add_years(today, -120):
        raise ValidationFailed("Please enter a real date of birth.")
    return birth_date


def _clean_nickname(nickname: str | None) -> str | None:
    cleaned = " ".join((nickname or "").split())
    if len(cleaned) > MAX_NICKNAME:
        raise ValidationFailed(
            "Your nickname can have at most {max} characters.", params={"max": MAX_NICKNAME}
        )
    return cleaned or None


async def sign_up(
    db: AsyncSession,
    *,
    identifier: str,
    password: str,
    birth_date: date | None,
    nickname: str | None = None,
    role: str = ROLE_CLIENT,
    region: str = "CN",
    locale: str = "zh-CN",
) -> CodeSent:
    """Start an account (client, or counsellor applicant) and send a code to confirm the contact.

    The answer is the same whether or not the address already has an account; its owner gets a
    note instead of a code, so sign-up cannot be used to find out who uses Anxin.
    """
    if role not in (ROLE_CLIENT, ROLE_COUNSELLOR):
        raise ValidationFailed("Please choose whether you are joining as a client or a counsellor.")
    contact = parse_identifier(identifier)
    born = _check_birth_date(birth_date)
    adult_on = _add_years(born, adult_age_for(region))
    is_minor = clock.utcnow().date() < adult_on
    if role == ROLE_COUNSELLOR and is_minor:
        raise ValidationFailed("Counsellors must be adults.")
    cleaned_nickname = _clean_nickname(nickname)
    passwords.check_new_password(password, personal=passwords.personal_fragments(contact.kind, contact.value))

    now = clock.utcnow()
    user = await find_by_identifier(db, contact)
    if user is not None and user.status != STATUS_PENDING:
        await adapters.send(
            db,
            channel=contact.channel,
            address=contact.value,
            template=adapters.TEMPLATE_SIGNUP_EXISTING,
            params={},
            locale=locale,
        )
        await adapters.audit(
            db, actor_id=None, action="accounts.signup", subject_id=user.id, outcome="existing"
        )
        return CodeSent(sent_to=mask(contact))
    if user is None:
        user = User(
            role=role,
            status=STATUS_PENDING,
            email_index=contact.index if contact.kind == "email" else None,
            phone_index=contact.index if contact.kind == "phone" else None,
            region=region.upper()[:8],
            locale=locale,
            password_hash=passwords.hash_password(password),
            password_changed_at=now,
            is_demo=False,
            created_at=now,
        )
        db.add(user)
        await db.flush()
    else:  # signing up again before confirming: the newest details win
        user.role = role
        user.region = region.upper()[:8]
        user.locale = locale
        user.password_hash = passwords.hash_password(password)
        user.password_changed_at = now
    user.nickname = cleaned_nickname
    user.adult_on = adult_on if is_minor else None
    user.birth_date_sealed = await adapters.seal(db, user.id, born.isoformat(), field=FIELD_BIRTH_DATE)
    if contact.kind == "email":
        user.email_sealed = await adapters.seal(db, user.id, contact.value, field=FIELD_EMAIL)
    else:
        user.phone_sealed = await adapters.seal(db, user.id, contact.value, field=FIELD_PHONE)
    await db.flush()
    await adapters.audit(db, actor_id=user.id, action="accounts.signup", subject_id=user.id)
    return await _send_code(
        db, user, codes.PURPOSE_SIGNUP, contact, adapters.TEMPLATE_SIGNUP_CODE, locale=locale
    )


async def resend_signup_code(db: AsyncSession, *, identifier: str, locale: str) -> CodeSent:
    contact = parse_identifier(identifier)
    user = await find_by_identifier(db, contact)
    if user is None or user.status != STATUS_PENDING:
        return CodeSent(sent_to=mask(contact))
    return await _send_code(
        db, user, codes.PURPOSE_SIGNUP, contact, adapters.TEMPLATE_SIGNUP_CODE, locale=locale
    )


async def confirm_sign_up(
    db: AsyncSession,
    *,
    identifier: str,
    code: str,
    ip_address: str | None,
    user_agent: str | None,
    kind: str = SESSION_COOKIE,
) -> SignedIn:
    """Confirm the contact with the code sent to it; the person is then signed in."""
    contact = parse_identifier(identifier)
    subject = throttle.Subject.of(contact.index, ip_address)
    user = await find_by_identifier(db, contact)
    user_id = user.id if user else None
    await _guard(db, subject, "otp", user_id)
    if user is None or user.status != STATUS_PENDING:
        raise await _failed(db, subject, "otp", user_id, ExpiredCode())
    result = await codes.consume(db, user.id, codes.PURPOSE_SIGNUP, code)
    if result is codes.CodeCheck.WRONG:
        raise await _failed(db, subject, "otp", user_id, InvalidCode())
    if result is codes.CodeCheck.EXPIRED:
        raise await _failed(db, subject, "otp", user_id, ExpiredCode())
    user.status = STATUS_APPLICANT if user.role == ROLE_COUNSELLOR else STATUS_ACTIVE
    user.confirmed_at = clock.utcnow()
    await _succeeded(db, subject, "otp", user.id)
    return await _open_session(db, user, kind=kind, user_agent=user_agent)


# ---------------------------------------------------------------- sign-in


async def _open_session(db: AsyncSession, user: User, *, kind: str, user_agent: str | None) -> SignedIn:
    token, row = await sessions.start(db, user, kind=kind, user_agent=user_agent)
    await adapters.audit(db, actor_id=user.id, action="accounts.session_start", subject_id=user.id, kind=kind)
    return SignedIn(user=user, token=token, session_id=row.id)


def _can_sign_in(user: User) -> bool:
    return user.status in (STATUS_ACTIVE, STATUS_APPLICANT)


async def sign_in(
    db: AsyncSession,
    *,
    identifier: str,
    password: str,
    ip_address: str | None,
    user_agent: str | None,
    kind: str = SESSION_COOKIE,
) -> SignedIn | SecondStepNeeded:
    contact = parse_identifier(identifier)
    if len(password) > passwords.MAX_LENGTH:
        raise ValidationFailed(
            "Your password can have at most {max} characters.", params={"max": passwords.MAX_LENGTH}
        )
    subject = throttle.Subject.of(contact.index, ip_address)
    user = await find_by_identifier(db, contact)
    user_id = user.id if user else None
    await _guard(db, subject, "password", user_id)
    try:
        await throttle.check_not_locked(db, contact.index)
    except throttle.AccountLockedUntilReset:
        await adapters.audit(
            db, actor_id=None, action="accounts.password", subject_id=user_id, outcome="locked"
        )
        raise CountedLocked() from None
    if not passwords.verify_password(user.password_hash if user else None, password) or user is None:
        raise await _failed(db, subject, "password", user_id, InvalidCredentials())
    await _succeeded(db, subject, "password", user.id)
    if user.status == STATUS_PENDING:
        raise ValidationFailed("Please confirm your account first with the code we sent you.")
    if not _can_sign_in(user):
        raise AccountNotActive()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    if user.totp_enabled_at is not None:
        secret = secrets.token_urlsafe(24)
        await codes.issue(db, user.id, codes.PURPOSE_LOGIN_MFA, code=secret, ttl=CHALLENGE_TTL)
        return SecondStepNeeded(challenge=f"{user.id}.{secret}")
    return await _open_session(db, user, kind=kind, user_agent=user_agent)


async def _check_second_factor(db: AsyncSession, user: User, code: str) -> bool:
    """A TOTP code (never one already used) or an unused recovery code."""
    secret = await adapters.unseal(db, user.id, user.totp_secret_sealed, field=FIELD_TOTP)
    if secret is None:
        return False
    step = mfa.matching_step(secret, code, after_step=user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        await db.flush()
        return True
    return mfa.looks_like_recovery_code(code) and await mfa.use_recovery_code(db, user, code)


async def complete_sign_in(
    db: AsyncSession,
    *,
    challenge: str,
    code: str,
    ip_address: str | None,
    user_agent: str | None,
    kind: str = SESSION_COOKIE,
) -> SignedIn:
    """Second step of sign-in: the challenge from :func:`sign_in` and a TOTP or recovery code."""
    user_part, _, secret = (challenge or "").partition(".")
    user = await db.get(User, int(user_part)) if user_part.isdigit() else None
    if user is None or not secret:
        raise SignInTimedOut()
    subject = throttle.Subject.of(account_key(user), ip_address)
    await _guard(db, subject, "totp", user.id)
    pending = await codes.find_live(db, user.id, codes.PURPOSE_LOGIN_MFA, secret)
    if pending is None or not _can_sign_in(user):
        raise await _failed(db, subject, "totp", user.id, SignInTimedOut())
    if not await _check_second_factor(db, user, code):
        raise await _failed(db, subject, "totp", user.id, InvalidCode())
    pending.used_at = clock.utcnow()
    await _succeeded(db, subject, "totp", user.id)
    return await _open_session(db, user, kind=kind, user_agent=user_agent)


async def sign_out(db: AsyncSession, row: LoginSession) -> None:
    await sessions.end(db, row, "logout")
    await adapters.audit(db, actor_id=row.user_id, action="accounts.logout", subject_id=row.user_id)


async def sign_out_everywhere(db: AsyncSession, user: User) -> int:
    count = await sessions.end_all(db, user.id, "logout_everywhere")
    await adapters.audit(db, actor_id=user.id, action="accounts.logout_everywhere", subject_id=user.id)
    return count


async def end_session(db: AsyncSession, user: User, session_id: int) -> None:
    """End one of the user's own sessions (from the list in the security settings)."""
    row = await db.get(LoginSession, session_id)
    if row is None or row.user_id != user.id:
        raise UnknownUser("We could not find this session.")
    await sessions.end(db, row, "ended_by_user")


# ---------------------------------------------------------------- passwords


async def change_password(
    db: AsyncSession,
    user: User,
    *,
    current_password: str,
    new_password: str,
    ip_address: str | None,
    user_agent: str | None,
    kind: str = SESSION_COOKIE,
) -> SignedIn:
    """Change the password; every session ends, and a fresh one opens for whoever changed it."""
    subject = throttle.Subject.of(account_key(user), ip_address)
    await _guard(db, subject, "password", user.id)
    if len(current_password) > passwords.MAX_LENGTH or not passwords.verify_password(
        user.password_hash, current_password
    ):
        raise await _failed(db, subject, "password", user.id, WrongCurrentPassword())
    contact = await contact_of(db, user)
    personal = passwords.personal_fragments(contact.kind, contact.value) if contact else []
    passwords.check_new_password(new_password, personal=personal)
    await _succeeded(db, subject, "password", user.id)
    await _set_password(db, user, new_password, reason="password_changed")
    return await _open_session(db, user, kind=kind, user_agent=user_agent)


async def _set_password(db: AsyncSession, user: User, new_password: str, *, reason: str) -> None:
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = clock.utcnow()
    await sessions.end_all(db, user.id, reason)
    await adapters.audit(db, actor_id=user.id, action=f"accounts.{reason}", subject_id=user.id)


async def request_password_reset(db: AsyncSession, *, identifier: str, locale: str) -> CodeSent:
    """Send a reset code if the account exists; the answer is the same either way."""
    contact = parse_identifier(identifier)
    user = await find_by_identifier(db, contact)
    if user is not None and _can_sign_in(user):
        # A refusal to send more codes would tell that the account exists: stay silent instead.
        with contextlib.suppress(RateLimited):
            await _send_code(
                db, user, codes.PURPOSE_RESET, contact, adapters.TEMPLATE_RESET_CODE, locale=locale
            )
    return CodeSent(sent_to=mask(contact))


async def reset_password(
    db: AsyncSession, *, identifier: str, code: str, new_password: str, ip_address: str | None
) -> None:
    """Set a new password with a reset code; the code is then used up and all sessions end."""
    contact = parse_identifier(identifier)
    subject = throttle.Subject.of(contact.index, ip_address)
    user = await find_by_identifier(db, contact)
    user_id = user.id if user else None
    await _guard(db, subject, "reset", user_id)
    if user is None or not _can_sign_in(user):
        raise await _failed(db, subject, "reset", user_id, ExpiredCode())
    passwords.check_new_password(
        new_password, personal=passwords.personal_fragments(contact.kind, contact.value)
    )
    result = await codes.consume(db, user.id, codes.PURPOSE_RESET, code)
    if result is codes.CodeCheck.WRONG:
        raise await _failed(db, subject, "reset", user_id, InvalidCode())
    if result is codes.CodeCheck.EXPIRED:
        raise await _failed(db, subject, "reset", user_id, ExpiredCode())
    await _succeeded(db, subject, "reset", user.id)
    await throttle.forget_account(db, contact.index, "password")
    await _set_password(db, user, new_password, reason="password_reset")


# ---------------------------------------------------------------- two-step sign-in (TOTP)


async def begin_totp_setup(db: AsyncSession, user: User) -> TotpSetup:
    if user.totp_enabled_at is not None:
        raise Conflict("Two-step sign-in is already on. Turn it off first to set up a new device.")
    secret = mfa.new_secret()
    user.totp_pending_sealed = await adapters.seal(db, user.id, secret, field=FIELD_TOTP)
    await db.flush()
    return await totp_setup_of(db, user)


async def totp_setup_of(db: AsyncSession, user: User) -> TotpSetup:
    secret = await adapters.unseal(db, user.id, user.totp_pending_sealed, field=FIELD_TOTP)
    if secret is None:
        raise Conflict("Please start setting up two-step sign-in again.")
    contact = await contact_of(db, user)
    label = mask(contact) if contact else f"user {user.id}"
    return TotpSetup(secret=secret, uri=mfa.provisioning_uri(secret, label))


async def confirm_totp_setup(db: AsyncSession, user: User, *, code: str, ip_address: str | None) -> list[str]:
    """Turn TOTP on once the app shows a matching code; returns 10 recovery codes (shown once)."""
    secret = await adapters.unseal(db, user.id, user.totp_pending_sealed, field=FIELD_TOTP)
    if secret is None:
        raise Conflict("Please start setting up two-step sign-in again.")
    subject = throttle.Subject.of(account_key(user), ip_address)
    await _guard(db, subject, "totp", user.id)
    step = mfa.matching_step(secret, code, after_step=None)
    if step is None:
        raise await _failed(db, subject, "totp", user.id, InvalidCode())
    user.totp_secret_sealed = user.totp_pending_sealed
    user.totp_pending_sealed = None
    user.totp_enabled_at = clock.utcnow()
    user.totp_last_step = step
    await _succeeded(db, subject, "totp", user.id)
    await adapters.audit(db, actor_id=user.id, action="accounts.totp_enabled", subject_id=user.id)
    return await mfa.new_recovery_codes(db, user)


async def disable_totp(
    db: AsyncSession, user: User, *, password: str, code: str, ip_address: str | None
) -> None:
    if user.totp_enabled_at is None:
        raise Conflict("Two-step sign-in is already off.")
    subject = throttle.Subject.of(account_key(user), ip_address)
    await _guard(db, subject, "totp", user.id)
    if len(password) > passwords.MAX_LENGTH or not passwords.verify_password(user.password_hash, password):
        raise await _failed(db, subject, "password", user.id, WrongPassword())
    if not await _check_second_factor(db, user, code):
        raise await _failed(db, subject, "totp", user.id, InvalidCode())
    await _succeeded(db, subject, "totp", user.id)
    user.totp_secret_sealed = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    await mfa.drop_recovery_codes(db, user.id)
    await adapters.audit(db, actor_id=user.id, action="accounts.totp_disabled", subject_id=user.id)


async def regenerate_recovery_codes(
    db: AsyncSession, user: User, *, code: str, ip_address: str | None
) -> list[str]:
    if user.totp_enabled_at is None:
        raise Conflict("Turn on two-step sign-in first.")
    subject = throttle.Subject.of(account_key(user), ip_address)
    await _guard(db, subject, "totp", user.id)
    if not await _check_second_factor(db, user, code):
        raise await _failed(db, subject, "totp", user.id, InvalidCode())
    await _succeeded(db, subject, "totp", user.id)
    return await mfa.new_recovery_codes(db, user)


def needs_mfa_setup(user: User) -> bool:
    return user.role in (ROLE_COUNSELLOR, ROLE_ADMIN) and user.totp_enabled_at is None


# ---------------------------------------------------------------- minors and guardian consent


def is_minor(user: User) -> bool:
    return user.adult_on is not None and clock.utcnow().date() < user.adult_on


async def require_care_access(db: AsyncSession, user: User) -> None:
    """Raise unless the user may use care features (a minor needs a guardian's confirmed consent)."""
    if not _can_sign_in(user):
        raise AccountNotActive()
    if is_minor(user) and not await adapters.has_guardian_consent(db, user.id):
        raise GuardianConsentRequired(params={"age": adult_age_for(user.region)})


async def request_guardian_consent(
    db: AsyncSession, user: User, *, guardian_name: str, guardian_contact: str, locale: str
) -> CodeSent:
    """Record who the guardian is (sealed) and send them a code that confirms their consent."""
    name = " ".join((guardian_name or "").split())
    if not name:
        raise ValidationFailed("Please enter your guardian's name.")
    if len(name) > MAX_GUARDIAN_NAME:
        raise ValidationFailed(
            "The name can have at most {max} characters.", params={"max": MAX_GUARDIAN_NAME}
        )
    contact = parse_identifier(guardian_contact)
    own = await contact_of(db, user)
    if own is not None and own.value == contact.value:
        raise ValidationFailed("Please enter your guardian's own e-mail address or mobile number, not yours.")
    db.add(
        GuardianConsent(
            user_id=user.id,
            guardian_name_sealed=await adapters.seal(db, user.id, name, field=FIELD_GUARDIAN_NAME),
            guardian_contact_sealed=await adapters.seal(
                db, user.id, contact.value, field=FIELD_GUARDIAN_CONTACT
            ),
            guardian_channel=contact.kind,
            requested_at=clock.utcnow(),
        )
    )
    await db.flush()
    await adapters.audit(db, actor_id=user.id, action="accounts.guardian_requested", subject_id=user.id)
    return await _send_code(
        db, user, codes.PURPOSE_GUARDIAN, contact, adapters.TEMPLATE_GUARDIAN_CODE, locale=locale
    )


async def confirm_guardian_consent(
    db: AsyncSession, user: User, *, code: str, ip_address: str | None
) -> None:
    subject = throttle.Subject.of(account_key(user), ip_address)
    await _guard(db, subject, "guardian", user.id)
    consent = await db.scalar(
        select(GuardianConsent)
        .where(GuardianConsent.user_id == user.id, GuardianConsent.confirmed_at.is_(None))
        .order_by(GuardianConsent.id.desc())
    )
    if consent is None:
        raise await _failed(db, subject, "guardian", user.id, ExpiredCode())
    result = await codes.consume(db, user.id, codes.PURPOSE_GUARDIAN, code)
    if result is codes.CodeCheck.WRONG:
        raise await _failed(db, subject, "guardian", user.id, InvalidCode())
    if result is codes.CodeCheck.EXPIRED:
        raise await _failed(db, subject, "guardian", user.id, ExpiredCode())
    now = clock.utcnow()
    consent.confirmed_at = now
    user.guardian_confirmed_at = now
    await _succeeded(db, subject, "guardian", user.id)
    await adapters.grant_guardian_consent(db, user.id)


# ---------------------------------------------------------------- administration


async def create_confirmed_user(
    db: AsyncSession,
    *,
    email: str,
    password: str,
    role: str,
    nickname: str | None = None,
    is_demo: bool = False,
) -> User:
    """An account whose contact needs no confirming (the first admin from the CLI, demo accounts)."""
    contact = parse_identifier(email)
    if contact.kind != "email":
        raise ValidationFailed("Please enter a valid e-mail address, like name@example.com.")
    if await find_by_identifier(db, contact) is not None:
        raise Conflict("An account with this e-mail address already exists.")
    passwords.check_new_password(password, personal=passwords.personal_fragments("email", contact.value))
    now = clock.utcnow()
    user = User(
        role=role,
        status=STATUS_ACTIVE,
        email_index=contact.index,
        nickname=_clean_nickname(nickname),
        region="CN",
        locale="zh-CN",
        password_hash=passwords.hash_password(password),
        password_changed_at=now,
        is_demo=is_demo,
        created_at=now,
        confirmed_at=now,
    )
    db.add(user)
    await db.flush()
    user.email_sealed = await adapters.seal(db, user.id, contact.value, field=FIELD_EMAIL)
    await db.flush()
    await adapters.audit(db, actor_id=None, action="accounts.user_created", subject_id=user.id, role=role)
    return user


async def create_admin(db: AsyncSession, *, email: str, password: str) -> User:
    return await create_confirmed_user(db, email=email, password=password, role=ROLE_ADMIN)


async def enable_totp_with_secret(db: AsyncSession, user: User, secret: str) -> None:
    """Turn on TOTP with a known secret (demo accounts, whose codes the CLI can show)."""
    user.totp_secret_sealed = await adapters.seal(db, user.id, secret, field=FIELD_TOTP)
    user.totp_enabled_at = clock.utcnow()
    await db.flush()


async def totp_secret_of(db: AsyncSession, user: User) -> str | None:
    return await adapters.unseal(db, user.id, user.totp_secret_sealed, field=FIELD_TOTP)


async def disable_account(db: AsyncSession, admin: User, user_id: int) -> User:
    """An administrator disables an account: its sessions end and its sockets close at once."""
    user = await get_user(db, user_id)
    if user.id == admin.id:
        raise Conflict("You cannot disable your own account.")
    user.status = STATUS_DISABLED
    user.disabled_at = clock.utcnow()
    await sessions.end_all(db, user.id, "disabled")
    await adapters.audit(db, actor_id=admin.id, action="accounts.disabled", subject_id=user.id)
    return user
