"""Counselors' registrations (imported at start-up by ``modules.load_tasks``)."""

from __future__ import annotations

from anxin.counselors import rights as counselor_rights
from anxin.privacy import rights

rights.register_personal_data(
    "counselors",
    export=counselor_rights.export_counselor,
    erase=counselor_rights.erase_counselor,
    tables=counselor_rights.TABLES,
)
