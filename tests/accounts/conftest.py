"""Fixtures for accounts tests (helpers are in ``support``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from anxin.accounts import keys
from anxin.accounts.settings import reset_account_settings
from anxin.core import clock
from anxin.core.config import Settings
from tests.accounts.support import CapturingSender, capture_messages, client_from


def _uses_the_app(request: pytest.FixtureRequest) -> bool:
    return bool({"app", "client", "make_client", "settings"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    if _uses_the_app(request):
        settings: Settings = request.getfixturevalue("settings")
        keys.use_settings(settings)
    reset_account_settings()
    yield
    clock.freeze(None)
    reset_account_settings()


@pytest.fixture
def frozen() -> Iterator[datetime]:
    """A frozen clock at a fixed, whole-minute time (tests move it forward with ``clock.freeze``)."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    clock.freeze(start)
    yield start
    clock.freeze(None)


@pytest.fixture(autouse=True)
def captured(request: pytest.FixtureRequest) -> CapturingSender | None:
    """Outgoing messages are kept by the test instead of leaving (after the app configured notify)."""
    if not _uses_the_app(request):
        return None
    request.getfixturevalue("app")
    return capture_messages()


@pytest.fixture
async def make_client(app: FastAPI) -> AsyncIterator[Any]:
    made: list[httpx.AsyncClient] = []

    def make(ip: str = "127.0.0.1") -> httpx.AsyncClient:
        made.append(client_from(app, ip))
        return made[-1]

    yield make
    for http in made:
        await http.aclose()
