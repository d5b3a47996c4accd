"""Wiring of the companion into the platform (imported at start-up by ``modules.load_tasks``):
the export and erase handlers of its personal data, and the summary section on the counsellor's
client dashboard (``assessments``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.assessments import counselling
from anxin.companion import rights as companion_rights
from anxin.companion import service
from anxin.companion.errors import SummaryNotShared
from anxin.privacy import rights


@counselling.register_dashboard_section
async def companion_summary_section(
    db: AsyncSession, counsellor_id: int, client_id: int
) -> counselling.DashboardSection | None:
    """Only for a client who shares the companion summary with this counsellor (and uses it)."""
    try:
        summary = await service.counsellor_summary(db, counsellor_id, client_id)
    except SummaryNotShared:
        return None
    if not summary.conversations:
        return None
    return counselling.DashboardSection("companion/_dashboard_section.html", {"summary": summary})


rights.register_personal_data(
    "companion",
    export=companion_rights.export_companion,
    erase=companion_rights.erase_companion,
    tables=(
        "companion_conversations",
        "companion_messages",
        "companion_thought_records",
        "companion_support_requests",
        "ai_label_corrections",
    ),
)
