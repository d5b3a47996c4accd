"""Complaints and ethics reports about a counsellor: the client files one (details sealed with the
client's key), admins see the queue, respond and may suspend; both sides see the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_ADMIN, User
from anxin.appointments.errors import ComplaintNotFound
from anxin.appointments.models import Booking, Complaint
from anxin.core import clock
from anxin.core.errors import Forbidden, ValidationFailed
from anxin.counselors import service as counselors
from anxin.privacy import audit
from anxin.privacy.crypto import seal, unseal, user_owner

DETAILS_CONTEXT = "appointments.complaint_details"
KINDS = ("complaint", "ethics")
OUTCOMES = ("no_action", "guidance", "suspended")


async def file_complaint(
    db: AsyncSession, client: User, *, counsellor_id: int, kind: str, details: str
) -> Complaint:
    if kind not in KINDS:
        raise ValidationFailed("Please choose a complaint or an ethics report.")
    if len(details.strip()) < 10:
        raise ValidationFailed("Please tell us what happened in a few sentences.")
    had_booking = await db.scalar(
        select(Booking.id)
        .where(Booking.client_id == client.id, Booking.counsellor_id == counsellor_id)
        .limit(1)
    )
    if had_booking is None:
        raise ComplaintNotFound("You can only report a counsellor you have booked.")
    complaint = Complaint(
        client_id=client.id,
        counsellor_id=counsellor_id,
        kind=kind,
        details_sealed=await seal(db, user_owner(client.id), details.strip()[:5000], context=DETAILS_CONTEXT),
        status="open",
        created_at=clock.utcnow(),
    )
    db.add(complaint)
    await db.flush()
    return complaint


@dataclass(frozen=True)
class ComplaintView:
    id: int
    client_id: int
    counsellor_id: int
    kind: str
    status: str
    outcome: str | None
    response: str | None
    created_at: datetime
    details: str | None  # only for the client who wrote it and admins


async def _view(db: AsyncSession, viewer: User, row: Complaint) -> ComplaintView:
    details = None
    if viewer.id == row.client_id or viewer.role == ROLE_ADMIN:
        details = await unseal(db, row.details_sealed, context=DETAILS_CONTEXT)
        if viewer.role == ROLE_ADMIN:
            await audit.record(
                db,
                action="appointments.complaint_read",
                actor_id=viewer.id,
                actor_role=viewer.role,
                object_type="complaint",
                object_id=row.id,
                subject_id=row.client_id,
            )
    return ComplaintView(
        row.id,
        row.client_id,
        row.counsellor_id,
        row.kind,
        row.status,
        row.outcome,
        row.response,
        row.created_at,
        details,
    )


async def mine(db: AsyncSession, user: User) -> list[ComplaintView]:
    """Complaints the user filed, and — for counsellors — the outcomes of those about them."""
    rows = await db.scalars(
        select(Complaint)
        .where(or_(Complaint.client_id == user.id, Complaint.counsellor_id == user.id))
        .order_by(Complaint.created_at.desc())
    )
    return [await _view(db, user, row) for row in rows.all()]


async def queue(db: AsyncSession, admin: User) -> list[ComplaintView]:
    if admin.role != ROLE_ADMIN:
        raise Forbidden()
    rows = await db.scalars(
        select(Complaint).where(Complaint.status == "open").order_by(Complaint.created_at)
    )
    return [await _view(db, admin, row) for row in rows.all()]


async def resolve(
    db: AsyncSession, admin: User, complaint_id: int, *, outcome: str, response: str
) -> Complaint:
    if admin.role != ROLE_ADMIN:
        raise Forbidden()
    row = await db.get(Complaint, complaint_id)
    if row is None:
        raise ComplaintNotFound()
    if outcome not in OUTCOMES:
        raise ValidationFailed("Please choose an outcome from the list.")
    if len(response.strip()) < 3:
        raise ValidationFailed("Please write a response both sides will read.")
    row.status, row.outcome, row.response = "resolved", outcome, response.strip()[:1000]
    row.resolved_at, row.resolved_by = clock.utcnow(), admin.id
    if outcome == "suspended":
        await counselors.suspend(db, admin, row.counsellor_id, reason="suspended after a complaint")
    await audit.record(
        db,
        action="appointments.complaint_resolved",
        actor_id=admin.id,
        actor_role=admin.role,
        object_type="complaint",
        object_id=row.id,
        subject_id=row.client_id,
        details={"outcome": outcome},
    )
    await db.flush()
    return row
