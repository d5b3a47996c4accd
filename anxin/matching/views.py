"""Reasons in the reader's language: vocabulary keys become their labels, then the reason's msgid
is translated with them."""

from __future__ import annotations

from anxin.core.i18n import gettext
from anxin.core.notify.templates import N_
from anxin.counselors import vocab
from anxin.matching.schemas import ReasonOut
from anxin.matching.scoring import Reason
from anxin.matching.service import Listed

PERIOD_LABELS = {
    "morning": N_("morning"),
    "afternoon": N_("afternoon"),
    "evening": N_("evening"),
    "weekend": N_("weekend"),
}
_VOCAB = {
    "language": vocab.LANGUAGES,
    "specialties": vocab.SPECIALTIES,
    "approach": vocab.APPROACHES,
    "modality": vocab.MODALITIES,
    "periods": PERIOD_LABELS,
}
_JOIN = {"zh-CN": "、", "en": ", "}


def reason_text(reason: Reason, locale: str) -> str:
    params = {}
    for name, value in reason.params.items():
        labels = _VOCAB.get(name, {})
        parts = [gettext(locale, labels.get(part, part)) for part in value.split(",")]
        params[name] = _JOIN.get(locale, ", ").join(parts)
    return gettext(locale, reason.message, **params)


def reasons_out(listed: Listed, locale: str) -> list[ReasonOut]:
    return [
        ReasonOut(code=r.code, points=r.points, text=reason_text(r, locale)) for r in listed.scored.reasons
    ]
