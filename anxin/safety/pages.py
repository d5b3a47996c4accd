"""HTML pages of safety: crisis resources, the alert list and an alert (acknowledge, note, follow-up,
emergency contact), the on-call rota (admins), the safety plan and the emergency contact. Thin: read
the form, call the service, render. Every page works without JavaScript; ``safety-alerts.js`` adds
live alerts to the alert list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anxin.accounts.deps import CurrentActor, csrf_protect
from anxin.accounts.models import ROLE_ADMIN, ROLE_COUNSELLOR
from anxin.accounts.pages import page, sign_in_first
from anxin.core.deps import DbSession
from anxin.core.errors import AppError, NotFound
from anxin.counselors.deps import AuditedDb
from anxin.rooms import service as rooms
from anxin.safety import plans, regression, rota, service
from anxin.safety.models import FOLLOW_UPS, PLAN_SECTIONS_LABELS
from anxin.safety.views import reader_region, resources_out

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def _back(target: str, done: str | None = None) -> RedirectResponse:
    return RedirectResponse(target + (f"?done={done}" if done else ""), status_code=303)


def _locale(request: Request) -> str:
    return str(getattr(request.state, "locale", request.app.state.settings.default_locale))


@router.get("/safety/resources", response_class=HTMLResponse)
async def resources_page(request: Request, actor: CurrentActor) -> Response:
    region = reader_region(request, actor.user if actor else None)
    table = resources_out(region, request.app.state.settings.default_region, _locale(request))
    return page(request, "safety/resources.html", {"table": table, "signed_in": actor is not None})


# ---------------------------------------------------------------- alerts (counsellors, admins)


def _responder(actor: CurrentActor) -> bool:
    return actor is not None and actor.role in (ROLE_COUNSELLOR, ROLE_ADMIN)


@router.get("/safety/alerts", response_class=HTMLResponse)
async def alerts_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    if not _responder(actor):
        raise NotFound()
    flags = await service.flags_for(db, actor.user, include_closed=request.query_params.get("all") == "1")
    return page(request, "safety/alerts.html", {"flags": flags, "me": actor.id})


async def _alert_page(
    request: Request, db: AuditedDb, actor_id: int, flag_id: int, *, error: AppError | None = None
) -> Response:
    user = await service.user(db, actor_id)
    flag = await service.access_flag(db, user, flag_id)
    subject = await service.user(db, flag.subject_id)
    context: dict[str, Any] = {
        "flag": flag,
        "subject_name": subject.nickname,
        "room_id": await _room_with(db, actor_id, flag.subject_id),
        "events": await service.events_of(db, user, flag),
        "follow_ups": FOLLOW_UPS,
        "me": actor_id,
        "is_admin": user.role == ROLE_ADMIN,
        "done": request.query_params.get("done"),
        "contact": None,
    }
    if request.query_params.get("contact") == "1":
        context["contact"] = await plans.contact_for_flag(db, user, flag.id)
        context["contact_asked"] = True
    return page(request, "safety/alert.html", context, error=error)


async def _room_with(db: AuditedDb, actor_id: int, client_id: int) -> int | None:
    """The actor's room with the client, if they share one (counsellors reply there at once)."""
    for room in await rooms.rooms_of(db, actor_id):
        if room.client_id == client_id:
            return room.id
    return None


@router.get("/safety/alerts/{flag_id}", response_class=HTMLResponse)
async def alert_page(flag_id: int, request: Request, db: AuditedDb, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    return await _alert_page(request, db, actor.id, flag_id)


@router.post("/safety/alerts/{flag_id}/acknowledge", response_class=HTMLResponse)
async def acknowledge(flag_id: int, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    await service.acknowledge(db, actor.user, flag_id)
    return _back(f"/safety/alerts/{flag_id}", "acknowledged")


@router.post("/safety/alerts/{flag_id}/notes", response_class=HTMLResponse)
async def add_note(
    flag_id: int, request: Request, db: DbSession, actor: CurrentActor, note: Annotated[str, Form()] = ""
) -> Response:
    if actor is None:
        return sign_in_first(request)
    await service.add_note(db, actor.user, flag_id, note)
    return _back(f"/safety/alerts/{flag_id}", "note")


@router.post("/safety/alerts/{flag_id}/follow-up", response_class=HTMLResponse)
async def follow_up(
    flag_id: int,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    code: Annotated[str, Form()] = "",
    close: Annotated[str, Form()] = "",
) -> Response:
    if actor is None:
        return sign_in_first(request)
    await service.mark_follow_up(db, actor.user, flag_id, code, close=close == "1")
    return _back(f"/safety/alerts/{flag_id}", "follow_up")


@router.post("/safety/alerts/{flag_id}/regression", response_class=HTMLResponse)
async def to_regression_set(
    flag_id: int, request: Request, db: DbSession, actor: CurrentActor, set: Annotated[str, Form()] = ""
) -> Response:
    """Review (admins): the flag's text joins a regression set, de-identified, with the writer's consent."""
    if actor is None:
        return sign_in_first(request)
    if actor.role != ROLE_ADMIN:
        raise NotFound()
    await regression.export_flag(db, actor.user, flag_id, set)
    return _back(f"/safety/alerts/{flag_id}", "regression")


# ---------------------------------------------------------------- on-call rota (admins)


@router.get("/safety/rota", response_class=HTMLResponse)
async def rota_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    if actor.role != ROLE_ADMIN:
        raise NotFound()
    context = {
        "shifts": await rota.shifts(db),
        "admins": await rota.admins(db),
        "on_call": await rota.on_call_now(db),
        "done": request.query_params.get("done"),
    }
    return page(request, "safety/rota.html", context)


@router.post("/safety/rota", response_class=HTMLResponse)
async def add_shift(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    user_id: Annotated[int, Form()],
    starts_at: Annotated[datetime, Form()],
    ends_at: Annotated[datetime, Form()],
) -> Response:
    if actor is None:
        return sign_in_first(request)
    if actor.role != ROLE_ADMIN:
        raise NotFound()
    await rota.add_shift(db, actor.user, user_id=user_id, starts_at=starts_at, ends_at=ends_at)
    return _back("/safety/rota", "added")


@router.post("/safety/rota/{shift_id}/remove", response_class=HTMLResponse)
async def remove_shift(shift_id: int, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    if actor.role != ROLE_ADMIN:
        raise NotFound()
    await rota.remove_shift(db, actor.user, shift_id)
    return _back("/safety/rota", "removed")


# ---------------------------------------------------------------- safety plan, emergency contact


@router.get("/safety/plan", response_class=HTMLResponse)
async def my_plan(request: Request, db: AuditedDb, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    return await _plan_page(request, db, actor.id, actor.id)


@router.get("/safety/plan/{owner_id}", response_class=HTMLResponse)
async def client_plan(owner_id: int, request: Request, db: AuditedDb, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    return await _plan_page(request, db, actor.id, owner_id)


async def _plan_page(request: Request, db: AuditedDb, actor_id: int, owner_id: int) -> Response:
    user = await service.user(db, actor_id)
    plan = await plans.read_plan(db, user, owner_id)
    context = {
        "plan": plan.as_dict(),
        "sections": PLAN_SECTIONS_LABELS,
        "owner_id": owner_id,
        "own": owner_id == actor_id,
        "done": request.query_params.get("done"),
    }
    return page(request, "safety/plan.html", context)


@router.post("/safety/plan/{owner_id}", response_class=HTMLResponse)
async def save_plan(
    owner_id: int,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    warning_signs: Annotated[str, Form()] = "",
    coping_steps: Annotated[str, Form()] = "",
    people_and_places: Annotated[str, Form()] = "",
    professionals: Annotated[str, Form()] = "",
) -> Response:
    if actor is None:
        return sign_in_first(request)
    sections = {
        "warning_signs": warning_signs,
        "coping_steps": coping_steps,
        "people_and_places": people_and_places,
        "professionals": professionals,
    }
    await plans.save_plan(db, actor.user, owner_id, sections)
    return _back("/safety/plan" if owner_id == actor.id else f"/safety/plan/{owner_id}", "saved")


@router.get("/safety/contact", response_class=HTMLResponse)
async def contact_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    found = await plans.my_contact(db, actor.user)
    values = found.__dict__ if found else {}
    return page(request, "safety/contact.html", {"values": values, "done": request.query_params.get("done")})


@router.post("/safety/contact", response_class=HTMLResponse)
async def save_contact(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    relation: Annotated[str, Form()] = "",
    city: Annotated[str, Form()] = "",
) -> Response:
    if actor is None:
        return sign_in_first(request)
    details = plans.ContactDetails(name=name, phone=phone, relation=relation, city=city)
    try:
        await plans.set_contact(db, actor.user, details)
    except AppError as error:
        return page(request, "safety/contact.html", {"values": details.__dict__}, error=error)
    return _back("/safety/contact", "saved")
