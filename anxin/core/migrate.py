"""Schema management: Alembic migrations are the only way the schema is made (tests included)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the schema up to ``revision`` (default: every module's newest)."""
    _in_thread_if_loop(lambda: command.upgrade(alembic_config(database_url), revision))


def downgrade(database_url: str, revision: str) -> None:
    _in_thread_if_loop(lambda: command.downgrade(alembic_config(database_url), revision))


def current(database_url: str) -> None:
    _in_thread_if_loop(lambda: command.current(alembic_config(database_url), verbose=False))


def _in_thread_if_loop(action: object) -> None:
    # env.py runs its own event loop; from inside a running loop, run it on a worker thread.
    assert callable(action)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        action()
        return
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(action).result()
