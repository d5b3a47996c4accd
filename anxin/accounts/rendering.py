"""How accounts' pages are rendered without importing ``web`` (which is to its right).

``web.rendering`` hands its ``render`` over at import time; accounts' templates live in
``anxin/accounts/templates`` and extend web's ``base.html``.
"""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import Request
from starlette.responses import HTMLResponse

REGION_COOKIE = "anxin_region"  # the web shell's region choice (crisis lines, age of majority)


class PageRenderer(Protocol):
    def __call__(
        self,
        request: Request,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        status_code: int = 200,
    ) -> HTMLResponse: ...


_renderer: list[PageRenderer] = []


def set_page_renderer(renderer: PageRenderer) -> None:
    _renderer[:] = [renderer]


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    if not _renderer:
        raise RuntimeError("no page renderer: anxin.web.rendering must be imported by the app")
    return _renderer[0](request, template, context, status_code=status_code)


def visitor_region(request: Request) -> str:
    chosen = request.cookies.get(REGION_COOKIE, "").upper()
    if chosen.isalpha() and 2 <= len(chosen) <= 8:
        return chosen
    return str(request.app.state.settings.default_region)
