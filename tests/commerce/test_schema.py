"""The hand-written migration matches the models, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from anxin.core.db import Base, Database
from anxin.modules import load_models

OURS = ("ledger_", "commerce_")


def _ours(diff: Any) -> bool:
    text = repr(diff)
    return any(
        f"'{prefix}" in text or f'"{prefix}' in text or f"={prefix}" in text for prefix in OURS
    ) or any(prefix in text for prefix in ("Table('ledger_", "Table('commerce_"))


async def test_the_migration_matches_the_models(database: Database) -> None:
    load_models()

    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, Base.metadata) if _ours(d)]

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(compare)
    assert differences == []
