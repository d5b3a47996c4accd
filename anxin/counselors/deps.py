"""A writing unit of work for GET requests that must write an audit entry.

Reading another person's private data (a certificate, a complaint) appends to the audit chain in
the same transaction as the read. GET requests normally run read-only (on SQLite a deferred
transaction that cannot safely upgrade to a writer), so these few start as writers instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.deps import CurrentActor
from anxin.core.db import Database


async def get_writer_db(request: Request, _actor: CurrentActor) -> AsyncIterator[AsyncSession]:
    # Who is asking is settled first (it may touch the login session in a short writer of its
    # own); only then does this writer begin, so two writers of one request never wait on each other.
    database: Database = request.app.state.database
    async with database.transaction(write=True) as db:
        yield db


AuditedDb = Annotated[AsyncSession, Depends(get_writer_db, scope="function")]
