"""Voice emotion on eGeMAPS features, and text+voice fusion, behind the predictor contract.

A sample is ``{"text": transcript, "features": 88 eGeMAPS values}`` (see ``Sample``). The text
branch reads the transcript through the served ``emotion`` model (its 7 probabilities: the "text
analysis" of the transcript), so any labelled (audio, text, label) set can be trained on without a
text model of its own.

- ``VoiceClassifier``: standardised eGeMAPS → multinomial logistic regression (C and class weights
  chosen on dev by unweighted average recall, UAR). Linear, like the published eGeMAPS+SVM baseline.
- ``FusionClassifier(mode="late")``: ``w · p_voice + (1 − w) · p_text`` with ``p_text`` from a
  logistic regression on the text scores; ``w`` chosen on dev, ties go to the voice side, and
  ``w = 1`` (voice alone) is always a candidate, so on dev fusion never does worse than voice alone.
- ``FusionClassifier(mode="early")``: one logistic regression on [eGeMAPS ⊕ text scores].
- ``mode="auto"`` keeps whichever of late/early scores higher on dev (late on a tie).

Weights are stored as ``config.json`` + ``weights.npz`` (loaded with ``allow_pickle=False``);
inference is numpy only, training needs scikit-learn.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from anxin.mind.contract import PredictorBase, softmax

FORMAT = 1
WEIGHT_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
TEXT_TASK = "emotion"
Sample = Mapping[str, Any]


def uar(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Unweighted average recall (macro recall), the usual speech-emotion score."""
    classes = sorted(set(y_true))
    truth = np.asarray(y_true)
    pred = np.asarray(y_pred)
    return float(np.mean([(pred[truth == c] == c).mean() for c in classes]))


class _Linear:
    """Standardise, then a multinomial logistic regression; numpy inference, safe npz storage."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> None:
        self.mean, self.scale, self.coef, self.intercept = mean, scale, coef, intercept

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, n_classes: int, c: float, weighting: str | None) -> _Linear:
        from sklearn.linear_model import LogisticRegression

        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-9] = 1.0
        model = LogisticRegression(C=c, class_weight=weighting, max_iter=5000)
        model.fit((x - mean) / scale, y)
        coef = np.zeros((n_classes, x.shape[1]))
        intercept = np.full(n_classes, -1e4)  # a class absent from training is never predicted
        present = model.classes_.astype(int)
        if len(present) == 2 and coef.shape[0] >= 2 and model.coef_.shape[0] == 1:
            coef[present[1]], intercept[present[1]] = model.coef_[0], model.intercept_[0]
            coef[present[0]], intercept[present[0]] = 0.0, 0.0
        else:
            coef[present], intercept[present] = model.coef_, model.intercept_
        return cls(mean, scale, coef, intercept)

    def proba(self, x: np.ndarray) -> np.ndarray:
        return softmax(((x - self.mean) / self.scale) @ self.coef.T + self.intercept)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}mean": self.mean,
            f"{prefix}scale": self.scale,
            f"{prefix}coef": self.coef,
            f"{prefix}intercept": self.intercept,
        }

    @classmethod
    def from_arrays(cls, data: Mapping[str, np.ndarray], prefix: str) -> _Linear:
        return cls(
            *(
                np.asarray(data[f"{prefix}{k}"], dtype=np.float64)
                for k in ("mean", "scale", "coef", "intercept")
            )
        )


def _clearly_better(
    truth: Sequence[str],
    candidate: Sequence[str],
    baseline: Sequence[str],
    min_gain: float,
    rounds: int = 500,
) -> bool:
    """The candidate beats the baseline on dev by at least ``min_gain`` UAR and in 95 % of paired
    bootstrap resamples: a small dev set (EmoDB: 98 recordings, 2 speakers) is noisy, and a branch
    that only fits that noise must not be let in."""
    if uar(truth, candidate) < uar(truth, baseline) + min_gain:
        return False
    rng = np.random.default_rng(7)
    y, a, b = np.asarray(truth), np.asarray(candidate), np.asarray(baseline)
    wins = 0
    for _ in range(rounds):
        ids = rng.integers(0, len(y), len(y))
        if len(set(y[ids])) > 1 and uar(list(y[ids]), list(a[ids])) > uar(list(y[ids]), list(b[ids])):
            wins += 1
    return wins >= 0.95 * rounds


def _save_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    np.savez_compressed(path, allow_pickle=False, **arrays)


def _features(samples: Sequence[Sample]) -> np.ndarray:
    return np.vstack([np.asarray(s["features"], dtype=np.float64).reshape(1, -1) for s in samples])


def _grid_fit(
    x: np.ndarray,
    y: np.ndarray,
    n: int,
    dev_x: np.ndarray,
    dev_y: Sequence[str],
    classes: list[str],
    c_grid: Sequence[float],
) -> tuple[_Linear, float, dict[str, Any]]:
    best: tuple[float, _Linear, dict[str, Any]] | None = None
    for weighting in ("balanced", None):
        for c in c_grid:
            model = _Linear.fit(x, y, n, c, weighting)
            score = uar(dev_y, [classes[i] for i in model.proba(dev_x).argmax(axis=1)])
            if best is None or score > best[0] + 1e-12:
                best = (score, model, {"C": c, "class_weight": weighting})
    assert best is not None
    return best[1], best[0], best[2]


class VoiceClassifier(PredictorBase):
    """eGeMAPS → emotion (or any label set); samples need only ``features``."""

    backend = "voice"

    def __init__(self, c_grid: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0)) -> None:
        self.c_grid = c_grid

    def fit(  # type: ignore[override]
        self,
        samples: Sequence[Sample],
        labels: Sequence[str],
        dev_samples: Sequence[Sample] | None = None,
        dev_labels: Sequence[str] | None = None,
    ) -> VoiceClassifier:
        self.classes_ = sorted(set(labels))
        index = {c: i for i, c in enumerate(self.classes_)}
        x, y = _features(samples), np.array([index[lb] for lb in labels])
        dev_x = _features(dev_samples) if dev_samples else x
        dev_y = list(dev_labels) if dev_samples and dev_labels else list(labels)
        model, self.dev_uar_, self.chosen_ = _grid_fit(
            x, y, len(self.classes_), dev_x, dev_y, self.classes_, self.c_grid
        )
        # Refit on train + dev with the chosen settings: every labelled speaker helps.
        if dev_samples and dev_labels:
            x = np.vstack([x, dev_x])
            y = np.concatenate([y, [index[lb] for lb in dev_labels]])
            model = _Linear.fit(x, y, len(self.classes_), self.chosen_["C"], self.chosen_["class_weight"])
        self.model_ = model
        return self

    def predict_proba(self, samples: Sequence[Sample]) -> np.ndarray:  # type: ignore[override]
        self._check_fitted()
        return self.model_.proba(_features(samples))

    def predict(self, samples: Sequence[Sample]) -> list[str]:  # type: ignore[override]
        return [self.classes_[i] for i in self.predict_proba(samples).argmax(axis=1)]

    def save(self, directory: Path) -> None:
        self._check_fitted()
        directory.mkdir(parents=True, exist_ok=True)
        config = {
            "backend": self.backend,
            "format": FORMAT,
            "classes": self.classes_,
            "params": {"c_grid": list(self.c_grid)},
            "chosen": self.chosen_,
            "dev_uar": round(self.dev_uar_, 4),
        }
        (directory / "config.json").write_text(json.dumps(config, indent=2) + "\n", "utf-8")
        _save_npz(
            directory / "weights.npz", {k: v.astype(np.float32) for k, v in self.model_.arrays("").items()}
        )

    @classmethod
    def load(cls, directory: Path) -> VoiceClassifier:
        config = json.loads((directory / "config.json").read_text("utf-8"))
        self = cls(c_grid=tuple(config["params"]["c_grid"]))
        self.classes_ = list(config["classes"])
        self.chosen_ = config.get("chosen", {})
        self.dev_uar_ = float(config.get("dev_uar", 0.0))
        with np.load(directory / "weights.npz", allow_pickle=False) as data:
            self.model_ = _Linear.from_arrays(data, "")
        return self


def text_scores(texts: Sequence[str], version: str | None = None) -> tuple[np.ndarray, str | None]:
    """The served emotion model's probabilities of each transcript (zeros where it has no answer)."""
    from anxin.mind.labels import TASK_LABELS
    from anxin.mind.registry import ModelNotFound
    from anxin.mind.service import predict

    labels = TASK_LABELS[TEXT_TASK]
    out = np.zeros((len(texts), len(labels)))
    if not texts:
        return out, version
    try:
        answers = predict(TEXT_TASK, list(texts), version)
    except ModelNotFound:
        return out, None
    for row, answer in enumerate(answers):
        for j, label in enumerate(labels):
            out[row, j] = float(answer["scores"].get(label, 0.0))
    return out, answers[0]["model_version"]


class FusionClassifier(PredictorBase):
    """Voice (eGeMAPS) + the transcript's text analysis; ``mode`` late, early or auto."""

    backend = "fusion"

    def __init__(
        self,
        mode: str = "auto",
        c_grid: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0),
        weight_grid: tuple[float, ...] = WEIGHT_GRID,
        text_model_version: str | None = None,
        min_gain: float = 0.02,
    ) -> None:
        if mode not in ("late", "early", "auto"):
            raise ValueError(f"fusion mode must be late, early or auto, not {mode!r}")
        self.mode = mode
        self.c_grid = c_grid
        self.weight_grid = weight_grid
        self.text_model_version = text_model_version
        self.min_gain = min_gain

    def _text(self, samples: Sequence[Sample]) -> np.ndarray:
        if all("text_scores" in s for s in samples):
            return np.vstack([np.asarray(s["text_scores"], dtype=np.float64) for s in samples])
        scores, version = text_scores([str(s.get("text") or "") for s in samples], self.text_model_version)
        self.text_model_version_ = version
        return scores

    def fit(  # type: ignore[override]
        self,
        samples: Sequence[Sample],
        labels: Sequence[str],
        dev_samples: Sequence[Sample] | None = None,
        dev_labels: Sequence[str] | None = None,
    ) -> FusionClassifier:
        if not dev_samples or not dev_labels:
            raise ValueError("fusion needs a dev split (speakers not in train) to choose its weights")
        self.text_model_version_ = self.text_model_version
        self.classes_ = sorted(set(labels))
        index = {c: i for i, c in enumerate(self.classes_)}
        n = len(self.classes_)
        x_voice, dev_voice = _features(samples), _features(dev_samples)
        x_text, dev_text = self._text(samples), self._text(dev_samples)
        y = np.array([index[lb] for lb in labels])
        dev_y = list(dev_labels)
        voice, voice_uar, voice_cfg = _grid_fit(x_voice, y, n, dev_voice, dev_y, self.classes_, self.c_grid)
        text, text_uar, text_cfg = _grid_fit(x_text, y, n, dev_text, dev_y, self.classes_, self.c_grid)
        p_voice, p_text = voice.proba(dev_voice), text.proba(dev_text)
        best_w, late_uar = 1.0, -1.0
        for w in sorted(self.weight_grid, reverse=True):  # from voice alone down: ties keep more voice
            score = uar(dev_y, [self.classes_[i] for i in (w * p_voice + (1 - w) * p_text).argmax(axis=1)])
            if score > late_uar + 1e-12:
                best_w, late_uar = float(w), score
        voice_pred = [self.classes_[i] for i in p_voice.argmax(axis=1)]
        late_pred = [self.classes_[i] for i in (best_w * p_voice + (1 - best_w) * p_text).argmax(axis=1)]
        if not _clearly_better(dev_y, late_pred, voice_pred, self.min_gain):
            best_w, late_uar = 1.0, voice_uar  # the text adds nothing measurable: voice alone
            late_pred = voice_pred
        early, early_uar, early_cfg = _grid_fit(
            np.hstack([x_voice, x_text]),
            y,
            n,
            np.hstack([dev_voice, dev_text]),
            dev_y,
            self.classes_,
            self.c_grid,
        )
        early_pred = [self.classes_[i] for i in early.proba(np.hstack([dev_voice, dev_text])).argmax(axis=1)]
        if self.mode == "early" or (
            self.mode == "auto" and _clearly_better(dev_y, early_pred, late_pred, self.min_gain)
        ):
            chosen = "early"
        else:
            chosen = "late"
        self.chosen_mode_ = chosen
        self.weight_ = best_w
        self.dev_scores_ = {
            "voice": round(voice_uar, 4),
            "text": round(text_uar, 4),
            "late": round(late_uar, 4),
            "early": round(early_uar, 4),
        }
        self.settings_ = {"voice": voice_cfg, "text": text_cfg, "early": early_cfg}
        # Refit every branch on train + dev with the settings chosen on dev.
        all_voice, all_text = np.vstack([x_voice, dev_voice]), np.vstack([x_text, dev_text])
        all_y = np.concatenate([y, [index[lb] for lb in dev_labels]])
        self.voice_ = _Linear.fit(all_voice, all_y, n, voice_cfg["C"], voice_cfg["class_weight"])
        self.text_ = _Linear.fit(all_text, all_y, n, text_cfg["C"], text_cfg["class_weight"])
        self.early_ = _Linear.fit(
            np.hstack([all_voice, all_text]), all_y, n, early_cfg["C"], early_cfg["class_weight"]
        )
        return self

    def branch_proba(self, samples: Sequence[Sample]) -> dict[str, np.ndarray]:
        """Voice alone, text alone, late and early fusion (for reports and comparisons)."""
        self._check_fitted()
        x_voice, x_text = _features(samples), self._text(samples)
        p_voice, p_text = self.voice_.proba(x_voice), self.text_.proba(x_text)
        return {
            "voice": p_voice,
            "text": p_text,
            "late": self.weight_ * p_voice + (1 - self.weight_) * p_text,
            "early": self.early_.proba(np.hstack([x_voice, x_text])),
        }

    def predict_proba(self, samples: Sequence[Sample]) -> np.ndarray:  # type: ignore[override]
        return self.branch_proba(samples)[self.chosen_mode_]

    def predict(self, samples: Sequence[Sample]) -> list[str]:  # type: ignore[override]
        return [self.classes_[i] for i in self.predict_proba(samples).argmax(axis=1)]

    def save(self, directory: Path) -> None:
        self._check_fitted()
        directory.mkdir(parents=True, exist_ok=True)
        config = {
            "backend": self.backend,
            "format": FORMAT,
            "classes": self.classes_,
            "params": {
                "mode": self.mode,
                "c_grid": list(self.c_grid),
                "weight_grid": list(self.weight_grid),
                "text_model_version": self.text_model_version,
                "min_gain": self.min_gain,
            },
            "chosen_mode": self.chosen_mode_,
            "weight": self.weight_,
            "dev_uar": self.dev_scores_,
            "settings": self.settings_,
            "text_task": TEXT_TASK,
            "text_model_version": self.text_model_version_,
        }
        (directory / "config.json").write_text(json.dumps(config, indent=2) + "\n", "utf-8")
        arrays = {
            **self.voice_.arrays("voice_"),
            **self.text_.arrays("text_"),
            **self.early_.arrays("early_"),
        }
        _save_npz(directory / "weights.npz", {k: v.astype(np.float32) for k, v in arrays.items()})

    @classmethod
    def load(cls, directory: Path) -> FusionClassifier:
        config = json.loads((directory / "config.json").read_text("utf-8"))
        params = config["params"]
        self = cls(
            mode=params["mode"],
            c_grid=tuple(params["c_grid"]),
            weight_grid=tuple(params["weight_grid"]),
            text_model_version=params.get("text_model_version"),
            min_gain=float(params.get("min_gain", 0.02)),
        )
        self.classes_ = list(config["classes"])
        self.chosen_mode_ = config["chosen_mode"]
        self.weight_ = float(config["weight"])
        self.dev_scores_ = config.get("dev_uar", {})
        self.settings_ = config.get("settings", {})
        self.text_model_version_ = config.get("text_model_version")
        with np.load(directory / "weights.npz", allow_pickle=False) as data:
            self.voice_ = _Linear.from_arrays(data, "voice_")
            self.text_ = _Linear.from_arrays(data, "text_")
            self.early_ = _Linear.from_arrays(data, "early_")
        return self


VOICE_TASK = "voice_emotion"


def served_fusion(features: np.ndarray, text_analysis: Mapping[str, Any]) -> dict[str, Any] | None:
    """The served ``voice_emotion`` model on one recording (None when no such model is installed)."""
    from anxin.mind.labels import TASK_LABELS
    from anxin.mind.registry import ModelNotFound, load_task_model

    try:
        model = load_task_model(VOICE_TASK)
    except ModelNotFound:
        return None
    predictor = model.predictor_for("any")
    if not isinstance(predictor, FusionClassifier | VoiceClassifier):
        return None
    scores = (text_analysis.get(TEXT_TASK) or {}).get("scores") or {}
    sample = {
        "features": features,
        "text_scores": [float(scores.get(lb, 0.0)) for lb in TASK_LABELS[TEXT_TASK]],
    }
    if isinstance(predictor, FusionClassifier):
        branches = predictor.branch_proba([sample])
        proba = branches[predictor.chosen_mode_][0]
        voice = branches["voice"][0]
    else:
        proba = voice = predictor.predict_proba([sample])[0]
    return {
        "task": VOICE_TASK,
        "label": predictor.classes_[int(proba.argmax())],
        "scores": {c: round(float(p), 4) for c, p in zip(predictor.classes_, proba, strict=True)},
        "voice_only": {c: round(float(p), 4) for c, p in zip(predictor.classes_, voice, strict=True)},
        "mode": getattr(predictor, "chosen_mode_", "voice"),
        "model_version": model.version,
        "use": model.manifest.get("use", ""),
        "note": "an indicator from acted German speech (EmoDB) unless retrained on the deployment's own data",
    }
