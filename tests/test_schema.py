"""The migrations are the only way the schema is made: what they build matches every module's
models exactly, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from anxin.core.db import Base, Database
from anxin.modules import load_models


async def test_the_migrations_build_exactly_the_models(database: Database) -> None:
    load_models()

    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, Base.metadata) if "alembic_version" not in repr(d)]

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(compare)
    assert differences == []
