"""The dialogue manager: curated content, exercises as state machines, retrieval for open talk.

Pure and synchronous (no database, no network): the service feeds it the client's text, the
emotion ``mind`` read from it and the conversation's state, and stores what it answers. Crisis
handling happens before it is called; ``crisis`` only resets the state and picks the words.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from anxin.companion.content import Content, Exercise, Timer, lang_of
from anxin.companion.retrieval import Index, backend_for

STOP_WORDS = re.compile(
    r"(?i)^\s*(?:stop|cancel|quit|exit|end|enough|停|停止|停下|退出|取消|不做了|不想做了|结束)\W*\s*$"
)
YES_WORDS = re.compile(
    r"(?i)^\s*(?:yes|yeah|yep|ok|okay|sure|let'?s|please|好|好的|可以|行|嗯|来吧|试试|开始)\W*\s*$"
)
NEGATIVE_EMOTIONS = frozenset({"sadness", "fear", "anger", "disgust"})
LONG_SHARE_CHARS = 160


@dataclass
class State:
    exercise: str | None = None
    step: int = 0
    answers: dict[str, str] = field(default_factory=dict)
    offered: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> State:
        if not raw:
            return cls()
        return cls(
            raw.get("exercise"), int(raw.get("step", 0)), dict(raw.get("answers", {})), raw.get("offered")
        )


@dataclass
class Turn:
    text: str
    kind: str  # curated | reflection | exercise | completed | stopped | crisis | open
    state: State
    intent: str | None = None
    timer: Timer | None = None
    offer: str | None = None
    completed: str | None = None
    record: dict[str, str] | None = None
    offer_save: bool = False
    suggest_session: bool = False
    score: float | None = None


class Companion:
    def __init__(self, content: Content, embedder: str = "auto", threshold: float = 0.4) -> None:
        self.content = content
        self.threshold = threshold
        self._indexes: dict[str, Index] = {}
        self.embedder = embedder

    def index(self, lang: str) -> Index:
        if lang not in self._indexes:
            keys, texts = [], []
            for item in self.content.curated:
                for example in item.examples[lang]:
                    keys.append(item.id)
                    texts.append(example)
            self._indexes[lang] = Index(backend_for(self.embedder, lang), keys, texts)
        return self._indexes[lang]

    # ------------------------------------------------------------ exercises

    def start(self, key: str, lang: str) -> Turn:
        exercise = self.content.exercises[key]
        first = exercise.steps[0]
        return Turn(first.say(lang), "exercise", State(key, 0, {}), intent=key, timer=first.timer)

    def _advance(self, exercise: Exercise, state: State, text: str, lang: str) -> Turn:
        answered = exercise.steps[state.step]
        answers = dict(state.answers)
        if answered.field:
            answers[answered.field] = text.strip()
        nxt = state.step + 1
        step = exercise.steps[min(nxt, len(exercise.steps) - 1)]
        if step.end:
            record = answers if exercise.fields else None
            return Turn(
                step.say(lang),
                "completed",
                State(),
                intent=exercise.key,
                completed=exercise.key,
                record=record,
                offer_save=step.offer_save,
                suggest_session=step.offer_save,
            )
        return Turn(
            step.say(lang),
            "exercise",
            State(exercise.key, nxt, answers),
            intent=exercise.key,
            timer=step.timer,
        )

    def _triggered(self, text: str, lang: str) -> str | None:
        lowered = text.lower()
        for key, exercise in self.content.exercises.items():
            for other in (lang, "en" if lang == "zh" else "zh"):
                if any(trigger.lower() in lowered for trigger in exercise.triggers[other]):
                    return key
        return None

    # ------------------------------------------------------------ turns

    def crisis(self, lang: str) -> Turn:
        return Turn(self.content.line("crisis", lang), "crisis", State(), intent="crisis")

    def reply(self, state: State, text: str, locale_or_lang: str, emotion: str | None = None) -> Turn:
        lang = lang_of(locale_or_lang) if len(locale_or_lang) > 2 else locale_or_lang
        if state.exercise and state.exercise in self.content.exercises:
            if STOP_WORDS.match(text):
                return Turn(self.content.line("stopped", lang), "stopped", State(), intent="stop")
            return self._advance(self.content.exercises[state.exercise], state, text, lang)
        if state.offered and YES_WORDS.match(text):
            return self.start(state.offered, lang)
        triggered = self._triggered(text, lang)
        if triggered:
            return self.start(triggered, lang)
        hits = self.index(lang).search(text, k=1)
        threshold = self.threshold + self.index(lang).shift
        if hits and hits[0].score >= threshold:
            item = next(c for c in self.content.curated if c.id == hits[0].key)
            reply = item.reply(lang)
            if item.offer:
                reply += " " + self.content.line("offer_hint", lang).format(
                    title=self.content.exercises[item.offer].title(lang)
                )
            return Turn(
                reply,
                "curated",
                State(offered=item.offer),
                intent=item.intent,
                offer=item.offer,
                suggest_session=item.intent == "session_topic",
                score=hits[0].score,
            )
        reflection = self.content.reflections.get(emotion or "")
        parts = [reflection(lang)] if reflection else []
        parts.append(self.content.line("fallback", lang))
        suggest = bool(emotion in NEGATIVE_EMOTIONS and len(text) >= LONG_SHARE_CHARS)
        if suggest:
            parts.append(self.content.line("session_topic", lang))
        return Turn(
            " ".join(parts),
            "open",
            State(),
            intent="open",
            suggest_session=suggest,
            score=hits[0].score if hits else None,
        )
