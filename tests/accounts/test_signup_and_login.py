"""Sign-up with a confirmation code, sign-in, sign-out, and the clear 4xx answers to bad input."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from anxin.accounts.models import User
from anxin.core import clock
from anxin.core.db import Database
from tests.accounts.support import API, bearer, last_code, new_email, new_password, sign_up


async def user_count(database: Database) -> int:
    async with database.transaction(write=False) as db:
        return int(await db.scalar(select(func.count()).select_from(User)) or 0)


async def test_sign_up_confirm_sign_in_and_out(app: FastAPI, client: httpx.AsyncClient) -> None:
    email, password = new_email(), new_password()
    started = await client.post(
        f"{API}/signup",
        json={"identifier": email, "password": password, "birth_date": "1991-02-03", "nickname": "小林"},
    )
    assert started.status_code == 202
    assert started.json() == {"sent_to": f"{email[0]}***@example.com"}

    # Not confirmed yet: the right password does not sign in.
    early = await client.post(f"{API}/login", json={"identifier": email, "password": password})
    assert early.status_code == 422

    confirmed = await client.post(
        f"{API}/signup/confirm", json={"identifier": email, "code": await last_code(app, email)}
    )
    assert confirmed.status_code == 200
    me = await client.get(f"{API}/me", headers=bearer(confirmed.json()["token"]))
    assert me.json()["role"] == "client" and me.json()["nickname"] == "小林"

    login = await client.post(f"{API}/login", json={"identifier": email.upper(), "password": password})
    assert login.status_code == 200 and login.json()["mfa_required"] is False
    token = login.json()["token"]
    assert (await client.get(f"{API}/me", headers=bearer(token))).status_code == 200
    assert (await client.post(f"{API}/logout", headers=bearer(token))).status_code == 204
    after = await client.get(f"{API}/me", headers=bearer(token))
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "session_ended"


async def test_mainland_mobile_numbers_are_normalised_to_plus_86(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    password = new_password()
    # The code goes to the E.164 form of the number.
    account = await sign_up(client, app, email="138 0013 8000", password=password, code_to="+8613800138000")
    login = await client.post(f"{API}/login", json={"identifier": "+86 138-0013-8000", "password": password})
    assert login.status_code == 200
    assert login.json()["user_id"] == account["user_id"]


async def test_wrong_password_and_unknown_account_get_the_same_answer(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account = await sign_up(client, app)
    wrong = await client.post(
        f"{API}/login", json={"identifier": account["identifier"], "password": "x" * 12}
    )
    unknown = await client.post(f"{API}/login", json={"identifier": new_email(), "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_malformed_contacts_are_refused_with_a_clear_message(
    client: httpx.AsyncClient, database: Database
) -> None:
    cases = {
        "not-an-email@": "valid e-mail address",
        "a@b": "valid e-mail address",
        "12345": "valid mobile number",
        "+86 123 4567 8901": "valid mobile number",
        "call me maybe": "valid mobile number",
    }
    for identifier, expected in cases.items():
        response = await client.post(
            f"{API}/signup",
            json={"identifier": identifier, "password": new_password(), "birth_date": "1990-01-01"},
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 422, identifier
        assert expected in response.json()["error"]["message"], identifier
    assert await user_count(database) == 0


async def test_oversized_fields_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, database: Database
) -> None:
    base = {"identifier": new_email(), "password": new_password(), "birth_date": "1990-01-01"}
    for field, value in [
        ("identifier", "a" * 300 + "@example.com"),
        ("password", "p" * 257),
        ("nickname", "n" * 41),
        ("birth_date", "1990-13-45"),
    ]:
        response = await client.post(f"{API}/signup", json={**base, field: value})
        assert response.status_code == 422, field
        assert response.json()["error"]["code"] == "validation_failed"
    login = await client.post(f"{API}/login", json={"identifier": new_email(), "password": "p" * 10_000})
    assert login.status_code == 422
    assert await user_count(database) == 0


async def test_an_expired_code_confirms_nothing(
    app: FastAPI, client: httpx.AsyncClient, frozen, database: Database
) -> None:
    email = new_email()
    await client.post(
        f"{API}/signup", json={"identifier": email, "password": new_password(), "birth_date": "1990-01-01"}
    )
    code = await last_code(app, email)
    clock.freeze(frozen + timedelta(minutes=16))
    response = await client.post(f"{API}/signup/confirm", json={"identifier": email, "code": code})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "expired_code"
    async with database.transaction(write=False) as db:
        assert (await db.scalars(select(User.status))).all() == ["pending"]


async def test_a_used_code_cannot_be_used_again(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await sign_up(client, app)
    again = await client.post(
        f"{API}/signup/confirm",
        json={"identifier": account["identifier"], "code": await last_code(app, account["identifier"])},
    )
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "expired_code"


async def test_signing_up_with_a_taken_address_reveals_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account = await sign_up(client, app)
    again = await client.post(
        f"{API}/signup",
        json={"identifier": account["identifier"], "password": new_password(), "birth_date": "1990-01-01"},
    )
    assert again.status_code == 202
    # The owner is told, but no code is sent and the old password still works.
    with_old = await client.post(
        f"{API}/login", json={"identifier": account["identifier"], "password": account["password"]}
    )
    assert with_old.status_code == 200


async def test_password_reset_is_single_use_and_ends_every_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account = await sign_up(client, app)
    email = account["identifier"]
    unknown = await client.post(f"{API}/password-reset", json={"identifier": new_email()})
    known = await client.post(f"{API}/password-reset", json={"identifier": email})
    assert unknown.status_code == known.status_code == 202
    code = await last_code(app, email)
    first, second = new_password(), new_password()
    done = await client.post(
        f"{API}/password-reset/confirm", json={"identifier": email, "code": code, "new_password": first}
    )
    assert done.status_code == 204
    assert (await client.get(f"{API}/me", headers=account["headers"])).status_code == 401
    replay = await client.post(
        f"{API}/password-reset/confirm", json={"identifier": email, "code": code, "new_password": second}
    )
    assert replay.status_code == 422
    assert replay.json()["error"]["code"] == "expired_code"
    assert (
        await client.post(f"{API}/login", json={"identifier": email, "password": second})
    ).status_code == 401
    assert (
        await client.post(f"{API}/login", json={"identifier": email, "password": first})
    ).status_code == 200


async def test_an_expired_reset_code_changes_nothing(app: FastAPI, client: httpx.AsyncClient, frozen) -> None:
    account = await sign_up(client, app)
    email = account["identifier"]
    await client.post(f"{API}/password-reset", json={"identifier": email})
    code = await last_code(app, email)
    clock.freeze(frozen + timedelta(minutes=20))
    response = await client.post(
        f"{API}/password-reset/confirm",
        json={"identifier": email, "code": code, "new_password": new_password()},
    )
    assert response.status_code == 422
    still = await client.post(f"{API}/login", json={"identifier": email, "password": account["password"]})
    assert still.status_code == 200
