"""Matching tests run with a fresh master keyring."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anxin.core import clock
from anxin.modules import load_tasks
from anxin.privacy import crypto, keys
from anxin.privacy.keys import MasterKeyring


@pytest.fixture(autouse=True)
def keyring() -> Iterator[MasterKeyring]:
    load_tasks()
    ring = MasterKeyring.generate("v1")
    keys.use_keyring(ring)
    crypto.key_cache.clear()
    yield ring
    keys.use_keyring(None)
    crypto.key_cache.clear()
    clock.freeze(None)
