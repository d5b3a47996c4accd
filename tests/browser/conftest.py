"""Every test in this folder drives Chromium. Their server, one per test module (``live_app``,
``live_url``), comes from tests/conftest.py; signed-in browsers from tests/browser/signin.py."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)
