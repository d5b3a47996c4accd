"""Pages for counsellors (the application: profile, credentials, certificates, weekly hours) and for
admins (the verification queue). Thin: read the form, call the service, render.

Money is typed in major units (``198.00``) and stored in minor units; weekly hours are typed as
``09:00-12:00, 14:00-18:00`` per weekday in the counsellor's own time zone.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anxin.accounts import service as account_service
from anxin.accounts.deps import CSRF_FIELD, Actor, CurrentActor, csrf_protect, csrf_token
from anxin.accounts.models import ROLE_ADMIN, ROLE_COUNSELLOR
from anxin.accounts.pages import SECURITY_PAGE, sign_in_first
from anxin.accounts.rendering import render
from anxin.core.deps import DbSession
from anxin.core.errors import AppError, NotFound, ValidationFailed
from anxin.core.i18n import gettext
from anxin.core.money import Money, MoneyError
from anxin.core.notify.templates import N_
from anxin.counselors import photos, search, service, vocab
from anxin.counselors.deps import AuditedDb
from anxin.counselors.schemas import CredentialIn, ProfileIn, RuleIn

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
APPLICATION = "/counsellor/application"
WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
TIME_ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Europe/London",
    "America/New_York",
)


def _locale(request: Request) -> str:
    return str(getattr(request.state, "locale", "zh-CN"))


def _page(
    request: Request, template: str, context: dict[str, Any], *, error: AppError | None = None
) -> HTMLResponse:
    values: dict[str, Any] = {"csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), "errors": {}}
    values.update(context)
    status = 200
    if error is not None:
        status = error.status_code
        values["errors"] = {"form": gettext(_locale(request), error.message, **error.params)}
    return render(request, template, values, status_code=status)


def _gate(request: Request, actor: Actor | None, role: str) -> Response | None:
    if actor is None:
        return sign_in_first(request)
    if account_service.needs_mfa_setup(actor.user):
        return RedirectResponse(SECURITY_PAGE, status_code=303)
    if actor.role != role:
        raise NotFound()
    return None


def _minor(text: str) -> int:
    if not text.strip():
        return 0
    try:
        return Money.parse(text, "CNY").amount
    except MoneyError:
        raise ValidationFailed("Please enter an amount like 100.00.") from None


def _major(amount: int | None) -> str:
    return f"{amount / 100:.2f}" if amount else ""


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_hours(weekday: int, text: str) -> list[RuleIn]:
    rules = []
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        start, _, end = part.strip().partition("-")
        try:
            rules.append(RuleIn(weekday=weekday, start=start.strip().zfill(5), end=end.strip().zfill(5)))
        except ValueError:
            raise ValidationFailed("Please enter hours like 09:00-12:00, 14:00-18:00.") from None
    return rules


async def _application_context(db: DbSession, actor: Actor, locale: str) -> dict[str, Any]:
    profile = await service.own_profile(db, actor.user)
    rules = await service.rules_of(db, actor.id) if profile else []
    hours: dict[int, list[str]] = {day: [] for day in range(7)}
    for rule in rules:
        hours[rule.weekday].append(f"{_clock(rule.start_minute)}-{_clock(rule.end_minute)}")
    return {
        "profile": profile,
        "values": {
            "specialties": search.untag(profile.specialties) if profile else [],
            "approaches": search.untag(profile.approaches) if profile else [],
            "languages": search.untag(profile.languages) if profile else [],
            "price_text": _major(profile.price_text) if profile else "",
            "price_voice": _major(profile.price_voice) if profile else "",
            "price_video": _major(profile.price_video) if profile else "",
        },
        "documents": await service.documents_of(db, actor.id) if profile else [],
        "hours": [(day, gettext(locale, WEEKDAY_NAMES[day]), ", ".join(hours[day])) for day in range(7)],
        "specialties": [(k, gettext(locale, v)) for k, v in vocab.SPECIALTIES.items()],
        "approaches": [(k, gettext(locale, v)) for k, v in vocab.APPROACHES.items()],
        "languages": [(k, gettext(locale, v)) for k, v in vocab.LANGUAGES.items()],
        "genders": [(k, gettext(locale, v)) for k, v in vocab.GENDERS.items()],
        "qualifications": [(k, gettext(locale, v)) for k, v in vocab.QUALIFICATIONS.items()],
        "zones": [(zone, zone) for zone in TIME_ZONES],
    }


async def _answer(request: Request, db: DbSession, actor: Actor, error: AppError | None = None) -> Response:
    if error is None:
        return RedirectResponse(APPLICATION, status_code=303)
    context = await _application_context(db, actor, _locale(request))
    return _page(request, "counselors/application.html", context, error=error)


@router.get(APPLICATION, response_class=HTMLResponse)
async def application(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (gate := _gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return gate
    assert actor is not None
    return _page(
        request, "counselors/application.html", await _application_context(db, actor, _locale(request))
    )


@router.post(f"{APPLICATION}/profile")
async def save_profile(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (gate := _gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return gate
    assert actor is not None
    form = await request.form()
    try:
        async with db.begin_nested():
            data = ProfileIn(
                name_en=str(form.get("name_en", "")),
                name_zh=str(form.get("name_zh", "")),
                bio_en=str(form.get("bio_en", "")),
                bio_zh=str(form.get("bio_zh", "")),
                specialties=[str(v) for v in form.getlist("specialties")],
                approaches=[str(v) for v in form.getlist("approaches")],
                languages=[str(v) for v in form.getlist("languages")] or ["zh"],
                gender=str(form.get("gender", "other")),
                city=str(form.get("city", "")),
                prices={m: _minor(str(form.get(f"price_{m}", ""))) for m in service.PRICE_MODALITIES},
                first_session_discount_bp=int(str(form.get("discount_percent", "0")) or 0) * 100,
                timezone=str(form.get("timezone", "Asia/Shanghai")),
                buffer_minutes=int(str(form.get("buffer_minutes", "10")) or 10),
            )
            await service.save_profile(db, actor.user, data)
    except ValueError as exc:  # pydantic: a name missing or too long, a number out of range
        return await _answer(
            request,
            db,
            actor,
            ValidationFailed(N_("Please check the fields of your profile."))
            if not isinstance(exc, AppError)
            else exc,
        )
    except AppError as exc:
        return await _answer(request, db, actor, exc)
    return await _answer(request, db, actor)


@router.post(f"{APPLICATION}/hours")
async def save_hours(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (gate := _gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return gate
    assert actor is not None
    form = await request.form()
    try:
        async with db.begin_nested():
            rules = [rule for day in range(7) for rule in parse_hours(day, str(form.get(f"day_{day}", "")))]
            await service.set_weekly_rules(db, actor.user, rules)
    except AppError as exc:
        return await _answer(request, db, actor, exc)
    return await _answer(request, db, actor)


@router.post(f"{APPLICATION}/credentials")
async def add_credential(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    qualification: Annotated[str, Form()] = "",
    licence_number: Annotated[str, Form()] = "",
    issuing_body: Annotated[str, Form()] = "",
    years_of_practice: Annotated[int, Form()] = 0,
    supervised_hours: Annotated[int, Form()] = 0,
) -> Response:
    if (gate := _gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return gate
    assert actor is not None
    try:
        async with db.begin_nested():
            data = CredentialIn(
                qualification=qualification,
                licence_number=licence_number,
                issuing_body=issuing_body,
                years_of_practice=years_of_practice,
                supervised_hours=supervised_hours,
            )
            await service.add_credential(db, actor.user, data)
    except AppError as exc:
        return await _answer(request, db, actor, exc)
    except ValueError:
        return await _answer(
            request, db, actor, ValidationFailed(N_("Please fill in every field of the credential."))
        )
    return await _answer(request, db, actor)


@router.post(f"{APPLICATION}/documents")
async def upload(
    request: Request, db: DbSession, actor: CurrentActor, file: Annotated[UploadFile, File()]
) -> Response:
    if (gate := _gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return gate
    assert actor is not None
    data = await file.read(service.MAX_DOCUMENT_BYTES + 1)
    try:
        async with db.begin_nested():
            await service.add_document(
                db, actor.user, home=request.app.state.settings.home, file_name=file.filename or "", data=data
            )
    except AppError as exc:
        return await _answer(request, db, actor, exc)
    return await _answer(request, db, actor)


@router.post(f"{APPLICATION}/photo")
async def upload_photo(
    request: Request, db: DbSession, actor: CurrentActor, file: Annotated[UploadFile, File()]
) -> Response:
    if (gate := _gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return gate
    assert actor is not None
    data = await file.read(photos.MAX_PHOTO_BYTES + 1)
    try:
        async with db.begin_nested():
            await photos.set_photo(db, actor.user, home=request.app.state.settings.home, data=data)
    except AppError as exc:
        return await _answer(request, db, actor, exc)
    return await _answer(request, db, actor)


@router.post(f"{APPLICATION}/submit")
async def submit(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (gate := _gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return gate
    assert actor is not None
    try:
        async with db.begin_nested():
            await service.submit_application(db, actor.user)
    except AppError as exc:
        return await _answer(request, db, actor, exc)
    return await _answer(request, db, actor)


# ---------------------------------------------------------------- admin: verification queue


@router.get("/admin/counselors", response_class=HTMLResponse)
async def verification_queue(request: Request, db: AuditedDb, actor: CurrentActor) -> Response:
    if (gate := _gate(request, actor, ROLE_ADMIN)) is not None:
        return gate
    assert actor is not None
    locale = _locale(request)
    applicants = []
    for profile in await service.verification_queue(db, actor.user):
        applicants.append(
            {
                "profile": profile,
                "credentials": [
                    (gettext(locale, vocab.QUALIFICATIONS.get(c.qualification, c.qualification)), c)
                    for c in await service.credentials_of(db, actor.user, profile.counsellor_id)
                ],
                "documents": await service.documents_of(db, profile.counsellor_id),
            }
        )
    return _page(request, "counselors/queue.html", {"applicants": applicants})


@router.post("/admin/counselors/{counsellor_id}/decision")
async def decide(
    counsellor_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    if (gate := _gate(request, actor, ROLE_ADMIN)) is not None:
        return gate
    assert actor is not None
    if decision == "suspend":
        await service.suspend(db, actor.user, counsellor_id, reason=reason or "suspended by an administrator")
    else:
        await service.decide(db, actor.user, counsellor_id, approve=decision == "approve", reason=reason)
    return RedirectResponse("/admin/counselors", status_code=303)
