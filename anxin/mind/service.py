"""The Python API the platform calls: ``screen`` (inline, fast) and ``analyze``/``predict`` (batched)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from anxin.mind.contract import softmax
from anxin.mind.labels import TASK_LABELS
from anxin.mind.lexicon import model_text
from anxin.mind.registry import ModelNotFound, TaskModel, load_task_model
from anxin.mind.risk import RiskAssessment, assess, level_scores
from anxin.mind.text import detect_language

# screen() reads the head and tail of very long texts: the model's cost grows with length and the
# rules still see the whole text.
SCREEN_WINDOW = 600


def _window(text: str) -> str:
    if len(text) <= 2 * SCREEN_WINDOW:
        return text
    return text[:SCREEN_WINDOW] + " … " + text[-SCREEN_WINDOW:]


def _risk_model(version: str | None = None) -> TaskModel | None:
    try:
        return load_task_model("risk", version)
    except ModelNotFound:
        if version:
            raise
        return None  # rules alone still screen when no model is installed


def screen(text: str, language: str | None = None) -> RiskAssessment:
    """Inline crisis screen of one text: lexicon + n-gram risk model."""
    lang = language or detect_language(text)
    model = _risk_model()
    scores = None
    thresholds = None
    version = None
    if model is not None:
        predictor = model.predictor_for(lang)
        if predictor is not None:
            proba = predictor.predict_proba([model_text(_window(text))])[0]
            scores = level_scores(predictor.classes_, proba)
            thresholds = model.thresholds.get(lang)
            version = model.version
    return assess(text, lang, scores, thresholds, version)


def risk_batch(
    texts: Sequence[str], model: TaskModel | None, languages: Sequence[str]
) -> list[RiskAssessment]:
    out: list[RiskAssessment | None] = [None] * len(texts)
    for lang in sorted(set(languages)):
        ids = [i for i, lg in enumerate(languages) if lg == lang]
        predictor = model.predictor_for(lang) if model else None
        proba = predictor.predict_proba([model_text(_window(texts[i])) for i in ids]) if predictor else None
        for row, i in enumerate(ids):
            scores = (
                level_scores(predictor.classes_, proba[row])
                if predictor is not None and proba is not None
                else None
            )
            thresholds = model.thresholds.get(lang) if model else None
            out[i] = assess(
                texts[i], lang, scores, thresholds, model.version if predictor and model else None
            )
    return [r for r in out if r is not None]


def restrict(
    classes: list[str], proba: np.ndarray, allowed: Sequence[str] | None
) -> tuple[list[str], np.ndarray]:
    """Keep only ``allowed`` labels and renormalise (for a data set or operator using fewer classes)."""
    if not allowed:
        return classes, proba
    keep = [i for i, c in enumerate(classes) if c in allowed]
    if not keep:
        raise ValueError(f"none of the labels {list(allowed)} is known to this model ({', '.join(classes)})")
    sub = proba[:, keep]
    sub = sub / np.clip(sub.sum(axis=1, keepdims=True), 1e-12, None)
    return [classes[i] for i in keep], sub


def predict(
    task: str, texts: Sequence[str], version: str | None = None, labels: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """One answer per text: label, scores, model_version (and flag and reasons for ``risk``)."""
    model = load_task_model(task, version)
    if labels:
        unknown = set(labels) - set(model.labels)
        if unknown:
            raise ValueError(
                f"unknown labels for {task}: {', '.join(sorted(unknown))} (known: {', '.join(model.labels)})"
            )
    languages = [detect_language(t) for t in texts]
    if task == "risk":
        answers = []
        for a in risk_batch(texts, model, languages):
            scores = {k: v for k, v in a.scores.items() if not labels or k in labels}
            label = a.level
            if labels and label not in labels:
                label = max(scores, key=scores.__getitem__)
            answers.append(
                {
                    "label": label,
                    "scores": scores,
                    "model_version": model.version,
                    "flag": a.flag,
                    "reasons": a.reasons,
                    "language": a.language,
                }
            )
        return answers
    results: list[dict[str, Any] | None] = [None] * len(texts)
    for lang in sorted(set(languages)):
        ids = [i for i, lg in enumerate(languages) if lg == lang]
        got = model.probabilities([texts[i] for i in ids], lang)
        for row, i in enumerate(ids):
            if got is None:
                results[i] = {
                    "label": None,
                    "scores": {},
                    "model_version": model.version,
                    "language": lang,
                    "note": f"no {task} model for language {lang}",
                }
                continue
            classes, proba = restrict(got[0], got[1][row : row + 1], labels)
            scores = {c: round(float(p), 4) for c, p in zip(classes, proba[0], strict=True)}
            results[i] = {
                "label": classes[int(proba[0].argmax())],
                "scores": scores,
                "model_version": model.version,
                "language": lang,
            }
    return [r for r in results if r is not None]


def analyze(texts: Sequence[str], versions: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Emotion, stress and risk for a batch (background jobs). Tasks without a model are left out."""
    versions = versions or {}
    out: list[dict[str, Any]] = [{"language": detect_language(t)} for t in texts]
    for task in ("emotion", "stress"):
        try:
            answers = predict(task, texts, versions.get(task))
        except ModelNotFound:
            continue
        for row, answer in zip(out, answers, strict=True):
            answer.pop("language", None)
            row[task] = answer
    risk = risk_batch(texts, _risk_model(versions.get("risk")), [r["language"] for r in out])
    for row, assessment in zip(out, risk, strict=True):
        row["risk"] = {
            "label": assessment.level,
            "scores": assessment.scores,
            "flag": assessment.flag,
            "reasons": assessment.reasons,
            "model_version": assessment.model_version,
        }
    return out


__all__ = ["TASK_LABELS", "analyze", "predict", "screen", "softmax"]
