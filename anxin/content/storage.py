"""Where uploaded files live: an interface, and a local-disk backend under ``ANXIN_HOME``.

Keys are random (``secrets.token_urlsafe``) and never derived from a file name the user sent, and
no route serves the storage folder: files go out only through the content module's signed, checked
media endpoint. ``content.s3.S3Storage`` (production) implements the same four methods on a private
S3-compatible bucket; see docs/content.md.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


class Storage(Protocol):
    def put(self, data: bytes) -> str: ...
    def size(self, key: str) -> int: ...
    def read(self, key: str, start: int, end: int) -> bytes: ...  # inclusive end
    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in one folder, named by their random key; writes are atomic (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError("bad storage key")
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = secrets.token_urlsafe(24)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        return key

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def read(self, key: str, start: int, end: int) -> bytes:
        with open(self._path(key), "rb") as handle:
            handle.seek(start)
            return handle.read(end - start + 1)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


_storage: list[Storage] = []


def use_storage(storage: Storage) -> None:
    _storage[:] = [storage]


def storage_for(home: Path) -> Storage:
    """The configured storage: one set with :func:`use_storage`, else S3 when the
    ``ANXIN_CONTENT_S3_*`` variables are set, else local disk under ``home/content-media``."""
    if _storage:
        return _storage[0]
    from anxin.content.s3 import S3Storage

    remote = S3Storage.from_environment()
    if remote is not None:
        use_storage(remote)
        return remote
    return LocalStorage(home / "content-media")
