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


@pytest.fixture(autouse=True)
def clean_state(settings: Settings) -> Iterator[None]:
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
def captured(app: FastAPI) -> CapturingSender:
    """Outgoing messages are kept by the test instead of leaving (after the app configured notify)."""
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
