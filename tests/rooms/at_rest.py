"""Reading a database the way a thief would: the raw SQLite files, or a pg_dump."""

from __future__ import annotations

import glob
import shutil
import subprocess
from urllib.parse import urlsplit


def _pg_dump() -> str:
    found = shutil.which("pg_dump") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))[-1]
    return found


def raw_database_contains(database_url: str, needle: bytes) -> bool:
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[1]
        blobs = b""
        for suffix in ("", "-wal", "-shm"):
            try:
                with open(path + suffix, "rb") as handle:
                    blobs += handle.read()
            except FileNotFoundError:
                pass
        return needle in blobs
    parts = urlsplit(database_url.replace("+asyncpg", ""))
    dump = subprocess.run(
        [
            _pg_dump(),
            "-h",
            parts.hostname or "127.0.0.1",
            "-p",
            str(parts.port or 5432),
            "-U",
            parts.username or "postgres",
            parts.path.lstrip("/"),
        ],
        check=True,
        capture_output=True,
    ).stdout
    return needle in dump
