"""Hashed char + word n-grams, TF-IDF weighting and a temperature-calibrated linear model.

Inference needs numpy (and jieba for Chinese words) only. Training uses scikit-learn's linear SVM
(liblinear: seconds on 50,000 texts, where a multinomial L-BFGS fit took minutes): a small grid of
regularisation strengths and class weights is tried and the best by dev macro-F1 is kept (the ngram
backend's form of early stopping); a softmax temperature fitted on dev turns margins into calibrated
probabilities.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from anxin.mind.contract import PredictorBase, fit_temperature, softmax
from anxin.mind.hashing import HashingFeaturizer

FORMAT = 1


class NgramClassifier(PredictorBase):
    backend = "ngram"

    def __init__(
        self,
        n_features: int = 2**18,
        char_ngram_range: tuple[int, int] = (1, 4),
        word_ngram_range: tuple[int, int] = (1, 2),
        c_grid: tuple[float, ...] = (0.3, 1.0, 3.0),
        class_weights: tuple[str, ...] = ("balanced",),
        max_iter: int = 2000,
        progress: bool = False,
    ) -> None:
        self.n_features = n_features
        self.char_ngram_range = char_ngram_range
        self.word_ngram_range = word_ngram_range
        self.c_grid = c_grid
        self.class_weights = class_weights
        self.max_iter = max_iter
        self.progress = progress

    # ---- features -------------------------------------------------------------------------
    @property
    def featurizer(self) -> HashingFeaturizer:
        return HashingFeaturizer(self.n_features, tuple(self.char_ngram_range), tuple(self.word_ngram_range))  # type: ignore[arg-type]

    def _matrix(self, texts: Sequence[str], idf: np.ndarray | None):  # type: ignore[no-untyped-def]
        from scipy.sparse import csr_matrix

        featurizer = self.featurizer
        rows = [featurizer.indices(t) for t in _progress(texts, self.progress, "features")]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(i) for i, _ in rows])
        indices = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, np.int64)
        data = np.concatenate([v for _, v in rows]) if rows else np.zeros(0)
        x = csr_matrix((data, indices, indptr), shape=(len(rows), self.n_features))
        if idf is None:
            df = np.bincount(x.indices, minlength=self.n_features)
            idf = np.log((1.0 + len(rows)) / (1.0 + df)) + 1.0
        x = x.multiply(idf).tocsr()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        x = csr_matrix(x.multiply(1.0 / norms[:, None]))
        return x, idf

    # ---- training -------------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        dev_texts: Sequence[str] | None = None,
        dev_labels: Sequence[str] | None = None,
    ) -> NgramClassifier:
        from sklearn.metrics import f1_score
        from sklearn.svm import LinearSVC

        x, idf = self._matrix(texts, None)
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise ValueError("training needs at least two labels")
        y = np.array([classes.index(label) for label in labels])
        if dev_texts is None or dev_labels is None or not len(dev_texts):
            dev_x, dev_y = x, y
        else:
            unknown = set(dev_labels) - set(classes)
            if unknown:
                raise ValueError(f"dev labels not seen in training: {sorted(unknown)}")
            dev_x, _ = self._matrix(dev_texts, idf)
            dev_y = np.array([classes.index(label) for label in dev_labels])
        grid = [(c, w) for c in self.c_grid for w in self.class_weights]
        best: tuple[float, Any, tuple[float, str]] | None = None
        self.search_: list[dict[str, Any]] = []
        for c, weight in _progress(grid, self.progress, "search C × class weight"):
            model = LinearSVC(C=c, class_weight=None if weight == "none" else weight, max_iter=self.max_iter)
            model.fit(x, y)
            score = float(f1_score(dev_y, model.predict(dev_x), average="macro"))
            self.search_.append({"C": c, "class_weight": weight, "dev_macro_f1": round(score, 4)})
            if best is None or score > best[0]:
                best = (score, model, (c, weight))
        assert best is not None
        _, model, (self.best_c_, self.best_class_weight_) = best
        self.classes_ = classes
        self.idf_ = idf.astype(np.float32)
        self.coef_ = model.coef_.astype(np.float32)
        self.intercept_ = model.intercept_.astype(np.float32)
        if self.coef_.shape[0] == 1:  # binary: expand to one column per class
            self.coef_ = np.vstack([-self.coef_ / 2, self.coef_ / 2])
            self.intercept_ = np.array([-self.intercept_[0] / 2, self.intercept_[0] / 2], np.float32)
        self.temperature_ = 1.0
        self.temperature_ = fit_temperature(self._logits_matrix(dev_x), dev_y)
        self._prepare()
        return self

    # ---- inference ------------------------------------------------------------------------
    def _prepare(self) -> None:
        self._weights = np.ascontiguousarray(self.coef_.T, dtype=np.float32)  # (features, classes)
        self._featurizer = self.featurizer

    def _logits_matrix(self, x: Any) -> np.ndarray:
        out: np.ndarray = np.asarray(x @ self.coef_.T.astype(np.float64)) + self.intercept_
        return out

    def logits_one(self, text: str) -> np.ndarray:
        idx, val = self._featurizer.indices(text)
        if len(idx) == 0:
            empty: np.ndarray = self.intercept_.astype(np.float64) / self.temperature_
            return empty
        val = val * self.idf_[idx]
        norm = np.sqrt(val @ val) or 1.0
        logits = (val / norm) @ self._weights[idx] + self.intercept_
        out: np.ndarray = logits / self.temperature_
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        self._check_fitted()
        if not len(texts):
            return np.zeros((0, len(self.classes_)))
        return softmax(np.vstack([self.logits_one(t) for t in texts]))

    # ---- persistence ----------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        self._check_fitted()
        directory.mkdir(parents=True, exist_ok=True)
        config = {
            "backend": self.backend,
            "format": FORMAT,
            "classes": self.classes_,
            "featurizer": self.featurizer.to_config(),
            "temperature": self.temperature_,
            "params": {
                "c_grid": list(self.c_grid),
                "class_weights": list(self.class_weights),
                "max_iter": self.max_iter,
                "chosen_C": getattr(self, "best_c_", None),
                "chosen_class_weight": getattr(self, "best_class_weight_", None),
            },
        }
        (directory / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False), "utf-8")
        np.savez_compressed(
            directory / "weights.npz",
            coef=self.coef_.astype(np.float16),
            intercept=self.intercept_.astype(np.float32),
            idf=self.idf_.astype(np.float16),
        )

    @classmethod
    def load(cls, directory: Path) -> NgramClassifier:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        if config.get("backend") != cls.backend or config.get("format") != FORMAT:
            raise ValueError(f"{directory} is not an ngram model of format {FORMAT}")
        featurizer = HashingFeaturizer.from_config(config["featurizer"])
        params = config.get("params", {})
        model = cls(
            n_features=featurizer.n_features,
            char_ngram_range=featurizer.char_ngram_range,
            word_ngram_range=featurizer.word_ngram_range,
            c_grid=tuple(params.get("c_grid", (1.0,))),
            class_weights=tuple(params.get("class_weights", ("none",))),
            max_iter=int(params.get("max_iter", 2000)),
        )
        # allow_pickle=False: the artefact holds plain arrays only.
        with np.load(directory / "weights.npz", allow_pickle=False) as weights:
            model.coef_ = weights["coef"].astype(np.float32)
            model.intercept_ = weights["intercept"].astype(np.float32)
            model.idf_ = weights["idf"].astype(np.float32)
        model.classes_ = list(config["classes"])
        model.temperature_ = float(config["temperature"])
        if model.coef_.shape != (len(model.classes_), featurizer.n_features):
            raise ValueError(f"{directory}: weights do not match the config")
        model._prepare()
        return model


def _progress(items: Sequence[Any], enabled: bool, desc: str) -> Sequence[Any]:
    if not enabled:
        return items
    from tqdm import tqdm

    wrapped: Sequence[Any] = tqdm(items, desc=desc, leave=False)
    return wrapped
