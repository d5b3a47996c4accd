"""Counsellor applications, verification, profiles, availability and the directory.

The only writer of the counselors tables. Profiles are public only while ``verified``; anything
else answers "not found" to everyone but the owner and admins.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_ADMIN, ROLE_COUNSELLOR, User
from anxin.core import clock
from anxin.core.errors import Conflict, Forbidden, ValidationFailed
from anxin.core.money import MINOR_UNIT_DIGITS, Money
from anxin.counselors import availability, files, search, vocab
from anxin.counselors.errors import (
    ApplicationIncomplete,
    CounselorNotFound,
    DocumentNotFound,
    DocumentRejected,
    NotAwaitingDecision,
)
from anxin.counselors.models import (
    DRAFT,
    PENDING,
    REJECTED,
    SUSPENDED,
    VERIFIED,
    AvailabilityException,
    AvailabilityRule,
    CounselorProfile,
    Credential,
    CredentialDocument,
)
from anxin.counselors.schemas import CredentialIn, ProfileIn, RuleIn
from anxin.privacy import audit
from anxin.privacy.crypto import seal, unseal, unseal_bytes, user_owner

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# Judged by the file's first bytes, never by the name or the browser's claim.
DOCUMENT_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
DOCUMENT_CONTEXT = "counselors.document"
LICENCE_CONTEXT = "counselors.licence_number"
FILE_NAME_CONTEXT = "counselors.document_name"
PRICE_MODALITIES = ("text", "voice", "video")
DIRECTORY_SCAN = 200


def documents_dir(home: Path) -> Path:
    return home / "counselors" / "documents"


def _require_counsellor(user: User) -> None:
    if user.role != ROLE_COUNSELLOR:
        raise Forbidden("Only counsellor accounts can do this.")


def _require_admin(user: User) -> None:
    if user.role != ROLE_ADMIN:
        raise Forbidden()


# ---------------------------------------------------------------- profile


async def own_profile(db: AsyncSession, user: User) -> CounselorProfile | None:
    return await db.scalar(select(CounselorProfile).where(CounselorProfile.counsellor_id == user.id))


def _check_choices(values: list[str], allowed: dict[str, str], what: str) -> list[str]:
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ValidationFailed(
            "Unknown {what}: {values}.", params={"what": what, "values": ", ".join(unknown)}
        )
    return list(dict.fromkeys(values))


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed("Please choose a valid time zone, like Asia/Shanghai.") from None
    return name


async def save_profile(db: AsyncSession, user: User, data: ProfileIn) -> CounselorProfile:
    """Create or update the counsellor's own profile (a verified profile stays verified)."""
    _require_counsellor(user)
    if data.currency not in MINOR_UNIT_DIGITS:
        raise ValidationFailed("We do not accept that currency.")
    if data.gender not in vocab.GENDERS:
        raise ValidationFailed("Please choose a gender from the list.")
    prices = {modality: amount for modality, amount in data.prices.items() if amount}
    _check_choices(list(prices), vocab.MODALITIES, "modality")
    if not prices or any(amount < 100 or amount > 10_000_00 for amount in prices.values()):
        raise ValidationFailed("Set a price between 1 and 10,000 for at least one way of meeting.")
    now = clock.utcnow()
    profile = await own_profile(db, user)
    if profile is None:
        profile = CounselorProfile(counsellor_id=user.id, status=DRAFT, created_at=now)
        db.add(profile)
    profile.name_en, profile.name_zh = data.name_en.strip(), data.name_zh.strip()
    profile.bio_en, profile.bio_zh = data.bio_en.strip(), data.bio_zh.strip()
    profile.specialties = search.tags(_check_choices(data.specialties, vocab.SPECIALTIES, "specialty"))
    profile.approaches = search.tags(_check_choices(data.approaches, vocab.APPROACHES, "approach"))
    profile.languages = search.tags(_check_choices(data.languages, vocab.LANGUAGES, "language"))
    profile.modalities = search.tags([m for m in PRICE_MODALITIES if m in prices])
    profile.gender, profile.city, profile.currency = data.gender, data.city.strip(), data.currency
    profile.price_text, profile.price_voice, profile.price_video = (prices.get(m) for m in PRICE_MODALITIES)
    profile.min_price = min(prices.values())
    profile.first_session_discount_bp = data.first_session_discount_bp
    profile.timezone = check_timezone(data.timezone)
    profile.buffer_minutes = data.buffer_minutes
    profile.search_text = search.normalise(profile.name_en, profile.name_zh, profile.bio_en, profile.bio_zh)
    profile.updated_at = now
    await db.flush()
    return profile


async def _own_profile_or_404(db: AsyncSession, user: User) -> CounselorProfile:
    profile = await own_profile(db, user)
    if profile is None:
        raise CounselorNotFound("Please write your profile first.")
    return profile


async def add_credential(db: AsyncSession, user: User, data: CredentialIn) -> Credential:
    _require_counsellor(user)
    await _own_profile_or_404(db, user)
    if data.qualification not in vocab.QUALIFICATIONS:
        raise ValidationFailed("Please choose a qualification from the list.")
    row = Credential(
        counsellor_id=user.id,
        qualification=data.qualification,
        licence_number_sealed=await seal(
            db, user_owner(user.id), data.licence_number.strip(), context=LICENCE_CONTEXT
        ),
        issuing_body=data.issuing_body.strip(),
        years_of_practice=data.years_of_practice,
        supervised_hours=data.supervised_hours,
        created_at=clock.utcnow(),
    )
    db.add(row)
    await db.flush()
    return row


def sniff_document(data: bytes) -> str:
    if not data or len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentRejected()
    for signature, content_type in DOCUMENT_SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    raise DocumentRejected()


async def add_document(
    db: AsyncSession, user: User, *, home: Path, file_name: str, data: bytes
) -> CredentialDocument:
    """Store a certificate sealed with the owner's data key: the file on disk reveals nothing."""
    _require_counsellor(user)
    await _own_profile_or_404(db, user)
    content_type = sniff_document(data)
    storage_name = secrets.token_hex(16)
    folder = documents_dir(home)
    sealed = await seal(db, user_owner(user.id), data, context=DOCUMENT_CONTEXT)
    row = CredentialDocument(
        counsellor_id=user.id,
        storage_name=storage_name,
        file_name_sealed=await seal(
            db, user_owner(user.id), (file_name or "certificate")[:120], context=FILE_NAME_CONTEXT
        ),
        content_type=content_type,
        size_bytes=len(data),
        uploaded_at=clock.utcnow(),
    )
    db.add(row)
    await db.flush()
    # Written before commit, so a committed row always has its file; deleted again on rollback.
    files.write(db, folder / storage_name, sealed)
    return row


@dataclass(frozen=True)
class OpenedDocument:
    file_name: str
    content_type: str
    data: bytes


async def access_document(db: AsyncSession, user: User, document_id: int, *, home: Path) -> OpenedDocument:
    """The owner's or, for admins, anyone's certificate (audited); everyone else gets 'not found'."""
    row = await db.get(CredentialDocument, document_id)
    if row is None or (row.counsellor_id != user.id and user.role != ROLE_ADMIN):
        raise DocumentNotFound()
    path = documents_dir(home) / row.storage_name
    if not path.exists():
        raise DocumentNotFound()
    data = await unseal_bytes(
        db, path.read_bytes(), context=DOCUMENT_CONTEXT, owner=user_owner(row.counsellor_id)
    )
    name = await unseal(db, row.file_name_sealed, context=FILE_NAME_CONTEXT)
    if user.id != row.counsellor_id:
        await audit.record(
            db,
            action="counselors.document_read",
            actor_id=user.id,
            actor_role=user.role,
            object_type="counselor_document",
            object_id=row.id,
            subject_id=row.counsellor_id,
        )
    return OpenedDocument(name, row.content_type, data)


async def _named_documents(db: AsyncSession, names: list[str]) -> list[str]:
    rows = await db.scalars(
        select(CredentialDocument.storage_name).where(CredentialDocument.storage_name.in_(names))
    )
    return list(rows.all())


async def sweep_orphan_documents(db: AsyncSession, *, home: Path) -> int:
    """Delete certificate files no row names (left by a process that died before committing)."""
    return await files.sweep_orphans(db, documents_dir(home), _named_documents)


async def documents_of(db: AsyncSession, counsellor_id: int) -> list[CredentialDocument]:
    rows = await db.scalars(
        select(CredentialDocument)
        .where(CredentialDocument.counsellor_id == counsellor_id)
        .order_by(CredentialDocument.id)
    )
    return list(rows.all())


@dataclass(frozen=True)
class CredentialView:
    qualification: str
    licence_number: str
    issuing_body: str
    years_of_practice: int
    supervised_hours: int


async def credentials_of(db: AsyncSession, user: User, counsellor_id: int) -> list[CredentialView]:
    """Credentials with the licence number opened: for the owner and admins only (audited for admins)."""
    if user.id != counsellor_id and user.role != ROLE_ADMIN:
        raise CounselorNotFound()
    rows = (await db.scalars(select(Credential).where(Credential.counsellor_id == counsellor_id))).all()
    views = [
        CredentialView(
            row.qualification,
            await unseal(db, row.licence_number_sealed, context=LICENCE_CONTEXT),
            row.issuing_body,
            row.years_of_practice,
            row.supervised_hours,
        )
        for row in rows
    ]
    if rows and user.id != counsellor_id:
        await audit.record(
            db,
            action="counselors.credentials_read",
            actor_id=user.id,
            actor_role=user.role,
            object_type="counselor_profile",
            object_id=counsellor_id,
            subject_id=counsellor_id,
        )
    return views


async def submit_application(db: AsyncSession, user: User) -> CounselorProfile:
    profile = await _own_profile_or_404(db, user)
    if profile.status not in (DRAFT, REJECTED):
        raise Conflict("Your application has already been sent.")
    has_credential = await db.scalar(
        select(func.count()).select_from(Credential).where(Credential.counsellor_id == user.id)
    )
    has_document = await db.scalar(
        select(func.count())
        .select_from(CredentialDocument)
        .where(CredentialDocument.counsellor_id == user.id)
    )
    if not has_credential or not has_document:
        raise ApplicationIncomplete()
    profile.status, profile.submitted_at, profile.decision_reason = PENDING, clock.utcnow(), None
    await db.flush()
    return profile


# ---------------------------------------------------------------- admin: verification, suspension


async def verification_queue(db: AsyncSession, admin: User) -> list[CounselorProfile]:
    _require_admin(admin)
    rows = await db.scalars(
        select(CounselorProfile)
        .where(CounselorProfile.status == PENDING)
        .order_by(CounselorProfile.submitted_at)
    )
    return list(rows.all())


async def _profile_for_admin(db: AsyncSession, admin: User, counsellor_id: int) -> CounselorProfile:
    _require_admin(admin)
    profile = await db.scalar(
        select(CounselorProfile).where(CounselorProfile.counsellor_id == counsellor_id).with_for_update()
    )
    if profile is None:
        raise CounselorNotFound()
    return profile


async def decide(
    db: AsyncSession, admin: User, counsellor_id: int, *, approve: bool, reason: str
) -> CounselorProfile:
    profile = await _profile_for_admin(db, admin, counsellor_id)
    if profile.status != PENDING:
        raise NotAwaitingDecision()
    if not approve and len(reason.strip()) < 3:
        raise ValidationFailed("Please tell the applicant why, so they can put it right.")
    profile.status = VERIFIED if approve else REJECTED
    profile.decision_reason = reason.strip() or None
    profile.decided_at, profile.decided_by = clock.utcnow(), admin.id
    await audit.record(
        db,
        action="counselors.verified" if approve else "counselors.rejected",
        actor_id=admin.id,
        actor_role=admin.role,
        object_type="counselor_profile",
        object_id=counsellor_id,
        subject_id=counsellor_id,
    )
    await db.flush()
    return profile


async def suspend(db: AsyncSession, admin: User, counsellor_id: int, *, reason: str) -> CounselorProfile:
    profile = await _profile_for_admin(db, admin, counsellor_id)
    profile.status, profile.decision_reason = SUSPENDED, reason.strip()
    profile.decided_at, profile.decided_by = clock.utcnow(), admin.id
    await audit.record(
        db,
        action="counselors.suspended",
        actor_id=admin.id,
        actor_role=admin.role,
        object_type="counselor_profile",
        object_id=counsellor_id,
        subject_id=counsellor_id,
    )
    await db.flush()
    return profile


async def reinstate(db: AsyncSession, admin: User, counsellor_id: int) -> CounselorProfile:
    profile = await _profile_for_admin(db, admin, counsellor_id)
    if profile.status != SUSPENDED:
        raise Conflict("Only a suspended counsellor can be reinstated.")
    profile.status, profile.decision_reason, profile.decided_at = VERIFIED, None, clock.utcnow()
    await db.flush()
    return profile


# ---------------------------------------------------------------- public side


async def public_profile(db: AsyncSession, counsellor_id: int) -> CounselorProfile:
    """A verified counsellor's profile; anything else is 'not found'."""
    profile = await db.scalar(select(CounselorProfile).where(CounselorProfile.counsellor_id == counsellor_id))
    if profile is None or profile.status != VERIFIED:
        raise CounselorNotFound()
    return profile


def price_of(profile: CounselorProfile, modality: str) -> Money:
    amount = {"text": profile.price_text, "voice": profile.price_voice, "video": profile.price_video}.get(
        modality
    )
    if amount is None:
        raise ValidationFailed("This counsellor does not offer that way of meeting.")
    return Money(amount, profile.currency)


@dataclass(frozen=True)
class DirectoryQuery:
    text: str = ""
    specialty: str | None = None
    language: str | None = None
    modality: str | None = None
    gender: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    available_within_days: int | None = None  # e.g. 7: at least one free slot in the coming week
    limit: int = 20
    offset: int = 0


async def directory(db: AsyncSession, query: DirectoryQuery) -> list[CounselorProfile]:
    """Verified counsellors matching every filter, cheapest first (see ``search`` for the text part)."""
    conditions = [CounselorProfile.status == VERIFIED]
    for column, value, allowed in (
        (CounselorProfile.specialties, query.specialty, vocab.SPECIALTIES),
        (CounselorProfile.languages, query.language, vocab.LANGUAGES),
        (CounselorProfile.modalities, query.modality, vocab.MODALITIES),
    ):
        if value:
            if value not in allowed:
                return []
            conditions.append(column.like(f"%|{value}|%"))
    if query.gender:
        conditions.append(CounselorProfile.gender == query.gender)
    price_column = {
        "text": CounselorProfile.price_text,
        "voice": CounselorProfile.price_voice,
        "video": CounselorProfile.price_video,
    }.get(query.modality or "", CounselorProfile.min_price)
    if query.min_price is not None:
        conditions.append(price_column >= query.min_price)
    if query.max_price is not None:
        conditions.append(price_column <= query.max_price)
    conditions.extend(
        CounselorProfile.search_text.like(pattern) for pattern in search.like_patterns(query.text)
    )
    rows = await db.scalars(
        select(CounselorProfile)
        .where(and_(*conditions))
        .order_by(price_column, CounselorProfile.id)
        .limit(min(max(query.limit, 1), 200))
        .offset(max(query.offset, 0))
    )
    return list(rows.all())


# ---------------------------------------------------------------- availability


def parse_clock(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 24 * 60:
        raise ValidationFailed("Please enter times as hours:minutes, like 09:00.")
    return hours * 60 + minutes


async def set_weekly_rules(db: AsyncSession, user: User, rules: list[RuleIn]) -> list[AvailabilityRule]:
    _require_counsellor(user)
    await _own_profile_or_404(db, user)
    parsed = []
    for rule in rules:
        start, end = parse_clock(rule.start), parse_clock(rule.end)
        if end - start < availability.SESSION_MINUTES:
            raise ValidationFailed("Each window must be long enough for one 50-minute session.")
        parsed.append(
            AvailabilityRule(counsellor_id=user.id, weekday=rule.weekday, start_minute=start, end_minute=end)
        )
    await db.execute(delete(AvailabilityRule).where(AvailabilityRule.counsellor_id == user.id))
    db.add_all(parsed)
    await db.flush()
    return parsed


async def add_exception(
    db: AsyncSession, user: User, *, kind: str, starts_at: datetime, ends_at: datetime
) -> AvailabilityException:
    _require_counsellor(user)
    await _own_profile_or_404(db, user)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationFailed("Times need a time zone offset.")
    if ends_at <= starts_at or ends_at - starts_at > timedelta(days=60):
        raise ValidationFailed("The end must come after the start, at most 60 days later.")
    row = AvailabilityException(
        counsellor_id=user.id, kind=kind, starts_at=clock.as_utc(starts_at), ends_at=clock.as_utc(ends_at)
    )
    db.add(row)
    await db.flush()
    return row


async def remove_exception(db: AsyncSession, user: User, exception_id: int) -> None:
    row = await db.get(AvailabilityException, exception_id)
    if row is None or row.counsellor_id != user.id:
        raise CounselorNotFound("We could not find this exception.")
    await db.delete(row)
    await db.flush()


@dataclass(frozen=True)
class Calendar:
    """What availability expansion needs about one counsellor (busy times come from appointments)."""

    timezone: str
    buffer_minutes: int
    rules: list[availability.WeeklyRule]
    exceptions: list[availability.Exception_]


async def calendar_of(
    db: AsyncSession,
    counsellor_id: int,
    start: datetime,
    end: datetime,
    *,
    profile: CounselorProfile | None = None,
) -> Calendar:
    if profile is None:
        profile = await db.scalar(
            select(CounselorProfile).where(CounselorProfile.counsellor_id == counsellor_id)
        )
    if profile is None:
        raise CounselorNotFound()
    rules = await db.scalars(select(AvailabilityRule).where(AvailabilityRule.counsellor_id == counsellor_id))
    exceptions = await db.scalars(
        select(AvailabilityException).where(
            AvailabilityException.counsellor_id == counsellor_id,
            AvailabilityException.starts_at < end,
            AvailabilityException.ends_at > start,
        )
    )
    return Calendar(
        profile.timezone,
        profile.buffer_minutes,
        [availability.WeeklyRule(r.weekday, r.start_minute, r.end_minute) for r in rules],
        [
            availability.Exception_(e.kind, clock.as_utc(e.starts_at), clock.as_utc(e.ends_at))
            for e in exceptions
        ],
    )


# Busy times (bookings) live in appointments, to the right of this module: it registers a provider.
BusyProvider = Callable[[AsyncSession, int, datetime, datetime], Awaitable[list[availability.Interval]]]
_busy_provider: list[BusyProvider] = []


def set_busy_provider(provider: BusyProvider) -> None:
    _busy_provider[:] = [provider]


async def free_slots(
    db: AsyncSession,
    counsellor_id: int,
    start: datetime,
    end: datetime,
    *,
    not_before: datetime | None = None,
) -> list[availability.Interval]:
    """A counsellor's bookable slots in [start, end), in UTC, after their existing bookings."""
    margin = timedelta(days=1)
    calendar = await calendar_of(db, counsellor_id, start - margin, end + margin)
    busy = await _busy_provider[0](db, counsellor_id, start - margin, end + margin) if _busy_provider else []
    return availability.free_slots(
        rules=calendar.rules,
        exceptions=calendar.exceptions,
        busy=busy,
        tz=calendar.timezone,
        window_start=start,
        window_end=end,
        buffer_minutes=calendar.buffer_minutes,
        not_before=not_before,
    )


async def rules_of(db: AsyncSession, counsellor_id: int) -> list[AvailabilityRule]:
    rows = await db.scalars(
        select(AvailabilityRule)
        .where(AvailabilityRule.counsellor_id == counsellor_id)
        .order_by(AvailabilityRule.weekday, AvailabilityRule.start_minute)
    )
    return list(rows.all())


async def exceptions_of(db: AsyncSession, counsellor_id: int) -> list[AvailabilityException]:
    rows = await db.scalars(
        select(AvailabilityException)
        .where(
            AvailabilityException.counsellor_id == counsellor_id,
            AvailabilityException.ends_at > clock.utcnow(),
        )
        .order_by(AvailabilityException.starts_at)
    )
    return list(rows.all())


async def names_of(db: AsyncSession, counsellor_ids: list[int]) -> dict[int, tuple[str, str]]:
    """(English name, Chinese name) of each counsellor, for lists in other modules."""
    if not counsellor_ids:
        return {}
    rows = await db.execute(
        select(CounselorProfile.counsellor_id, CounselorProfile.name_en, CounselorProfile.name_zh).where(
            CounselorProfile.counsellor_id.in_(counsellor_ids)
        )
    )
    return {row[0]: (row[1], row[2]) for row in rows.all()}
