"""Who is asking: FastAPI dependencies for routes and pages of every module, and CSRF protection.

* ``current_actor`` — the signed-in person or None (cookie session for pages, ``Authorization:
  Bearer`` for the API).
* ``require_user`` — signed in, and (counsellors, admins) two-step sign-in turned on.
* ``require_signed_in`` — signed in, two-step sign-in not yet required (its own setup pages).
* ``require_role("admin")`` — one of the roles, on top of ``require_user``.
* ``csrf_protect`` — every state-changing request authenticated by cookie, and every form POST,
  must carry a token bound to the session (or, before sign-in, to a random browser cookie).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection
from starlette.responses import Response

from anxin.accounts import keys, service, sessions
from anxin.accounts.errors import MfaSetupRequired, SessionEnded
from anxin.accounts.models import LoginSession, User
from anxin.core.db import Database
from anxin.core.deps import DbSession
from anxin.core.errors import Forbidden, Unauthorized

SESSION_COOKIE_NAME = "anxin_session"
CSRF_COOKIE_NAME = "anxin_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Actor:
    user: User
    login_session: LoginSession
    via: str  # "cookie" or "bearer"
    # Copied when the actor is made: an error page renders the header menus after the request's
    # transaction has rolled back, when the user row can no longer be read.
    id: int = field(init=False)
    role: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.user.id)
        object.__setattr__(self, "role", self.user.role)


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def session_cookie(connection: HTTPConnection) -> str | None:
    return connection.cookies.get(SESSION_COOKIE_NAME) or None


async def current_actor(request: Request, db: DbSession) -> Actor | None:
    keys.use_settings(request.app.state.settings)
    bearer = bearer_token(request)
    token, via = (bearer, "bearer") if bearer else (session_cookie(request), "cookie")
    if not token:
        return None
    found = await sessions.resolve(db, token)
    if found is None:
        if bearer:
            raise SessionEnded()
        return None
    row, user = found
    if sessions.needs_touch(row):
        await touch_session(request, db, row)
    actor = Actor(user=user, login_session=row, via=via)
    request.state.actor = actor
    return actor


async def touch_session(connection: HTTPConnection, db: AsyncSession, row: LoginSession) -> None:
    """Keep the session alive. A read-only request touches it in a short unit of work of its own:
    upgrading the request's read transaction to a writer could fail on SQLite."""
    if connection.scope["type"] == "http" and connection.scope.get("method") not in SAFE_METHODS:
        await sessions.touch(db, row.id)
        return
    database: Database = connection.app.state.database
    async with database.transaction() as writer:
        await sessions.touch(writer, row.id)


CurrentActor = Annotated[Actor | None, Depends(current_actor)]


async def require_signed_in(actor: CurrentActor) -> Actor:
    if actor is None:
        raise Unauthorized()
    return actor


async def require_user(actor: Annotated[Actor, Depends(require_signed_in)]) -> Actor:
    if service.needs_mfa_setup(actor.user):
        raise MfaSetupRequired()
    return actor


SignedIn = Annotated[Actor, Depends(require_signed_in)]
UserActor = Annotated[Actor, Depends(require_user)]


def require_role(*roles: str) -> Callable[[Actor], Awaitable[Actor]]:
    async def check(actor: UserActor) -> Actor:
        if actor.role not in roles:
            raise Forbidden()
        return actor

    return check


# ---------------------------------------------------------------- CSRF (signed, session-bound)


def _binding(request: Request) -> str | None:
    token = session_cookie(request)
    if token:
        return f"session:{token}"
    anonymous = request.cookies.get(CSRF_COOKIE_NAME)
    return f"browser:{anonymous}" if anonymous else None


def _sign(binding: str) -> str:
    return hmac.new(keys.derived_key("csrf"), binding.encode(), "sha256").hexdigest()


def csrf_token(request: Request, response: Response | None = None) -> str:
    """The token forms must send back. Before sign-in it is bound to a random browser cookie,
    which is set on ``response`` when the browser has none yet."""
    keys.use_settings(request.app.state.settings)
    binding = _binding(request)
    if binding is None:
        anonymous = getattr(request.state, "new_csrf_cookie", None) or secrets.token_urlsafe(24)
        request.state.new_csrf_cookie = anonymous
        binding = f"browser:{anonymous}"
        if response is not None:
            set_cookie(request, response, CSRF_COOKIE_NAME, anonymous, max_age=None)
    return _sign(binding)


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    default_message = (
        "This form has expired or did not come from Anxin. Please go back, reload the page and try again."
    )


async def csrf_protect(request: Request) -> None:
    """Refuse a state-changing cookie or form request whose CSRF token is missing or wrong.

    API requests need a token only when they rely on the session cookie: a browser never adds a
    bearer token by itself.
    """
    keys.use_settings(request.app.state.settings)
    if request.method in SAFE_METHODS:
        return
    if request.url.path.startswith("/api/") and (bearer_token(request) or not session_cookie(request)):
        return  # the API is authenticated by bearer token; only a session cookie rides along by itself
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    binding = _binding(request)
    if not sent or binding is None or not hmac.compare_digest(sent, _sign(binding)):
        raise CsrfFailed()


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.environment == "production",
        path="/",
    )


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    # A browser-session cookie: the server's idle and absolute timeouts decide when it stops working.
    set_cookie(request, response, SESSION_COOKIE_NAME, token, max_age=None)


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE_NAME, path="/")
