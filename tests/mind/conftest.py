from __future__ import annotations

import os
from pathlib import Path

import pytest

from anxin.mind.registry import clear_caches


@pytest.fixture(autouse=True)
def isolated_models_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own $ANXIN_HOME, so promoted pointers never leak between tests."""
    monkeypatch.setenv("ANXIN_HOME", str(tmp_path / "home"))
    clear_caches()
    yield tmp_path / "home"
    clear_caches()


@pytest.fixture
def datasets_dir() -> Path:
    value = os.environ.get("ANXIN_DATASETS_DIR")
    if not value or not Path(value).is_dir():
        pytest.skip("ANXIN_DATASETS_DIR is not set: the research data sets are not redistributed")
    return Path(value)
