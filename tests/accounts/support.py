"""Helpers for accounts tests: clients from chosen addresses, codes that were sent, sign-up in one go."""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx
from fastapi import FastAPI

from anxin.accounts import adapters

API = "/api/v1/auth"


def client_from(app: FastAPI, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def last_code(address: str) -> str:
    """The newest one-time code sent to ``address`` (read where outgoing messages are kept)."""
    for message in reversed(adapters.sent_messages):
        if message["address"] == address and "code" in message["params"]:
            return str(message["params"]["code"])
    raise AssertionError(f"no code was sent to {address}")


def new_email() -> str:
    return f"u{secrets.token_hex(4)}@example.com"


def new_password() -> str:
    return f"calm river {secrets.token_hex(4)}"


async def sign_up(
    http: httpx.AsyncClient,
    *,
    email: str | None = None,
    password: str | None = None,
    role: str = "client",
    birth_date: str = "1990-05-06",
    code_to: str | None = None,
) -> dict[str, Any]:
    """Sign up and confirm through the API; returns identifier, password, token and headers."""
    email = email or new_email()
    password = password or new_password()
    response = await http.post(
        f"{API}/signup",
        json={"identifier": email, "password": password, "birth_date": birth_date, "role": role},
    )
    assert response.status_code == 202, response.text
    confirmed = await http.post(
        f"{API}/signup/confirm", json={"identifier": email, "code": last_code(code_to or email)}
    )
    assert confirmed.status_code == 200, confirmed.text
    token = confirmed.json()["token"]
    return {
        "identifier": email,
        "password": password,
        "token": token,
        "user_id": confirmed.json()["user_id"],
        "headers": {"Authorization": f"Bearer {token}"},
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the form has no CSRF field"
    return match.group(1)
