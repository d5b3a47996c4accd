"""The shape every module's signed-in pages share: the gate, the form page and the form submit.

* :func:`gate` — a page for signed-in people (of some roles): others see the sign-in form, a
  counsellor or admin without two-step sign-in is sent to set it up, a wrong role gets "not found".
* :func:`form_page` — render a page whose forms post back: the CSRF token, a fresh idempotency key
  for paying forms (``new_key``), and a refused form's message in the reader's language with the
  error's status.
* :func:`submit` — gate, run the change in a savepoint (a refused change leaves nothing behind),
  then redirect (post/redirect/get), or show the page again with the message or a notice.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anxin.accounts import service as account_service
from anxin.accounts.deps import CSRF_FIELD, Actor, csrf_token
from anxin.accounts.pages import SECURITY_PAGE, sign_in_first
from anxin.accounts.rendering import render
from anxin.core.errors import AppError, NotFound
from anxin.core.i18n import gettext


def gate(request: Request, actor: Actor | None, *roles: str) -> Response | None:
    """None when ``actor`` may see the page; else the answer to send instead."""
    if actor is None:
        return sign_in_first(request)
    if account_service.needs_mfa_setup(actor.user):
        return RedirectResponse(SECURITY_PAGE, status_code=303)
    if roles and actor.role not in roles:
        raise NotFound()
    return None


def form_page(
    request: Request, template: str, context: dict[str, Any], *, error: AppError | None = None
) -> HTMLResponse:
    values: dict[str, Any] = {
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "errors": {},
        "new_key": secrets.token_urlsafe(18),
    }
    values.update(context)
    status = 200
    if error is not None:
        status = error.status_code
        locale = str(getattr(request.state, "locale", request.app.state.settings.default_locale))
        values["errors"] = {"form": gettext(locale, error.message, **error.params)}
    return render(request, template, values, status_code=status)


@dataclass(frozen=True, slots=True)
class ShowAgain:
    """What a change returns to show its page again with a notice instead of redirecting
    (e.g. ``"resources"``: what was written asks for crisis resources to be shown at once)."""

    notice: str


class Reshow(Protocol):
    """The page a form came from, shown again for ``actor`` with an error or a notice."""

    def __call__(
        self, actor: Actor, *, error: AppError | None = None, notice: str = ""
    ) -> Awaitable[Response]: ...


def form_again(
    request: Request, template: str, context: Callable[[Actor], Awaitable[dict[str, Any]]]
) -> Reshow:
    """A :class:`Reshow` that renders ``template`` with ``context(actor)`` (the notice, if any, as
    ``notice``)."""

    async def reshow(actor: Actor, *, error: AppError | None = None, notice: str = "") -> Response:
        values = await context(actor)
        if notice:
            values = {**values, "notice": notice}
        return form_page(request, template, values, error=error)

    return reshow


async def submit(
    request: Request,
    db: AsyncSession,
    actor: Actor | None,
    change: Callable[[Actor], Awaitable[str | ShowAgain]],
    *,
    reshow: Reshow,
    roles: tuple[str, ...] = (),
) -> Response:
    """Gate, then ``change(actor)`` in a savepoint; it returns where to go next (a path on this
    site) or :class:`ShowAgain`. A refused change (an :class:`AppError`) shows the page again with
    its message; nothing it wrote is kept."""
    if (answer := gate(request, actor, *roles)) is not None:
        return answer
    assert actor is not None
    try:
        async with db.begin_nested():
            outcome = await change(actor)
    except AppError as exc:
        return await reshow(actor, error=exc)
    if isinstance(outcome, ShowAgain):
        return await reshow(actor, notice=outcome.notice)
    return RedirectResponse(outcome, status_code=303)
