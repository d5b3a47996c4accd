"""Safety tests run with a fresh master keyring, safety's default settings and a running clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anxin.core import clock
from anxin.modules import load_tasks
from anxin.privacy import crypto, keys
from anxin.privacy.keys import MasterKeyring
from anxin.rooms.settings import reset_room_settings
from anxin.safety.settings import reset_safety_settings


@pytest.fixture(autouse=True)
def keyring() -> Iterator[MasterKeyring]:
    load_tasks()
    ring = MasterKeyring.generate("v1")
    keys.use_keyring(ring)
    crypto.key_cache.clear()
    reset_room_settings()
    reset_safety_settings()
    yield ring
    keys.use_keyring(None)
    crypto.key_cache.clear()
    reset_room_settings()
    reset_safety_settings()
    clock.freeze(None)
