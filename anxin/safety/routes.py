"""JSON API under /api/v1/safety. Thin: parse, call one service function, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from anxin.accounts.deps import Actor, CurrentActor, UserActor, csrf_protect, require_role
from anxin.core.deps import DbSession
from anxin.counselors.deps import AuditedDb
from anxin.safety import plans, regression, rota, service
from anxin.safety.schemas import (
    ContactIn,
    ContactOut,
    FlagDetailOut,
    FlagOut,
    FollowUpIn,
    NoteIn,
    PlanIn,
    PlanOut,
    RegressionIn,
    ResourcesOut,
    ShiftIn,
    ShiftOut,
)
from anxin.safety.views import flag_detail, flag_out, reader_region, resources_out

router = APIRouter(prefix="/safety", tags=["safety"], dependencies=[Depends(csrf_protect)])
Admin = Annotated[Actor, Depends(require_role("admin"))]


@router.get("/resources")
async def crisis_resources(request: Request, actor: CurrentActor, region: str | None = None) -> ResourcesOut:
    """Crisis lines for the reader's region (asked for, cookie, account, Accept-Language, default)."""
    locale = str(getattr(request.state, "locale", request.app.state.settings.default_locale))
    chosen = reader_region(request, actor.user if actor else None, region)
    return resources_out(chosen, request.app.state.settings.default_region, locale)


@router.get("/flags")
async def my_alerts(db: DbSession, actor: UserActor, include_closed: bool = False) -> list[FlagOut]:
    return [flag_out(flag) for flag in await service.flags_for(db, actor.user, include_closed=include_closed)]


@router.get("/flags/{flag_id}")
async def alert(flag_id: int, db: AuditedDb, actor: UserActor) -> FlagDetailOut:
    flag = await service.access_flag(db, actor.user, flag_id)
    return flag_detail(flag, await service.events_of(db, actor.user, flag))


@router.post("/flags/{flag_id}/acknowledge")
async def acknowledge(flag_id: int, db: DbSession, actor: UserActor) -> FlagOut:
    return flag_out(await service.acknowledge(db, actor.user, flag_id))


@router.post("/flags/{flag_id}/notes", status_code=201)
async def add_note(flag_id: int, body: NoteIn, db: DbSession, actor: UserActor) -> dict[str, int]:
    return {"id": (await service.add_note(db, actor.user, flag_id, body.text)).id}


@router.post("/flags/{flag_id}/follow-up")
async def follow_up(flag_id: int, body: FollowUpIn, db: DbSession, actor: UserActor) -> FlagOut:
    return flag_out(await service.mark_follow_up(db, actor.user, flag_id, body.code, close=body.close))


@router.get("/flags/{flag_id}/emergency-contact")
async def emergency_contact(flag_id: int, db: AuditedDb, actor: UserActor) -> ContactOut | None:
    """Only for whoever acknowledged this active high-risk alert; every showing is audited."""
    found = await plans.contact_for_flag(db, actor.user, flag_id)
    return ContactOut(**found.__dict__) if found else None


@router.post("/flags/{flag_id}/regression", status_code=201)
async def to_regression_set(flag_id: int, body: RegressionIn, db: DbSession, actor: Admin) -> dict[str, str]:
    """Review: a missed risk or a false alarm joins a regression set (de-identified, with consent)."""
    await regression.export_flag(db, actor.user, flag_id, body.set)
    return {"set": body.set}


@router.get("/me/emergency-contact")
async def my_contact(db: DbSession, actor: UserActor) -> ContactOut | None:
    found = await plans.my_contact(db, actor.user)
    return ContactOut(**found.__dict__) if found else None


@router.put("/me/emergency-contact")
async def set_my_contact(body: ContactIn, db: DbSession, actor: UserActor) -> ContactOut:
    details = plans.ContactDetails(**body.model_dump())
    await plans.set_contact(db, actor.user, details)
    return ContactOut(**body.model_dump())


@router.get("/plans/{owner_id}")
async def plan(owner_id: int, db: AuditedDb, actor: UserActor) -> PlanOut:
    return PlanOut(**(await plans.read_plan(db, actor.user, owner_id)).as_dict())


@router.put("/plans/{owner_id}")
async def save_plan(owner_id: int, body: PlanIn, db: DbSession, actor: UserActor) -> PlanOut:
    await plans.save_plan(db, actor.user, owner_id, body.model_dump())
    return PlanOut(**body.model_dump())


@router.get("/rota")
async def shifts(db: DbSession, actor: Admin) -> list[ShiftOut]:
    return [ShiftOut.model_validate(row, from_attributes=True) for row in await rota.shifts(db)]


@router.post("/rota", status_code=201)
async def add_shift(body: ShiftIn, db: DbSession, actor: Admin) -> ShiftOut:
    row = await rota.add_shift(
        db, actor.user, user_id=body.user_id, starts_at=body.starts_at, ends_at=body.ends_at
    )
    return ShiftOut.model_validate(row, from_attributes=True)


@router.delete("/rota/{shift_id}", status_code=204)
async def remove_shift(shift_id: int, db: DbSession, actor: Admin) -> None:
    await rota.remove_shift(db, actor.user, shift_id)
