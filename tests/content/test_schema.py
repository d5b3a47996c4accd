"""The content migration builds exactly the tables the models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from anxin.core.db import Base, Database
from anxin.modules import load_models


def _ours(diff: Any) -> bool:
    return "content_" in repr(diff)


async def test_the_migration_matches_the_models(database: Database) -> None:
    load_models()

    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, Base.metadata) if _ours(d)]

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(compare)
    assert differences == []
