"""The web shell does not depend on the database backend: its tests run on SQLite only."""

from __future__ import annotations

import pytest


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url
