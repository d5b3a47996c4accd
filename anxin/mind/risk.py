"""Risk level, ``flag`` and reasons from the lexicon and the risk model together.

The test plan's definition: ``flag`` means a human must look — level moderate or high, or any
high-risk rule hit, or harm to others. Thresholds come from the model's manifest (chosen on dev for
recall); rules can raise the level, never lower it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from anxin.mind.labels import RISK_LEVELS
from anxin.mind.lexicon import HIGH, MODERATE, OTHERS, scan

DEFAULT_THRESHOLDS = {"any": 0.5, "high": 0.5, "harm_to_others": 0.5}


@dataclass
class RiskAssessment:
    level: str
    flag: bool
    reasons: list[str]
    scores: dict[str, float]
    language: str
    model_version: str | None = None
    rule_hits: list[str] = field(default_factory=list)

    @property
    def any_risk_score(self) -> float:
        return self.scores.get("moderate", 0.0) + self.scores.get("high", 0.0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def level_scores(classes: list[str], proba: np.ndarray) -> dict[str, float]:
    """The model's probabilities folded onto the four levels (harm_to_others counts as none)."""
    scores = dict.fromkeys(RISK_LEVELS, 0.0)
    harm = 0.0
    for label, p in zip(classes, proba, strict=True):
        if label == "harm_to_others":
            harm = float(p)
            scores["none"] += float(p)
        elif label in scores:
            scores[label] += float(p)
    scores["harm_to_others"] = harm
    return scores


def assess(
    text: str,
    language: str,
    scores: dict[str, float] | None,
    thresholds: dict[str, float] | None = None,
    model_version: str | None = None,
) -> RiskAssessment:
    limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    hits = scan(text, language)
    categories = [h.category for h in hits]
    severities = {h.severity for h in hits}
    reasons: list[str] = list(categories)
    model = scores or dict.fromkeys((*RISK_LEVELS, "harm_to_others"), 0.0)
    any_score = model.get("moderate", 0.0) + model.get("high", 0.0)

    if HIGH in severities:
        level = "high"
    elif scores is not None and model.get("high", 0.0) >= limits["high"]:
        level = "high"
        reasons.append("model_high")
    elif scores is not None and any_score >= limits["any"]:
        level = "moderate"
        reasons.append("model_any_risk")
    elif MODERATE in severities:
        level = "moderate"
    elif scores is not None and model.get("low", 0.0) >= max(model.get("none", 0.0), 0.5):
        level = "low"
        reasons.append("model_low")
    else:
        level = "none"
    harm = OTHERS in severities or (
        scores is not None and model.get("harm_to_others", 0.0) >= limits["harm_to_others"]
    )
    if harm and "harm_to_others" not in reasons:
        reasons.append("harm_to_others")
    flag = level in ("moderate", "high") or HIGH in severities or harm
    public = {k: round(v, 4) for k, v in model.items() if k in RISK_LEVELS}
    return RiskAssessment(level, flag, reasons, public, language, model_version, categories)
