"""The curated, bilingual content the companion and the help assistant speak from (``data/*.json``).

Content is data written for this project, not code: exercises are lists of steps, curated replies
carry example phrasings for retrieval, help articles carry the questions they answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
LANGS = ("en", "zh")


def lang_of(locale: str | None) -> str:
    return "zh" if (locale or "").lower().startswith("zh") else "en"


@dataclass(frozen=True)
class Text:
    en: str
    zh: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @classmethod
    def of(cls, raw: dict[str, str]) -> Text:
        if not raw.get("en") or not raw.get("zh"):
            raise ValueError(f"content needs both languages: {raw!r}")
        return cls(raw["en"], raw["zh"])


@dataclass(frozen=True)
class Timer:
    inhale: int
    hold: int
    exhale: int
    cycles: int


@dataclass(frozen=True)
class Step:
    say: Text
    field: str | None = None
    timer: Timer | None = None
    end: bool = False
    offer_save: bool = False


@dataclass(frozen=True)
class Exercise:
    key: str
    title: Text
    summary: Text
    triggers: dict[str, tuple[str, ...]]
    steps: tuple[Step, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(step.field for step in self.steps if step.field)


@dataclass(frozen=True)
class Curated:
    id: str
    intent: str
    examples: dict[str, tuple[str, ...]]
    reply: Text
    offer: str | None = None


@dataclass(frozen=True)
class HelpArticle:
    slug: str
    title: Text
    body: Text
    questions: dict[str, tuple[str, ...]]
    link: str


@dataclass(frozen=True)
class Content:
    exercises: dict[str, Exercise]
    curated: tuple[Curated, ...]
    lines: dict[str, Text]
    reflections: dict[str, Text]
    help: tuple[HelpArticle, ...] = field(default_factory=tuple)

    def line(self, key: str, lang: str) -> str:
        return self.lines[key](lang)


def _by_lang(raw: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {lang: tuple(raw.get(lang, ())) for lang in LANGS}


def _exercise(key: str, raw: dict[str, Any]) -> Exercise:
    steps = []
    for step in raw["steps"]:
        timer = Timer(**step["timer"]) if step.get("timer") else None
        steps.append(
            Step(
                Text.of(step["say"]),
                step.get("field"),
                timer,
                bool(step.get("end")),
                bool(step.get("offer_save")),
            )
        )
    if not steps or not steps[-1].end:
        raise ValueError(f"exercise {key} must end with a closing step")
    return Exercise(
        key, Text.of(raw["title"]), Text.of(raw["summary"]), _by_lang(raw["triggers"]), tuple(steps)
    )


@lru_cache(maxsize=1)
def load() -> Content:
    exercises_raw = json.loads((DATA / "exercises.json").read_text("utf-8"))
    responses = json.loads((DATA / "responses.json").read_text("utf-8"))
    help_raw = json.loads((DATA / "help.json").read_text("utf-8"))
    exercises = {key: _exercise(key, raw) for key, raw in exercises_raw.items()}
    curated = tuple(
        Curated(r["id"], r["intent"], _by_lang(r["examples"]), Text.of(r["reply"]), r.get("offer"))
        for r in responses["curated"]
    )
    for item in curated:
        if item.offer and item.offer not in exercises:
            raise ValueError(f"curated reply {item.id} offers unknown exercise {item.offer}")
    lines = {key: Text.of(value) for key, value in responses.items() if key not in ("curated", "reflections")}
    reflections = {key: Text.of(value) for key, value in responses["reflections"].items()}
    articles = tuple(
        HelpArticle(a["slug"], Text.of(a["title"]), Text.of(a["body"]), _by_lang(a["questions"]), a["link"])
        for a in help_raw
    )
    return Content(exercises, curated, lines, reflections, articles)
