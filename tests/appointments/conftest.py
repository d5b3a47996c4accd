"""Fixtures for marketplace tests: a frozen clock, an admin, and notify senders kept in the test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

import anxin.appointments.tasks
import anxin.commerce.tasks  # noqa: F401
from anxin.accounts import keys
from anxin.commerce.payments import registry
from anxin.commerce.settings import reset_commerce_settings
from anxin.core import clock
from anxin.core.config import Settings
from anxin.privacy.crypto import key_cache
from tests.accounts.support import capture_messages
from tests.appointments.support import Person, person

# A Monday; slots in these tests are whole hours between 01:00 and 10:00 UTC (09:00-18:00 Shanghai).
NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_marketplace(request: pytest.FixtureRequest) -> Iterator[datetime]:
    # Data keys are cached per process by id and owner; every test has a fresh database with its own.
    key_cache.clear()
    reset_commerce_settings()
    registry.reset()
    if "settings" in request.fixturenames:
        settings: Settings = request.getfixturevalue("settings")
        keys.use_settings(settings)
    clock.freeze(NOW)
    yield NOW
    clock.freeze(None)
    registry.reset()


@pytest.fixture
async def admin(app: FastAPI) -> Person:
    capture_messages()
    return await person(app, "admin")
