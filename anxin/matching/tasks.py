"""Wiring of matching into the platform (imported at start-up by ``modules.load_tasks``): the export
and erase handlers of the client's intake, and the recommendations on other modules' pages."""

from __future__ import annotations

from anxin.core import hooks
from anxin.matching import rights as matching_rights
from anxin.matching import slots
from anxin.privacy import rights

hooks.page_slot.register(slots.recommendations_fragment)

rights.register_personal_data(
    "matching",
    export=matching_rights.export_matching,
    erase=matching_rights.erase_matching,
    tables=("matching_intakes",),
)
