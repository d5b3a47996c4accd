"""Voice emotion and fusion on the shipped EmoDB features (CC0): train, save, load, and fusion is
never worse than voice alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from anxin.cli.main import app
from anxin.mind.backends import load_predictor
from anxin.mind.speech.corpus import load_emodb, split_dev
from anxin.mind.speech.fusion import FusionClassifier, VoiceClassifier, uar
from anxin.mind.speech.training import bootstrap_ci


def test_fusion_train_save_load_and_never_worse_than_voice(tmp_path: Path) -> None:
    train_all, test = load_emodb()
    train, dev = split_dev(train_all)
    assert len(train) + len(dev) == 369 and len(test) == 110
    assert not set(train.speakers) & set(test.speakers)
    voice = VoiceClassifier().fit(train.samples, train.labels, dev.samples, dev.labels)
    fusion = FusionClassifier(mode="auto").fit(train.samples, train.labels, dev.samples, dev.labels)
    voice_uar = uar(test.labels, voice.predict(test.samples))
    fused_uar = uar(test.labels, fusion.predict(test.samples))
    assert voice_uar > 0.6  # chance is 1/7
    assert fused_uar >= voice_uar - 1e-9
    fusion.save(tmp_path / "model")
    again = load_predictor(tmp_path / "model")
    assert isinstance(again, FusionClassifier)
    np.testing.assert_allclose(
        again.predict_proba(test.samples[:5]), fusion.predict_proba(test.samples[:5]), atol=1e-4
    )
    low, high = bootstrap_ci(test.labels, voice.predict(test.samples), uar, rounds=200)
    assert low < voice_uar < high


def test_late_fusion_uses_text_that_carries_the_label() -> None:
    rng = np.random.default_rng(0)
    labels = ["calm", "upset"] * 60
    samples = [
        {
            "features": rng.standard_normal(88),
            "text_scores": np.eye(7)[0 if lb == "calm" else 1] + rng.normal(0, 0.3, 7),
        }
        for lb in labels
    ]
    fusion = FusionClassifier(mode="late").fit(samples[:80], labels[:80], samples[80:100], labels[80:100])
    assert fusion.weight_ < 1.0
    assert uar(labels[100:], fusion.predict(samples[100:])) > 0.9


def test_cli_train_fusion_on_emodb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANXIN_HOME", str(tmp_path))
    done = CliRunner().invoke(
        app, ["mind", "train", "--task", "voice_emotion", "--backbone", "fusion", "--mode", "late"]
    )
    assert done.exit_code == 0, done.output
    (version,) = list((tmp_path / "models" / "voice_emotion").iterdir())
    metrics = json.loads((version / "metrics.json").read_text())["datasets"]["emodb_test"]
    assert metrics["late"]["uar"] >= metrics["voice"]["uar"]
    assert len(metrics["voice"]["uar_ci95"]) == 2


def test_cli_train_voice_from_an_operator_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any (audio, text, label) file: features come from the audio, text from the file."""
    import shutil
    import subprocess

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install -y espeak-ng)")
    monkeypatch.setenv("ANXIN_HOME", str(tmp_path / "home"))
    rows: dict[str, list[str]] = {"train": [], "dev": []}
    for split, voices in (("train", ("en-us", "en-gb")), ("dev", ("en-us+f3",))):
        for voice in voices:
            for n, (label, pitch) in enumerate((("low", 20), ("high", 80)) * 2):
                name = f"{split}-{voice}-{n}.wav"
                subprocess.run(
                    [
                        "espeak-ng",
                        "-v",
                        voice,
                        "-p",
                        str(pitch),
                        "-w",
                        str(tmp_path / name),
                        "I feel fine today.",
                    ],
                    check=True,
                )
                rows[split].append(f"{name},{label},I feel fine today.,{voice}")
    for split, lines in rows.items():
        (tmp_path / f"{split}.csv").write_text("audio,label,text,speaker\n" + "\n".join(lines) + "\n")
    done = CliRunner().invoke(
        app,
        ["mind", "train", "--task", "pitch", "--backbone", "voice", "--train", str(tmp_path / "train.csv"),
         "--dev", str(tmp_path / "dev.csv"), "--test", str(tmp_path / "dev.csv")],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    (version,) = list((tmp_path / "home" / "models" / "pitch").iterdir())
    metrics = json.loads((version / "metrics.json").read_text())["datasets"]["test"]["voice"]
    assert metrics["uar"] == 1.0  # pitch is exactly what eGeMAPS measures
