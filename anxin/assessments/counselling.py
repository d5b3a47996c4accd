"""The counsellor's side: their clients' shared results and mood trend (every read audited),
questionnaire assignments with a reminder, and referrals.

``access_client`` is the one gate: an active care relationship (``appointments``) between the
counsellor and the client, or the client does not exist for them (404). What the client has not
shared answers 403 ``not_shared``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.appointments.models import CareRelationship
from anxin.assessments import service, sharing
from anxin.assessments.errors import ClientNotFound, NotShared, ReferralInvalid
from anxin.assessments.instruments import REFERRAL_REASON_CODES, SERVICE_TYPE_CODES, instrument
from anxin.assessments.models import (
    ASSIGNMENT_OPEN,
    ITEM_DIARY,
    ITEM_MEASURES,
    AssessmentAssignment,
    AssessmentResponse,
    DiaryEntry,
    Referral,
)
from anxin.core import clock, notify, outbox
from anxin.core.errors import NotFound, ValidationFailed
from anxin.core.notify.templates import N_, register_template
from anxin.privacy import audit, crypto

ASSIGNED = "assessments.assigned"
REMINDER = "assessments.assignment_reminder"
REMIND_JOB = "assessments.remind_assignment"
REFERRED = "assessments.referral_recorded"
REMIND_AFTER = timedelta(days=3)
MAX_REFERRAL_NOTES = 4000
REFERRAL_CONTEXT = "assessments.referral.notes"

register_template(
    ASSIGNED,
    subject=N_("Your counsellor asked you to fill in a questionnaire"),
    body=N_("Your counsellor asked you to fill in a short questionnaire. You find it under My check-ins."),
)
register_template(
    REMINDER,
    subject=N_("Reminder: a questionnaire from your counsellor"),
    body=N_("A questionnaire your counsellor asked you to fill in is still waiting under My check-ins."),
)
register_template(
    REFERRED,
    subject=N_("Your counsellor shared where else you can get help"),
    body=N_("Your counsellor recorded a referral for you. You can read it under My check-ins."),
)


async def access_client(db: AsyncSession, counsellor_id: int, client_id: int) -> CareRelationship:
    row = await db.scalar(
        select(CareRelationship)
        .where(
            CareRelationship.counsellor_id == counsellor_id,
            CareRelationship.client_id == client_id,
            CareRelationship.status == "active",
        )
        .limit(1)
    )
    if row is None:
        raise ClientNotFound()
    return row


async def clients_of(db: AsyncSession, counsellor_id: int) -> list[tuple[int, dict[str, bool]]]:
    """The counsellor's active clients with what each shares (ids only; names come from accounts)."""
    ids = await db.scalars(
        select(CareRelationship.client_id)
        .where(CareRelationship.counsellor_id == counsellor_id, CareRelationship.status == "active")
        .distinct()
    )
    return [(client_id, await sharing.status(db, client_id)) for client_id in sorted(set(ids.all()))]


async def _read(db: AsyncSession, counsellor_id: int, client_id: int, item_type: str, count: int) -> None:
    await audit.record(
        db,
        action=f"assessments.{item_type}_read",
        actor_id=counsellor_id,
        actor_role="counsellor",
        object_type="client",
        object_id=client_id,
        subject_id=client_id,
        details={"item_type": item_type, "count": count},
    )


async def client_measures(db: AsyncSession, counsellor_id: int, client_id: int) -> list[AssessmentResponse]:
    """Scores and bands over time (never the single answers); audited."""
    await access_client(db, counsellor_id, client_id)
    if not await sharing.is_shared(db, client_id, ITEM_MEASURES):
        raise NotShared()
    rows = await service.responses_of(db, client_id)
    await _read(db, counsellor_id, client_id, ITEM_MEASURES, len(rows))
    return rows


async def client_diary(db: AsyncSession, counsellor_id: int, client_id: int) -> list[DiaryEntry]:
    """Mood and sleep numbers (never feelings or notes); audited."""
    await access_client(db, counsellor_id, client_id)
    if not await sharing.is_shared(db, client_id, ITEM_DIARY):
        raise NotShared()
    rows = await service.diary_entries(db, client_id, since=clock.utcnow().date() - timedelta(days=366))
    await _read(db, counsellor_id, client_id, ITEM_DIARY, len(rows))
    return rows


# ---------------------------------------------------------------- assignments


async def assign(
    db: AsyncSession, counsellor_id: int, client_id: int, code: str, *, notify_client: bool = True
) -> AssessmentAssignment:
    """Ask the client to take a questionnaire (one open task per questionnaire is enough).

    The client is told now and reminded later; demo data leaves the telling out."""
    await access_client(db, counsellor_id, client_id)
    spec = instrument(code)
    existing = await db.scalar(
        select(AssessmentAssignment).where(
            AssessmentAssignment.client_id == client_id,
            AssessmentAssignment.instrument == spec.code,
            AssessmentAssignment.status == ASSIGNMENT_OPEN,
        )
    )
    if existing is not None:
        return existing
    row = AssessmentAssignment(
        client_id=client_id,
        counsellor_id=counsellor_id,
        instrument=spec.code,
        status=ASSIGNMENT_OPEN,
        created_at=clock.utcnow(),
    )
    db.add(row)
    await db.flush()
    if not notify_client:
        return row
    params = {"assignment_id": row.id, "instrument": spec.code}
    await notify.notify_user(db, client_id, ASSIGNED, params, channels=(notify.IN_APP, notify.EMAIL))
    await outbox.enqueue(
        db, REMIND_JOB, {"assignment_id": row.id}, delay=REMIND_AFTER, dedupe_key=f"{REMIND_JOB}:{row.id}"
    )
    return row


async def remind(db: AsyncSession, assignment_id: int) -> bool:
    """The reminder job: tells the client again only while the task is still open."""
    row = await db.get(AssessmentAssignment, assignment_id)
    if row is None or row.status != ASSIGNMENT_OPEN:
        return False
    params = {"assignment_id": row.id, "instrument": row.instrument}
    await notify.notify_user(db, row.client_id, REMINDER, params, channels=(notify.IN_APP, notify.EMAIL))
    return True


async def open_assignments(db: AsyncSession, client_id: int) -> list[AssessmentAssignment]:
    rows = await db.scalars(
        select(AssessmentAssignment)
        .where(AssessmentAssignment.client_id == client_id, AssessmentAssignment.status == ASSIGNMENT_OPEN)
        .order_by(AssessmentAssignment.created_at)
    )
    return list(rows.all())


async def assignments_by(db: AsyncSession, counsellor_id: int, client_id: int) -> list[AssessmentAssignment]:
    await access_client(db, counsellor_id, client_id)
    rows = await db.scalars(
        select(AssessmentAssignment)
        .where(
            AssessmentAssignment.client_id == client_id, AssessmentAssignment.counsellor_id == counsellor_id
        )
        .order_by(AssessmentAssignment.created_at.desc())
    )
    return list(rows.all())


# ---------------------------------------------------------------- referrals


@dataclass(frozen=True)
class ReferralView:
    id: int
    client_id: int
    counsellor_id: int
    reason: str
    service_type: str
    notes: str | None
    created_at: Any
    seen_at: Any


async def refer(
    db: AsyncSession, counsellor_id: int, client_id: int, *, reason: str, service_type: str, notes: str | None
) -> Referral:
    """Record a referral for the client (the care relationship goes on; the client is told)."""
    await access_client(db, counsellor_id, client_id)
    if reason not in REFERRAL_REASON_CODES or service_type not in SERVICE_TYPE_CODES:
        raise ReferralInvalid()
    text = (notes or "").strip()
    if len(text) > MAX_REFERRAL_NOTES:
        raise ValidationFailed(
            "Please keep the notes under {count} characters.", params={"count": MAX_REFERRAL_NOTES}
        )
    sealed = (
        await crypto.seal(db, crypto.user_owner(client_id), text, context=REFERRAL_CONTEXT) if text else None
    )
    row = Referral(
        client_id=client_id,
        counsellor_id=counsellor_id,
        reason=reason,
        service_type=service_type,
        notes_sealed=sealed,
        created_at=clock.utcnow(),
    )
    db.add(row)
    await db.flush()
    await notify.notify_user(
        db, client_id, REFERRED, {"referral_id": row.id}, channels=(notify.IN_APP, notify.EMAIL)
    )
    return row


async def _view(db: AsyncSession, row: Referral) -> ReferralView:
    notes = None
    if row.notes_sealed is not None:
        notes = await crypto.unseal(
            db, row.notes_sealed, context=REFERRAL_CONTEXT, owner=crypto.user_owner(row.client_id)
        )
    return ReferralView(
        row.id,
        row.client_id,
        row.counsellor_id,
        row.reason,
        row.service_type,
        notes,
        row.created_at,
        row.seen_at,
    )


async def referrals_for_client(db: AsyncSession, client_id: int) -> list[ReferralView]:
    rows = await db.scalars(
        select(Referral).where(Referral.client_id == client_id).order_by(Referral.created_at.desc())
    )
    return [await _view(db, row) for row in rows.all()]


async def referrals_by(db: AsyncSession, counsellor_id: int, client_id: int) -> list[ReferralView]:
    """The referrals this counsellor recorded for their client (their own words; not audited as a read)."""
    await access_client(db, counsellor_id, client_id)
    rows = await db.scalars(
        select(Referral)
        .where(Referral.client_id == client_id, Referral.counsellor_id == counsellor_id)
        .order_by(Referral.created_at.desc())
    )
    return [await _view(db, row) for row in rows.all()]


async def mark_referral_seen(db: AsyncSession, client_id: int, referral_id: int) -> Referral:
    row = await db.get(Referral, referral_id)
    if row is None or row.client_id != client_id:
        raise NotFound("We could not find this referral.")
    if row.seen_at is None:
        row.seen_at = clock.utcnow()
        await db.flush()
    return row


# ---------------------------------------------------------------- dashboard sections of modules to the right


@dataclass(frozen=True)
class DashboardSection:
    """A block another module adds to the counsellor's client dashboard (e.g. ``safety``'s recent
    risk flags): its template and context. Registered from that module's ``tasks.py``."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


SectionProvider = Callable[[AsyncSession, int, int], Awaitable[DashboardSection | None]]
dashboard_sections: list[SectionProvider] = []


def register_dashboard_section(provider: SectionProvider) -> SectionProvider:
    """``provider(db, counsellor_id, client_id)`` runs after ``access_client`` has passed."""
    if provider not in dashboard_sections:
        dashboard_sections.append(provider)
    return provider


async def extra_sections(db: AsyncSession, counsellor_id: int, client_id: int) -> list[DashboardSection]:
    await access_client(db, counsellor_id, client_id)
    found = []
    for provider in dashboard_sections:
        section = await provider(db, counsellor_id, client_id)
        if section is not None:
            found.append(section)
    return found
