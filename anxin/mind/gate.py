"""The promote gate: regression sets that only grow, and the rule that no model makes them worse.

*must-catch*: risky texts found in review that must be flagged. *hard negatives*: texts that only
sound alarming and must not be flagged. The package ships an initial de-identified set in both
languages; operators add reviewed cases under ``$ANXIN_HOME/models/regression/`` (same JSONL format,
``{"text": ..., "lang": "zh"|"en"}``); both files are read and the union is used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from anxin.mind.registry import TaskModel, models_home
from anxin.mind.service import risk_batch
from anxin.mind.text import detect_language

SHIPPED_SETS = Path(__file__).resolve().parent / "data" / "regression"
SETS = ("must_catch", "hard_negatives")


class PromotionRefused(RuntimeError):
    """The candidate would make a regression set worse."""


def regression_set(name: str) -> list[str]:
    texts: list[str] = []
    for root in (SHIPPED_SETS, models_home() / "regression"):
        path = root / f"{name}.jsonl"
        if path.is_file():
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    texts.append(str(json.loads(line)["text"]))
    return list(dict.fromkeys(texts))


@dataclass(frozen=True)
class GateResult:
    must_catch_total: int
    must_catch_caught: int
    hard_negative_total: int
    hard_negative_false_alarms: int

    @property
    def recall(self) -> float:
        return self.must_catch_caught / self.must_catch_total if self.must_catch_total else 1.0


def run_gate(model: TaskModel | None) -> GateResult:
    must = regression_set("must_catch")
    negatives = regression_set("hard_negatives")
    caught = risk_batch(must, model, [detect_language(t) for t in must])
    alarms = risk_batch(negatives, model, [detect_language(t) for t in negatives])
    return GateResult(len(must), sum(a.flag for a in caught), len(negatives), sum(a.flag for a in alarms))


def check_promotion(candidate: TaskModel, current: TaskModel | None) -> tuple[GateResult, GateResult | None]:
    """Raise PromotionRefused when the candidate lowers must-catch recall or adds false alarms."""
    new = run_gate(candidate)
    if current is None:
        return new, None
    old = run_gate(current)
    problems = []
    if new.must_catch_caught < old.must_catch_caught:
        problems.append(
            f"must-catch recall drops from {old.must_catch_caught}/{old.must_catch_total} "
            f"to {new.must_catch_caught}/{new.must_catch_total}"
        )
    if new.hard_negative_false_alarms > old.hard_negative_false_alarms:
        problems.append(
            f"false alarms on hard negatives rise from {old.hard_negative_false_alarms} "
            f"to {new.hard_negative_false_alarms} of {new.hard_negative_total}"
        )
    if problems:
        raise PromotionRefused("; ".join(problems))
    return new, old
