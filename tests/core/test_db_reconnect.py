"""A pooled PostgreSQL connection that the server closed (a restart, an administrator, an idle
timeout) is never handed to a request: the next unit of work gets a fresh connection and succeeds."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from anxin.core.db import Database
from tests.support import services


@pytest.mark.postgres
async def test_a_connection_the_server_closed_is_replaced(postgres_template: str) -> None:
    name = services.create_postgres_database(template=postgres_template)
    database = Database(services.postgres_async_url(name))
    admin = Database(services.postgres_async_url(name))
    try:
        async with database.transaction(write=False) as db:
            pid = await db.scalar(text("SELECT pg_backend_pid()"))
        async with admin.transaction() as db:
            assert await db.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.3)  # the driver reads the server's goodbye while the connection is idle
        async with database.transaction(write=False) as db:
            fresh = await db.scalar(text("SELECT pg_backend_pid()"))
        assert fresh != pid
    finally:
        await database.dispose()
        await admin.dispose()
        services.drop_postgres_database(name)
