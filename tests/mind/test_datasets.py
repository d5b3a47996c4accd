"""Loaders on the real data sets and the shipped risk model's goals (need ANXIN_DATASETS_DIR)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from anxin.mind import datasets as D
from anxin.mind.registry import load_task_model
from anxin.mind.training import score_dataset


@pytest.mark.parametrize(
    ("name", "labels"),
    [
        ("dair_emotion", {"joy", "sadness", "anger", "fear", "surprise"}),
        ("smp2020_usual", {"joy", "sadness", "anger", "fear", "surprise", "neutral"}),
        ("dreaddit", {"stress", "no_stress"}),
        ("psysuicide", {"none", "low", "moderate", "high", "harm_to_others"}),
        ("sdcnl", {"none", "moderate"}),
    ],
)
def test_loader_splits_and_labels(datasets_dir: Path, name: str, labels: set[str]) -> None:
    data = D.load(name, datasets_dir)
    assert len(data.train) and len(data.dev) and len(data.test)
    for split in (data.train, data.dev, data.test):
        assert set(split.labels) == labels
    # De-identification ran: no raw e-mail address survives in training text.
    assert not any(
        "@" in t and "." in t.split("@")[-1][:40] and "[EMAIL]" not in t for t in data.train.texts[:2000]
    )


def test_psysuicide_mapping_counts(datasets_dir: Path) -> None:
    counts = Counter(D.load("psysuicide", datasets_dir).test.labels)
    assert counts["high"] >= 140 and counts["harm_to_others"] >= 20 and counts["none"] > 900


def test_shipped_risk_model_meets_the_goals_on_psysuicide_test(datasets_dir: Path) -> None:
    model = load_task_model("risk")
    predictor = model.predictor_for("zh")
    assert predictor is not None
    scores = score_dataset(
        "risk", predictor, D.load("psysuicide", datasets_dir), "zh", model.thresholds["zh"]
    )
    risk = scores["risk"]
    assert risk["recall_any_risk"] >= 0.90 and risk["recall_high"] >= 0.95 and risk["precision_flag"] >= 0.50
