"""Scoring of every instrument against hand-computed cases at each band edge, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anxin.assessments.errors import AnswerOutOfRange, IncompleteAnswers, UnknownInstrument
from anxin.assessments.instruments import GAD7, INSTRUMENTS, PHQ9, WHO5, Instrument, instrument
from anxin.assessments.scoring import score


def answers_summing_to(spec: Instrument, raw: int) -> list[int]:
    """Answers in item order that add up to ``raw`` (fill items from the first)."""
    top = max(spec.values)
    values = []
    for _ in spec.items:
        take = min(top, raw)
        values.append(take)
        raw -= take
    assert raw == 0
    return values


# (instrument, raw total, reported score, band) at every band edge, computed by hand.
EDGES = [
    (PHQ9, 0, 0, "minimal"),
    (PHQ9, 4, 4, "minimal"),
    (PHQ9, 5, 5, "mild"),
    (PHQ9, 9, 9, "mild"),
    (PHQ9, 10, 10, "moderate"),
    (PHQ9, 14, 14, "moderate"),
    (PHQ9, 15, 15, "moderately_severe"),
    (PHQ9, 19, 19, "moderately_severe"),
    (PHQ9, 20, 20, "severe"),
    (PHQ9, 27, 27, "severe"),
    (GAD7, 0, 0, "minimal"),
    (GAD7, 4, 4, "minimal"),
    (GAD7, 5, 5, "mild"),
    (GAD7, 9, 9, "mild"),
    (GAD7, 10, 10, "moderate"),
    (GAD7, 14, 14, "moderate"),
    (GAD7, 15, 15, "severe"),
    (GAD7, 21, 21, "severe"),
    # WHO-5: percentage = raw × 4; below 50 is low, 28 or less very low.
    (WHO5, 0, 0, "very_low"),
    (WHO5, 7, 28, "very_low"),
    (WHO5, 8, 32, "low"),
    (WHO5, 12, 48, "low"),
    (WHO5, 13, 52, "good"),
    (WHO5, 25, 100, "good"),
]


@pytest.mark.parametrize(("spec", "raw", "expected", "band"), EDGES, ids=lambda v: getattr(v, "code", v))
def test_band_edges(spec: Instrument, raw: int, expected: int, band: str) -> None:
    result = score(spec, answers_summing_to(spec, raw))
    assert (result.raw, result.score, result.band.code) == (raw, expected, band)


def test_a_mixed_phq9_by_hand() -> None:
    # 1+2+0+3+1+0+2+1+0 = 10 → moderate, item 9 = 0 → no risk.
    result = score(PHQ9, [1, 2, 0, 3, 1, 0, 2, 1, 0])
    assert (result.score, result.band.code, result.risk) == (10, "moderate", None)


def test_phq9_item9_always_indicates_risk() -> None:
    one = score(PHQ9, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert one.band.code == "minimal" and one.risk is not None
    assert (one.risk.level, one.risk.reason) == ("moderate", "phq9_item9")
    for value in (2, 3):
        high = score(PHQ9, [0] * 8 + [value])
        assert high.risk is not None and high.risk.level == "high"
    assert score(GAD7, [3] * 7).risk is None


def test_answers_by_item_number() -> None:
    assert score(GAD7, {n: 1 for n in range(1, 8)}).score == 7


def test_incomplete_answers_name_the_missing_items() -> None:
    with pytest.raises(IncompleteAnswers) as caught:
        score(PHQ9, [1, 1, 1])
    assert caught.value.status_code == 422
    assert caught.value.params == {"items": "4, 5, 6, 7, 8, 9"}
    with pytest.raises(IncompleteAnswers):
        score(GAD7, {1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 7: 0})


@pytest.mark.parametrize("bad", [4, -1, True, "2", 1.5, None])
def test_out_of_range_or_wrong_type_is_refused(bad: object) -> None:
    answers: list[object] = [0] * 9
    answers[3] = bad
    error = IncompleteAnswers if bad is None else AnswerOutOfRange
    with pytest.raises(error):
        score(PHQ9, answers)
    with pytest.raises(AnswerOutOfRange):
        score(WHO5, [6, 0, 0, 0, 0])
    with pytest.raises(AnswerOutOfRange):
        score(GAD7, [0] * 8)


def test_unknown_instrument() -> None:
    with pytest.raises(UnknownInstrument):
        instrument("pss10")


def test_instruments_are_complete_data() -> None:
    for spec in INSTRUMENTS.values():
        assert spec.licence
        assert all(item.en and item.zh for item in spec.items)
        assert all(option.label.en and option.label.zh for option in spec.options)
        # Bands cover every reachable score exactly once, each with words in both languages.
        for total in range(0, spec.score_max + 1, spec.multiplier):
            assert sum(band.low <= total <= band.high for band in spec.bands) == 1
        for band in spec.bands:
            assert band.meaning.en and band.meaning.zh and "diagnosis" in band.meaning.en
            assert "诊断" in band.meaning.zh


@given(st.data())
def test_totals_stay_in_range(data: st.DataObject) -> None:
    spec = data.draw(st.sampled_from(list(INSTRUMENTS.values())))
    values = sorted(spec.values)
    answers = data.draw(st.lists(st.sampled_from(values), min_size=len(spec.items), max_size=len(spec.items)))
    result = score(spec, answers)
    assert 0 <= result.raw <= spec.raw_max
    assert 0 <= result.score <= spec.score_max
    assert result.score == sum(answers) * spec.multiplier
    assert result.band.low <= result.score <= result.band.high
    assert (result.risk is not None) == (spec.risk is not None and answers[spec.risk.item - 1] > 0)


@given(st.lists(st.integers(min_value=-5, max_value=8), min_size=9, max_size=9))
def test_any_invalid_value_is_refused_never_scored(answers: list[int]) -> None:
    if all(0 <= value <= 3 for value in answers):
        assert 0 <= score(PHQ9, answers).score <= 27
    else:
        with pytest.raises(AnswerOutOfRange):
            score(PHQ9, answers)
