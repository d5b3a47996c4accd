"""Jinja2 rendering with the reader's language and region, for the shell and every module's pages.

Templates are looked up in ``anxin/web/templates`` first (``base.html``, ``_forms.html``, ...) and then
in each module's ``anxin/<module>/templates``; a module keeps its pages in a sub-folder named after
it (``accounts/login.html``). A module template named ``_<something>_menu.html`` at the top of its
folder is included in the site header. Modules cannot import ``web`` (it is right of them all), so
a module that renders pages offers ``anxin/<module>/rendering.py`` with ``set_page_renderer(render)``
and the shell hands its :func:`render` over when this file is imported.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import escape
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

log = logging.getLogger("anxin.web")

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
PACKAGE_DIR = TEMPLATE_DIR.parent.parent
HEADER_MENU = re.compile(r"^_[a-z0-9]+_menu\.html$")
LANGUAGE_NAMES = {"zh-CN": "简体中文", "en": "English"}
HTML_LANG = {"zh-CN": "zh-Hans", "en": "en"}

# The language of the template being rendered. Macro files imported without context
# ({% import "_forms.html" as forms %}) see only globals, so `_` reads the language from here.
_rendering_locale: ContextVar[str] = ContextVar("anxin_rendering_locale", default="en")


@lru_cache(maxsize=8192)
def _translated(locale: str, message: str) -> str:
    return gettext(locale, message)


def _translate(message: str, **params: Any) -> str:
    # A page asks for some fifty messages, nearly all without parameters: answer those from a cache.
    if params:
        return gettext(_rendering_locale.get(), message, **params)
    return _translated(_rendering_locale.get(), message)


def _translate_plural(singular: str, plural: str, n: int, **params: Any) -> str:
    return ngettext(_rendering_locale.get(), singular, plural, n, **params)


def module_folders(name: str) -> list[Path]:
    """``anxin/<module>/<name>`` of every module but web that has one, in a stable order."""
    return sorted(
        path for path in PACKAGE_DIR.glob(f"*/{name}") if path.is_dir() and path.parent.name != "web"
    )


def template_folders() -> list[Path]:
    return [TEMPLATE_DIR, *module_folders("templates")]


@lru_cache(maxsize=1)
def header_menus() -> tuple[str, ...]:
    names = {path.name for folder in module_folders("templates") for path in folder.glob("_*_menu.html")}
    return tuple(sorted(name for name in names if HEADER_MENU.match(name)))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(folder) for folder in template_folders()]),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code and change only with a new process: without this, every
        # page (base, menus, includes) costs a stat() of each template file.
        auto_reload=False,
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


@lru_cache(maxsize=1)
def _shell_constants() -> tuple[tuple[tuple[str, str], ...], tuple[Any, ...]]:
    """The language and region choices of the page shell: the same for every page."""
    return (
        tuple((code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES),
        tuple(sorted(CRISIS_RESOURCES.values(), key=lambda r: r.code)),
    )


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    locale = locale_of(request)
    region = visitor_region(request)
    locales, regions = _shell_constants()
    values: dict[str, Any] = {
        "request": request,
        "request_id": getattr(request.state, "request_id", ""),
        "html_lang": HTML_LANG.get(locale, "en"),
        "locales": locales,
        "region": region,
        "regions": regions,
        "crisis": resources_for(region, settings_of(request).default_region),
        "version": __version__,
        "current_path": request.url.path,
        "header_menus": header_menus(),
    }
    values.update(context or {})
    return HTMLResponse(render_template(template, locale, values), status_code=status_code)


def render_error_page(request: Request, status: int, code: str, message: str) -> HTMLResponse:
    try:
        return render(
            request, "error.html", {"status": status, "code": code, "message": message}, status_code=status
        )
    except Exception:
        # The error page must never fail in turn (a broken template, a menu that needs a database
        # that is down): a plain page still tells the reader what happened and where help is.
        log.exception("error page could not be rendered")
        return HTMLResponse(_plain_error_page(locale_of(request), message), status_code=status)


def _plain_error_page(locale: str, message: str) -> str:
    def text(value: str) -> str:
        return str(escape(value))

    return (
        f'<!doctype html><html lang="{HTML_LANG.get(locale, "en")}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text(gettext(locale, 'Anxin'))}</title>"
        '<link rel="stylesheet" href="/static/css/anxin.css"></head><body><main id="main">'
        f'<div class="container error-page"><h1>{text(message)}</h1>'
        f'<p><a class="button" href="/">{text(gettext(locale, "Back to the home page"))}</a></p>'
        f"<p>{text(gettext(locale, 'If you need to talk to someone now, help is available.'))} "
        f'<a href="/crisis">{text(gettext(locale, "See crisis lines"))}</a></p>'
        "</div></main></body></html>"
    )


def _hand_over_renderer() -> None:
    """Give :func:`render` to every module that renders pages (see the module docstring)."""
    for path in sorted(PACKAGE_DIR.glob("*/rendering.py")):
        if path.parent.name == "web":
            continue
        module = importlib.import_module(f"anxin.{path.parent.name}.rendering")
        setter = getattr(module, "set_page_renderer", None)
        if callable(setter):
            setter(render)


_hand_over_renderer()
