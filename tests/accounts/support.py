"""Helpers for accounts tests: clients from chosen addresses, the codes that were sent, sign-up in one go."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

import httpx
from fastapi import FastAPI

from anxin.core import notify

API = "/api/v1/auth"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class CapturingSender:
    """Stands in at the network edge (SMTP, SMS gateway): keeps every envelope it is handed."""

    def __init__(self) -> None:
        self.envelopes: list[notify.Envelope] = []

    async def send(self, envelope: notify.Envelope) -> None:
        self.envelopes.append(envelope)

    def codes_to(self, address: str) -> list[str]:
        return [
            match.group(1)
            for envelope in self.envelopes
            if envelope.address == address and (match := CODE.search(envelope.body))
        ]

    def to(self, address: str) -> list[notify.Envelope]:
        return [envelope for envelope in self.envelopes if envelope.address == address]


outbox_sender = CapturingSender()


def capture_messages() -> CapturingSender:
    outbox_sender.envelopes.clear()
    notify.use_senders({channel: outbox_sender for channel in (notify.EMAIL, notify.SMS, notify.WEB_PUSH)})
    return outbox_sender


async def sent_to(app: FastAPI, address: str) -> list[notify.Envelope]:
    await app.state.relay.drain()  # messages leave after commit; hand them out now
    return outbox_sender.to(address)


async def last_code(app: FastAPI, address: str) -> str:
    """The newest one-time code sent to ``address``."""
    await app.state.relay.drain()
    codes = outbox_sender.codes_to(address)
    assert codes, f"no code was sent to {address}"
    return codes[-1]


def wait_for_code(address: str, *, already: int = 0, timeout: float = 10.0) -> str:
    """From another thread (browser tests): wait until a new code reaches ``address``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        codes = outbox_sender.codes_to(address)
        if len(codes) > already:
            return codes[-1]
        time.sleep(0.05)
    raise AssertionError(f"no code reached {address} within {timeout} s")


def client_from(app: FastAPI, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def new_email() -> str:
    return f"u{secrets.token_hex(4)}@example.com"


def new_password() -> str:
    return f"calm river {secrets.token_hex(4)}"


async def sign_up(
    http: httpx.AsyncClient,
    app: FastAPI,
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
    code = await last_code(app, code_to or email)
    confirmed = await http.post(f"{API}/signup/confirm", json={"identifier": email, "code": code})
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
