"""Assessments tests: every module's tasks loaded, notify senders kept in the test, people with
API tokens and a care relationship made directly (appointments' booking flow has its own tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anxin.core import clock
from anxin.modules import load_tasks
from tests.accounts.support import capture_messages


@pytest.fixture(autouse=True)
def _loaded() -> Iterator[None]:
    load_tasks()
    capture_messages()
    yield
    clock.freeze(None)
