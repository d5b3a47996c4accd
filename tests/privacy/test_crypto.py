"""Envelope encryption: round trips, contexts, tampering, rotation without downtime, crypto-shredding."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, select, text

from anxin.core.db import Database
from anxin.privacy import crypto, keys
from anxin.privacy.crypto import Encrypted, destroy_keys, seal, unseal, unseal_bytes, user_owner
from anxin.privacy.errors import DecryptionError, KeyDestroyed, MasterKeyError
from anxin.privacy.keys import MasterKeyring, new_key_entry, parse_keyring
from anxin.privacy.models import DataKey

CONTEXT = "tests.scratch.body"

scratch_metadata = MetaData()
scratch = Table(
    "test_sealed_scratch",
    scratch_metadata,
    Column("id", Integer, primary_key=True),
    Column("body", Encrypted()),
)


@pytest.fixture
async def with_scratch(database: Database) -> Database:
    async with database.engine.begin() as conn:
        await conn.run_sync(scratch_metadata.create_all)
    return database


async def test_round_trip_of_text_and_bytes(database: Database) -> None:
    async with database.transaction() as db:
        sealed_text = await seal(db, user_owner(1), "我今天有点难过 — and that's ok", context=CONTEXT)
        sealed_bytes = await seal(db, user_owner(1), b"\x00\xffbinary", context="tests.scratch.file")
    crypto.key_cache.clear()  # read back through the database, not the cache
    async with database.transaction(write=False) as db:
        assert await unseal(db, sealed_text, context=CONTEXT) == "我今天有点难过 — and that's ok"
        assert await unseal_bytes(db, sealed_bytes, context="tests.scratch.file") == b"\x00\xffbinary"
        assert await unseal(db, sealed_text, context=CONTEXT, owner=user_owner(1))


async def test_same_plaintext_seals_differently_each_time(database: Database) -> None:
    async with database.transaction() as db:
        first = await seal(db, user_owner(1), "same", context=CONTEXT)
        second = await seal(db, user_owner(1), "same", context=CONTEXT)
    assert first != second
    assert crypto.sealed_key_id(first) == crypto.sealed_key_id(second)


async def test_one_data_key_per_owner(database: Database) -> None:
    async with database.transaction() as db:
        a = await seal(db, user_owner(1), "a", context=CONTEXT)
        b = await seal(db, user_owner(2), "b", context=CONTEXT)
        room = await seal(db, crypto.room_owner(1), "r", context=CONTEXT)
        again = await seal(db, user_owner(1), "a", context=CONTEXT)
        assert await db.scalar(select(func.count()).select_from(DataKey)) == 3
    assert len({crypto.sealed_key_id(blob) for blob in (a, b, room)}) == 3
    assert crypto.sealed_key_id(again) == crypto.sealed_key_id(a)


async def test_a_value_does_not_open_in_another_context_or_for_another_owner(database: Database) -> None:
    async with database.transaction() as db:
        sealed = await seal(db, user_owner(1), "private", context="diary.entry.body")
        with pytest.raises(DecryptionError, match="does not open in context"):
            await unseal(db, sealed, context="diary.entry.title")
        with pytest.raises(DecryptionError, match="another owner"):
            await unseal(db, sealed, context="diary.entry.body", owner=user_owner(2))


async def test_any_changed_byte_is_detected(database: Database) -> None:
    async with database.transaction() as db:
        sealed = await seal(db, user_owner(1), "do not touch", context=CONTEXT)
        other = await seal(db, user_owner(2), "other", context=CONTEXT)
        # Every byte of nonce, ciphertext and tag; the header names the key, so changing it either
        # names a missing key or another owner's key, and authentication fails either way.
        for index in range(len(sealed)):
            tampered = bytearray(sealed)
            tampered[index] ^= 0x01
            with pytest.raises((DecryptionError, KeyDestroyed)):
                await unseal(db, bytes(tampered), context=CONTEXT)
        # Pointing the header at another owner's key fails too.
        swapped = other[:9] + sealed[9:]
        with pytest.raises(DecryptionError):
            await unseal(db, swapped, context=CONTEXT)
        with pytest.raises(DecryptionError, match="not a sealed value"):
            await unseal(db, sealed[:20], context=CONTEXT)


async def test_the_encrypted_column_refuses_plaintext(with_scratch: Database) -> None:
    with pytest.raises(Exception, match="only take values returned by"):
        async with with_scratch.transaction() as db:
            await db.execute(scratch.insert().values(body=b"plain text by mistake"))
    async with with_scratch.transaction() as db:
        sealed = await seal(db, user_owner(5), "fine", context=CONTEXT)
        await db.execute(scratch.insert().values(id=1, body=sealed))
    async with with_scratch.transaction(write=False) as db:
        stored = await db.scalar(select(scratch.c.body))
        assert stored is not None
        assert await unseal(db, stored, context=CONTEXT) == "fine"


async def test_crypto_shredding_makes_every_value_unreadable(database: Database) -> None:
    async with database.transaction() as db:
        mine = [await seal(db, user_owner(7), f"entry {n}", context=CONTEXT) for n in range(3)]
        kept = await seal(db, user_owner(8), "someone else", context=CONTEXT)
        assert await unseal(db, mine[0], context=CONTEXT) == "entry 0"  # now in the process cache
    async with database.transaction() as db:
        assert await destroy_keys(db, user_owner(7)) == 1
    for blob in mine:
        async with database.transaction(write=False) as db:
            with pytest.raises(KeyDestroyed) as raised:
                await unseal(db, blob, context=CONTEXT)
            assert raised.value.status_code == 410
    async with database.transaction() as db:
        assert await unseal(db, kept, context=CONTEXT) == "someone else"
        row = await db.scalar(select(DataKey).where(DataKey.owner == user_owner(7)))
        assert row is not None and row.wrapped_key is None and row.destroyed_at is not None
        # Nothing new is sealed for an erased owner, and destroying again changes nothing.
        with pytest.raises(KeyDestroyed):
            await seal(db, user_owner(7), "late", context=CONTEXT)
        assert await destroy_keys(db, user_owner(7)) == 0


async def test_destroying_an_owner_without_a_key_leaves_a_tombstone(database: Database) -> None:
    async with database.transaction() as db:
        assert await destroy_keys(db, user_owner(99)) == 0
    async with database.transaction() as db:
        with pytest.raises(KeyDestroyed):
            await seal(db, user_owner(99), "never", context=CONTEXT)


async def test_a_key_created_in_a_rolled_back_transaction_is_not_reused(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as db:
            await seal(db, user_owner(3), "gone", context=CONTEXT)
            raise RuntimeError("request failed")
    async with database.transaction() as db:
        sealed = await seal(db, user_owner(3), "kept", context=CONTEXT)
    crypto.key_cache.clear()
    async with database.transaction(write=False) as db:
        assert await unseal(db, sealed, context=CONTEXT) == "kept"
        assert await db.scalar(select(func.count()).select_from(DataKey)) == 1


async def test_a_key_created_in_a_rolled_back_savepoint_is_not_reused(database: Database) -> None:
    async with database.transaction() as db:
        with pytest.raises(RuntimeError):
            async with db.begin_nested():
                await seal(db, user_owner(4), "gone", context=CONTEXT)
                raise RuntimeError("inner step failed")
        sealed = await seal(db, user_owner(4), "kept", context=CONTEXT)
    crypto.key_cache.clear()
    async with database.transaction(write=False) as db:
        assert await unseal(db, sealed, context=CONTEXT) == "kept"


async def test_the_key_cache_is_bounded() -> None:
    cache = crypto.KeyCache(max_entries=3)
    for key_id in range(10):
        cache.put(crypto._Key(key_id, f"user:{key_id}", None, 0.0))  # type: ignore[arg-type]
    assert len(cache) == 3
    assert cache.by_owner("user:0") is None


async def test_rotation_rewraps_every_key_and_old_rows_stay_readable(database: Database) -> None:
    old_entry = new_key_entry("v1")
    keys.use_keyring(parse_keyring(old_entry))
    sealed: dict[int, bytes] = {}
    async with database.transaction() as db:
        for user_id in range(1, 8):
            sealed[user_id] = await seal(db, user_owner(user_id), f"note of {user_id}", context=CONTEXT)
        await destroy_keys(db, user_owner(7))

    # New current version in front; v1 stays until rotation completes. Reads work throughout.
    keys.use_keyring(parse_keyring(f"{new_key_entry('v2')},{old_entry}"))
    crypto.key_cache.clear()
    async with database.transaction() as db:
        assert await unseal(db, sealed[1], context=CONTEXT) == "note of 1"
        assert await crypto.master_key_usage(db) == {"v1": 6}
        # A key created during rotation goes straight under v2.
        sealed[8] = await seal(db, user_owner(8), "note of 8", context=CONTEXT)

    report = await crypto.rotate_master_key(database, batch_size=4)
    assert report.rewrapped == 6
    assert report.by_version == {"v2": 7}
    assert report.destroyed == 1
    assert report.complete

    # v1 can now be removed: every row still opens with v2 alone.
    current = keys.get_keyring()
    keys.use_keyring(MasterKeyring(current.entries[:1]))
    crypto.key_cache.clear()
    async with database.transaction(write=False) as db:
        for user_id in (*range(1, 7), 8):
            assert await unseal(db, sealed[user_id], context=CONTEXT) == f"note of {user_id}"
    again = await crypto.rotate_master_key(database)
    assert again.rewrapped == 0


async def test_dropping_a_master_version_before_rotation_is_a_clear_error(database: Database) -> None:
    keys.use_keyring(parse_keyring(new_key_entry("v1")))
    async with database.transaction() as db:
        sealed = await seal(db, user_owner(1), "x", context=CONTEXT)
    keys.use_keyring(parse_keyring(new_key_entry("v2")))
    crypto.key_cache.clear()
    async with database.transaction(write=False) as db:
        with pytest.raises(MasterKeyError, match="'v1' is not configured"):
            await unseal(db, sealed, context=CONTEXT)


async def test_a_wrapped_key_moved_to_another_owner_does_not_unwrap(database: Database) -> None:
    async with database.transaction() as db:
        await seal(db, user_owner(1), "one", context=CONTEXT)
        victim = await seal(db, user_owner(2), "two", context=CONTEXT)
        await db.execute(
            text(
                "UPDATE data_keys SET wrapped_key = "
                "(SELECT wrapped_key FROM data_keys WHERE owner = 'user:1') "
                "WHERE owner = 'user:2'"
            )
        )
    crypto.key_cache.clear()
    async with database.transaction(write=False) as db:
        with pytest.raises(MasterKeyError, match="does not unwrap"):
            await unseal(db, victim, context=CONTEXT)


@pytest.mark.parametrize("owner", ["user", "user:", "User:1", "user:1 OR 1=1", "x" * 40 + ":1"])
async def test_owner_and_context_names_are_checked(database: Database, owner: str) -> None:
    async with database.transaction() as db:
        with pytest.raises(ValueError, match="owner"):
            await seal(db, owner, "x", context=CONTEXT)
        with pytest.raises(ValueError, match="context"):
            await seal(db, user_owner(1), "x", context="has spaces in it")


async def test_concurrent_first_seals_for_one_owner_share_one_key(database: Database) -> None:
    async def first_seal(n: int) -> bytes:
        async with database.transaction() as db:
            blob = await seal(db, user_owner(1), f"value {n}", context=CONTEXT)
            await asyncio.sleep(0)  # let the others reach their insert while this one is open
            return blob

    blobs = await asyncio.gather(*(first_seal(n) for n in range(10)))
    crypto.key_cache.clear()
    async with database.transaction(write=False) as db:
        assert await db.scalar(select(func.count()).select_from(DataKey)) == 1
        for n, blob in enumerate(blobs):
            assert await unseal(db, blob, context=CONTEXT) == f"value {n}"
