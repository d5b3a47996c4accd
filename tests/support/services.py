"""Finding the real services tests run against (PostgreSQL, Redis, Chromium).

Outside CI a missing service skips its tests with the reason printed; under ``CI=true`` the
conftest turns every skip into a failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
from functools import lru_cache

POSTGRES_ADMIN_URL = os.environ.get(
    "ANXIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("ANXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("ANXIN_TEST_CHROMIUM", "/usr/bin/chromium")


@lru_cache(maxsize=1)
def postgres_problem() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[dev]')"
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {type(exc).__name__}"
    return None


@lru_cache(maxsize=1)
def redis_problem() -> str | None:
    try:
        import redis
    except ImportError:
        return "redis client not installed"
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}"
    return None


def chromium_problem() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    return None


def _admin_connect():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)


def create_postgres_database(template: str | None = None) -> str:
    """Create a throwaway database (optionally from a template); returns its name."""
    name = f"anxin_test_{secrets.token_hex(6)}"
    with _admin_connect() as conn:
        if template:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_postgres_database(name: str) -> None:
    with _admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_async_url(name: str) -> str:
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return base.replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"
