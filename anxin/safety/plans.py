"""A client's emergency contact (with their city) and their safety plan, both sealed with their key.

The emergency contact is shown to nobody but its owner, except to the person who acknowledged an
active high-risk flag about them, and each such showing is audited. The safety plan is the client's;
their counsellor may read and edit it while the client consents to sharing with their counsellor.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import User
from anxin.core import clock
from anxin.core.errors import NotFound, ValidationFailed
from anxin.privacy import audit, consent, crypto
from anxin.safety import service
from anxin.safety.models import ACKNOWLEDGED, HIGH_LEVELS, EmergencyContact, SafetyPlan

CONTACT_CONTEXT = "safety.emergency_contact"
PLAN_CONTEXT = "safety.plan"
PLAN_SECTIONS = ("warning_signs", "coping_steps", "people_and_places", "professionals")
MAX_FIELD = 200
MAX_SECTION = 4000


@dataclass(frozen=True)
class ContactDetails:
    name: str
    phone: str
    relation: str = ""
    city: str = ""


def _clean(value: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise ValidationFailed("This text is too long.")
    return value


async def set_contact(db: AsyncSession, actor: User, details: ContactDetails) -> EmergencyContact:
    cleaned = ContactDetails(
        name=_clean(details.name, MAX_FIELD),
        phone=_clean(details.phone, 40),
        relation=_clean(details.relation, MAX_FIELD),
        city=_clean(details.city, MAX_FIELD),
    )
    if not cleaned.name or not cleaned.phone:
        raise ValidationFailed("Please give the name and phone number of someone we may call.")
    sealed = await crypto.seal(
        db,
        crypto.user_owner(actor.id),
        json.dumps(asdict(cleaned), ensure_ascii=False),
        context=CONTACT_CONTEXT,
    )
    row = await db.get(EmergencyContact, actor.id)
    if row is None:
        row = EmergencyContact(user_id=actor.id, contact_sealed=sealed, updated_at=clock.utcnow())
        db.add(row)
    else:
        row.contact_sealed, row.updated_at = sealed, clock.utcnow()
    await db.flush()
    return row


async def _contact(db: AsyncSession, user_id: int) -> ContactDetails | None:
    row = await db.get(EmergencyContact, user_id)
    if row is None:
        return None
    data = json.loads(
        await crypto.unseal(db, row.contact_sealed, context=CONTACT_CONTEXT, owner=crypto.user_owner(user_id))
    )
    return ContactDetails(**data)


async def my_contact(db: AsyncSession, actor: User) -> ContactDetails | None:
    return await _contact(db, actor.id)


async def has_contact(db: AsyncSession, user_id: int) -> bool:
    """Whether the client has given an emergency contact (nothing is unsealed: intake only asks)."""
    return await db.get(EmergencyContact, user_id) is not None


async def contact_for_flag(db: AsyncSession, actor: User, flag_id: int) -> ContactDetails | None:
    """The subject's emergency contact, for the human who acknowledged this active high-risk flag only
    (anyone else: NotFound). Every showing is audited."""
    flag = await service.access_flag(db, actor, flag_id)
    if flag.status != ACKNOWLEDGED or flag.acknowledged_by != actor.id or flag.level not in HIGH_LEVELS:
        raise NotFound(
            "The emergency contact is shown only to whoever acknowledged an active high-risk alert."
        )
    details = await _contact(db, flag.subject_id)
    await audit.record(
        db,
        action="safety.emergency_contact_shown",
        actor_id=actor.id,
        actor_role=actor.role,
        object_type="risk_flag",
        object_id=flag.id,
        subject_id=flag.subject_id,
        outcome="success" if details else "none",
    )
    return details


# ---------------------------------------------------------------- safety plan


@dataclass
class Plan:
    warning_signs: str = ""
    coping_steps: str = ""
    people_and_places: str = ""
    professionals: str = ""

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in PLAN_SECTIONS}


async def _access_plan_of(db: AsyncSession, actor: User, owner_id: int) -> None:
    """The owner, or their counsellor while the owner consents to sharing with them; else NotFound."""
    if actor.id == owner_id:
        return
    if await service.counsellor_of(db, owner_id) != actor.id or not await consent.has_consent(
        db, owner_id, consent.SHARE_MEASURES_WITH_COUNSELLOR
    ):
        raise NotFound()


async def read_plan(db: AsyncSession, actor: User, owner_id: int) -> Plan:
    await _access_plan_of(db, actor, owner_id)
    row = await db.get(SafetyPlan, owner_id)
    if row is None:
        return Plan()
    data = json.loads(
        await crypto.unseal(db, row.plan_sealed, context=PLAN_CONTEXT, owner=crypto.user_owner(owner_id))
    )
    if actor.id != owner_id:
        await audit.record(
            db,
            action="safety.plan_read",
            actor_id=actor.id,
            actor_role=actor.role,
            object_type="safety_plan",
            object_id=owner_id,
            subject_id=owner_id,
        )
    return Plan(**{name: str(data.get(name, "")) for name in PLAN_SECTIONS})


async def save_plan(db: AsyncSession, actor: User, owner_id: int, sections: dict[str, str]) -> SafetyPlan:
    await _access_plan_of(db, actor, owner_id)
    values = {name: _clean(sections.get(name, ""), MAX_SECTION) for name in PLAN_SECTIONS}
    sealed = await crypto.seal(
        db, crypto.user_owner(owner_id), json.dumps(values, ensure_ascii=False), context=PLAN_CONTEXT
    )
    row = await db.get(SafetyPlan, owner_id)
    if row is None:
        row = SafetyPlan(user_id=owner_id, plan_sealed=sealed, updated_by=actor.id, updated_at=clock.utcnow())
        db.add(row)
    else:
        row.plan_sealed, row.updated_by, row.updated_at = sealed, actor.id, clock.utcnow()
    await db.flush()
    if actor.id != owner_id:
        await audit.record(
            db,
            action="safety.plan_edited",
            actor_id=actor.id,
            actor_role=actor.role,
            object_type="safety_plan",
            object_id=owner_id,
            subject_id=owner_id,
        )
    return row
