"""`anxin privacy …`: clear output, non-zero exits on problems, never a traceback."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from anxin.core.db import Database
from anxin.privacy import audit, consent, crypto, keys
from anxin.privacy.keys import MasterKeyring, encode_key, new_key_entry

ANXIN = str(Path(sys.executable).with_name("anxin"))


def key_env(ring: MasterKeyring) -> str:
    return ",".join(f"{version}:{encode_key(ring.key(version))}" for version in ring.versions)


def run(args: list[str], home: Path, database_url: str, master_key: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    environment.update(
        {
            "ANXIN_HOME": str(home),
            "ANXIN_LOG_LEVEL": "WARNING",
            "ANXIN_DATABASE_URL": database_url,
            "ANXIN_MASTER_KEY": master_key,
        }
    )
    result = subprocess.run(
        [ANXIN, "privacy", *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


async def seed(database_url: str, users: range) -> dict[int, bytes]:
    database = Database(database_url)
    sealed: dict[int, bytes] = {}
    try:
        async with database.transaction() as db:
            for user_id in users:
                sealed[user_id] = await crypto.seal(
                    db, crypto.user_owner(user_id), f"u{user_id}", context="tests.cli"
                )
                await consent.grant(db, user_id, consent.TERMS_AND_PRIVACY, channel="cli")
                await audit.record(db, action="tests.read", actor_id=100, subject_id=user_id)
    finally:
        await database.dispose()
    return sealed


async def test_verify_audit_and_the_head_copy(
    sqlite_url: str, home: Path, keyring: MasterKeyring, tmp_path: Path
) -> None:
    await seed(sqlite_url, range(1, 4))
    master = key_env(keyring)
    ok = run(["verify-audit"], home, sqlite_url, master)
    assert ok.returncode == 0 and "audit chain OK: 6 entries verified" in ok.stdout

    head_file = tmp_path / "offsite" / "head.json"
    exported = run(["export-audit-head", "--out", str(head_file)], home, sqlite_url, master)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(head_file.read_text())["seq"] == 6
    assert run(["verify-audit", "--against", str(head_file)], home, sqlite_url, master).returncode == 0

    path = make_url(sqlite_url).database
    assert path
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE audit_events SET actor_id = 101 WHERE seq = 4")
    broken = run(["verify-audit"], home, sqlite_url, master)
    assert broken.returncode == 2
    assert "audit chain BROKEN at entry 4" in broken.stderr

    head_file.write_text("not json")
    unreadable = run(["verify-audit", "--against", str(head_file)], home, sqlite_url, master)
    assert unreadable.returncode == 1 and "cannot read the head file" in unreadable.stderr


async def test_rotate_master_key_rewraps_and_old_values_still_open(
    sqlite_url: str, home: Path, keyring: MasterKeyring
) -> None:
    sealed = await seed(sqlite_url, range(1, 6))
    rotated = keys.parse_keyring(f"{new_key_entry('v2')},{key_env(keyring)}")
    result = run(["rotate-master-key", "--batch-size", "2"], home, sqlite_url, key_env(rotated))
    assert result.returncode == 0, result.stderr
    assert "re-wrapped 5 data key(s)" in result.stdout and "v2: 5" in result.stdout
    assert "v1 no longer wrap any key" in result.stdout

    keys.use_keyring(MasterKeyring(rotated.entries[:1]))  # v1 removed: everything opens with v2 alone
    crypto.key_cache.clear()
    database = Database(sqlite_url)
    try:
        async with database.transaction(write=False) as db:
            for user_id, blob in sealed.items():
                assert await crypto.unseal(db, blob, context="tests.cli") == f"u{user_id}"
    finally:
        await database.dispose()


async def test_export_then_erase(sqlite_url: str, home: Path, keyring: MasterKeyring, tmp_path: Path) -> None:
    sealed = await seed(sqlite_url, range(1, 3))
    master = key_env(keyring)
    out = tmp_path / "user-1.zip"
    exported = run(["export", "--user-id", "1", "--out", str(out)], home, sqlite_url, master)
    assert exported.returncode == 0, exported.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        document = json.loads(archive.read("data.json"))
    assert [c["purpose"] for c in document["modules"]["privacy"]["consents"]] == ["terms_and_privacy"]

    again = run(["export", "--user-id", "1", "--out", str(out)], home, sqlite_url, master)
    assert again.returncode == 1 and "--force" in again.stderr

    unconfirmed = run(["erase", "--user-id", "1"], home, sqlite_url, master)
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    erased = run(["erase", "--user-id", "1", "--yes"], home, sqlite_url, master)
    assert erased.returncode == 0, erased.stderr
    assert "erased user 1" in erased.stdout and "1 data key(s) destroyed" in erased.stdout

    crypto.key_cache.clear()
    database = Database(sqlite_url)
    try:
        async with database.transaction(write=False) as db:
            with pytest.raises(crypto.KeyDestroyed):
                await crypto.unseal(db, sealed[1], context="tests.cli")
            assert await crypto.unseal(db, sealed[2], context="tests.cli") == "u2"
            assert (await audit.verify_chain(db)).ok
    finally:
        await database.dispose()


def test_a_malformed_master_key_is_a_clear_error(sqlite_url: str, home: Path) -> None:
    result = run(["rotate-master-key"], home, sqlite_url, "v1:c2hvcnQ")
    assert result.returncode == 1
    assert "error: master key:" in result.stderr and "32 bytes" in result.stderr


def test_an_unreachable_database_is_a_clear_error(home: Path, keyring: MasterKeyring) -> None:
    result = run(["verify-audit"], home, "postgresql+asyncpg://nobody@127.0.0.1:1/none", key_env(keyring))
    assert result.returncode == 1 and "error: database error" in result.stderr


def test_generate_master_key_prints_a_usable_entry(home: Path, sqlite_url: str) -> None:
    result = run(["generate-master-key", "--version", "v3"], home, sqlite_url, "")
    assert result.returncode == 0
    assert keys.parse_keyring(result.stdout.strip()).versions == ("v3",)
