"""HTML pages of assessments: my check-ins (questionnaires, tasks, results with history charts,
referrals), a questionnaire and its result, the mood diary with trends, what I share, and the
counsellor's client list and per-client dashboard. Thin: read the form, call the service, render.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anxin.accounts import service as accounts
from anxin.accounts.deps import Actor, CurrentActor, csrf_protect
from anxin.accounts.pages import page, sign_in_first
from anxin.accounts.routes import locale
from anxin.assessments import charts, counselling, recordings, service, sharing, trends
from anxin.assessments.errors import DiaryInFuture, DiaryInvalid
from anxin.assessments.instruments import (
    EMOTIONS,
    INSTRUMENTS,
    REFERRAL_REASONS,
    SERVICE_TYPES,
    Instrument,
    instrument,
    label_of,
)
from anxin.assessments.models import ITEM_DIARY, ITEM_MEASURES, AssessmentResponse, DiaryEntry
from anxin.assessments.schemas import MAX_ID, RESOURCES_PAGE, RESOURCES_URL, SCREENING_NOTE
from anxin.core import clock
from anxin.core.deps import DbSession
from anxin.core.errors import AppError, Forbidden, NotFound
from anxin.core.i18n import gettext
from anxin.counselors.deps import AuditedDb

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _is_counsellor(actor: Actor) -> bool:
    return actor.role == "counsellor"


def _result_chart(spec: Instrument, rows: list[AssessmentResponse], lang: str) -> Any:
    points = [charts.Point(clock.as_utc(row.created_at).strftime("%m-%d"), row.score) for row in rows]
    shades = [charts.Shade(b.low, b.high, b.severity, b.label.get(lang)) for b in spec.bands]
    return charts.line_chart(
        points,
        low=0,
        high=spec.score_max,
        title=gettext(lang, "{name}: results over time", name=spec.name.get(lang)),
        shades=shades,
        empty_text=gettext(lang, "No results yet"),
    )


def _mood_chart(entries: list[DiaryEntry], period: str, lang: str) -> Any:
    days = [trends.DayMood(entry.day, entry.mood, entry.sleep_minutes) for entry in entries]
    points = [charts.Point(p.label, p.mood_average) for p in trends.trend(days, period)]
    title = (
        gettext(lang, "Average mood by week") if period == "week" else gettext(lang, "Average mood by month")
    )
    return charts.line_chart(
        points, low=1, high=10, title=title, empty_text=gettext(lang, "No diary entries yet")
    )


def _history(spec: Instrument, rows: list[AssessmentResponse], lang: str) -> dict[str, Any]:
    mine = [row for row in rows if row.instrument == spec.code]
    return {
        "spec": spec,
        "name": spec.name.get(lang),
        "rows": [
            {"row": row, "band": spec.band_for(row.score).label.get(lang), "at": clock.as_utc(row.created_at)}
            for row in reversed(mine[-10:])
        ],
        "chart": _result_chart(spec, mine, lang) if mine else None,
    }


# ---------------------------------------------------------------- client: check-ins


@router.get("/checkins", response_class=HTMLResponse)
async def checkins(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    lang = locale(request)
    rows = await service.responses_of(db, actor.id)
    tasks = await counselling.open_assignments(db, actor.id)
    referrals = await counselling.referrals_for_client(db, actor.id)
    context = {
        "instruments": [(spec.code, spec.name.get(lang)) for spec in INSTRUMENTS.values()],
        "tasks": [{"row": task, "name": instrument(task.instrument).name.get(lang)} for task in tasks],
        "histories": [_history(spec, rows, lang) for spec in INSTRUMENTS.values()],
        "referrals": [
            {
                "view": view,
                "reason": label_of(REFERRAL_REASONS, view.reason, lang),
                "service": label_of(SERVICE_TYPES, view.service_type, lang),
            }
            for view in referrals
        ],
        "shared": await sharing.status(db, actor.id),
    }
    return page(request, "assessments/checkins.html", context)


# ---------------------------------------------------------------- client: sharing


async def _sharing_page(
    request: Request, db: DbSession, actor: Actor, shared: dict[str, bool], *, saved: bool
) -> HTMLResponse:
    reads = [
        {"entry": entry, "who": await _name(db, entry.actor_id) if entry.actor_id else None}
        for entry in await sharing.reads_of(db, actor.id)
    ]
    return page(request, "assessments/sharing.html", {"shared": shared, "saved": saved, "reads": reads})


@router.get("/checkins/sharing", response_class=HTMLResponse, name="sharing_page")
async def sharing_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    return await _sharing_page(request, db, actor, await sharing.status(db, actor.id), saved=False)


@router.post("/checkins/sharing", response_class=HTMLResponse)
async def save_sharing(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    measures: Annotated[str, Form()] = "",
    diary: Annotated[str, Form()] = "",
) -> Response:
    if actor is None:
        return sign_in_first(request)
    wanted = {ITEM_MEASURES: measures == "on", ITEM_DIARY: diary == "on"}
    shared = await sharing.set_sharing(db, actor.id, wanted, channel="web")
    return await _sharing_page(request, db, actor, shared, saved=True)


def _form_context(
    spec: Instrument, lang: str, assignment_id: int | None, values: dict[int, str]
) -> dict[str, Any]:
    return {
        "spec": spec,
        "name": spec.name.get(lang),
        "instructions": spec.instructions.get(lang),
        "items": [(number, item.get(lang)) for number, item in enumerate(spec.items, start=1)],
        "options": [(option.value, option.label.get(lang)) for option in spec.options],
        "assignment_id": assignment_id,
        "values": values,
        "screening_note": SCREENING_NOTE,
    }


@router.get("/checkins/{code}", response_class=HTMLResponse)
async def questionnaire(
    code: str,
    request: Request,
    actor: CurrentActor,
    task: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    if actor is None:
        return sign_in_first(request)
    return page(
        request, "assessments/questionnaire.html", _form_context(instrument(code), locale(request), task, {})
    )


def _result_page(
    request: Request, spec: Instrument, row: AssessmentResponse, *, show_resources: bool
) -> HTMLResponse:
    lang = locale(request)
    band = spec.band_for(row.score)
    return page(
        request,
        "assessments/result.html",
        {
            "spec": spec,
            "name": spec.name.get(lang),
            "row": row,
            "band_label": band.label.get(lang),
            "meaning": band.meaning.get(lang),
            "show_resources": show_resources,
            "resources_url": RESOURCES_URL,
            "resources_page": RESOURCES_PAGE,
            "screening_note": SCREENING_NOTE,
        },
    )


@router.post("/checkins/{code}", response_class=HTMLResponse)
async def submit(code: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    spec = instrument(code)
    form = await request.form()
    raw = {number: str(form.get(f"item{number}", "")) for number in range(1, len(spec.items) + 1)}
    answers = {number: int(value) if value.lstrip("-").isdigit() else None for number, value in raw.items()}
    task_field = str(form.get("assignment_id", ""))
    task = int(task_field) if task_field.isdigit() and int(task_field) <= MAX_ID else None
    try:
        done = await service.submit(db, actor.id, code, answers, language=locale(request), assignment_id=task)
    except AppError as error:
        if error.status_code == 404:
            raise
        context = _form_context(spec, locale(request), task, {n: v for n, v in raw.items() if v})
        return page(request, "assessments/questionnaire.html", context, error=error)
    return _result_page(request, spec, done.response, show_resources=done.show_resources)


@router.get("/checkins/results/{response_id}", response_class=HTMLResponse)
async def result(response_id: PathId, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    row = await service.access_response(db, actor.id, response_id)
    return _result_page(request, instrument(row.instrument), row, show_resources=row.risk_reason is not None)


# ---------------------------------------------------------------- client: mood diary


async def _diary_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    *,
    error: AppError | None = None,
    saved: bool = False,
    show_resources: bool = False,
    values: dict[str, Any] | None = None,
    day: date | None = None,
) -> HTMLResponse:
    """``day`` opens that day's entry in the form (today's by default), so saving edits it."""
    lang = locale(request)
    period = request.query_params.get("period", "week")
    period = period if period in trends.PERIODS else "week"
    entries = await service.diary_entries(db, actor.id, since=clock.utcnow().date() - timedelta(days=400))
    recent = [await service.diary_view(db, entry) for entry in entries[-14:]]
    spoken = {entry.id: await recordings.view_of(db, entry) for entry in entries[-14:]}
    today = clock.utcnow().date()
    editing = day or today
    if values is None:
        # The chosen day's entry, if there is one, fills the form: saving again edits it.
        found = await service.diary_entry_on(db, actor.id, editing)
        shown = await service.diary_view(db, found) if found is not None else None
        values = {"day": editing.isoformat()}
        if shown is not None:
            values.update(
                mood=shown.mood,
                sleep_hours="" if shown.sleep_hours is None else f"{shown.sleep_hours:g}",
                note=shown.note or "",
                emotions=shown.emotions,
            )
    context = {
        "period": period,
        "chart": _mood_chart(entries, period, lang),
        "recent": [
            {
                "view": view,
                "emotions": ", ".join(label_of(EMOTIONS, code, lang) for code in view.emotions),
                "spoken": spoken.get(view.id),
            }
            for view in reversed(recent)
        ],
        "emotions": [(choice.code, choice.label.get(lang)) for choice in EMOTIONS],
        "moods": [(n, str(n)) for n in range(1, 11)],
        "today": today.isoformat(),
        "editing_past": values.get("day", today.isoformat()) != today.isoformat(),
        "max_day": service.latest_allowed_day().isoformat(),
        "max_seconds": recordings.max_seconds(),
        "values": values or {},
        "saved": saved,
        "show_resources": show_resources,
        "resources_url": RESOURCES_URL,
        "resources_page": RESOURCES_PAGE,
    }
    return page(request, "assessments/diary.html", context, error=error)


@router.get("/diary", response_class=HTMLResponse)
async def diary(
    request: Request, db: DbSession, actor: CurrentActor, day: Annotated[date | None, Query()] = None
) -> Response:
    """``?day=YYYY-MM-DD`` opens an earlier day's entry for editing (never a future day)."""
    if actor is None:
        return sign_in_first(request)
    if day is not None and day > service.latest_allowed_day():
        return await _diary_page(request, db, actor, error=DiaryInFuture())
    return await _diary_page(request, db, actor, day=day)


@router.post("/diary", response_class=HTMLResponse)
async def save_diary(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    form = await request.form()
    values: dict[str, Any] = {key: str(form.get(key, "")) for key in ("day", "mood", "sleep_hours", "note")}
    chosen = [str(code) for code in form.getlist("emotions")]
    values["emotions"] = chosen
    upload = form.get("audio")
    audio: bytes | None = None
    if isinstance(upload, UploadFile) and upload.filename:  # an empty file field sends no name
        audio = await upload.read(recordings.MAX_BYTES + 1)
    try:
        media_type = await recordings.check(audio) if audio is not None else None
        try:
            day = date.fromisoformat(values["day"])
            mood = int(values["mood"])
            sleep = float(values["sleep_hours"]) if values["sleep_hours"].strip() else None
        except ValueError as exc:
            raise DiaryInvalid() from exc
        saved = await service.save_diary(
            db,
            actor.id,
            day=day,
            mood=mood,
            emotions=chosen,
            sleep_hours=sleep,
            note=values["note"] or None,
            locale=locale(request),
        )
        if audio is not None and media_type is not None:
            await recordings.attach(db, request.app.state.settings.home, saved.entry, audio, media_type)
    except AppError as error:
        return await _diary_page(request, db, actor, error=error, values=values)
    return await _diary_page(request, db, actor, saved=True, show_resources=saved.show_resources, day=day)


@router.post("/diary/{entry_id}/delete", response_class=HTMLResponse)
async def delete_diary_entry(
    entry_id: PathId, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    if actor is None:
        return sign_in_first(request)
    entry = await service.access_diary_entry(db, actor.id, entry_id)
    await service.delete_diary_entry(db, request.app.state.settings.home, entry)
    return RedirectResponse("/diary", status_code=303)


# ---------------------------------------------------------------- counsellor


async def _name(db: DbSession, user_id: int) -> str | None:
    return (await accounts.get_user(db, user_id)).nickname


@router.get("/counsellor/clients", response_class=HTMLResponse)
async def my_clients(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    if not _is_counsellor(actor):
        raise Forbidden()
    clients = [
        {"id": client_id, "name": await _name(db, client_id), "shared": shared}
        for client_id, shared in await counselling.clients_of(db, actor.id)
    ]
    return page(request, "assessments/clients.html", {"clients": clients})


async def _dashboard(
    request: Request,
    db: Any,
    actor: Actor,
    client_id: PathId,
    *,
    done: str | None = None,
    error: AppError | None = None,
) -> HTMLResponse:
    lang = locale(request)
    await counselling.access_client(db, actor.id, client_id)
    shared = await sharing.status(db, client_id)
    histories = None
    if shared[ITEM_MEASURES]:
        rows = await counselling.client_measures(db, actor.id, client_id)
        histories = [h for h in (_history(spec, rows, lang) for spec in INSTRUMENTS.values()) if h["rows"]]
    mood_week = mood_month = None
    if shared[ITEM_DIARY]:
        entries = await counselling.client_diary(db, actor.id, client_id)
        mood_week, mood_month = _mood_chart(entries, "week", lang), _mood_chart(entries, "month", lang)
    context = {
        "client_id": client_id,
        "client_name": await _name(db, client_id),
        "shared": shared,
        "histories": histories,
        "mood_week": mood_week,
        "mood_month": mood_month,
        "instruments": [(spec.code, spec.name.get(lang)) for spec in INSTRUMENTS.values()],
        "assignments": [
            {"row": row, "name": instrument(row.instrument).name.get(lang)}
            for row in await counselling.assignments_by(db, actor.id, client_id)
        ],
        "referrals": [
            {
                "view": view,
                "reason": label_of(REFERRAL_REASONS, view.reason, lang),
                "service": label_of(SERVICE_TYPES, view.service_type, lang),
            }
            for view in await counselling.referrals_by(db, actor.id, client_id)
        ],
        "reasons": [(choice.code, choice.label.get(lang)) for choice in REFERRAL_REASONS],
        "services": [(choice.code, choice.label.get(lang)) for choice in SERVICE_TYPES],
        "sections": await counselling.extra_sections(db, actor.id, client_id),
        "done": done,
    }
    return page(request, "assessments/dashboard.html", context, error=error)


@router.get("/counsellor/clients/{client_id}", response_class=HTMLResponse)
async def dashboard(client_id: PathId, request: Request, db: AuditedDb, actor: CurrentActor) -> Response:
    """One client's dashboard; opening it reads their shared measures and mood (audited)."""
    if actor is None:
        return sign_in_first(request)
    if not _is_counsellor(actor):
        raise NotFound()
    return await _dashboard(request, db, actor, client_id, done=request.query_params.get("done"))


@router.post("/counsellor/clients/{client_id}/assign", response_class=HTMLResponse)
async def assign(
    client_id: PathId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    instrument_code: Annotated[str, Form(alias="instrument")] = "",
) -> Response:
    if actor is None:
        return sign_in_first(request)
    if not _is_counsellor(actor):
        raise NotFound()
    await counselling.assign(db, actor.id, client_id, instrument_code)
    return RedirectResponse(f"/counsellor/clients/{client_id}?done=assigned", status_code=303)


@router.post("/counsellor/clients/{client_id}/refer", response_class=HTMLResponse)
async def refer(
    client_id: PathId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    reason: Annotated[str, Form()] = "",
    service_type: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    if actor is None:
        return sign_in_first(request)
    if not _is_counsellor(actor):
        raise NotFound()
    try:
        await counselling.refer(
            db, actor.id, client_id, reason=reason, service_type=service_type, notes=notes
        )
    except AppError as error:
        if error.status_code == 404:
            raise
        return await _dashboard(request, db, actor, client_id, error=error)
    return RedirectResponse(f"/counsellor/clients/{client_id}?done=referred", status_code=303)
