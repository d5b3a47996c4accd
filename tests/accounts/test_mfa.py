"""Two-step sign-in: counsellors and admins must turn it on before anything else; codes are single
use; recovery codes work once; turning it off needs the password and a code."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pyotp
from fastapi import FastAPI

from anxin.core import clock
from tests.accounts.support import API, bearer, sign_up


async def turn_on_totp(http: httpx.AsyncClient, headers: dict[str, str]) -> tuple[str, list[str]]:
    setup = await http.post(f"{API}/totp/setup", headers=headers)
    assert setup.status_code == 200
    secret = setup.json()["secret"]
    assert setup.json()["otpauth_uri"].startswith("otpauth://totp/Anxin:")
    confirmed = await http.post(
        f"{API}/totp/confirm", headers=headers, json={"code": pyotp.TOTP(secret).at(clock.utcnow())}
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


async def test_a_counsellor_can_do_nothing_but_set_up_totp_first(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    counsellor = await sign_up(client, app, role="counsellor")
    me = (await client.get(f"{API}/me", headers=counsellor["headers"])).json()
    assert me["status"] == "applicant" and me["mfa_setup_required"] is True
    blocked = await client.post(
        f"{API}/guardian-consent",
        headers=counsellor["headers"],
        json={"guardian_name": "x", "guardian_contact": "parent@example.com"},
    )
    assert blocked.status_code == 403
    assert blocked.json()["error"]["code"] == "mfa_setup_required"

    await turn_on_totp(client, counsellor["headers"])
    me = (await client.get(f"{API}/me", headers=counsellor["headers"])).json()
    assert me["mfa_setup_required"] is False and me["mfa_enabled"] is True


async def test_sign_in_needs_the_second_step_and_a_code_works_once(
    app: FastAPI, client: httpx.AsyncClient, frozen: datetime
) -> None:
    account = await sign_up(client, app)
    secret, _ = await turn_on_totp(client, account["headers"])
    credentials = {"identifier": account["identifier"], "password": account["password"]}

    clock.freeze(frozen + timedelta(seconds=90))  # a fresh time step
    first = await client.post(f"{API}/login", json=credentials)
    assert first.json()["mfa_required"] is True and first.json()["token"] is None
    code = pyotp.TOTP(secret).at(clock.utcnow())
    done = await client.post(
        f"{API}/login/second-step", json={"challenge": first.json()["challenge"], "code": code}
    )
    assert done.status_code == 200
    assert (await client.get(f"{API}/me", headers=bearer(done.json()["token"]))).status_code == 200

    # The same code again, within its 30 s window: refused.
    second = await client.post(f"{API}/login", json=credentials)
    replay = await client.post(
        f"{API}/login/second-step", json={"challenge": second.json()["challenge"], "code": code}
    )
    assert replay.status_code == 422
    assert replay.json()["error"]["code"] == "invalid_code"


async def test_a_recovery_code_signs_in_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await sign_up(client, app)
    _, recovery = await turn_on_totp(client, account["headers"])
    assert len(recovery) == 10 and len(set(recovery)) == 10
    credentials = {"identifier": account["identifier"], "password": account["password"]}
    first = await client.post(f"{API}/login", json=credentials)
    used = await client.post(
        f"{API}/login/second-step", json={"challenge": first.json()["challenge"], "code": recovery[3]}
    )
    assert used.status_code == 200
    again = await client.post(f"{API}/login", json=credentials)
    reused = await client.post(
        f"{API}/login/second-step", json={"challenge": again.json()["challenge"], "code": recovery[3]}
    )
    assert reused.status_code == 422


async def test_a_second_step_without_a_valid_challenge_fails(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await sign_up(client, app)
    secret, _ = await turn_on_totp(client, account["headers"])
    forged = await client.post(
        f"{API}/login/second-step",
        json={"challenge": f"{account['user_id']}.made-up", "code": pyotp.TOTP(secret).at(clock.utcnow())},
    )
    assert forged.status_code == 422
    assert forged.json()["error"]["code"] == "expired_code"


async def test_totp_guesses_are_throttled(app: FastAPI, client: httpx.AsyncClient, frozen: datetime) -> None:
    account = await sign_up(client, app)
    secret, _ = await turn_on_totp(client, account["headers"])
    credentials = {"identifier": account["identifier"], "password": account["password"]}
    challenge = (await client.post(f"{API}/login", json=credentials)).json()["challenge"]
    wrong = "000000" if pyotp.TOTP(secret).at(clock.utcnow()) != "000000" else "111111"
    for _ in range(10):
        response = await client.post(f"{API}/login/second-step", json={"challenge": challenge, "code": wrong})
        assert response.status_code == 422
        clock.freeze(clock.utcnow() + timedelta(seconds=20))
    right = pyotp.TOTP(secret).at(clock.utcnow())
    blocked = await client.post(f"{API}/login/second-step", json={"challenge": challenge, "code": right})
    assert blocked.status_code == 429


async def test_turning_totp_off_needs_password_and_code(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await sign_up(client, app)
    _secret, recovery = await turn_on_totp(client, account["headers"])
    no_password = await client.post(
        f"{API}/totp/disable",
        headers=account["headers"],
        json={"password": "not it at all", "code": recovery[0]},
    )
    assert no_password.status_code == 401
    assert (await client.get(f"{API}/me", headers=account["headers"])).json()["mfa_enabled"] is True
    off = await client.post(
        f"{API}/totp/disable",
        headers=account["headers"],
        json={"password": account["password"], "code": recovery[0]},
    )
    assert off.status_code == 204
    assert (await client.get(f"{API}/me", headers=account["headers"])).json()["mfa_enabled"] is False
    login = await client.post(
        f"{API}/login", json={"identifier": account["identifier"], "password": account["password"]}
    )
    assert login.json()["mfa_required"] is False
