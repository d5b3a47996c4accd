"""argon2id with m = 19 MiB, t = 2, p = 1 in the stored hash, upgraded on sign-in; the password rules."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from anxin.accounts import passwords
from anxin.accounts.models import User
from anxin.core.db import Database
from anxin.core.errors import ValidationFailed
from tests.accounts.support import API, sign_up


async def stored_hash(database: Database, user_id: int) -> str:
    async with database.transaction(write=False) as db:
        return str(await db.scalar(select(User.password_hash).where(User.id == user_id)))


async def test_real_parameters_are_stored_and_old_hashes_are_upgraded_at_sign_in(
    app: FastAPI, client: httpx.AsyncClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await sign_up(client, app)  # made with the cheap test parameters
    assert (await stored_hash(database, account["user_id"])).startswith("$argon2id$v=19$m=64,t=1,p=1$")

    monkeypatch.setenv("ANXIN_TEST_FAST_HASH", "0")
    login = await client.post(
        f"{API}/login", json={"identifier": account["identifier"], "password": account["password"]}
    )
    assert login.status_code == 200
    upgraded = await stored_hash(database, account["user_id"])
    assert upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(upgraded, account["password"])
    assert not passwords.needs_rehash(upgraded)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1!", "at least 10"),
        ("x" * 257, "at most 256"),
        ("1234567890", "most common"),
        ("woaini1314520", "most common"),
        ("Password2024!", "most common"),
        ("5201314520", "most common"),
        ("qwertyuiop", "most common"),
        ("meili.zhang-2024", "e-mail"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, problem: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        passwords.check_new_password(
            password, personal=passwords.personal_fragments("email", "meili.zhang@example.com")
        )
    assert problem in caught.value.message.format(**caught.value.params)


def test_a_phone_number_inside_the_password_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        passwords.check_new_password(
            "mine13800138000x", personal=passwords.personal_fragments("phone", "+8613800138000")
        )


def test_good_passwords_pass() -> None:
    passwords.check_new_password("tea by the river at dawn", personal=["meili"])
    passwords.check_new_password("长江黄河都很长而且很美", personal=[])


def test_the_common_list_is_a_real_list() -> None:
    common = passwords.common_passwords()
    assert len(common) >= 500
    assert {"123456", "password", "iloveyou", "5201314", "woaini1314", "qwerty"} <= common
