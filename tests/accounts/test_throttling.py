"""Guessing is throttled per account whatever the address, per address across accounts, with no
permanent lock-out: ≤ 10 guesses per account per 15 minutes, then the real user gets back in."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI

from anxin.core import clock
from tests.accounts.support import API, last_code, new_email, sign_up


def advance(seconds: float) -> None:
    clock.freeze(clock.utcnow() + timedelta(seconds=seconds))


async def guess(http: httpx.AsyncClient, identifier: str, password: str) -> httpx.Response:
    return await http.post(f"{API}/login", json={"identifier": identifier, "password": password})


async def test_ten_wrong_passwords_from_ten_addresses_block_the_account_until_the_window_slides(
    app: FastAPI, client: httpx.AsyncClient, make_client, frozen: datetime
) -> None:
    account = await sign_up(client, app)
    email = account["identifier"]
    statuses = []
    for n in range(10):
        statuses.append((await guess(make_client(f"10.0.0.{n + 1}"), email, "wrong password!")).status_code)
        advance(30)  # longer than any progressive delay, so only the window limit is left
    assert statuses == [401] * 10

    blocked = await guess(make_client("10.0.1.1"), email, account["password"])
    assert blocked.status_code == 429
    retry_after = int(blocked.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60
    assert blocked.json()["error"]["code"] == "rate_limited"

    clock.freeze(frozen + timedelta(minutes=15, seconds=1))
    allowed = await guess(make_client("10.0.1.1"), email, account["password"])
    assert allowed.status_code == 200


async def test_after_five_failures_each_guess_must_wait_longer(
    app: FastAPI, client: httpx.AsyncClient, frozen: datetime
) -> None:
    account = await sign_up(client, app)
    email = account["identifier"]
    for _ in range(5):
        assert (await guess(client, email, "wrong password!")).status_code == 401
    too_soon = await guess(client, email, "wrong password!")
    assert too_soon.status_code == 429
    assert int(too_soon.headers["Retry-After"]) >= 1
    advance(1)
    assert (await guess(client, email, "wrong password!")).status_code == 401
    advance(1)  # the next wait is 2 s
    assert (await guess(client, email, account["password"])).status_code == 429
    advance(1)
    assert (await guess(client, email, account["password"])).status_code == 200


async def test_one_address_trying_many_accounts_is_stopped(make_client, frozen: datetime) -> None:
    stuffer = make_client("203.0.113.9")
    for _ in range(30):
        assert (await guess(stuffer, new_email(), "Summer2026!!")).status_code == 401
    assert (await guess(stuffer, new_email(), "Summer2026!!")).status_code == 429
    # Others are not affected.
    assert (await guess(make_client("198.51.100.4"), new_email(), "Summer2026!!")).status_code == 401


async def test_a_hundred_consecutive_failures_need_a_password_reset(
    app: FastAPI, client: httpx.AsyncClient, make_client, frozen: datetime
) -> None:
    account = await sign_up(client, app)
    email = account["identifier"]
    failures = 0
    while failures < 100:
        response = await guess(make_client(f"192.0.2.{failures % 200 + 1}"), email, "wrong password!")
        if response.status_code == 429:
            advance(int(response.headers["Retry-After"]))
            continue
        assert response.status_code == 401
        failures += 1
    advance(16 * 60)  # every window has slid: only the consecutive-failure rule is left
    locked = await guess(client, email, account["password"])
    assert locked.status_code == 429
    assert "reset your password" in locked.json()["error"]["message"].lower() or locked.json()["error"][
        "message"
    ].startswith("这个账户")

    await client.post(f"{API}/password-reset", json={"identifier": email})
    new = "a brand new secret 42"
    reset = await client.post(
        f"{API}/password-reset/confirm",
        json={"identifier": email, "code": await last_code(app, email), "new_password": new},
    )
    assert reset.status_code == 204
    assert (await guess(client, email, new)).status_code == 200


async def test_reset_codes_are_throttled_too(
    app: FastAPI, client: httpx.AsyncClient, make_client, frozen: datetime
) -> None:
    account = await sign_up(client, app)
    email = account["identifier"]
    await client.post(f"{API}/password-reset", json={"identifier": email})
    real = await last_code(app, email)
    wrong = "000000" if real != "000000" else "111111"
    for n in range(10):
        response = await make_client(f"10.9.0.{n + 1}").post(
            f"{API}/password-reset/confirm",
            json={"identifier": email, "code": wrong, "new_password": "another fine secret"},
        )
        assert response.status_code == 422
        advance(30)
    blocked = await client.post(
        f"{API}/password-reset/confirm",
        json={"identifier": email, "code": real, "new_password": "another fine secret"},
    )
    assert blocked.status_code == 429
    # Nothing changed: the old password still works once the window has slid.
    clock.freeze(frozen + timedelta(minutes=16))
    assert (await guess(client, email, account["password"])).status_code == 200


async def test_sign_up_codes_are_throttled_too(
    app: FastAPI, client: httpx.AsyncClient, frozen: datetime
) -> None:
    email = new_email()
    await client.post(
        f"{API}/signup",
        json={"identifier": email, "password": "quiet morning tea", "birth_date": "1990-01-01"},
    )
    real = await last_code(app, email)
    wrong = "000000" if real != "000000" else "111111"
    for _ in range(10):
        assert (
            await client.post(f"{API}/signup/confirm", json={"identifier": email, "code": wrong})
        ).status_code == 422
        advance(30)
    assert (
        await client.post(f"{API}/signup/confirm", json={"identifier": email, "code": real})
    ).status_code == 429
