"""FastAPI dependencies shared by every module's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core.db import Database

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent (scope="function")."""
    database: Database = request.app.state.database
    async with database.transaction(write=request.method not in _READ_ONLY_METHODS) as db:
        yield db


DbSession = Annotated[AsyncSession, Depends(get_db, scope="function")]
