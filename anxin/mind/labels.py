"""Task label sets and how each data set's labels map into them (documented in docs/models.md)."""

from __future__ import annotations

TASK_LABELS: dict[str, tuple[str, ...]] = {
    "emotion": ("joy", "sadness", "anger", "fear", "surprise", "disgust", "neutral"),
    "stress": ("stress", "no_stress"),
    "risk": ("none", "low", "moderate", "high"),
}
RISK_LEVELS = TASK_LABELS["risk"]
# The risk models learn one extra class so aggression toward others is told apart from "none";
# it is folded into level "none" plus the flag reason ``harm_to_others``.
RISK_MODEL_CLASSES = (*RISK_LEVELS, "harm_to_others")

DAIR_EMOTION = {
    "joy": "joy",
    "love": "joy",
    "sadness": "sadness",
    "anger": "anger",
    "fear": "fear",
    "surprise": "surprise",
}
GOEMOTIONS_EKMAN = {  # ekman/labels.txt order
    0: "anger",
    1: "disgust",
    2: "fear",
    3: "joy",
    4: "neutral",
    5: "sadness",
    6: "surprise",
}
SMP2020 = {
    "happy": "joy",
    "angry": "anger",
    "sad": "sadness",
    "fear": "fear",
    "surprise": "surprise",
    "neutral": "neutral",
}
DREADDIT = {1: "stress", 0: "no_stress"}
# PsySUICIDE label vector index -> task label. Several labels on one text: the most severe wins,
# and aggression toward others wins over "none" only.
PSYSUICIDE = {
    0: "high",  # 自杀未遂 attempt
    1: "high",  # 自杀准备行为 preparation
    2: "high",  # 自杀计划 plan
    3: "high",  # 主动自杀意图 active ideation
    4: "moderate",  # 被动自杀意图 passive ideation
    5: "moderate",  # 自伤行为 self-harm behaviour
    6: "moderate",  # 自伤意图 self-harm ideation
    7: "harm_to_others",  # 用户攻击行为 the writer's aggression toward others
    8: "none",  # 他人攻击行为 others' aggression toward the writer (victim; not a risk label)
    9: "low",  # 关于自杀的探索 exploration / questions about suicide
    10: "none",  # 与自杀/自伤/攻击行为无关 unrelated
}
# SDCNL: r/SuicideWatch -> moderate (ideation of unknown severity, subreddit label), r/depression -> none
# (depression without a suicide label is not "any risk" by the test plan's definition).
SDCNL = {1: "moderate", 0: "none"}

_SEVERITY = {"none": 0, "harm_to_others": 1, "low": 2, "moderate": 3, "high": 4}


def most_severe(labels: list[str]) -> str:
    return max(labels, key=_SEVERITY.__getitem__)


def is_any_risk(label: str) -> bool:
    """The test plan's "any risk": attempt, preparation, plan, active/passive ideation, self-harm."""
    return label in ("moderate", "high")
