"""T8, encrypted at rest: a canary sealed into an encrypted column appears nowhere in the raw SQLite
files or a pg_dump, while the same check finds a control canary stored in plain text."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.engine import make_url

from anxin.core.db import Database
from anxin.privacy import keys
from anxin.privacy.crypto import Encrypted, seal, unseal, user_owner
from anxin.privacy.models import DataKey
from tests.support import services

scratch_metadata = MetaData()
scratch = Table(
    "test_canary_scratch",
    scratch_metadata,
    Column("id", Integer, primary_key=True),
    Column("body_sealed", Encrypted()),
    Column("label", String(100)),  # deliberately plain: the control that proves the search works
)


async def write_canaries(database: Database) -> tuple[str, str, list[bytes]]:
    async with database.engine.begin() as conn:
        await conn.run_sync(scratch_metadata.create_all)
    secret, control = f"CANARY-{uuid.uuid4()}", f"CONTROL-{uuid.uuid4()}"
    async with database.transaction() as db:
        for n in range(20):  # enough rows that pages are written, each sealed separately
            sealed = await seal(db, user_owner(n % 3), f"{secret} row {n}", context="tests.canary.body")
            await db.execute(scratch.insert().values(id=n + 1, body_sealed=sealed, label=f"{control} {n}"))
    async with database.transaction(write=False) as db:
        row = (await db.execute(scratch.select().where(scratch.c.id == 1))).one()
        assert await unseal(db, row.body_sealed, context="tests.canary.body") == f"{secret} row 0"
        # The master key and every unwrapped data key, none of which may be in the database.
        keyring = keys.get_keyring()
        data_keys = [
            keyring.unwrap(k.owner, k.master_version or "", k.wrapped_key or b"")
            for k in (await db.scalars(select(DataKey))).all()
        ]
    assert len(data_keys) == 3
    return secret, control, [keyring.key("v1"), *data_keys]


def forms_of(key_material: list[bytes]) -> list[bytes]:
    """Each key in every form it could leak as: raw, hex, base64 (both alphabets)."""
    return [
        form
        for key in key_material
        for form in (
            key,
            key.hex().encode(),
            base64.b64encode(key).rstrip(b"="),
            base64.urlsafe_b64encode(key).rstrip(b"="),
        )
    ]


def test_the_search_would_find_plain_text() -> None:
    assert b"CANARY-x" in b"..\x00CANARY-x\x00.."


async def test_no_canary_in_the_sqlite_files(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    try:
        secret, control, key_material = await write_canaries(database)
    finally:
        await database.dispose()
    path = Path(make_url(sqlite_url).database or "")
    files = [p for p in path.parent.glob(path.name + "*") if p.is_file()]  # the database, -wal, -shm
    raw = b"".join(p.read_bytes() for p in files)
    assert control.encode() in raw
    assert raw.count(secret.encode()) == 0
    assert b"CANARY-" not in raw
    for form in forms_of(key_material):
        assert form not in raw


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    template: str = request.getfixturevalue("postgres_template")  # skips when PostgreSQL is absent
    name = services.create_postgres_database(template=template)
    try:
        yield services.postgres_async_url(name)
    finally:
        services.drop_postgres_database(name)


@pytest.mark.postgres
async def test_no_canary_in_a_pg_dump(postgres_url: str) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed (apt-get install postgresql-client)")
    database_url = postgres_url
    database = Database(database_url)
    try:
        secret, control, key_material = await write_canaries(database)
    finally:
        await database.dispose()
    url = make_url(services.POSTGRES_ADMIN_URL)
    dump = subprocess.run(
        [
            pg_dump,
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            make_url(database_url).database or "",
        ],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    assert control.encode() in dump
    assert dump.count(secret.encode()) == 0
    for form in forms_of(key_material):
        assert form not in dump
