"""Companion tests run with a fresh master keyring, hashed n-gram retrieval and default settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anxin.companion import help as help_assistant
from anxin.companion import service
from anxin.companion.retrieval import backend_for
from anxin.companion.settings import reset_companion_settings
from anxin.core import clock
from anxin.modules import load_tasks
from anxin.privacy import crypto, keys
from anxin.privacy.keys import MasterKeyring


def reset_all() -> None:
    reset_companion_settings()
    service.reset_companion()
    help_assistant.reset_help_index()
    backend_for.cache_clear()


@pytest.fixture(autouse=True)
def keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MasterKeyring]:
    monkeypatch.setenv("ANXIN_COMPANION_EMBEDDER", "hashing")
    load_tasks()
    ring = MasterKeyring.generate("v1")
    keys.use_keyring(ring)
    crypto.key_cache.clear()
    reset_all()
    yield ring
    keys.use_keyring(None)
    crypto.key_cache.clear()
    monkeypatch.delenv("ANXIN_COMPANION_EMBEDDER")
    reset_all()
    clock.freeze(None)
