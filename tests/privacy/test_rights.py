"""Data rights: every personal table has export and erase handlers; an export carries a canary from
every registered table; erasure removes rows, shreds the key, keeps only de-identified proof."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, String, Table, delete, select

from anxin.core import outbox
from anxin.core.db import Base, Database
from anxin.core.outbox import OutboxMessage
from anxin.modules import load_models, load_tasks
from anxin.privacy import audit, consent, rights
from anxin.privacy.crypto import Encrypted, seal, unseal, user_owner
from anxin.privacy.errors import KeyDestroyed
from anxin.privacy.models import AuditEvent, ConsentRecord, DataKey

# A fake module standing in for e.g. the diary: a personal table with a sealed column.
fake_metadata = MetaData()
fake_diary = Table(
    "test_fake_diary",
    fake_metadata,
    Column("id", Integer, primary_key=True),
    Column("subject_id", BigInteger, nullable=False),
    Column("title", String(100)),
    Column("body_sealed", Encrypted()),
)
BODY = "tests.fake_diary.body"
erase_order: list[str] = []


async def export_fake(db: Any, subject_id: int) -> rights.Export:
    rows = (await db.execute(select(fake_diary).where(fake_diary.c.subject_id == subject_id))).all()
    entries = [{"title": r.title, "body": await unseal(db, r.body_sealed, context=BODY)} for r in rows]
    files = [(f"entry-{r.id}.txt", (await unseal(db, r.body_sealed, context=BODY)).encode()) for r in rows]
    return rights.Export(entries, files)


async def erase_fake(db: Any, subject_id: int) -> None:
    erase_order.append("fake_diary")
    await db.execute(delete(fake_diary).where(fake_diary.c.subject_id == subject_id))


@outbox.subscribe(rights.EVENT_SUBJECT_ERASED, name="tests_remove_files")
async def remove_files(db: Any, payload: dict[str, Any]) -> None:
    """Stands in for a module that deletes uploaded files once an erasure has committed."""


@pytest.fixture
async def with_fake_module(database: Database) -> AsyncIterator[Database]:
    async with database.engine.begin() as conn:
        await conn.run_sync(fake_metadata.create_all)
    rights.register_personal_data(
        "fake_diary", export=export_fake, erase=erase_fake, tables=["test_fake_diary"]
    )
    erase_order.clear()
    yield database
    rights.unregister_personal_data("fake_diary")


@pytest.fixture
def everything_loaded() -> Iterator[None]:
    load_models()
    load_tasks()
    yield


# ---------------------------------------------------------------- the registry covers every personal table


def test_every_personal_table_has_export_and_erase_handlers(everything_loaded: None) -> None:
    missing = rights.unregistered_personal_tables(Base.metadata)
    assert not missing, (
        "personal tables without data-rights handlers (register them with "
        "anxin.privacy.rights.register_personal_data in the module's tasks.py, or mark the table "
        f"info={{'personal_data': False}} with a comment saying why): {missing}"
    )


def test_the_coverage_check_names_an_unregistered_personal_table() -> None:
    metadata = MetaData()
    Table("x_by_column", metadata, Column("id", Integer, primary_key=True), Column("user_id", Integer))
    Table("x_marked", metadata, Column("id", Integer, primary_key=True), info={"personal_data": True})
    Table("x_cleared", metadata, Column("subject_id", Integer), info={"personal_data": False})
    Table("x_neutral", metadata, Column("id", Integer, primary_key=True))
    Table("users", metadata, Column("id", Integer, primary_key=True))
    Table("x_by_key", metadata, Column("payer", Integer, ForeignKey("users.id")))
    Table("x_by_client", metadata, Column("client_id", Integer))
    personal = sorted(name for name, table in metadata.tables.items() if rights.is_personal(table))
    assert personal == ["users", "x_by_client", "x_by_column", "x_by_key", "x_marked"]
    assert "x_by_column" in rights.unregistered_personal_tables(metadata)
    assert "x_cleared" not in rights.unregistered_personal_tables(metadata)


def test_registering_the_same_name_twice_with_other_handlers_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        rights.register_personal_data("privacy", export=export_fake, erase=erase_fake, tables=[])


# ---------------------------------------------------------------- export


async def plant(db: Any, subject_id: int) -> dict[str, str]:
    """One canary per registered table of the fake module and of privacy; returns table -> canary."""
    canaries = {
        table: f"CANARY-{uuid.uuid4()}" for table in ("test_fake_diary", "consent_records", "audit_events")
    }
    sealed = await seal(db, user_owner(subject_id), f"body {canaries['test_fake_diary']}", context=BODY)
    await db.execute(
        fake_diary.insert().values(
            subject_id=subject_id, title=canaries["test_fake_diary"], body_sealed=sealed
        )
    )
    await consent.grant(
        db, subject_id, consent.AI_RISK_SCREENING, request_id=canaries["consent_records"][:64]
    )
    await audit.record(
        db, action="tests.canary_read", actor_id=77, subject_id=subject_id, object_id=canaries["audit_events"]
    )
    return canaries


def read_zip(blob: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("data.json")), files


async def test_an_export_carries_a_canary_from_every_registered_table(with_fake_module: Database) -> None:
    async with with_fake_module.transaction() as db:
        mine = await plant(db, 1)
        theirs = await plant(db, 2)
    covered = {t for e in rights.registered() if e.name in ("privacy", "fake_diary") for t in e.tables}
    assert covered == set(mine)  # a table added to either registration needs its canary here

    async with with_fake_module.transaction() as db:
        blob = await rights.export_subject(db, 1)
    document, files = read_zip(blob)
    text = json.dumps(document, ensure_ascii=False)
    for table, canary in mine.items():
        assert canary[:64] in text, f"the export misses {table}"
    for canary in theirs.values():
        assert canary[:64] not in text, "another person's data leaked into the export"
    assert document["subject_id"] == 1 and {"privacy", "fake_diary"} <= set(document["modules"])
    assert document["modules"]["fake_diary"][0]["body"] == f"body {mine['test_fake_diary']}"
    [(name, content)] = files.items()
    assert (
        name.startswith("files/fake_diary/entry-") and content == f"body {mine['test_fake_diary']}".encode()
    )

    async with with_fake_module.transaction(write=False) as db:
        last = (await db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))).one()
        assert (last.action, last.subject_id, last.actor_id) == ("privacy.export", 1, 1)


async def test_export_data_must_be_json_ready(with_fake_module: Database) -> None:
    async def export_bytes(db: Any, subject_id: int) -> dict[str, Any]:
        return {"raw": b"sealed bytes belong in files"}

    async def erase_nothing(db: Any, subject_id: int) -> None:
        return None

    rights.register_personal_data("fake_bytes", export=export_bytes, erase=erase_nothing, tables=[])
    try:
        async with with_fake_module.transaction() as db:
            with pytest.raises(TypeError, match="JSON-ready"):
                await rights.export_subject(db, 1)
    finally:
        rights.unregister_personal_data("fake_bytes")


# ---------------------------------------------------------------- erasure


async def test_erasure_removes_rows_shreds_the_key_and_keeps_only_deidentified_proof(
    with_fake_module: Database,
) -> None:
    async with with_fake_module.transaction() as db:
        mine = await plant(db, 1)
        await plant(db, 2)
        sealed_of_mine = await db.scalar(select(fake_diary.c.body_sealed).where(fake_diary.c.subject_id == 1))
    assert sealed_of_mine is not None

    async with with_fake_module.transaction() as db:
        report = await rights.erase_subject(db, 1, actor_id=1)
    assert report.keys_destroyed == 1
    assert report.modules.index("fake_diary") < report.modules.index("privacy")  # right of the chain first
    assert erase_order == ["fake_diary"]

    async with with_fake_module.transaction(write=False) as db:
        assert (await db.execute(select(fake_diary.c.subject_id))).scalars().all() == [2]
        with pytest.raises(KeyDestroyed):
            await unseal(db, sealed_of_mine, context=BODY)
        key = await db.scalar(select(DataKey).where(DataKey.owner == user_owner(1)))
        assert key is not None and key.wrapped_key is None
        # Consent proof stays, de-identified; the other person's records are untouched.
        records = (await db.scalars(select(ConsentRecord).order_by(ConsentRecord.id))).all()
        assert [(r.subject_id, r.erased, r.request_id is None) for r in records] == [
            (None, True, True),
            (2, False, False),
        ]
        assert records[0].text_hash == consent.PURPOSES[consent.AI_RISK_SCREENING].hash()
        assert not await consent.has_consent(db, 1, consent.AI_RISK_SCREENING)
        # The audit chain is intact, ends with the erasure, and holds no canary of the erased content.
        assert (await audit.verify_chain(db)).ok
        last = (await db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))).one()
        assert (last.action, last.subject_id) == ("privacy.erase", 1)
        assert mine["test_fake_diary"] not in json.dumps(
            [a.as_dict() for a in await audit.entries_concerning(db, 1)]
        )

    # What lives outside the database is removed by subscribers, after commit, by id only.
    async with with_fake_module.transaction(write=False) as db:
        jobs = (
            await db.scalars(select(OutboxMessage).where(OutboxMessage.name.like("privacy.subject_erased%")))
        ).all()
        assert [(job.name, job.payload) for job in jobs] == [
            ("privacy.subject_erased->tests_remove_files", {"subject_id": 1})
        ]

    # Erasing again is harmless; a new export of the erased subject is empty of their data.
    async with with_fake_module.transaction() as db:
        assert (await rights.erase_subject(db, 1)).keys_destroyed == 0
        document, files = read_zip(await rights.export_subject(db, 1))
    assert document["modules"]["fake_diary"] == [] and files == {}
    assert document["modules"]["privacy"]["consents"] == []


async def test_a_failing_erase_handler_erases_nothing(with_fake_module: Database) -> None:
    async def erase_broken(db: Any, subject_id: int) -> None:
        raise RuntimeError("storage is down")

    async def export_nothing(db: Any, subject_id: int) -> dict[str, Any]:
        return {}

    async with with_fake_module.transaction() as db:
        await plant(db, 1)
    rights.register_personal_data("fake_broken", export=export_nothing, erase=erase_broken, tables=[])
    try:
        with pytest.raises(RuntimeError, match="storage is down"):
            async with with_fake_module.transaction() as db:
                await rights.erase_subject(db, 1)
    finally:
        rights.unregister_personal_data("fake_broken")
    async with with_fake_module.transaction(write=False) as db:
        assert await db.scalar(select(fake_diary.c.title).where(fake_diary.c.subject_id == 1))
        assert await consent.has_consent(db, 1, consent.AI_RISK_SCREENING)
        sealed = await db.scalar(select(fake_diary.c.body_sealed))
        assert sealed is not None and (await unseal(db, sealed, context=BODY)).startswith("body CANARY-")
