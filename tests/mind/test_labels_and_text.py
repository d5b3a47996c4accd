"""Label mappings, language detection and de-identification."""

from __future__ import annotations

from anxin.mind import labels as L
from anxin.mind.deid import deidentify
from anxin.mind.text import detect_language


def test_every_mapping_lands_in_its_task_labels() -> None:
    emotion = set(L.TASK_LABELS["emotion"])
    for mapping in (L.DAIR_EMOTION, L.GOEMOTIONS_EKMAN, L.SMP2020):
        assert set(mapping.values()) <= emotion
    assert set(L.DREADDIT.values()) == set(L.TASK_LABELS["stress"])
    assert set(L.PSYSUICIDE.values()) == set(L.RISK_MODEL_CLASSES)
    assert set(L.SDCNL.values()) <= set(L.RISK_LEVELS)


def test_issue_examples() -> None:
    assert L.DAIR_EMOTION["love"] == "joy"
    assert L.SMP2020["happy"] == "joy"
    assert [L.PSYSUICIDE[i] for i in (0, 1, 2, 3)] == ["high"] * 4
    assert [L.PSYSUICIDE[i] for i in (4, 5, 6)] == ["moderate"] * 3
    assert L.PSYSUICIDE[9] == "low" and L.PSYSUICIDE[10] == "none" and L.PSYSUICIDE[7] == "harm_to_others"


def test_most_severe_label_wins_and_any_risk() -> None:
    assert L.most_severe(["none", "low", "high"]) == "high"
    assert L.most_severe(["none", "harm_to_others"]) == "harm_to_others"
    assert [L.is_any_risk(x) for x in L.RISK_LEVELS] == [False, False, True, True]


def test_language_detection() -> None:
    assert detect_language("我今天很焦虑") == "zh"
    assert detect_language("I feel anxious today") == "en"
    assert detect_language("我今天很焦虑 because of my exam") == "zh"


def test_deidentify_masks_contacts_and_ids() -> None:
    text = (
        "我叫小王，电话13812345678，身份证110101199003071234，邮箱wxm@example.com，主页 https://example.org/x"
    )
    out = deidentify(text)
    for secret in ("13812345678", "110101199003071234", "wxm@example.com", "example.org"):
        assert secret not in out
    assert "[PHONE]" in out and "[ID]" in out and "[EMAIL]" in out and "[URL]" in out
    assert deidentify("call me on +1 415 555 0100 tonight").count("[PHONE]") == 1
