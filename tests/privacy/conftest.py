"""Each privacy test runs with a freshly generated master keyring and an empty key cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anxin.privacy import crypto, keys
from anxin.privacy.keys import MasterKeyring


@pytest.fixture(autouse=True)
def keyring() -> Iterator[MasterKeyring]:
    ring = MasterKeyring.generate("v1")
    keys.use_keyring(ring)
    crypto.key_cache.clear()
    yield ring
    keys.use_keyring(None)
    crypto.key_cache.clear()
