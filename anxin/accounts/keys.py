"""Server-side keys of the accounts module, derived from one root secret.

The root is ``ANXIN_SECRET_KEY`` or, when unset outside production, a random key generated once
under ``ANXIN_HOME`` (mode 0600). Each use gets its own derived key, so a CSRF token can never
double as a blind index or a code hash.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from anxin.core.config import Settings, get_settings

KEY_FILE = "secret.key"


class MissingSecretKeyError(RuntimeError):
    pass


@lru_cache(maxsize=8)
def _root_for(home: Path, configured: str | None, production: bool) -> bytes:
    if configured:
        return configured.encode()
    if production:
        raise MissingSecretKeyError("ANXIN_SECRET_KEY must be set in production")
    path = home / KEY_FILE
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


_active: list[Settings] = []


def use_settings(settings: Settings) -> None:
    """Tie key derivation to the app's settings (called at start-up; tests make many apps)."""
    _active[:] = [settings]


def _root() -> bytes:
    settings = _active[0] if _active else get_settings()
    configured = settings.secret_key.get_secret_value() if settings.secret_key else None
    return _root_for(settings.home.resolve(), configured, settings.environment == "production")


def derived_key(purpose: str) -> bytes:
    return hmac.new(_root(), f"anxin-accounts:{purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under the key for ``purpose``, hex (a blind index or a code hash)."""
    return hmac.new(derived_key(purpose), value.encode(), hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    """Unkeyed SHA-256 of a high-entropy random token (session tokens, challenges)."""
    return hashlib.sha256(token.encode()).hexdigest()
