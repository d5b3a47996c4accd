"""The master keyring: the keys that wrap every data key, kept outside the database.

``ANXIN_MASTER_KEY`` holds one or more versioned 256-bit keys, newest first::

    ANXIN_MASTER_KEY="v2:<base64 of 32 bytes>,v1:<base64 of 32 bytes>"

The first entry is the *current* version: new data keys are wrapped under it. Older entries stay
only so that data keys wrapped under them can still be unwrapped while ``anxin privacy
rotate-master-key`` re-wraps them; once it reports nothing left under a version, that version may be
removed. A single key without a ``version:`` prefix is version ``v1``. Standard and URL-safe
base64 are both accepted (``anxin privacy generate-master-key`` prints a fresh entry).

Without ``ANXIN_MASTER_KEY`` (embedded default, development only) the keyring is read from
``$ANXIN_HOME/master.key`` (same format), generated there with mode 0600 on first use. In
production a missing ``ANXIN_MASTER_KEY`` is an error: a key generated next to the data protects
nothing against whoever copies the folder.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import secrets
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from anxin.core.config import Settings, get_settings
from anxin.privacy.errors import MasterKeyError

log = logging.getLogger("anxin.privacy")

KEY_BYTES = 32
NONCE_BYTES = 12
MASTER_KEY_FILE = "master.key"
DEFAULT_VERSION = "v1"
_VERSION = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def _decode_key(text: str, version: str) -> bytes:
    cleaned = text.strip()
    padded = cleaned + "=" * (-len(cleaned) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError) as exc:
        raise MasterKeyError(f"master key {version!r} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise MasterKeyError(f"master key {version!r} must be {KEY_BYTES} bytes, not {len(raw)}")
    return raw


def encode_key(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def new_key_entry(version: str) -> str:
    """A fresh ``version:key`` entry to put in front of ANXIN_MASTER_KEY."""
    if not _VERSION.match(version):
        raise MasterKeyError(f"master key version {version!r} may use letters, digits, '.', '_', '-'")
    return f"{version}:{encode_key(secrets.token_bytes(KEY_BYTES))}"


@dataclass(frozen=True)
class MasterKeyring:
    """Versioned master keys, the first one current. Wraps and unwraps data keys (AES-256-GCM)."""

    entries: tuple[tuple[str, bytes], ...]
    source: str = "environment"

    def __post_init__(self) -> None:
        if not self.entries:
            raise MasterKeyError("the master keyring is empty")
        versions = [version for version, _ in self.entries]
        if len(set(versions)) != len(versions):
            raise MasterKeyError("master key versions must be unique")

    def __repr__(self) -> str:  # never show key bytes
        return f"MasterKeyring(versions={self.versions}, source={self.source!r})"

    @property
    def current_version(self) -> str:
        return self.entries[0][0]

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(version for version, _ in self.entries)

    def key(self, version: str) -> bytes:
        for candidate, raw in self.entries:
            if candidate == version:
                return raw
        raise MasterKeyError(
            f"master key version {version!r} is not configured; it still wraps data keys. Put it back "
            "in ANXIN_MASTER_KEY (after the current key) and run `anxin privacy rotate-master-key`."
        )

    def wrap(self, owner: str, data_key: bytes) -> tuple[str, bytes]:
        """Wrap ``data_key`` under the current version; the owner is bound as associated data."""
        version = self.current_version
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.key(version)).encrypt(nonce, data_key, _wrap_aad(owner, version))
        return version, nonce + sealed

    def unwrap(self, owner: str, version: str, wrapped: bytes) -> bytes:
        nonce, sealed = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
        try:
            return AESGCM(self.key(version)).decrypt(nonce, sealed, _wrap_aad(owner, version))
        except InvalidTag as exc:
            raise MasterKeyError(
                f"the data key of {owner!r} does not unwrap under master key {version!r}: "
                "the master key is wrong or the wrapped key was altered"
            ) from exc

    @classmethod
    def generate(cls, version: str = DEFAULT_VERSION, *, source: str = "generated") -> MasterKeyring:
        return cls(((version, secrets.token_bytes(KEY_BYTES)),), source=source)


def _wrap_aad(owner: str, version: str) -> bytes:
    # Binding the owner means a wrapped key copied onto another owner's row will not unwrap.
    return f"anxin/data-key/v1|{version}|{owner}".encode()


def parse_keyring(text: str, *, source: str = "environment") -> MasterKeyring:
    """Parse ``"v2:<key>,v1:<key>"`` (or one bare key, version v1)."""
    items = [item.strip() for item in text.replace("\n", ",").split(",") if item.strip()]
    if not items:
        raise MasterKeyError("ANXIN_MASTER_KEY is empty")
    entries: list[tuple[str, bytes]] = []
    for item in items:
        version, separator, encoded = item.partition(":")
        if not separator:
            if len(items) > 1:
                raise MasterKeyError("with several master keys, each needs a version: 'v2:<key>,v1:<key>'")
            version, encoded = DEFAULT_VERSION, item
        version = version.strip()
        if not _VERSION.match(version):
            raise MasterKeyError(f"master key version {version!r} may use letters, digits, '.', '_', '-'")
        entries.append((version, _decode_key(encoded, version)))
    return MasterKeyring(tuple(entries), source=source)


def _read_key_file(path: Path) -> MasterKeyring:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise MasterKeyError(f"{path} is readable by other users (mode {mode:o}); run: chmod 600 {path}")
    return parse_keyring(path.read_text(encoding="ascii"), source=f"file {path}")


def _generate_key_file(path: Path) -> MasterKeyring:
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = new_key_entry(DEFAULT_VERSION)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process generated it first
        return _read_key_file(path)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(entry + "\n")
    os.chmod(path, 0o600)  # in case the umask widened it
    log.warning(
        "generated a new master key at %s (development only). Back it up: nothing sealed under it "
        "can be read without it. Production must set ANXIN_MASTER_KEY.",
        path,
    )
    return _read_key_file(path)


def load_keyring(settings: Settings) -> MasterKeyring:
    """The keyring from ANXIN_MASTER_KEY, else the key file under ANXIN_HOME (not in production)."""
    if settings.master_key is not None:
        return parse_keyring(settings.master_key.get_secret_value())
    if settings.environment == "production":
        raise MasterKeyError(
            "ANXIN_MASTER_KEY is not set. Production refuses a generated key: set it from your secret "
            "store (`anxin privacy generate-master-key` prints a new one)."
        )
    path = settings.home / MASTER_KEY_FILE
    if path.exists():
        return _read_key_file(path)
    return _generate_key_file(path)


def add_key_to_file(settings: Settings, version: str) -> MasterKeyring:
    """Put a new current key in front of the development key file (embedded mode's rotation)."""
    if settings.master_key is not None:
        raise MasterKeyError(
            "the master keys come from ANXIN_MASTER_KEY: put a new entry first there "
            "(`anxin privacy generate-master-key` prints one), restart, then rotate"
        )
    path = settings.home / MASTER_KEY_FILE
    current = load_keyring(settings)
    if version in current.versions:
        raise MasterKeyError(f"master key version {version!r} exists already; choose a new name")
    entries = [new_key_entry(version)] + [f"{v}:{encode_key(current.key(v))}" for v in current.versions]
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(",\n".join(entries) + "\n")
    os.chmod(temporary, 0o600)
    temporary.replace(path)
    return _read_key_file(path)


_lock = threading.Lock()
_keyring: MasterKeyring | None = None


def get_keyring() -> MasterKeyring:
    """The process's keyring, loaded once from the settings."""
    global _keyring
    with _lock:
        if _keyring is None:
            _keyring = load_keyring(get_settings())
        return _keyring


def use_keyring(keyring: MasterKeyring | None) -> None:
    """Install ``keyring`` for this process (app start-up with explicit settings, tests); None forgets."""
    global _keyring
    with _lock:
        _keyring = keyring


def configure(settings: Settings) -> MasterKeyring:
    """Load the keyring from ``settings`` and install it (call at start-up to fail fast)."""
    keyring = load_keyring(settings)
    use_keyring(keyring)
    return keyring
