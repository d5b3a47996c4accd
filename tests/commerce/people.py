"""Real accounts for API and browser tests: a client, a counsellor and an administrator with
sessions made the way sign-in makes them (two-step sign-in on where the role needs it)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import FastAPI

from anxin.accounts import keys, mfa, service, sessions
from anxin.accounts.models import ROLE_ADMIN, ROLE_CLIENT, ROLE_COUNSELLOR, SESSION_API, SESSION_COOKIE
from anxin.core.db import Database


@dataclass(frozen=True)
class Person:
    id: int
    role: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_person(database: Database, app: FastAPI, role: str, *, kind: str = SESSION_API) -> Person:
    keys.use_settings(app.state.settings)
    async with database.transaction() as db:
        user = await service.create_confirmed_user(
            db,
            email=f"{role}-{secrets.token_hex(4)}@example.com",
            password=f"calm river {secrets.token_hex(6)}",
            role=role,
            nickname=role,
        )
        if role != ROLE_CLIENT:
            await service.enable_totp_with_secret(db, user, mfa.new_secret())
        token, _ = await sessions.start(db, user, kind=kind, user_agent="tests")
        return Person(user.id, role, token)


async def cast_of_three(
    app: FastAPI, *, kind: str = SESSION_API, database: Database | None = None
) -> tuple[Person, Person, Person]:
    database = database or app.state.database
    assert database is not None
    return (
        await make_person(database, app, ROLE_CLIENT, kind=kind),
        await make_person(database, app, ROLE_COUNSELLOR, kind=kind),
        await make_person(database, app, ROLE_ADMIN, kind=kind),
    )


SESSION_KINDS = (SESSION_API, SESSION_COOKIE)
