"""Export and erasure of what counselors holds about a person (registered in ``tasks``).

Certificate files on disk are sealed with the owner's data key, which erasure destroys; the rows
naming them are deleted here and the files removed by the owner's erase as well.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core.config import get_settings
from anxin.counselors import photos
from anxin.counselors.models import (
    AvailabilityException,
    AvailabilityRule,
    CounselorProfile,
    Credential,
    CredentialDocument,
)
from anxin.privacy.crypto import unseal

TABLES = (
    "counselor_profiles",
    "counselor_credentials",
    "counselor_documents",
    "availability_rules",
    "availability_exceptions",
)
MODELS = (AvailabilityException, AvailabilityRule, CredentialDocument, Credential, CounselorProfile)


def _row(obj: Any) -> dict[str, Any]:
    return {c.name: getattr(obj, c.key) for c in obj.__table__.columns if not c.name.endswith("_sealed")}


async def export_counselor(db: AsyncSession, subject_id: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for model in MODELS:
        rows = (await db.scalars(select(model).where(model.counsellor_id == subject_id))).all()
        data[model.__tablename__] = [_row(r) for r in rows]
    credentials = (await db.scalars(select(Credential).where(Credential.counsellor_id == subject_id))).all()
    for item, row in zip(data["counselor_credentials"], credentials, strict=True):
        item["licence_number"] = await unseal(
            db, row.licence_number_sealed, context="counselors.licence_number"
        )
    return data


async def erase_counselor(db: AsyncSession, subject_id: int) -> None:
    # The photo is not sealed (it is public while verified), so its file goes with the rows.
    photo_name = await db.scalar(
        select(CounselorProfile.photo_name).where(CounselorProfile.counsellor_id == subject_id)
    )
    photos.erase_photo_file(get_settings().home, photo_name)
    for model in MODELS:
        await db.execute(delete(model).where(model.counsellor_id == subject_id))
