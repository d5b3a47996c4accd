"""Jinja2 rendering with the reader's language and region."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from anxin import __version__
from anxin.core.config import Settings
from anxin.core.i18n import SUPPORTED_LOCALES, gettext, ngettext
from anxin.safety.resources import (
    CRISIS_RESOURCES,
    REGION_COOKIE,
    region_from_accept_language,
    resources_for,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
LANGUAGE_NAMES = {"zh-CN": "简体中文", "en": "English"}
HTML_LANG = {"zh-CN": "zh-Hans", "en": "en"}

# The language of the template being rendered. Macro files imported without context
# ({% import "_forms.html" as forms %}) see only globals, so `_` reads the language from here.
_rendering_locale: ContextVar[str] = ContextVar("anxin_rendering_locale", default="en")


def _translate(message: str, **params: Any) -> str:
    return gettext(_rendering_locale.get(), message, **params)


def _translate_plural(singular: str, plural: str, n: int, **params: Any) -> str:
    return ngettext(_rendering_locale.get(), singular, plural, n, **params)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    # Messages use str.format placeholders: _("Call {number}", number=...).
    env.globals.update(_=_translate, gettext=_translate, ngettext=_translate_plural)
    return env


@contextmanager
def rendering_in(locale: str) -> Iterator[None]:
    token = _rendering_locale.set(locale)
    try:
        yield
    finally:
        _rendering_locale.reset(token)


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def visitor_region(request: Request) -> str:
    chosen = request.cookies.get(REGION_COOKIE, "").upper()
    if chosen in CRISIS_RESOURCES:
        return chosen
    return (
        region_from_accept_language(request.headers.get("accept-language"))
        or settings_of(request).default_region
    )


def locale_of(request: Request) -> str:
    return str(getattr(request.state, "locale", settings_of(request).default_locale))


def render_template(template: str, locale: str, context: dict[str, Any]) -> str:
    """Render ``template`` in ``locale``; pages go through :func:`render`, this serves tests too."""
    with rendering_in(locale):
        return environment().get_template(template).render({"locale": locale, **context})


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    locale = locale_of(request)
    region = visitor_region(request)
    values: dict[str, Any] = {
        "request": request,
        "request_id": getattr(request.state, "request_id", ""),
        "html_lang": HTML_LANG.get(locale, "en"),
        "locales": [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES],
        "region": region,
        "regions": sorted(CRISIS_RESOURCES.values(), key=lambda r: r.code),
        "crisis": resources_for(region, settings_of(request).default_region),
        "version": __version__,
        "current_path": request.url.path,
    }
    values.update(context or {})
    return HTMLResponse(render_template(template, locale, values), status_code=status_code)


def render_error_page(request: Request, status: int, code: str, message: str) -> HTMLResponse:
    return render(
        request, "error.html", {"status": status, "code": code, "message": message}, status_code=status
    )
