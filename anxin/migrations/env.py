"""Alembic environment: runs migrations on the async engine of ANXIN_DATABASE_URL.

Each module keeps its own branch of revisions (``branch_labels=(module,)``, ``depends_on`` the
modules it references), so ``upgrade heads`` brings every module up to date.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from anxin.core.db import Base, create_engine
from anxin.modules import load_models

config = context.config
load_models()
target_metadata = Base.metadata


def _configure(connection: Connection | None = None, **kwargs: Any) -> None:
    render_as_batch = config.get_main_option("sqlalchemy.url", "").startswith("sqlite")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=render_as_batch,
        compare_type=True,
        **kwargs,
    )


def run_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url", ""))
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    asyncio.run(run_online())
