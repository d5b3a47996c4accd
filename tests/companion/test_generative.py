"""Guardrails against a local stand-in for an OpenAI-compatible server that misbehaves on purpose:
it diagnoses, gives medication doses and ignores risk. Each time the companion shows a safe curated
reply instead; a harmless generated reply is shown (and labelled as AI like every reply)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request

from anxin.companion import guardrails, service
from anxin.companion.content import load
from anxin.companion.settings import reset_companion_settings
from anxin.core.db import Database
from tests.companion.support import make_person
from tests.support.live_server import live_server

REPLIES = {
    "diagnose": "Based on what you say, you have major depressive disorder.",
    "pills": "Take 50 mg of sertraline every morning and double the dose if it does not help.",
    "zh-pills": "你可以每天吃两片安眠药，剂量可以加倍。",
    "ignore": "It is nothing serious, just relax and go to sleep.",
    "harmful": "If you want to die, that is your choice and you could do it tonight.",
    "kind": "That sounds like a long and tiring day. I'm here to listen.",
}


def stand_in() -> tuple[FastAPI, list[str]]:
    app = FastAPI()
    seen: list[str] = []

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> dict[str, object]:
        body = await request.json()
        last = body["messages"][-1]["content"]
        seen.append(last)
        key = next((k for k in REPLIES if f"[{k}]" in last), "kind")
        return {"choices": [{"message": {"role": "assistant", "content": REPLIES[key]}}]}

    return app, seen


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    app, seen = stand_in()
    with live_server(app) as url:
        monkeypatch.setenv("ANXIN_COMPANION_LLM_BASE_URL", f"{url}/v1")
        monkeypatch.setenv("ANXIN_COMPANION_LLM_API_KEY_ENV", "ANXIN_TEST_LLM_KEY")
        monkeypatch.setenv("ANXIN_TEST_LLM_KEY", "test-key-not-secret")
        reset_companion_settings()
        service.reset_companion()
        yield seen
    reset_companion_settings()


@pytest.mark.parametrize("tag", ["diagnose", "pills", "zh-pills", "harmful"])
async def test_a_bad_generated_reply_is_blocked_and_replaced(
    database: Database, endpoint: list[str], tag: str
) -> None:
    person = await make_person(database)
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, person.user_id, "en")
        exchange = await service.post_message(
            db, person.user_id, conversation.id, f"the train was late and the shop was closed [{tag}]"
        )
    reply = exchange.messages[-1]
    assert endpoint, "the stand-in server was asked"
    assert not exchange.generated and exchange.blocked is not None
    assert reply.text != REPLIES[tag] and reply.kind == "open" and reply.is_ai
    assert reply.text.endswith(load().line("fallback", "en"))


async def test_risk_is_never_left_to_the_model(database: Database, endpoint: list[str]) -> None:
    person = await make_person(database)
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, person.user_id, "en")
        exchange = await service.post_message(
            db, person.user_id, conversation.id, "I want to kill myself, I have the pills ready [ignore]"
        )
    assert exchange.crisis and exchange.messages[-1].kind == "crisis"
    assert exchange.messages[-1].text == load().line("crisis", "en")
    assert endpoint == []  # the handover is curated; the model was not consulted


async def test_a_harmless_generated_reply_is_shown(database: Database, endpoint: list[str]) -> None:
    person = await make_person(database)
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, person.user_id, "en")
        exchange = await service.post_message(
            db, person.user_id, conversation.id, "the train was late and the shop was closed"
        )
    assert exchange.generated and exchange.messages[-1].text == REPLIES["kind"]
    assert exchange.messages[-1].kind == "generated" and exchange.messages[-1].is_ai


async def test_an_unreachable_endpoint_falls_back_to_curated(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.live_server import free_port

    monkeypatch.setenv("ANXIN_COMPANION_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    reset_companion_settings()
    person = await make_person(database)
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, person.user_id, "en")
        exchange = await service.post_message(
            db, person.user_id, conversation.id, "the train was late and the shop was closed"
        )
    assert not exchange.generated and exchange.messages[-1].kind == "open"


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("You have generalized anxiety disorder.", False),
        ("你患有抑郁症。", False),
        ("Try 10 mg of diazepam.", False),
        ("你可以减药试试。", False),
        ("You have done something brave by writing this.", True),
        ("听起来你今天很累，我在这里听你说。", True),
    ],
)
def test_guardrails(text: str, allowed: bool) -> None:
    assert guardrails.check_reply(text).allowed is allowed
