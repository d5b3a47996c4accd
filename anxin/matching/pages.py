"""HTML pages of matching: the intake questionnaire and the ranked list with reasons. Booking one
is one click (the counsellor's booking page); the client's own records stay theirs whoever they see."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import HTMLResponse, Response

from anxin.accounts.deps import CurrentActor, csrf_protect
from anxin.accounts.pages import page, sign_in_first
from anxin.core.deps import DbSession
from anxin.core.errors import AppError
from anxin.core.i18n import gettext
from anxin.counselors import vocab
from anxin.matching import service
from anxin.matching.schemas import IntakeIn, MatchOut
from anxin.matching.scoring import PERIODS
from anxin.matching.views import PERIOD_LABELS, reasons_out
from anxin.safety import plans

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def _locale(request: Request) -> str:
    return str(getattr(request.state, "locale", request.app.state.settings.default_locale))


def _choices(locale: str) -> dict[str, Any]:
    """(key, label in the reader's language) pairs; selects start with "no preference"."""

    def pairs(table: dict[str, str], blank: bool = True) -> list[tuple[str, str]]:
        options = [(key, gettext(locale, label)) for key, label in table.items()]
        return [("", gettext(locale, "No preference")), *options] if blank else options

    return {
        "specialties": pairs(vocab.SPECIALTIES, blank=False),
        "languages": pairs(vocab.LANGUAGES),
        "genders": pairs(vocab.GENDERS),
        "approaches": pairs(vocab.APPROACHES),
        "modalities": pairs(vocab.MODALITIES),
        "periods": pairs({key: PERIOD_LABELS[key] for key in PERIODS}, blank=False),
    }


@router.get("/matching", response_class=HTMLResponse)
async def intake_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    previous = await service.latest_intake(db, actor.id)
    return page(
        request,
        "matching/intake.html",
        {
            **_choices(_locale(request)),
            "previous": previous,
            "has_emergency_contact": await plans.has_contact(db, actor.id),
        },
    )


def _optional_int(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() else None


@router.post("/matching", response_class=HTMLResponse)
async def results_page(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    concerns: Annotated[list[str] | None, Form()] = None,
    times: Annotated[list[str] | None, Form()] = None,
    language: Annotated[str, Form()] = "",
    gender: Annotated[str, Form()] = "",
    approach: Annotated[str, Form()] = "",
    modality: Annotated[str, Form()] = "",
    budget: Annotated[str, Form()] = "",
    first_time: Annotated[str, Form()] = "",
    phq9: Annotated[str, Form()] = "",
    gad7: Annotated[str, Form()] = "",
) -> Response:
    if actor is None:
        return sign_in_first(request)
    budget_yuan = _optional_int(budget)
    body = IntakeIn.model_construct(
        concerns=concerns or [],
        goals=None,
        language=language or None,
        gender=gender or None,
        approach=approach or None,
        modality=modality or None,
        budget=budget_yuan * 100 if budget_yuan is not None else None,
        currency="CNY",
        times=times or [],
        first_time={"yes": True, "no": False}.get(first_time),
        timezone="Asia/Shanghai",
        phq9=_optional_int(phq9),
        gad7=_optional_int(gad7),
        limit=10,
    )
    intake = body.intake()
    try:
        await service.save_intake(db, actor.id, intake)
        listed = await service.names(db, await service.match(db, intake))
    except AppError as error:
        return page(
            request, "matching/intake.html", {**_choices(_locale(request)), "previous": intake}, error=error
        )
    locale = _locale(request)
    matches = [MatchOut.of(item, locale, intake.modality, reasons_out(item, locale)) for item in listed]
    return page(request, "matching/results.html", {"matches": matches})
