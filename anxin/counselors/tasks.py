"""Counselors' jobs and registrations (imported at start-up by ``modules.load_tasks``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import outbox
from anxin.core.config import get_settings
from anxin.counselors import photos, service
from anxin.counselors import rights as counselor_rights
from anxin.privacy import rights


@outbox.scheduled("counselors.sweep_orphan_files", every=timedelta(hours=6))
async def sweep_orphan_files(db: AsyncSession, payload: outbox.Payload) -> None:
    """Certificate and photo files that no row names (a process died between writing and committing)."""
    home = get_settings().home
    await service.sweep_orphan_documents(db, home=home)
    await photos.sweep_orphan_photos(db, home=home)


rights.register_personal_data(
    "counselors",
    export=counselor_rights.export_counselor,
    erase=counselor_rights.erase_counselor,
    tables=counselor_rights.TABLES,
)
