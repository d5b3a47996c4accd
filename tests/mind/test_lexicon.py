"""Risk rules: real risk is caught in both languages; idioms and negations do not raise alarms."""

from __future__ import annotations

import pytest

from anxin.mind.gate import regression_set
from anxin.mind.lexicon import scan
from anxin.mind.risk import assess
from anxin.mind.text import detect_language


@pytest.mark.parametrize("text", regression_set("must_catch"))
def test_must_catch_is_flagged_by_rules_alone(text: str) -> None:
    assert assess(text, detect_language(text), None).flag


@pytest.mark.parametrize("text", regression_set("hard_negatives"))
def test_hard_negatives_raise_no_rule_alarm(text: str) -> None:
    assert scan(text, detect_language(text)) == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("我已经写好遗书了", "farewell"),
        ("准备好了安眠药", "method"),
        ("I'm planning to kill myself on Friday", "plan"),
        ("I keep cutting myself", "self_harm"),
        ("我真想杀了他", "harm_to_others"),
        ("I'm going to hurt him", "harm_to_others"),
    ],
)
def test_categories(text: str, category: str) -> None:
    assert category in {h.category for h in scan(text, detect_language(text))}


@pytest.mark.parametrize(
    "text", ["我从来没想过自杀", "我不会自杀的", "I would never kill myself", "I don't want to die"]
)
def test_negated_ideation_is_not_a_hit(text: str) -> None:
    assert scan(text, detect_language(text)) == []


def test_idiom_does_not_hide_a_real_risk_in_the_same_text() -> None:
    hits = {h.category for h in scan("累死了，真的不想活了", "zh")}
    assert "active_ideation" in hits


def test_harm_to_others_flags_without_raising_the_suicide_level() -> None:
    result = assess("I'm going to hurt him when he gets home", "en", None)
    assert result.flag and "harm_to_others" in result.reasons and result.level == "none"


def test_reasons_name_categories_not_words() -> None:
    result = assess("我打算吃安眠药结束生命", "zh", None)
    assert result.level == "high" and result.flag
    assert all("安眠药" not in reason for reason in result.reasons)
