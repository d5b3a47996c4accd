"""`anxin mind` output formats and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ANXIN = str(Path(sys.executable).with_name("anxin"))


def run(args: list[str], home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env["ANXIN_HOME"] = str(home)
    return subprocess.run(
        [ANXIN, "mind", *args], input=stdin, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_analyze_json(tmp_path: Path) -> None:
    result = run(["analyze", "我觉得活着没有意义，想结束一切", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["language"] == "zh" and answer["risk"]["flag"] is True
    assert {"label", "scores", "model_version"} <= set(answer["emotion"])


def test_predict_writes_one_json_line_per_input_line(tmp_path: Path) -> None:
    result = run(["predict", "--task", "risk"], tmp_path, stdin="I want to kill myself\n今天很开心\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    assert lines[0]["flag"] is True and lines[0]["reasons"] and lines[1]["flag"] is False
    assert set(lines[0]) >= {"label", "scores", "model_version", "flag", "reasons"}
    result = run(["predict", "--task", "emotion", "--labels", "joy,sadness"], tmp_path, stdin="so happy\n")
    assert set(json.loads(result.stdout)["scores"]) == {"joy", "sadness"}


def test_evaluate_prints_report_and_confusion_matrix(tmp_path: Path) -> None:
    data = tmp_path / "risk.jsonl"
    rows = [
        ("I want to kill myself", "high"),
        ("lovely weather", "none"),
        ("我不想活了", "high"),
        ("今天吃了火锅", "none"),
    ]
    data.write_text("".join(json.dumps({"text": t, "label": lb}) + "\n" for t, lb in rows))
    result = run(["evaluate", "--task", "risk", "--data", str(data)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "precision" in result.stdout and "confusion matrix" in result.stdout
    assert '"recall_any_risk": 1.0' in result.stdout and "pr_auc_any_risk" in result.stdout


def test_errors_are_one_line_and_non_zero(tmp_path: Path) -> None:
    for args in (
        ["predict", "--task", "nope"],
        ["promote", "risk", "missing-version"],
        ["evaluate", "--task", "risk", "--data", str(tmp_path / "none.csv")],
        ["train", "--task", "emotion", "--data-dir", str(tmp_path / "absent")],
    ):
        result = run(args, tmp_path)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr and result.stderr.startswith("error:"), result.stderr


def test_custom_task_trains_and_predicts(tmp_path: Path) -> None:
    train = tmp_path / "train.csv"
    dev = tmp_path / "dev.csv"
    rows = (
        ["text,label"]
        + [f"refund my order {i},billing" for i in range(6)]
        + [f"cannot log in {i},account" for i in range(6)]
    )
    train.write_text("\n".join(rows) + "\n")
    dev.write_text("text,label\nrefund please,billing\nlog in fails,account\n")
    result = run(["train", "--task", "intents", "--train", str(train), "--dev", str(dev)], tmp_path)
    assert result.returncode == 0, result.stderr
    version = result.stdout.split("saved intents ")[1].split()[0]
    assert run(["promote", "intents", version], tmp_path).returncode == 0
    answer = json.loads(run(["predict", "--task", "intents"], tmp_path, stdin="I want a refund\n").stdout)
    assert answer["label"] == "billing" and answer["model_version"] == version
