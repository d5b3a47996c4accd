"""What a client lets their counsellor see: per item type (questionnaire results, mood diary).

Two things must hold for a counsellor to see an item type: the privacy consent "share measures with
my counsellor" is granted (the legal basis, versioned and audited by ``privacy.consent``), and the
client's choice for that item type here is on. Turning any type on grants the consent if needed;
turning both off withdraws it. Withdrawing the consent anywhere else stops all sharing at once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.assessments.models import ITEM_TYPES, SharingChoice
from anxin.core import clock
from anxin.privacy import audit, consent

PURPOSE = consent.SHARE_MEASURES_WITH_COUNSELLOR


async def choices(db: AsyncSession, client_id: int) -> dict[str, bool]:
    rows = await db.scalars(select(SharingChoice).where(SharingChoice.client_id == client_id))
    chosen = {row.item_type: row.shared for row in rows}
    return {item_type: chosen.get(item_type, False) for item_type in ITEM_TYPES}


async def status(db: AsyncSession, client_id: int) -> dict[str, bool]:
    """What is shared now, per item type."""
    if not await consent.has_consent(db, client_id, PURPOSE):
        return {item_type: False for item_type in ITEM_TYPES}
    return await choices(db, client_id)


async def is_shared(db: AsyncSession, client_id: int, item_type: str) -> bool:
    return (await status(db, client_id)).get(item_type, False)


async def set_sharing(
    db: AsyncSession, client_id: int, wanted: dict[str, bool], *, channel: consent.Channel = "web"
) -> dict[str, bool]:
    now = clock.utcnow()
    current = {
        row.item_type: row
        for row in await db.scalars(select(SharingChoice).where(SharingChoice.client_id == client_id))
    }
    for item_type in ITEM_TYPES:
        shared = bool(wanted.get(item_type, False))
        row = current.get(item_type)
        if row is None:
            db.add(SharingChoice(client_id=client_id, item_type=item_type, shared=shared, updated_at=now))
        elif row.shared != shared:
            row.shared, row.updated_at = shared, now
    await db.flush()
    granted = await consent.has_consent(db, client_id, PURPOSE)
    if any(wanted.get(item_type) for item_type in ITEM_TYPES):
        if not granted:
            await consent.grant(db, client_id, PURPOSE, channel=channel)
    elif granted:
        await consent.withdraw(db, client_id, PURPOSE, channel=channel)
    return await status(db, client_id)


READ_ACTIONS = ("assessments.measures_read", "assessments.diary_read")


async def reads_of(db: AsyncSession, client_id: int, *, limit: int = 20) -> list[audit.AccessEntry]:
    """When a counsellor last looked at what the client shares, newest first (from the audit log)."""
    entries = await audit.who_read_my_record(db, client_id, limit=200)
    return [entry for entry in entries if entry.action in READ_ACTIONS][:limit]
