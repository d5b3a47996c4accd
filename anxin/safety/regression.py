"""Review feeds the mind regression sets: a missed risk goes to *must-catch*, a false alarm to *hard
negatives* (``$ANXIN_HOME/models/regression/<set>.jsonl``, read by ``mind.gate``).

Only with the writer's consent to the use of de-identified text for model training; the text is
de-identified first and no id travels with it. Each export is audited.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import User
from anxin.core.errors import ValidationFailed
from anxin.mind.deid import deidentify
from anxin.mind.registry import models_home
from anxin.mind.text import detect_language
from anxin.privacy import audit, consent
from anxin.rooms import service as rooms
from anxin.safety import service
from anxin.safety.errors import NoTrainingConsent

SETS = ("must_catch", "hard_negatives")


async def flagged_text(db: AsyncSession, source: str, ref: str) -> str | None:
    """The text a flag is about, read through the owning module's service."""
    if source == rooms.SURFACE and ref.isdigit():
        stored = await rooms.stored_text(db, int(ref))
        return stored[1] if stored else None
    return None


def append_case(set_name: str, text: str, folder: Path | None = None) -> Path:
    target = (folder or models_home() / "regression") / f"{set_name}.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    clean = deidentify(text)
    lang = "zh" if detect_language(clean) == "zh" else "en"
    with target.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": clean, "lang": lang}, ensure_ascii=False) + "\n")
    return target


async def export_flag(db: AsyncSession, actor: User, flag_id: int, set_name: str) -> Path:
    """Append the flag's text to ``set_name`` (an admin's review action)."""
    if set_name not in SETS:
        raise ValidationFailed("Choose must_catch or hard_negatives.")
    flag = await service.access_flag(db, actor, flag_id)
    if not await consent.has_consent(db, flag.subject_id, consent.DEIDENTIFIED_MODEL_TRAINING):
        raise NoTrainingConsent()
    text = await flagged_text(db, flag.source, flag.ref)
    if text is None:
        raise ValidationFailed("The text of this alert is no longer available.")
    path = append_case(set_name, text)
    await audit.record(
        db,
        action="safety.regression_export",
        actor_id=actor.id,
        actor_role=actor.role,
        object_type="risk_flag",
        object_id=flag.id,
        subject_id=flag.subject_id,
        details={"set": set_name},
    )
    return path
