"""Export and erasure of safety's personal data (registered with privacy's data-rights registry).

A person's export holds the risk flags about them with their history (notes opened), their deep-
analysis results, emergency contact, safety plan and on-call shifts. Erasure deletes those rows and
takes the person out of the flags they handled (the flags stay for their subjects).
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock
from anxin.privacy import crypto
from anxin.privacy.rights import JsonData
from anxin.safety import analysis, plans, service
from anxin.safety.models import (
    EmergencyContact,
    OnCallShift,
    RiskFlag,
    RiskFlagEvent,
    SafetyPlan,
    TextAnalysis,
)


def _iso(value: object) -> str | None:
    return clock.as_utc(value).isoformat() if value is not None else None  # type: ignore[arg-type]


async def export_safety(db: AsyncSession, subject_id: int) -> JsonData:
    flags = []
    for flag in await db.scalars(
        select(RiskFlag).where(RiskFlag.subject_id == subject_id).order_by(RiskFlag.id)
    ):
        events = []
        for event in await db.scalars(
            select(RiskFlagEvent).where(RiskFlagEvent.flag_id == flag.id).order_by(RiskFlagEvent.id)
        ):
            note = None
            if event.note_sealed is not None:
                note = await crypto.unseal(
                    db,
                    event.note_sealed,
                    context=service.note_context(flag.id),
                    owner=crypto.user_owner(subject_id),
                )
            events.append(
                {"kind": event.kind, "code": event.code, "note": note, "at": _iso(event.created_at)}
            )
        flags.append(
            {
                "id": flag.id,
                "source": flag.source,
                "ref": flag.ref,
                "origin": flag.origin,
                "level": flag.level,
                "reasons": flag.reasons,
                "model_version": flag.model_version,
                "status": flag.status,
                "follow_up": flag.follow_up,
                "created_at": _iso(flag.created_at),
                "events": events,
            }
        )
    analyses = [
        {
            "source": row.source,
            "ref": row.ref,
            "model_versions": row.model_versions,
            "result": await analysis.read_result(db, row),
            "at": _iso(row.created_at),
        }
        for row in await db.scalars(select(TextAnalysis).where(TextAnalysis.subject_id == subject_id))
    ]
    contact = await plans._contact(db, subject_id)
    plan_row = await db.get(SafetyPlan, subject_id)
    plan = None
    if plan_row is not None:
        plan = await crypto.unseal(
            db, plan_row.plan_sealed, context=plans.PLAN_CONTEXT, owner=crypto.user_owner(subject_id)
        )
    shifts = [
        {"starts_at": _iso(row.starts_at), "ends_at": _iso(row.ends_at)}
        for row in await db.scalars(select(OnCallShift).where(OnCallShift.user_id == subject_id))
    ]
    return {
        "risk_flags": flags,
        "analyses": analyses,
        "emergency_contact": asdict(contact) if contact else None,
        "safety_plan": plan,
        "oncall_shifts": shifts,
    }


async def erase_safety(db: AsyncSession, subject_id: int) -> None:
    await db.execute(delete(RiskFlag).where(RiskFlag.subject_id == subject_id))
    await db.execute(delete(TextAnalysis).where(TextAnalysis.subject_id == subject_id))
    await db.execute(delete(EmergencyContact).where(EmergencyContact.user_id == subject_id))
    await db.execute(delete(SafetyPlan).where(SafetyPlan.user_id == subject_id))
    await db.execute(delete(OnCallShift).where(OnCallShift.user_id == subject_id))
    await db.execute(update(OnCallShift).where(OnCallShift.created_by == subject_id).values(created_by=None))
    await db.execute(update(RiskFlag).where(RiskFlag.owner_id == subject_id).values(owner_id=None))
    await db.execute(
        update(RiskFlag).where(RiskFlag.acknowledged_by == subject_id).values(acknowledged_by=None)
    )
    await db.execute(update(RiskFlagEvent).where(RiskFlagEvent.actor_id == subject_id).values(actor_id=None))
    await db.execute(update(SafetyPlan).where(SafetyPlan.updated_by == subject_id).values(updated_by=None))
    await db.flush()
