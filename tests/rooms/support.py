"""Helpers for rooms tests: people with live login sessions, a room between them."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from anxin.accounts import service as accounts
from anxin.accounts import sessions
from anxin.accounts.models import ROLE_CLIENT, ROLE_COUNSELLOR
from anxin.core.db import Database
from anxin.rooms import service


@dataclass(frozen=True)
class Person:
    user_id: int
    token: str
    email: str
    password: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_person(database: Database, role: str = ROLE_CLIENT) -> Person:
    email = f"p{secrets.token_hex(5)}@example.com"
    password = f"quiet lake {secrets.token_hex(4)}"
    async with database.transaction() as db:
        user = await accounts.create_confirmed_user(db, email=email, password=password, role=role)
        if role != ROLE_CLIENT:
            await accounts.enable_totp_with_secret(
                db, user, base64.b32encode(secrets.token_bytes(20)).decode()
            )
        token, _ = await sessions.start(db, user, kind="api", user_agent=None)
    return Person(user.id, token, email, password)


@dataclass(frozen=True)
class Pair:
    client: Person
    counselor: Person
    room_id: int


async def make_pair(database: Database) -> Pair:
    client = await make_person(database, ROLE_CLIENT)
    counselor = await make_person(database, ROLE_COUNSELLOR)
    async with database.transaction() as db:
        room = await service.open_room(db, client_id=client.user_id, counselor_id=counselor.user_id)
    return Pair(client, counselor, room.id)
