"""The predictor contract and save/load round trip of the n-gram backend."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from anxin.mind.backends import load_predictor
from anxin.mind.backends.ngram import NgramClassifier
from anxin.mind.contract import NotFitted, Predictor

TEXTS = [
    "i am so happy today",
    "what a wonderful day",
    "great news, i love it",
    "我今天很开心",
    "i feel sad and alone",
    "this is terrible, i cried",
    "everything is awful",
    "我很难过",
] * 3
LABELS = ["joy"] * 4 + ["sadness"] * 4
LABELS = LABELS * 3


def small() -> NgramClassifier:
    return NgramClassifier(n_features=2**12, c_grid=(1.0,), char_ngram_range=(1, 3))


def test_contract() -> None:
    model = small()
    assert model.get_params()["n_features"] == 2**12
    with pytest.raises(NotFitted):
        model.predict(["x"])
    assert model.fit(TEXTS, LABELS) is model
    assert isinstance(model, Predictor)
    assert model.classes_ == ["joy", "sadness"]
    proba = model.predict_proba(["so happy", "so sad", "我很开心"])
    assert proba.shape == (3, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert model.predict(["happy wonderful day", "awful sad day"]) == ["joy", "sadness"]
    assert model.predict_proba([]).shape == (0, 2)


def test_save_load_round_trip_is_exact_enough_and_holds_no_text(tmp_path: Path) -> None:
    model = small().fit(TEXTS, LABELS)
    model.save(tmp_path / "m")
    loaded = load_predictor(tmp_path / "m")
    probe = ["happy", "sad and alone", "我很难过", ""]
    assert np.allclose(model.predict_proba(probe), loaded.predict_proba(probe), atol=2e-3)
    raw = (tmp_path / "m" / "weights.npz").read_bytes() + (tmp_path / "m" / "config.json").read_bytes()
    assert b"wonderful" not in raw and "难过".encode() not in raw
    with np.load(tmp_path / "m" / "weights.npz", allow_pickle=False) as weights:
        assert {w.dtype.kind for w in weights.values()} == {"f"}


def test_load_refuses_mismatched_weights(tmp_path: Path) -> None:
    small().fit(TEXTS, LABELS).save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    config["classes"].append("anger")
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="do not match"):
        load_predictor(tmp_path / "m")
