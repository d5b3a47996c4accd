"""Data rights: every module holding personal data registers how to export it and how to erase it.

A module calls, at import time of its ``tasks.py``::

    rights.register_personal_data(
        "diary", export=export_diary, erase=erase_diary, tables=["diary_entries"],
    )

``export(db, subject_id)`` returns JSON-ready data (dict or list), or ``Export(data, files)`` with
``files`` as ``(name, bytes)`` attachments; ``erase(db, subject_id)`` deletes (or de-identifies,
where the law says to keep a record) everything of the subject. A table is *personal* when its
``info`` says ``personal_data: True``, or it is ``users``, or a column names a person
(``PERSONAL_COLUMNS``, or a foreign key to ``users``) and ``info`` does not say
``personal_data: False``; a test fails for any personal table that no handler names.

``export_subject`` builds a zip (``data.json`` with one key per module, ``files/<module>/...``);
``erase_subject`` runs the erase handlers from the right of the import chain to the left (rows that
refer to others go first), then destroys the subject's data key (crypto-shredding), audits it, and emits
``privacy.subject_erased`` (after commit) for what lives outside the database: uploaded files,
search indices, caches.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import MetaData, Table, update
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock, notify, outbox
from anxin.privacy import audit, consent
from anxin.privacy.crypto import destroy_keys, user_owner
from anxin.privacy.models import ConsentRecord

# Columns that name a person; a table with one (or a foreign key to a person table) is personal
# unless its ``info`` says ``personal_data: False``.
PERSONAL_COLUMNS = frozenset(
    {
        "subject_id",
        "user_id",
        "client_id",
        "counsellor_id",
        "recipient_id",
        "author_id",
        "sender_id",
        "owner_id",
        "seller_id",
        "buyer_id",
        "guardian_id",
        "reviewer_id",
    }
)
PERSON_TABLES = frozenset({"users"})
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
JsonData = dict[str, Any] | list[Any]
EVENT_SUBJECT_ERASED = "privacy.subject_erased"


@dataclass(frozen=True)
class Export:
    """What an export handler hands back: JSON-ready data and optional files."""

    data: JsonData
    files: list[tuple[str, bytes]] = field(default_factory=list)


ExportHandler = Callable[[AsyncSession, int], Awaitable[JsonData | Export]]
EraseHandler = Callable[[AsyncSession, int], Awaitable[None]]


@dataclass(frozen=True)
class PersonalData:
    name: str
    export: ExportHandler
    erase: EraseHandler
    tables: tuple[str, ...]


_registry: dict[str, PersonalData] = {}


def register_personal_data(
    name: str, *, export: ExportHandler, erase: EraseHandler, tables: Iterable[str]
) -> PersonalData:
    """Register a module's export and erase handlers (once per name; re-registering the same is a no-op)."""
    if not _NAME.match(name):
        raise ValueError(f"personal data name must be a short identifier, not {name!r}")
    entry = PersonalData(name, export, erase, tuple(tables))
    existing = _registry.get(name)
    if existing is not None and existing != entry:
        raise ValueError(f"personal data {name!r} is registered twice with different handlers")
    _registry[name] = entry
    return entry


def unregister_personal_data(name: str) -> None:
    """Remove a registration (tests of fake modules)."""
    _registry.pop(name, None)


def registered() -> tuple[PersonalData, ...]:
    """Registrations in import-chain order (modules register as they load, left to right)."""
    return tuple(_registry.values())


def registered_tables() -> set[str]:
    return {table for entry in _registry.values() for table in entry.tables}


def is_personal(table: Table) -> bool:
    """Marked so, or the table of people itself, or a column naming a person (by name or foreign key)."""
    marked = table.info.get("personal_data")
    if marked is not None:
        return bool(marked)
    if table.name in PERSON_TABLES:
        return True
    for column in table.columns:
        if column.name in PERSONAL_COLUMNS:
            return True
        if any(foreign_key.column.table.name in PERSON_TABLES for foreign_key in column.foreign_keys):
            return True
    return False


def unregistered_personal_tables(metadata: MetaData) -> list[str]:
    """Personal tables no registered handler names (the coverage test fails on any)."""
    covered = registered_tables()
    return sorted(
        name for name, table in metadata.tables.items() if is_personal(table) and name not in covered
    )


# ---------------------------------------------------------------- export


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"export data must be JSON-ready; got {type(value).__name__} (seal/bytes go in files)")


async def export_subject(
    db: AsyncSession, subject_id: int, *, actor_id: int | None = None, actor_role: str | None = None
) -> bytes:
    """A zip of everything registered modules hold about the subject; audited.

    The actor defaults to the subject (self-service); staff pass their id and role, an operator at
    the command line passes ``actor_role="operator"``.
    """
    modules: dict[str, Any] = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in registered():
            result = await entry.export(db, subject_id)
            if isinstance(result, Export):
                modules[entry.name] = result.data
                for file_name, content in result.files:
                    if not _FILE_NAME.match(file_name):
                        raise ValueError(
                            f"export file name {file_name!r} from {entry.name} is not a plain name"
                        )
                    archive.writestr(f"files/{entry.name}/{file_name}", content)
            else:
                modules[entry.name] = result
        document = {
            "format": "anxin-export/1",
            "subject_id": subject_id,
            "generated_at": clock.utcnow().isoformat(),
            "modules": modules,
        }
        archive.writestr(
            "data.json",
            json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default),
        )
    await audit.record(
        db,
        action="privacy.export",
        actor_id=subject_id if actor_id is None and actor_role is None else actor_id,
        actor_role=actor_role,
        object_type="subject",
        object_id=subject_id,
        subject_id=subject_id,
        details={"modules": len(modules)},
    )
    return buffer.getvalue()


# ---------------------------------------------------------------- erasure


@dataclass(frozen=True)
class ErasureReport:
    subject_id: int
    modules: tuple[str, ...]
    keys_destroyed: int


async def erase_subject(
    db: AsyncSession, subject_id: int, *, actor_id: int | None = None, actor_role: str | None = None
) -> ErasureReport:
    """Erase the subject everywhere, right of the import chain first, then shred their data key.

    All in the caller's transaction: either everything is erased or nothing is.
    """
    entries = list(reversed(registered()))
    for entry in entries:
        await entry.erase(db, subject_id)
    destroyed = await destroy_keys(db, user_owner(subject_id))
    await audit.record(
        db,
        action="privacy.erase",
        actor_id=subject_id if actor_id is None and actor_role is None else actor_id,
        actor_role=actor_role,
        object_type="subject",
        object_id=subject_id,
        subject_id=subject_id,
        details={"modules": len(entries), "keys_destroyed": destroyed},
    )
    # After commit, subscribers remove what lives outside the database (files, search indices, caches).
    await outbox.emit(db, EVENT_SUBJECT_ERASED, {"subject_id": subject_id})
    return ErasureReport(subject_id, tuple(entry.name for entry in entries), destroyed)


# ---------------------------------------------------------------- privacy's own tables


async def _export_privacy(db: AsyncSession, subject_id: int) -> JsonData:
    records = await consent.history(db, subject_id)
    return {
        "consents": [
            {
                "purpose": row.purpose,
                "version": row.version,
                "text_hash": row.text_hash,
                "granted": row.granted,
                "given_by": row.given_by,
                "channel": row.channel,
                "at": clock.as_utc(row.at),
                "request_id": row.request_id,
            }
            for row in records
        ],
        "audit_entries": [entry.as_dict() for entry in await audit.entries_concerning(db, subject_id)],
    }


async def _erase_privacy(db: AsyncSession, subject_id: int) -> None:
    # Consent records stay as de-identified proof of what was agreed and when; audit entries stay
    # because they hold ids only and the chain must not break (docs/privacy.md, "After erasure").
    await db.execute(
        update(ConsentRecord)
        .where(ConsentRecord.subject_id == subject_id)
        .values(subject_id=None, request_id=None, erased=True)
        .execution_options(synchronize_session=False)
    )


register_personal_data(
    "privacy", export=_export_privacy, erase=_erase_privacy, tables=["consent_records", "audit_events"]
)


async def _export_notifications(db: AsyncSession, subject_id: int) -> JsonData:
    return await notify.export_for(db, subject_id)


async def _erase_notifications(db: AsyncSession, subject_id: int) -> None:
    await notify.erase_for(db, subject_id)


# Core's notification centre lies left of privacy in the chain, so its rights are registered here.
register_personal_data(
    "notifications", export=_export_notifications, erase=_erase_notifications, tables=["notifications"]
)
