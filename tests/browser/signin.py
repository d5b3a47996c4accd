"""Signed-in browsers for the Chromium tests (their server: ``live_app`` and ``live_url`` in
tests/conftest.py): people made directly in the app's database, with session tokens rather than
through the sign-in form (tests/accounts covers that), and browser contexts that carry a person's
session cookie."""

from __future__ import annotations

import asyncio
import concurrent.futures
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import keys, mfa, sessions
from anxin.accounts import service as accounts
from anxin.accounts.deps import SESSION_COOKIE_NAME
from anxin.accounts.models import SESSION_COOKIE, User
from anxin.commerce import orders
from anxin.core.db import Database
from anxin.core.i18n import LOCALE_COOKIE
from anxin.core.money import Money
from anxin.counselors import service as counselors
from anxin.counselors.schemas import CredentialIn
from tests.appointments.support import PDF, profile_in

T = TypeVar("T")
# A phone-sized touch screen, for ``signed_in(..., **PHONE)``.
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def in_other_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Playwright's sync API owns this thread's event loop; set data up on another thread's."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def signed_in(
    browser: Browser, url: str, token: str, *, language: str | None = "en", **options: Any
) -> BrowserContext:
    """A browser context with the session ``token`` for the server at ``url``, reading pages in
    ``language`` (browser locale and language cookie; None: the defaults). ``options`` go to
    ``browser.new_context`` (a phone's viewport, a base URL, …)."""
    if language is not None:
        options.setdefault("locale", language)
    context = browser.new_context(**options)
    cookies = [{"name": SESSION_COOKIE_NAME, "value": token, "url": url}]
    if language is not None:
        cookies.append({"name": LOCALE_COOKIE, "value": language, "url": url})
    context.add_cookies(cookies)  # type: ignore[arg-type]
    return context


def in_database(app: FastAPI, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``work(db)`` in one transaction on the app's database (from another thread's event loop)."""

    async def run() -> T:
        settings = app.state.settings
        keys.use_settings(settings)
        database = Database(settings.resolved_database_url)
        try:
            async with database.transaction() as db:
                return await work(db)
        finally:
            await database.dispose()

    return in_other_thread(run())


async def new_person(db: AsyncSession, role: str) -> User:
    """A confirmed account with ``role`` (staff with TOTP set up, as the site requires)."""
    user = await accounts.create_confirmed_user(
        db,
        email=f"{role}{secrets.token_hex(3)}@example.com",
        password=f"calm river {secrets.token_hex(4)}",
        role=role,
    )
    if role != "client":
        await accounts.enable_totp_with_secret(db, user, mfa.new_secret())
    return user


async def session_token(db: AsyncSession, user: User) -> str:
    """A browser session for ``user``: the value of the session cookie."""
    token, _ = await sessions.start(db, user, kind=SESSION_COOKIE, user_agent="browser")
    return token


def client_token(app: FastAPI) -> str:
    """A new client's session token."""

    async def make(db: AsyncSession) -> str:
        return await session_token(db, await new_person(db, "client"))

    return in_database(app, make)


@dataclass(frozen=True)
class Cast:
    """A client and a counsellor verified by an administrator, with their session tokens."""

    client_id: int
    counsellor_id: int
    client_token: str
    counsellor_token: str


def client_and_verified_counsellor(
    app: FastAPI, also: Callable[[AsyncSession, User, User], Awaitable[object]] | None = None
) -> Cast:
    """A client and a verified counsellor; ``also(db, client, counsellor)`` adds to them in the same
    transaction (availability, money in the wallet, …)."""

    async def make(db: AsyncSession) -> Cast:
        client, counsellor, admin = [await new_person(db, role) for role in ("client", "counsellor", "admin")]
        await counselors.save_profile(db, counsellor, profile_in())
        await counselors.add_credential(
            db,
            counsellor,
            CredentialIn(
                qualification="licensed_psychologist",
                licence_number="PSY-2020-1",
                issuing_body="Board",
                years_of_practice=4,
                supervised_hours=150,
            ),
        )
        await counselors.add_document(
            db, counsellor, home=app.state.settings.home, file_name="c.pdf", data=PDF
        )
        if also is not None:
            await also(db, client, counsellor)
        await counselors.submit_application(db, counsellor)
        await counselors.decide(db, admin, counsellor.id, approve=True, reason="")
        return Cast(
            client.id, counsellor.id, await session_token(db, client), await session_token(db, counsellor)
        )

    return in_database(app, make)


async def money_in_the_wallet(db: AsyncSession, client: User, counsellor: User) -> None:
    """For ``client_and_verified_counsellor(app, also=...)``: 200 CNY in the client's wallet."""
    await orders.top_up(
        db,
        client_id=client.id,
        amount=Money(200_00, "CNY"),
        method="sandbox",
        details={"card_number": "4242 4242 4242 4242"},
    )
