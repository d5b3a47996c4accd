"""Train the voice-emotion and fusion models, score them with bootstrap intervals, save a version."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from anxin.mind.registry import models_home, write_manifest
from anxin.mind.speech.corpus import SpeechSet, load_emodb, read_speech_file, split_dev
from anxin.mind.speech.fusion import FusionClassifier, VoiceClassifier, uar

BOOTSTRAP_ROUNDS = 1000
EMODB_NOTE = (
    "EmoDB copy clipped to 2 s and peak-normalised: not comparable like for like with published "
    "full-length results (eGeMAPS + SVM, speaker-independent: UAR in the high 70s %)."
)


def bootstrap_ci(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    metric: Callable[[Sequence[str], Sequence[str]], float],
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = 42,
) -> tuple[float, float]:
    """95 % percentile interval of ``metric`` over test sets resampled with replacement."""
    rng = np.random.default_rng(seed)
    truth, pred = np.asarray(y_true), np.asarray(y_pred)
    values = []
    for _ in range(rounds):
        ids = rng.integers(0, len(truth), len(truth))
        values.append(metric(list(truth[ids]), list(pred[ids])))
    low, high = np.percentile(values, [2.5, 97.5])
    return round(float(low), 4), round(float(high), 4)


def accuracy(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def score(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    from anxin.mind.evaluation import classification_scores

    result = classification_scores(y_true, y_pred, labels)
    result["uar"] = round(uar(y_true, y_pred), 4)
    result["uar_ci95"] = bootstrap_ci(y_true, y_pred, uar)
    result["accuracy_ci95"] = bootstrap_ci(y_true, y_pred, accuracy)
    return result


def loso(train: SpeechSet, c: float, class_weight: str | None) -> dict[str, Any]:
    """Leave-one-speaker-out UAR of the voice model over the train speakers, with the settings
    chosen on the dev speakers."""
    from anxin.mind.speech.fusion import _Linear

    predictions: list[str] = []
    truth: list[str] = []
    for speaker in sorted(set(train.speakers)):
        held = np.array([s == speaker for s in train.speakers])
        fold_train, fold_test = train.subset(~held), train.subset(held)
        classes = sorted(set(train.labels))
        y = np.array([classes.index(lb) for lb in fold_train.labels])
        model = _Linear.fit(
            np.vstack([s["features"] for s in fold_train.samples]), y, len(classes), c, class_weight
        )
        proba = model.proba(np.vstack([s["features"] for s in fold_test.samples]))
        predictions += [classes[i] for i in proba.argmax(axis=1)]
        truth += fold_test.labels
    return {
        "speakers": len(set(train.speakers)),
        "uar": round(uar(truth, predictions), 4),
        "accuracy": round(accuracy(truth, predictions), 4),
    }


def make(backbone: str, mode: str = "auto") -> VoiceClassifier | FusionClassifier:
    if backbone == "voice":
        return VoiceClassifier()
    if backbone == "fusion":
        return FusionClassifier(mode=mode)
    raise ValueError(f"speech backbones are voice and fusion, not {backbone!r}")


def train_speech(
    task: str,
    backbone: str,
    *,
    train_file: Path | None = None,
    dev_file: Path | None = None,
    test_file: Path | None = None,
    emodb: Path | None = None,
    mode: str = "auto",
    language: str | None = None,
    out_root: Path | None = None,
    version: str | None = None,
    log: Callable[[str], None] = print,
) -> Path:
    """Train ``voice`` or ``fusion`` on EmoDB (no files given) or on the operator's files."""
    started = time.perf_counter()
    if train_file or dev_file:
        if not (train_file and dev_file):
            raise ValueError("a speech task needs both --train and --dev (different speakers in each)")
        log(f"[{task}] reading {train_file.name} and {dev_file.name} (transcribing rows without text)")
        train, dev = (
            read_speech_file(train_file, language=language),
            read_speech_file(dev_file, language=language),
        )
        test = read_speech_file(test_file, language=language) if test_file else None
        sources = [{"name": train_file.name, "licence": "operator data", "notes": ""}]
        use = "operator data"
    else:
        full_train, test = load_emodb(emodb)
        train, dev = split_dev(full_train)
        sources = [
            {
                "name": "emodb (eGeMAPS of the 2-s copy)",
                "licence": "CC0-1.0 (cite Burkhardt et al. 2005)",
                "notes": EMODB_NOTE,
            }
        ]
        use = "research and demonstration: acted German speech, not the deployment's population"
    log(f"[{task}] training {backbone} on {len(train)} recordings, dev {len(dev)}")
    predictor = make(backbone, mode)
    predictor.fit(train.samples, train.labels, dev.samples, dev.labels)
    version = version or f"{backbone}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    directory = (out_root or models_home()) / task / version
    predictor.save(directory / "any")
    labels = list(predictor.classes_)
    metrics: dict[str, Any] = {
        "task": task,
        "version": version,
        "datasets": {},
        "train_seconds": {"any": round(time.perf_counter() - started, 1)},
    }
    if test is not None and len(test):
        name = "emodb_test" if train_file is None else "test"
        if isinstance(predictor, FusionClassifier):
            branches = predictor.branch_proba(test.samples)
            metrics["datasets"][name] = {
                branch: score(test.labels, [labels[i] for i in proba.argmax(axis=1)], labels)
                for branch, proba in branches.items()
            }
            metrics["datasets"][name]["chosen"] = predictor.chosen_mode_
            metrics["datasets"][name]["dev_uar"] = predictor.dev_scores_
            metrics["datasets"][name]["late_weight_voice"] = predictor.weight_
            for branch in ("voice", "text", "late", "early"):
                log(
                    f"[{task}] test {branch}: UAR {metrics['datasets'][name][branch]['uar']} "
                    f"CI95 {metrics['datasets'][name][branch]['uar_ci95']}"
                )
        else:
            metrics["datasets"][name] = {"voice": score(test.labels, predictor.predict(test.samples), labels)}
            log(f"[{task}] test voice: UAR {metrics['datasets'][name]['voice']['uar']}")
    if train_file is None:
        chosen = (
            predictor.settings_["voice"] if isinstance(predictor, FusionClassifier) else predictor.chosen_
        )
        metrics["loso_train_speakers"] = loso(_join(train, dev), chosen["C"], chosen["class_weight"])
        log(f"[{task}] LOSO over train speakers: UAR {metrics['loso_train_speakers']['uar']}")
    manifest = {
        "task": task,
        "version": version,
        "backend": backbone,
        "backbone": backbone,
        "labels": labels,
        "languages": {"any": "any"},
        "thresholds": {},
        "trained_on": {"any": sources},
        "created": datetime.now(UTC).isoformat(),
        "use": use,
        "inputs": "eGeMAPSv02 functionals (openSMILE) + the emotion model's scores of the transcript",
    }
    write_manifest(directory, manifest)
    (directory / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return directory


def _join(a: SpeechSet, b: SpeechSet) -> SpeechSet:
    return SpeechSet(a.samples + b.samples, a.labels + b.labels, a.speakers + b.speakers)
