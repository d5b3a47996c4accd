"""The care relationship between a client and a counsellor: opened by the first confirmed booking;
the client may end it or ask for another counsellor, and the counsellor may refer the client on.

Ending it cancels nothing by itself (the client decides about booked sessions) and deletes nothing:
the client's own data stays theirs. A referral note is sealed with the client's key, for the client.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import User
from anxin.appointments.models import CareRelationship
from anxin.core import clock, outbox
from anxin.core.errors import NotFound, ValidationFailed
from anxin.privacy.crypto import seal, unseal, user_owner

NOTE_CONTEXT = "appointments.referral_note"
RELATIONSHIP_ENDED = "appointments.relationship_ended"


async def _ended(db: AsyncSession, row: CareRelationship) -> None:
    await db.flush()
    await outbox.emit(db, RELATIONSHIP_ENDED, {"client_id": row.client_id, "counselor_id": row.counsellor_id})


CLIENT_REASONS = ("client_ended", "change_requested")


async def _active(db: AsyncSession, user: User, relationship_id: int) -> CareRelationship:
    row = await db.get(CareRelationship, relationship_id)
    if row is None or user.id not in (row.client_id, row.counsellor_id) or row.status != "active":
        raise NotFound("We could not find this care relationship.")
    return row


async def end_by_client(
    db: AsyncSession, client: User, relationship_id: int, *, reason: str
) -> CareRelationship:
    row = await _active(db, client, relationship_id)
    if row.client_id != client.id:
        raise NotFound("We could not find this care relationship.")
    if reason not in CLIENT_REASONS:
        raise ValidationFailed("Please choose a reason from the list.")
    row.status, row.ended_at, row.end_reason = "ended", clock.utcnow(), reason
    await _ended(db, row)
    return row


async def refer(db: AsyncSession, counsellor: User, relationship_id: int, *, note: str) -> CareRelationship:
    row = await _active(db, counsellor, relationship_id)
    if row.counsellor_id != counsellor.id:
        raise NotFound("We could not find this care relationship.")
    if len(note.strip()) < 10:
        raise ValidationFailed("Please tell the client where to turn next, in a few sentences.")
    row.referral_note_sealed = await seal(
        db, user_owner(row.client_id), note.strip()[:2000], context=NOTE_CONTEXT
    )
    row.status, row.ended_at, row.end_reason = "ended", clock.utcnow(), "referred"
    await _ended(db, row)
    return row


async def relationships_of(db: AsyncSession, user: User) -> list[CareRelationship]:
    column = CareRelationship.counsellor_id if user.role == "counsellor" else CareRelationship.client_id
    rows = await db.scalars(
        select(CareRelationship).where(column == user.id).order_by(CareRelationship.started_at.desc())
    )
    return list(rows.all())


async def referral_note(db: AsyncSession, client: User, row: CareRelationship) -> str | None:
    if row.client_id != client.id or row.referral_note_sealed is None:
        return None
    return await unseal(db, row.referral_note_sealed, context=NOTE_CONTEXT)
