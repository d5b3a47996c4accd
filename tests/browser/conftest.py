"""One real server per test module (uvicorn on loopback, migrated SQLite) for the browser tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from anxin.main import create_app
from tests.conftest import make_settings
from tests.support.live_server import live_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def live_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    home = tmp_path_factory.mktemp("browser-app")
    database = home / "anxin.db"
    shutil.copyfile(sqlite_template, database)
    return create_app(make_settings(home, f"sqlite+aiosqlite:///{database}"))


@pytest.fixture(scope="module")
def live_url(live_app: FastAPI) -> Iterator[str]:
    """The running app's origin, e.g. http://127.0.0.1:54321 (no trailing slash)."""
    with live_server(live_app) as url:
        yield url
