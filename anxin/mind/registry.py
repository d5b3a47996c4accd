"""Versioned model artefacts: shipped defaults inside the package, trained and promoted ones at home.

Layout of one version (a directory named after the version)::

    manifest.json      task, version, backend, labels, per-language model folders, risk thresholds
    metrics.json       test-split scores measured when it was trained
    MODEL_CARD.md      data, licences, intended use, limits
    <language>/        one predictor per language ("en", "zh", or "any" for custom tasks)

The server uses ``$ANXIN_HOME/models/<task>/PROMOTED`` when it exists, else the package's
``artefacts/<task>/DEFAULT``. Only ``anxin mind promote`` writes PROMOTED, after the gate.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from anxin.mind.backends import load_predictor
from anxin.mind.contract import PredictorBase

SHIPPED = Path(__file__).resolve().parent / "artefacts"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


class ModelNotFound(LookupError):
    """No artefact for that task or version."""


def models_home() -> Path:
    home = os.environ.get("ANXIN_HOME")
    if not home:
        from anxin.core.config import get_settings

        home = str(get_settings().home)
    return Path(home) / "models"


def version_dir(task: str, version: str) -> Path:
    if not _VERSION.match(task) or not _VERSION.match(version):
        raise ModelNotFound(f"invalid task or version name: {task!r} {version!r}")
    for root in (models_home(), SHIPPED):
        candidate = root / task / version
        if (candidate / "manifest.json").is_file():
            return candidate
    raise ModelNotFound(f"no model {version!r} for task {task!r} (see `anxin mind versions {task}`)")


def promoted_version(task: str) -> str | None:
    pointer = models_home() / task / "PROMOTED"
    return pointer.read_text("utf-8").strip() if pointer.is_file() else None


def shipped_version(task: str) -> str | None:
    pointer = SHIPPED / task / "DEFAULT"
    return pointer.read_text("utf-8").strip() if pointer.is_file() else None


def current_version(task: str) -> str:
    version = promoted_version(task) or shipped_version(task)
    if not version:
        raise ModelNotFound(f"no model for task {task!r}: train one with `anxin mind train --task {task}`")
    return version


def list_versions(task: str) -> list[str]:
    found: set[str] = set()
    for root in (models_home(), SHIPPED):
        if (root / task).is_dir():
            found.update(p.parent.name for p in (root / task).glob("*/manifest.json"))
    return sorted(found)


def set_promoted(task: str, version: str) -> None:
    version_dir(task, version)  # must exist
    pointer = models_home() / task / "PROMOTED"
    pointer.parent.mkdir(parents=True, exist_ok=True)
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(version + "\n", "utf-8")
    tmp.replace(pointer)  # atomic: a reader sees the old or the new version, never half
    _resolve_cached.cache_clear()
    _load.cache_clear()


@dataclass
class TaskModel:
    task: str
    version: str
    path: Path
    manifest: dict[str, Any]
    predictors: dict[str, PredictorBase] = field(default_factory=dict)

    @property
    def languages(self) -> list[str]:
        return list(self.manifest["languages"])

    @property
    def labels(self) -> list[str]:
        return list(self.manifest["labels"])

    def predictor_for(self, language: str) -> PredictorBase | None:
        if language in self.predictors:
            return self.predictors[language]
        if "any" in self.predictors:
            return self.predictors["any"]
        return None

    def probabilities(self, texts: list[str], language: str) -> tuple[list[str], np.ndarray] | None:
        predictor = self.predictor_for(language)
        if predictor is None:
            return None
        return predictor.classes_, predictor.predict_proba(texts)

    @property
    def thresholds(self) -> dict[str, dict[str, float]]:
        return dict(self.manifest.get("thresholds", {}))


def load_task_model(task: str, version: str | None = None) -> TaskModel:
    resolved = version or _resolve_cached(task, int(time.monotonic() // 5))
    return _load(task, resolved)


@lru_cache(maxsize=64)
def _resolve_cached(task: str, _tick: int) -> str:
    # Re-read the promoted pointer at most every 5 s: a promotion reaches running servers quickly
    # without a file read on every screened message.
    return current_version(task)


@lru_cache(maxsize=16)
def _load(task: str, version: str) -> TaskModel:
    directory = version_dir(task, version)
    manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    model = TaskModel(task, version, directory, manifest)
    for language, sub in manifest["languages"].items():
        model.predictors[language] = load_predictor(directory / sub)
    return model


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )


def clear_caches() -> None:
    _resolve_cached.cache_clear()
    _load.cache_clear()
