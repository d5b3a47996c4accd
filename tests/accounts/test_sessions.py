"""Sessions end on idle and absolute timeouts, on logout, on password change and on disable:
the old token answers 401 at once (ASVS 7.2–7.5)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from anxin.accounts.models import User
from anxin.core import clock
from anxin.core.db import Database
from tests.accounts.support import API, bearer, sign_up


async def me(http: httpx.AsyncClient, token: str) -> int:
    return (await http.get(f"{API}/me", headers=bearer(token))).status_code


async def login(http: httpx.AsyncClient, account: dict) -> str:
    response = await http.post(
        f"{API}/login", json={"identifier": account["identifier"], "password": account["password"]}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


async def test_an_idle_session_ends_after_thirty_minutes(
    app: FastAPI, client: httpx.AsyncClient, frozen: datetime
) -> None:
    account = await sign_up(client, app)
    clock.freeze(frozen + timedelta(minutes=29))
    assert await me(client, account["token"]) == 200  # being used keeps it alive
    clock.freeze(frozen + timedelta(minutes=29 + 29))
    assert await me(client, account["token"]) == 200
    clock.freeze(frozen + timedelta(minutes=29 + 29 + 31))
    assert await me(client, account["token"]) == 401


async def test_a_session_ends_after_twelve_hours_however_busy(
    app: FastAPI, client: httpx.AsyncClient, frozen: datetime
) -> None:
    account = await sign_up(client, app)
    at = frozen
    while at + timedelta(minutes=20) < frozen + timedelta(hours=12):
        at += timedelta(minutes=20)
        clock.freeze(at)
        assert await me(client, account["token"]) == 200
    clock.freeze(frozen + timedelta(hours=12, seconds=1))
    assert await me(client, account["token"]) == 401


async def test_password_change_ends_every_session_and_gives_a_new_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account = await sign_up(client, app)
    other_device = await login(client, account)
    changed = await client.post(
        f"{API}/password",
        headers=account["headers"],
        json={"current_password": account["password"], "new_password": "a fresh long passphrase"},
    )
    assert changed.status_code == 200
    assert await me(client, account["token"]) == 401
    assert await me(client, other_device) == 401
    assert await me(client, changed.json()["token"]) == 200


async def test_a_wrong_current_password_changes_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await sign_up(client, app)
    response = await client.post(
        f"{API}/password",
        headers=account["headers"],
        json={"current_password": "not my password", "new_password": "a fresh long passphrase"},
    )
    assert response.status_code == 401
    assert await me(client, account["token"]) == 200
    assert await login(client, account)


async def test_sign_out_everywhere_and_one_session_from_the_list(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account = await sign_up(client, app)
    second, third = await login(client, account), await login(client, account)
    listed = (await client.get(f"{API}/sessions", headers=bearer(second))).json()
    assert len(listed) == 3
    assert [item["current"] for item in listed].count(True) == 1
    third_id = next(item["id"] for item in listed if not item["current"] and item["id"] != listed[-1]["id"])
    assert (await client.delete(f"{API}/sessions/{third_id}", headers=bearer(second))).status_code == 204
    alive = [await me(client, token) for token in (account["token"], second, third)]
    assert alive.count(401) == 1
    ended = await client.post(f"{API}/sessions/end-all", headers=bearer(second))
    assert ended.json()["ended"] == 2
    assert [await me(client, token) for token in (account["token"], second, third)] == [401, 401, 401]


async def test_someone_elses_session_cannot_be_ended(app: FastAPI, client: httpx.AsyncClient) -> None:
    alice, bob = await sign_up(client, app), await sign_up(client, app)
    alice_sessions = (await client.get(f"{API}/sessions", headers=alice["headers"])).json()
    response = await client.delete(f"{API}/sessions/{alice_sessions[0]['id']}", headers=bob["headers"])
    assert response.status_code == 404
    assert await me(client, alice["token"]) == 200


async def test_disabling_an_account_ends_its_sessions(
    app: FastAPI, client: httpx.AsyncClient, database: Database
) -> None:
    target = await sign_up(client, app)
    admin = await sign_up(client, app)
    async with database.transaction() as db:
        await db.execute(
            update(User)
            .where(User.id == admin["user_id"])
            .values(role="admin", totp_enabled_at=clock.utcnow())
        )
    disabled = await client.post(f"{API}/users/{target['user_id']}/disable", headers=admin["headers"])
    assert disabled.status_code == 204
    assert await me(client, target["token"]) == 401
    again = await client.post(
        f"{API}/login", json={"identifier": target["identifier"], "password": target["password"]}
    )
    assert again.status_code == 403
    async with database.transaction(write=False) as db:
        assert await db.scalar(select(User.status).where(User.id == target["user_id"])) == "disabled"


async def test_only_admins_disable_accounts(app: FastAPI, client: httpx.AsyncClient) -> None:
    target, someone = await sign_up(client, app), await sign_up(client, app)
    response = await client.post(f"{API}/users/{target['user_id']}/disable", headers=someone["headers"])
    assert response.status_code == 403
    assert await me(client, target["token"]) == 200


async def test_tokens_are_stored_only_as_hashes(
    app: FastAPI, client: httpx.AsyncClient, database: Database
) -> None:
    account = await sign_up(client, app)
    async with database.transaction(write=False) as db:
        stored = (await db.execute(select(User).where(User.id == account["user_id"]))).scalar_one()
        from anxin.accounts.models import LoginSession

        hashes = (await db.scalars(select(LoginSession.token_hash))).all()
    assert account["token"] not in hashes
    assert stored.email_sealed is not None and account["identifier"].encode() not in stored.email_sealed
