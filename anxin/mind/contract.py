"""The predictor contract every backend follows (scikit-learn style).

Hyper-parameters are set in ``__init__`` and stored unchanged; ``fit`` learns state whose names end
in ``_`` (``classes_`` and the backend's weights); ``predict_proba`` returns one row per text with
columns in ``classes_`` order; ``save``/``load`` round-trip through a directory in safe formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np


class NotFitted(RuntimeError):
    """predict was called before fit or load."""


@runtime_checkable
class Predictor(Protocol):
    classes_: list[str]

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        dev_texts: Sequence[str] | None = None,
        dev_labels: Sequence[str] | None = None,
    ) -> Predictor: ...

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...

    def predict(self, texts: Sequence[str]) -> list[str]: ...

    def get_params(self) -> dict[str, Any]: ...

    def save(self, directory: Path) -> None: ...


class PredictorBase:
    """predict from predict_proba, get_params from __init__ arguments, a fitted check."""

    backend = "base"
    classes_: list[str]

    def get_params(self) -> dict[str, Any]:
        import inspect

        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def _check_fitted(self) -> None:
        if not getattr(self, "classes_", None):
            raise NotFitted(f"{type(self).__name__} is not fitted; call fit() or load() first")

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        dev_texts: Sequence[str] | None = None,
        dev_labels: Sequence[str] | None = None,
    ) -> PredictorBase:
        raise NotImplementedError

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def save(self, directory: Path) -> None:
        raise NotImplementedError

    def predict(self, texts: Sequence[str]) -> list[str]:
        proba = self.predict_proba(texts)
        return [self.classes_[i] for i in proba.argmax(axis=1)]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    out: np.ndarray = exp / exp.sum(axis=-1, keepdims=True)
    return out


def fit_temperature(logits: np.ndarray, label_ids: np.ndarray) -> float:
    """The softmax temperature that minimises negative log-likelihood on held-out data."""
    best_t, best_nll = 1.0, np.inf
    for t in np.logspace(-1.0, 1.0, 61):
        p = softmax(logits / t)
        nll = -np.log(np.clip(p[np.arange(len(label_ids)), label_ids], 1e-12, None)).mean()
        if nll < best_nll:
            best_t, best_nll = float(t), float(nll)
    return best_t
