"""Fixtures for content tests: a frozen clock, fresh commerce settings, an admin and a verified author."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

import anxin.commerce.tasks
import anxin.content.tasks  # noqa: F401
from anxin.accounts import keys
from anxin.commerce.payments import registry
from anxin.commerce.settings import reset_commerce_settings
from anxin.core import clock
from anxin.core.config import Settings
from anxin.privacy.crypto import key_cache
from tests.appointments.support import Person, person, verified_counsellor

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_content(request: pytest.FixtureRequest) -> Iterator[datetime]:
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
    return await person(app, "admin")


@pytest.fixture
async def author(app: FastAPI, admin: Person) -> Person:
    return await verified_counsellor(app, admin)
