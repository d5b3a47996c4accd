"""Test harness: the schema is built by the migrations, on SQLite always and on PostgreSQL when it
answers; Redis and Chromium tests use the real services. Under CI=true a skip fails the run."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from anxin.core.config import Settings
from anxin.core.db import Database
from anxin.core.migrate import upgrade
from anxin.privacy.crypto import key_cache
from anxin.privacy.keys import new_key_entry
from tests.support import services

IN_CI = os.environ.get("CI", "").lower() == "true"


def _dump_asyncio_tasks(_signum: int, _frame: object) -> None:
    """`kill -USR1 <pytest pid>` writes every asyncio task's stack (what a hung test waits on) to
    $TMPDIR/anxin-test-tasks.txt: pytest captures stderr while a test runs."""
    import asyncio
    import tempfile

    with open(Path(tempfile.gettempdir()) / "anxin-test-tasks.txt", "a", encoding="utf-8") as out:
        try:
            tasks = asyncio.all_tasks(asyncio.get_running_loop())
        except RuntimeError:
            out.write("no running event loop\n")
            return
        for task in tasks:
            task.print_stack(file=out)


signal.signal(signal.SIGUSR1, _dump_asyncio_tasks)
_skipped: list[tuple[str, str]] = []

# Cheap password hashing in tests (one test checks the real parameters).
os.environ.setdefault("ANXIN_TEST_FAST_HASH", "1")
# One master key for the whole run, generated now: no test writes a key file into the checkout,
# and servers started as subprocesses inherit it.
os.environ.setdefault("ANXIN_MASTER_KEY", new_key_entry("test"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped.append((report.nodeid, reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if IN_CI and _skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if IN_CI and _skipped:
        terminalreporter.write_line(
            f"CI=true: {len(_skipped)} skipped test(s) fail the run:", red=True, bold=True
        )
        for nodeid, reason in _skipped[:50]:
            terminalreporter.write_line(f"  {nodeid}: {reason}", red=True)


def require(problem: str | None) -> None:
    if problem:
        pytest.skip(problem)


@pytest.fixture(autouse=True)
def _forget_data_keys() -> Iterator[None]:
    """Data keys are cached per process by owner; every test has a fresh database, so a cached key
    from an earlier test must never be found."""
    key_cache.clear()
    yield
    key_cache.clear()


# ---------------------------------------------------------------- database templates (per run)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    require(services.postgres_problem())
    name = services.create_postgres_database()
    try:
        upgrade(services.postgres_async_url(name))
        yield name
    finally:
        services.drop_postgres_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database per test, on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "anxin.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("postgres_template")
    name = services.create_postgres_database(template=template_name)
    try:
        yield services.postgres_async_url(name)
    finally:
        services.drop_postgres_database(name)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: for tests of behaviour that does not depend on the backend."""
    path = tmp_path / "anxin.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def redis_url() -> str:
    require(services.redis_problem())
    return services.REDIS_URL


# ---------------------------------------------------------------- app and clients


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "home": tmp_path / "home",
        "database_url": database_url,
        "environment": "test",
        "log_json": True,
        "outbox_poll_seconds": 0.2,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    from anxin.main import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


# ---------------------------------------------------------------- browsers (pytest-playwright)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    """Debian's Chromium with the flags of the browser-testing notes; skips when it is missing."""
    require(services.chromium_problem())
    from tests.browser.chromium import launch_options

    return {**browser_type_launch_args, **launch_options()}


@pytest.fixture(scope="module")
def live_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One app per browser test module, on its own copy of the migrated SQLite template."""
    from anxin.main import create_app

    home = tmp_path_factory.mktemp("browser-app")
    database = home / "anxin.db"
    shutil.copyfile(sqlite_template, database)
    return create_app(make_settings(home, f"sqlite+aiosqlite:///{database}"))


@pytest.fixture(scope="module")
def live_url(live_app: FastAPI) -> Iterator[str]:
    """The module's app served by uvicorn on loopback, e.g. http://127.0.0.1:54321 (no trailing slash)."""
    from tests.support.live_server import live_server

    with live_server(live_app) as url:
        yield url


# Fixture closures include these for any test that drives pytest-playwright (page, context, ...).
BROWSER_FIXTURES = frozenset({"browser", "playwright"})


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last. Playwright's sync API keeps its event loop marked as running in the
    main thread for the rest of the session, which would break every async test after it."""

    def drives_a_browser(item: pytest.Item) -> bool:
        fixtures = set(getattr(item, "fixturenames", ()))
        return item.get_closest_marker("browser") is not None or bool(fixtures & BROWSER_FIXTURES)

    items.sort(key=drives_a_browser)  # stable: the order within each group is kept
