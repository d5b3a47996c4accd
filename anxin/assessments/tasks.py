"""Wiring of assessments into the platform (imported at start-up by ``modules.load_tasks``): the
assignment reminder job and the export and erase handlers of assessments' personal data."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.assessments import counselling
from anxin.assessments import rights as assessment_rights
from anxin.core import outbox
from anxin.privacy import rights


@outbox.job(counselling.REMIND_JOB)
async def remind_assignment(db: AsyncSession, payload: outbox.Payload) -> None:
    await counselling.remind(db, int(payload["assignment_id"]))


rights.register_personal_data(
    "assessments",
    export=assessment_rights.export_assessments,
    erase=assessment_rights.erase_assessments,
    tables=assessment_rights.TABLES,
)
