"""Export and erasure of what appointments holds about a person (registered in ``tasks``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.appointments.models import Booking, CareRelationship, Complaint, InformedConsent, Review
from anxin.privacy.crypto import unseal

TABLES = ("bookings", "informed_consents", "session_reviews", "counsellor_complaints", "care_relationships")


def _row(obj: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        column.name: getattr(obj, column.key)
        for column in obj.__table__.columns
        if column.name not in skip and not column.name.endswith("_sealed")
    }


async def export_appointments(db: AsyncSession, subject_id: int) -> dict[str, Any]:
    def mine(model: Any) -> Any:
        return select(model).where(or_(model.client_id == subject_id, model.counsellor_id == subject_id))

    complaints = []
    for row in (await db.scalars(select(Complaint).where(Complaint.client_id == subject_id))).all():
        item = _row(row)
        item["details"] = await unseal(db, row.details_sealed, context="appointments.complaint_details")
        complaints.append(item)
    return {
        "bookings": [_row(r) for r in (await db.scalars(mine(Booking))).all()],
        "informed_consents": [_row(r) for r in (await db.scalars(mine(InformedConsent))).all()],
        "reviews": [_row(r) for r in (await db.scalars(mine(Review))).all()],
        "complaints": complaints,
        "care_relationships": [_row(r) for r in (await db.scalars(mine(CareRelationship))).all()],
    }


async def erase_appointments(db: AsyncSession, subject_id: int) -> None:
    # Ledger rows about paid sessions stay in commerce, de-identified there; these rows go.
    for model in (Review, Complaint, CareRelationship, InformedConsent, Booking):
        await db.execute(
            delete(model).where(or_(model.client_id == subject_id, model.counsellor_id == subject_id))
        )
