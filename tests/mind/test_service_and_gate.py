"""screen/analyze/predict on the shipped models, the registry and the promote gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from anxin.mind import analyze, screen
from anxin.mind.backends.ngram import NgramClassifier
from anxin.mind.gate import PromotionRefused, check_promotion
from anxin.mind.registry import (
    ModelNotFound,
    current_version,
    load_task_model,
    set_promoted,
    shipped_version,
    write_manifest,
)
from anxin.mind.service import predict


def test_screen_flags_risk_and_not_idioms() -> None:
    assert screen("我已经攒够了安眠药，今晚就结束").flag
    assert screen("I want to end my life tonight").level == "high"
    for text in ("笑死我了", "this exam is killing me", "今天天气真好", "I had a lovely lunch"):
        assert not screen(text).flag, text


def test_analyze_covers_every_task_with_versions() -> None:
    english, chinese = analyze(["I am so happy and excited today!", "我好难过，一直在哭"])
    assert english["language"] == "en" and chinese["language"] == "zh"
    assert english["emotion"]["label"] == "joy" and chinese["emotion"]["label"] == "sadness"
    assert english["stress"]["label"] in ("stress", "no_stress")
    assert chinese["stress"]["label"] is None  # no Chinese stress data: said, not guessed
    assert english["risk"]["flag"] is False and english["risk"]["model_version"] == current_version("risk")


def test_predict_restricts_labels() -> None:
    (answer,) = predict("emotion", ["i feel so angry at him"], labels=["anger", "joy"])
    assert set(answer["scores"]) == {"anger", "joy"} and abs(sum(answer["scores"].values()) - 1) < 1e-3
    with pytest.raises(ValueError, match="unknown labels"):
        predict("emotion", ["x"], labels=["love"])


def _risk_version(home: Path, name: str, texts: list[str], labels: list[str], any_threshold: float) -> None:
    directory = home / "models" / "risk" / name
    for lang in ("en", "zh"):
        NgramClassifier(n_features=2**12, c_grid=(1.0,)).fit(texts, labels).save(directory / lang)
    write_manifest(
        directory,
        {
            "task": "risk",
            "version": name,
            "backend": "ngram",
            "backbone": "ngram",
            "labels": ["none", "low", "moderate", "high"],
            "languages": {"en": "en", "zh": "zh"},
            "thresholds": {
                lg: {"any": any_threshold, "high": 0.99, "harm_to_others": 0.99} for lg in ("en", "zh")
            },
        },
    )


def test_promote_gate_refuses_more_false_alarms_and_accepts_an_equal_model(
    isolated_models_home: Path,
) -> None:
    texts = ["i feel fine", "nice day", "今天不错", "i want to die", "不想活了", "end it all"] * 2
    labels = ["none", "none", "none", "moderate", "moderate", "moderate"] * 2
    _risk_version(isolated_models_home, "alarmist", texts, labels, any_threshold=0.0)  # flags everything
    _risk_version(isolated_models_home, "calm", texts, labels, any_threshold=0.999)
    current = load_task_model("risk")
    assert current.version == shipped_version("risk")
    with pytest.raises(PromotionRefused, match="false alarms"):
        check_promotion(load_task_model("risk", "alarmist"), current)
    check_promotion(load_task_model("risk", "calm"), load_task_model("risk", "calm"))
    set_promoted("risk", "calm")
    assert current_version("risk") == "calm" and load_task_model("risk").version == "calm"
    with pytest.raises(ModelNotFound):
        load_task_model("risk", "../etc")
