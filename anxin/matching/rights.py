"""Export and erasure of matching's personal data: the client's sealed intake answers."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.matching import service
from anxin.matching.models import MatchingIntake
from anxin.privacy.rights import JsonData


async def export_matching(db: AsyncSession, subject_id: int) -> JsonData:
    intake = await service.latest_intake(db, subject_id)
    return {"intake": asdict(intake) if intake else None}


async def erase_matching(db: AsyncSession, subject_id: int) -> None:
    await db.execute(delete(MatchingIntake).where(MatchingIntake.user_id == subject_id))
    await db.flush()
