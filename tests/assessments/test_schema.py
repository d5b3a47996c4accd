"""The hand-written migration matches the models, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from anxin.core.db import Base, Database
from anxin.modules import load_models

OURS = ("assessment_", "diary_entries", "diary_recordings")


async def test_the_migration_matches_the_models(database: Database) -> None:
    load_models()

    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, Base.metadata) if any(name in repr(d) for name in OURS)]

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(compare)
    assert differences == []
