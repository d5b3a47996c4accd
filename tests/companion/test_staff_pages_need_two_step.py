"""Counsellor and admin pages of the companion ask for two-step sign-in first, like every other
staff page: a counsellor or admin without it is sent to set it up and sees nothing."""

from __future__ import annotations

import secrets

import httpx
import pytest
from fastapi import FastAPI

from anxin.accounts import service as accounts
from anxin.accounts import sessions
from anxin.accounts.models import ROLE_ADMIN, ROLE_COUNSELLOR
from anxin.accounts.pages import SECURITY_PAGE
from tests.companion.support import make_person


async def _staff_without_two_step(app: FastAPI, role: str) -> str:
    async with app.state.database.transaction() as db:
        user = await accounts.create_confirmed_user(
            db, email=f"s{secrets.token_hex(5)}@example.com", password=secrets.token_hex(8), role=role
        )
        token, _ = await sessions.start(db, user, kind="web", user_agent=None)
    return token


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (ROLE_COUNSELLOR, "/counsellor/ai-labels"),
        (ROLE_COUNSELLOR, "/companion/clients/{client}"),
        (ROLE_ADMIN, "/admin/support"),
    ],
)
async def test_staff_without_two_step_sign_in_are_sent_to_set_it_up(
    app: FastAPI, client: httpx.AsyncClient, role: str, path: str
) -> None:
    person = await make_person(app.state.database)
    client.cookies.set("anxin_session", await _staff_without_two_step(app, role))
    try:
        answer = await client.get(path.format(client=person.user_id))
    finally:
        client.cookies.clear()
    assert answer.status_code == 303 and answer.headers["location"] == SECURITY_PAGE
