"""The one scoring function: answers in, score, band and risk out. Pure: no database, no clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from anxin.assessments.errors import AnswerOutOfRange, IncompleteAnswers
from anxin.assessments.instruments import Band, Instrument

Answers = Sequence[object] | Mapping[int, object]


@dataclass(frozen=True, slots=True)
class Risk:
    level: str  # "moderate" | "high"
    reason: str


@dataclass(frozen=True, slots=True)
class Result:
    instrument: str
    version: int
    answers: tuple[int, ...]
    raw: int  # sum of the answers
    score: int  # the reported score (raw × multiplier)
    band: Band
    risk: Risk | None


def _as_list(instrument: Instrument, answers: Answers) -> list[object]:
    count = len(instrument.items)
    if isinstance(answers, Mapping):
        return [answers.get(number) for number in range(1, count + 1)]
    values = list(answers)
    if len(values) > count:
        raise AnswerOutOfRange("This questionnaire has only {count} questions.", params={"count": count})
    return values + [None] * (count - len(values))


def score(instrument: Instrument, answers: Answers) -> Result:
    """Score a complete set of answers (a list in item order, or ``{item number: value}``).

    Raises ``IncompleteAnswers`` naming the unanswered items and ``AnswerOutOfRange`` for a value
    that is not one of the instrument's options (booleans and text are not answers).
    """
    values = _as_list(instrument, answers)
    missing = [str(number) for number, value in enumerate(values, start=1) if value is None]
    if missing:
        raise IncompleteAnswers(params={"items": ", ".join(missing)})
    checked: list[int] = []
    for number, value in enumerate(values, start=1):
        if isinstance(value, bool) or not isinstance(value, int) or value not in instrument.values:
            raise AnswerOutOfRange(params={"item": number})
        checked.append(value)
    raw = sum(checked)
    total = raw * instrument.multiplier
    risk = None
    rule = instrument.risk
    if rule is not None and checked[rule.item - 1] > 0:
        level = "high" if checked[rule.item - 1] >= rule.high_from else "moderate"
        risk = Risk(level, rule.reason)
    return Result(
        instrument.code, instrument.version, tuple(checked), raw, total, instrument.band_for(total), risk
    )
