"""Public pages of the web shell: home, language and region switches."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anxin.core.errors import NotFound
from anxin.core.i18n import LOCALE_COOKIE, SUPPORTED_LOCALES
from anxin.safety.resources import CRISIS_RESOURCES, REGION_COOKIE
from anxin.web.rendering import render, settings_of

router = APIRouter(include_in_schema=False)

ONE_YEAR = 365 * 24 * 3600


def safe_next(target: str | None) -> str:
    """Only a path on this site: never redirect a visitor to another origin.

    Browsers read a backslash as a slash and drop tabs and newlines inside URLs, so a path made of a
    slash and a backslash (or a tab) before a host name would leave the site: any backslash, space or
    control character sends the visitor home instead.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(char) < 0x21 or ord(char) == 0x7F for char in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _remember(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="lax",
        secure=settings_of(request).environment == "production",
    )


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/crisis", response_class=HTMLResponse)
async def crisis(request: Request) -> Response:
    return render(request, "crisis.html")


@router.post("/preferences/language")
async def choose_language(request: Request, locale: str = Form(...), next: str = Form("/")) -> Response:
    if locale not in SUPPORTED_LOCALES:
        raise NotFound("This language is not available.")
    response = RedirectResponse(safe_next(next), status_code=303)
    _remember(request, response, LOCALE_COOKIE, locale)
    return response


@router.post("/preferences/region")
async def choose_region(request: Request, region: str = Form(...), next: str = Form("/")) -> Response:
    if region.upper() not in CRISIS_RESOURCES:
        raise NotFound("We have no crisis resources for this region yet.")
    response = RedirectResponse(safe_next(next), status_code=303)
    _remember(request, response, REGION_COOKIE, region.upper())
    return response
