"""Wiring of the companion into the platform (imported at start-up by ``modules.load_tasks``):
the export and erase handlers of its personal data."""

from __future__ import annotations

from anxin.companion import rights as companion_rights
from anxin.privacy import rights

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
