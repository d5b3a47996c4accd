"""Envelope encryption: values sealed with their owner's data key, data keys wrapped by the master key.

How a service stores a sensitive value (column typed ``Encrypted``)::

    row.body_sealed = await crypto.seal(db, crypto.user_owner(user_id), text, context="diary.entry.body")
    text = await crypto.unseal(db, row.body_sealed, context="diary.entry.body")

``context`` names the field (module.table.column, plus the row's identity where a value must not
be movable between rows); it is authenticated, so a ciphertext copied into another field, or with
any byte changed, fails to open. Owners are ``"user:<id>"`` for one person's data and e.g.
``"room:<id>"`` for a record two people share.

Ciphertext format v1 (bytes)::

    0x01 | data key id (8 bytes, big-endian) | nonce (12 bytes) | AES-256-GCM ciphertext + tag (16)

with associated data = the first 9 bytes ‖ ``"|"`` ‖ context (UTF-8). ``destroy_keys`` forgets an
owner's data key (crypto-shredding): everything sealed under it raises ``KeyDestroyed`` afterwards.
"""

from __future__ import annotations

import re
import secrets
import struct
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import LargeBinary, TypeDecorator

from anxin.core import clock
from anxin.core.db import Database
from anxin.privacy.errors import DecryptionError, KeyDestroyed
from anxin.privacy.keys import KEY_BYTES, NONCE_BYTES, get_keyring
from anxin.privacy.models import DataKey

FORMAT_V1 = 0x01
_HEADER = struct.Struct(">BQ")
TAG_BYTES = 16
MIN_SEALED_BYTES = _HEADER.size + NONCE_BYTES + TAG_BYTES
_OWNER = re.compile(r"^[a-z][a-z_]{0,31}:[A-Za-z0-9_.-]{1,46}$")
_CONTEXT = re.compile(r"^[A-Za-z0-9_.:/-]{1,200}$")
# Keys this unit of work created; never cached process-wide before they are known to be committed.
_CREATED_KEY = "anxin_privacy_created_keys"


def user_owner(user_id: int) -> str:
    """The owner name of one person's data key."""
    return f"user:{int(user_id)}"


def room_owner(room_id: int) -> str:
    """The owner name of a care room's own data key (a record two people share)."""
    return f"room:{int(room_id)}"


def _check_owner(owner: str) -> None:
    if not _OWNER.match(owner):
        raise ValueError(f"data key owner must look like 'user:42' or 'room:7', not {owner!r}")


def _check_context(context: str) -> bytes:
    if not _CONTEXT.match(context):
        raise ValueError(f"seal context must name the field, e.g. 'diary.entry.body', not {context!r}")
    return context.encode()


# ---------------------------------------------------------------- unwrapped key cache


@dataclass(frozen=True)
class _Key:
    key_id: int
    owner: str
    aead: AESGCM = field(repr=False)
    loaded_at: float


class KeyCache:
    """Unwrapped data keys of this process: bounded (LRU) and short-lived (TTL).

    Only keys read back from committed rows enter it. ``destroy_keys`` drops the owner's entries
    at once in this process; other processes drop theirs within ``ttl_seconds``.
    """

    def __init__(self, max_entries: int = 4096, ttl_seconds: float = 300.0) -> None:
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self._by_id: OrderedDict[int, _Key] = OrderedDict()
        self._by_owner: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._by_id)

    def _fresh(self, key: _Key | None) -> _Key | None:
        if key is None:
            return None
        if time.monotonic() - key.loaded_at > self.ttl_seconds:
            self._drop(key)
            return None
        self._by_id.move_to_end(key.key_id)
        return key

    def by_id(self, key_id: int) -> _Key | None:
        with self._lock:
            return self._fresh(self._by_id.get(key_id))

    def by_owner(self, owner: str) -> _Key | None:
        with self._lock:
            key_id = self._by_owner.get(owner)
            return None if key_id is None else self._fresh(self._by_id.get(key_id))

    def put(self, key: _Key) -> None:
        with self._lock:
            self._by_id[key.key_id] = key
            self._by_id.move_to_end(key.key_id)
            self._by_owner[key.owner] = key.key_id
            while len(self._by_id) > self.max_entries:
                _, evicted = self._by_id.popitem(last=False)
                if self._by_owner.get(evicted.owner) == evicted.key_id:
                    del self._by_owner[evicted.owner]

    def _drop(self, key: _Key) -> None:
        self._by_id.pop(key.key_id, None)
        if self._by_owner.get(key.owner) == key.key_id:
            del self._by_owner[key.owner]

    def forget_owner(self, owner: str) -> None:
        with self._lock:
            for key in [key for key in self._by_id.values() if key.owner == owner]:
                self._drop(key)
            self._by_owner.pop(owner, None)

    def clear(self) -> None:
        with self._lock:
            self._by_id.clear()
            self._by_owner.clear()


key_cache = KeyCache()


def _created_here(db: AsyncSession) -> set[int]:
    created: set[int] = db.info.setdefault(_CREATED_KEY, set())
    return created


def _unwrapped(db: AsyncSession, row: DataKey) -> _Key:
    if row.wrapped_key is None or row.master_version is None or row.destroyed_at is not None:
        raise KeyDestroyed()
    raw = get_keyring().unwrap(row.owner, row.master_version, row.wrapped_key)
    key = _Key(row.id, row.owner, AESGCM(raw), time.monotonic())
    if row.id not in _created_here(db):
        key_cache.put(key)
    return key


async def _create_key(db: AsyncSession, owner: str) -> _Key | None:
    raw = secrets.token_bytes(KEY_BYTES)
    version, wrapped = get_keyring().wrap(owner, raw)
    row = DataKey(owner=owner, wrapped_key=wrapped, master_version=version, created_at=clock.utcnow())
    try:
        # A savepoint: if another transaction created this owner's key first, ours is dropped.
        async with db.begin_nested():
            db.add(row)
    except IntegrityError:
        return None
    _created_here(db).add(row.id)
    return _Key(row.id, owner, AESGCM(raw), time.monotonic())


async def _owner_key(db: AsyncSession, owner: str) -> _Key:
    cached = key_cache.by_owner(owner)
    if cached is not None:
        return cached
    for _ in range(2):
        row = await db.scalar(select(DataKey).where(DataKey.owner == owner))
        if row is not None:
            return _unwrapped(db, row)
        created = await _create_key(db, owner)
        if created is not None:
            return created
    raise RuntimeError(f"could not create or load the data key of {owner!r}")


async def _key_by_id(db: AsyncSession, key_id: int) -> _Key:
    cached = key_cache.by_id(key_id)
    if cached is not None:
        return cached
    row = await db.get(DataKey, key_id, populate_existing=True)
    if row is None:
        raise DecryptionError(f"sealed value names data key {key_id}, which does not exist")
    return _unwrapped(db, row)


# ---------------------------------------------------------------- seal / unseal


async def seal(db: AsyncSession, owner: str, plaintext: str | bytes, *, context: str) -> bytes:
    """Encrypt ``plaintext`` under ``owner``'s data key (created on first use), bound to ``context``.

    Raises ``KeyDestroyed`` if the owner's key was destroyed: nothing new is sealed for an erased owner.
    """
    _check_owner(owner)
    aad_context = _check_context(context)
    data = plaintext.encode() if isinstance(plaintext, str) else bytes(plaintext)
    key = await _owner_key(db, owner)
    header = _HEADER.pack(FORMAT_V1, key.key_id)
    nonce = secrets.token_bytes(NONCE_BYTES)
    return header + nonce + key.aead.encrypt(nonce, data, header + b"|" + aad_context)


async def unseal_bytes(db: AsyncSession, blob: bytes, *, context: str, owner: str | None = None) -> bytes:
    """Decrypt a value ``seal`` returned. With ``owner``, also insist the value was sealed for it.

    Raises ``KeyDestroyed`` after crypto-shredding and ``DecryptionError`` when the context, the
    owner or any byte does not match.
    """
    aad_context = _check_context(context)
    if not is_sealed(blob):
        raise DecryptionError("not a sealed value (unknown format or too short)")
    header = bytes(blob[: _HEADER.size])
    _, key_id = _HEADER.unpack(header)
    key = await _key_by_id(db, key_id)
    if owner is not None and key.owner != owner:
        raise DecryptionError(f"sealed value belongs to another owner than {owner!r}")
    nonce = bytes(blob[_HEADER.size : _HEADER.size + NONCE_BYTES])
    try:
        return key.aead.decrypt(nonce, bytes(blob[_HEADER.size + NONCE_BYTES :]), header + b"|" + aad_context)
    except InvalidTag as exc:
        raise DecryptionError(
            f"sealed value does not open in context {context!r}: wrong field, or altered"
        ) from exc


async def unseal(db: AsyncSession, blob: bytes, *, context: str, owner: str | None = None) -> str:
    """``unseal_bytes`` for text values (UTF-8)."""
    return (await unseal_bytes(db, blob, context=context, owner=owner)).decode()


def is_sealed(value: object) -> bool:
    """Whether ``value`` has the shape of a sealed value (format byte and minimum length)."""
    return isinstance(value, bytes | bytearray | memoryview) and (
        len(value) >= MIN_SEALED_BYTES and bytes(value[:1]) == bytes([FORMAT_V1])
    )


def sealed_key_id(blob: bytes) -> int:
    """The data key id a sealed value names (for diagnostics and tests)."""
    key_id: int = _HEADER.unpack(bytes(blob[: _HEADER.size]))[1]
    return key_id


class Encrypted(TypeDecorator[bytes]):
    """Column type for sealed values: stored as bytes, and refuses anything that is not sealed.

    ``mapped_column(Encrypted())`` instead of ``LargeBinary`` makes writing plaintext by mistake an
    error at flush time instead of a leak.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if not is_sealed(value):
            raise TypeError("Encrypted columns only take values returned by privacy.crypto.seal()")
        return bytes(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        return None if value is None else bytes(value)


# ---------------------------------------------------------------- crypto-shredding


async def destroy_keys(db: AsyncSession, owner: str) -> int:
    """Destroy ``owner``'s data key (crypto-shredding); returns how many keys were destroyed.

    The row stays as a tombstone without key material, so later reads fail with ``KeyDestroyed``
    and nothing new can be sealed for the owner. Idempotent.
    """
    _check_owner(owner)
    now = clock.utcnow()
    result = await db.execute(
        update(DataKey)
        .where(DataKey.owner == owner, DataKey.destroyed_at.is_(None))
        .values(wrapped_key=None, master_version=None, destroyed_at=now)
        .execution_options(synchronize_session=False)
    )
    destroyed = int(getattr(result, "rowcount", 0) or 0)
    if await db.scalar(select(DataKey.id).where(DataKey.owner == owner)) is None:
        try:
            async with db.begin_nested():
                db.add(
                    DataKey(
                        owner=owner, wrapped_key=None, master_version=None, created_at=now, destroyed_at=now
                    )
                )
        except IntegrityError:
            pass  # created concurrently; the caller's retry will destroy it
    key_cache.forget_owner(owner)
    # Rows loaded earlier in this unit of work must not keep the key material in memory either.
    for obj in list(db.identity_map.values()):
        if isinstance(obj, DataKey) and obj.owner == owner:
            db.expire(obj)
    return destroyed


# ---------------------------------------------------------------- master key rotation


@dataclass(frozen=True)
class RotationReport:
    current_version: str
    rewrapped: int
    by_version: dict[str, int]  # live data keys per master version once done
    destroyed: int

    @property
    def complete(self) -> bool:
        return set(self.by_version) <= {self.current_version}


async def master_key_usage(db: AsyncSession) -> dict[str, int]:
    """How many live data keys each master key version wraps."""
    rows = await db.execute(
        select(DataKey.master_version, func.count())
        .where(DataKey.wrapped_key.is_not(None))
        .group_by(DataKey.master_version)
    )
    return {str(version): int(count) for version, count in rows.all()}


async def rewrap_batch(db: AsyncSession, *, batch_size: int = 500) -> int:
    """Re-wrap up to ``batch_size`` data keys under the current master version; returns how many.

    Rows are locked (``SKIP LOCKED`` on PostgreSQL) so several runners, and the app, carry on.
    The data keys themselves do not change, so every sealed value stays readable throughout.
    """
    keyring = get_keyring()
    current = keyring.current_version
    rows = (
        await db.scalars(
            select(DataKey)
            .where(DataKey.wrapped_key.is_not(None), DataKey.master_version != current)
            .order_by(DataKey.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in rows:
        assert row.wrapped_key is not None and row.master_version is not None
        raw = keyring.unwrap(row.owner, row.master_version, row.wrapped_key)
        row.master_version, row.wrapped_key = keyring.wrap(row.owner, raw)
    await db.flush()
    return len(rows)


async def rotate_master_key(database: Database, *, batch_size: int = 500) -> RotationReport:
    """Re-wrap every data key under the newest master key, one short transaction per batch."""
    rewrapped = 0
    while True:
        async with database.transaction() as db:
            done = await rewrap_batch(db, batch_size=batch_size)
        rewrapped += done
        if done < batch_size:
            break
    async with database.transaction(write=False) as db:
        usage = await master_key_usage(db)
        destroyed = await db.scalar(
            select(func.count()).select_from(DataKey).where(DataKey.destroyed_at.is_not(None))
        )
    return RotationReport(get_keyring().current_version, rewrapped, usage, int(destroyed or 0))
