"""The deep pass (``mind.analyze``) over stored texts, as a background job.

It runs only with the writer's consent, checked when the job runs (a withdrawal stops analysis at
once, also of texts already queued): emotion and stress need ``ai_emotion_analysis``, the risk
model needs ``ai_risk_screening``; without either, nothing is analysed or stored. The result is
sealed with the writer's key and stored with the model versions; a risk the inline screen missed
opens a flag.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock
from anxin.mind import service as mind
from anxin.privacy import consent, crypto
from anxin.safety import screening, service
from anxin.safety.models import ORIGIN_DEEP, TextAnalysis


def result_context(source: str, ref: str) -> str:
    return f"safety.analysis:{source}:{ref}"


async def analyze_stored(
    db: AsyncSession,
    *,
    subject_id: int,
    source: str,
    ref: str,
    load_text: Callable[[], Awaitable[str | None]],
) -> TextAnalysis | None:
    """Analyse one stored text once; returns the stored result (None: no consent, or nothing to do).

    The text is loaded (unsealed) only once consent is known: a text nobody may analyse is never
    decrypted for it."""
    existing = await db.scalar(
        select(TextAnalysis).where(TextAnalysis.source == source, TextAnalysis.ref == ref)
    )
    if existing is not None:
        return existing
    if not await screening.is_client(db, subject_id):
        return None
    granted = await consent.granted_among(
        db, subject_id, (consent.AI_EMOTION_ANALYSIS, consent.AI_RISK_SCREENING)
    )
    emotions = consent.AI_EMOTION_ANALYSIS in granted
    risk = consent.AI_RISK_SCREENING in granted
    if not (emotions or risk):
        return None
    text = await load_text()
    if not text or not text.strip():
        return None
    result: dict[str, Any] = mind.analyze([text])[0]
    kept: dict[str, Any] = {"language": result.get("language")}
    tasks = (("emotion", emotions), ("stress", emotions), ("risk", risk))
    for task, allowed in tasks:
        if allowed and task in result:
            kept[task] = result[task]
    versions = {task: str(kept[task].get("model_version")) for task, _ in tasks if task in kept}
    row = TextAnalysis(
        subject_id=subject_id,
        source=source,
        ref=ref,
        model_versions=versions,
        result_sealed=await crypto.seal(
            db,
            crypto.user_owner(subject_id),
            json.dumps(kept, ensure_ascii=False),
            context=result_context(source, ref),
        ),
        created_at=clock.utcnow(),
    )
    db.add(row)
    await db.flush()
    found = kept.get("risk")
    if found and found.get("flag"):
        await service.open_flag(
            db,
            subject_id=subject_id,
            source=source,
            ref=ref,
            origin=ORIGIN_DEEP,
            level=str(found.get("label") or "moderate"),
            reasons=[str(code) for code in found.get("reasons") or ["model_any_risk"]],
            model_version=str(found.get("model_version") or "") or None,
        )
    return row


async def read_result(db: AsyncSession, row: TextAnalysis) -> dict[str, Any]:
    text = await crypto.unseal(
        db,
        row.result_sealed,
        context=result_context(row.source, row.ref),
        owner=crypto.user_owner(row.subject_id),
    )
    data: dict[str, Any] = json.loads(text)
    return data
