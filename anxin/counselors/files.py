"""Files that belong to a unit of work: kept when it commits, removed when it rolls back.

A certificate or a photo is written before its row is committed (so a committed row always has
its file). If the unit of work then rolls back — the whole transaction or only the savepoint the
write happened in — the file is deleted at once; a file that replaces another removes the old one
only after the commit. A process that dies between writing and committing still leaves a file no
row names: ``sweep_orphans`` (a scheduled job) deletes such files once they are older than
``ORPHAN_AGE``, long after any unit of work that could still commit them has ended.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

ORPHAN_AGE_SECONDS = 3600
_WRITTEN = "anxin_counselors_files_written"
_UNLINK_AFTER_COMMIT = "anxin_counselors_files_unlink_after_commit"
_LISTENING = "anxin_counselors_files_listening"


def write(db: AsyncSession, path: Path, data: bytes) -> None:
    """Write ``path`` now; it is deleted again if the current transaction or savepoint rolls back."""
    session = db.sync_session
    _listen(session)
    transaction = session.get_nested_transaction() or session.get_transaction()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    session.info.setdefault(_WRITTEN, []).append((transaction, path))


def unlink_after_commit(db: AsyncSession, path: Path) -> None:
    """Delete ``path`` once the unit of work has committed (kept if it rolls back)."""
    session = db.sync_session
    _listen(session)
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_UNLINK_AFTER_COMMIT, []).append((transaction, path))


def _listen(session: Session) -> None:
    if session.info.get(_LISTENING):
        return
    session.info[_LISTENING] = True
    event.listen(session, "after_soft_rollback", _after_rollback)
    event.listen(session, "after_commit", _after_commit)


def _inside(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


Registered = list[tuple[SessionTransaction | None, Path]]


def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    written: Registered = session.info.get(_WRITTEN, [])
    for transaction, path in written:
        if transaction is None or _inside(transaction, previous_transaction):
            path.unlink(missing_ok=True)
    session.info[_WRITTEN] = [w for w in written if not (w[0] is None or _inside(w[0], previous_transaction))]
    unlinks: Registered = session.info.get(_UNLINK_AFTER_COMMIT, [])
    session.info[_UNLINK_AFTER_COMMIT] = [
        u for u in unlinks if not (u[0] is None or _inside(u[0], previous_transaction))
    ]


def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    unlinks: Registered = session.info.pop(_UNLINK_AFTER_COMMIT, [])
    for _transaction, path in unlinks:
        path.unlink(missing_ok=True)


def stale_files(folder: Path, *, now: float | None = None) -> list[Path]:
    """Files in ``folder`` older than ``ORPHAN_AGE_SECONDS`` (candidates for the orphan sweep)."""
    if not folder.is_dir():
        return []
    cutoff = (now if now is not None else time.time()) - ORPHAN_AGE_SECONDS
    return [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]


async def sweep_orphans(
    db: AsyncSession,
    folder: Path,
    known: Callable[[AsyncSession, list[str]], Any],
    *,
    now: float | None = None,
    batch: int = 500,
) -> int:
    """Delete the stale files in ``folder`` that no row names (``known`` returns the names that
    rows do name, out of a list); returns how many were deleted."""
    removed = 0
    candidates = stale_files(folder, now=now)
    for start in range(0, len(candidates), batch):
        chunk = candidates[start : start + batch]
        named: Iterable[str] = await known(db, [p.name for p in chunk])
        keep = set(named)
        for path in chunk:
            if path.name not in keep:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
