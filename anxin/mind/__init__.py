"""mind: emotion, stress and crisis-risk models for Chinese and English text.

Knows nothing of users or tables. ``screen(text)`` is the inline crisis check (rules + n-gram model);
``analyze(texts)`` runs every task's current model. Torch is imported only by the encoder and
finetune backends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anxin.mind.risk import RiskAssessment


def screen(text: str, language: str | None = None) -> RiskAssessment:
    from anxin.mind.service import screen as _screen

    return _screen(text, language)


def analyze(texts: list[str]) -> list[dict[str, Any]]:
    from anxin.mind.service import analyze as _analyze

    return _analyze(texts)


__all__ = ["analyze", "screen"]
