"""The companion's service on SQLite and PostgreSQL: AI label, crisis mid-exercise, thought records,
heavy-use reminder, encryption at rest, export and erasure, the counsellor's summary."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from anxin.accounts.models import ROLE_COUNSELLOR
from anxin.companion import service
from anxin.companion.content import load
from anxin.companion.errors import CompanionForClients, ConversationNotFound, NothingToSave, SummaryNotShared
from anxin.companion.models import CompanionMessage
from anxin.core import clock, hooks
from anxin.core.db import Database
from anxin.privacy import consent, rights
from anxin.rooms import service as rooms
from tests.companion.support import make_person

CRISIS = {"en": "I want to kill myself tonight", "zh": "我不想活了，今晚就想结束一切"}


@pytest.fixture
def flags() -> list[hooks.TextWritten]:
    """A stand-in screening handler (safety's own, when registered, opens the real flag first)."""
    seen: list[hooks.TextWritten] = []

    async def handler(db: object, event: hooks.TextWritten) -> hooks.ScreenOutcome | None:
        if event.surface != "companion":
            return None
        seen.append(event)
        from anxin.mind import screen

        if screen(event.text).flag:
            return hooks.ScreenOutcome("high", show_resources=True, flag_id=4242)
        return hooks.ScreenOutcome("none")

    hooks.text_written.register(handler)
    yield seen
    hooks.text_written.unregister(handler)


async def test_a_conversation_opens_by_saying_it_is_an_ai(database: Database) -> None:
    person = await make_person(database)
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, person.user_id, "zh-CN")
        messages = await service.history(db, person.user_id, conversation.id)
    assert messages[0].is_ai and messages[0].kind == "intro"
    assert messages[0].text == load().line("intro", "zh") and "AI" in messages[0].text


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_crisis_sentence_mid_exercise_stops_it_and_raises_a_flag(
    database: Database, flags: list[hooks.TextWritten], lang: str
) -> None:
    person = await make_person(database)
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, person.user_id, "zh-CN" if lang == "zh" else "en")
        await service.start_exercise(db, person.user_id, conversation.id, "grounding")
        first = await service.post_message(db, person.user_id, conversation.id, "lamp, desk, window")
        assert first.exercise == "grounding" and not first.crisis
        exchange = await service.post_message(db, person.user_id, conversation.id, CRISIS[lang])
    assert exchange.crisis and exchange.flag_id is not None and exchange.risk_level in ("high", "imminent")
    assert exchange.exercise is None
    assert exchange.messages[-1].kind == "crisis" and exchange.messages[-1].text == load().line(
        "crisis", lang
    )
    assert [event.ref for event in flags] == [str(first.messages[0].id), str(exchange.messages[0].id)]
    async with database.transaction() as db:
        after = await service.post_message(db, person.user_id, conversation.id, "ok")
    assert after.exercise is None  # the exercise did not resume


async def test_the_companion_hands_over_even_without_a_screening_handler(database: Database) -> None:
    person = await make_person(database)
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, person.user_id, "en")
        await service.start_exercise(db, person.user_id, conversation.id, "breathing")
        exchange = await service.post_message(db, person.user_id, conversation.id, CRISIS["en"])
    assert exchange.crisis and exchange.exercise is None


async def test_a_finished_thought_record_can_be_saved_once(database: Database) -> None:
    person = await make_person(database)
    answers = [
        "a",
        "my manager will think my report is bad",
        "anxious 80",
        "b",
        "c",
        "maybe not",
        "anxious 40",
    ]
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, person.user_id, "en")
        await service.start_exercise(db, person.user_id, conversation.id, "thought_record")
        for answer in answers:
            exchange = await service.post_message(db, person.user_id, conversation.id, answer)
        assert exchange.completed == "thought_record" and exchange.offer_save
        await service.save_thought_record(db, person.user_id, conversation.id)
        with pytest.raises(NothingToSave):
            await service.save_thought_record(db, person.user_id, conversation.id)
        records = await service.thought_records(db, person.user_id)
    assert len(records) == 1 and records[0][1]["thought"] == answers[1]


async def test_heavy_use_reminder_comes_once(database: Database) -> None:
    person = await make_person(database)
    start = clock.utcnow()
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, person.user_id, "en")
    clock.freeze(start + timedelta(minutes=50))
    async with database.transaction() as db:
        first = await service.post_message(db, person.user_id, conversation.id, "hello")
        second = await service.post_message(db, person.user_id, conversation.id, "hello again")
    assert [m.kind for m in first.messages][-1] == "reminder"
    assert "reminder" not in [m.kind for m in second.messages]


async def test_only_clients_and_only_their_own_conversations(database: Database) -> None:
    client = await make_person(database)
    other = await make_person(database)
    counsellor = await make_person(database, ROLE_COUNSELLOR)
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, client.user_id, "en")
        with pytest.raises(CompanionForClients):
            await service.start_conversation(db, counsellor.user_id, "en")
        with pytest.raises(ConversationNotFound):
            await service.post_message(db, other.user_id, conversation.id, "hi")


async def test_messages_are_sealed_at_rest_and_exported_then_erased(database: Database) -> None:
    person = await make_person(database)
    canary = "CANARY-companion-7f3a"
    async with database.transaction() as db:
        conversation = await service.start_conversation(db, person.user_id, "en")
        await service.post_message(db, person.user_id, conversation.id, f"my note {canary}")
    async with database.transaction() as db:
        raw = (await db.execute(text("SELECT body_sealed FROM companion_messages"))).scalars().all()
        assert raw and all(canary.encode() not in bytes(blob) for blob in raw)
        archive = await rights.export_subject(db, person.user_id)
    import io
    import zipfile

    data = json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("data.json"))
    texts = [m["text"] for c in data["modules"]["companion"]["conversations"] for m in c["messages"]]
    assert any(canary in t for t in texts)
    async with database.transaction() as db:
        await rights.erase_subject(db, person.user_id)
    async with database.transaction() as db:
        assert (await db.scalars(select(CompanionMessage))).all() == []


async def test_the_counsellor_sees_counts_and_flags_only_with_consent(
    database: Database, flags: list[hooks.TextWritten]
) -> None:
    client = await make_person(database)
    counsellor = await make_person(database, ROLE_COUNSELLOR)
    async with database.transaction() as db:
        await rooms.open_room(db, client_id=client.user_id, counselor_id=counsellor.user_id)
        conversation = await service.start_conversation(db, client.user_id, "en")
        await service.post_message(db, client.user_id, conversation.id, CRISIS["en"])
        with pytest.raises(SummaryNotShared):
            await service.counsellor_summary(db, counsellor.user_id, client.user_id)
        await consent.grant(db, client.user_id, consent.SHARE_MEASURES_WITH_COUNSELLOR)
        summary = await service.counsellor_summary(db, counsellor.user_id, client.user_id)
    assert summary.conversations == 1 and summary.messages == 1
    assert summary.flags and summary.flags[0]["flag_id"] is not None
    assert CRISIS["en"] not in json.dumps(summary.__dict__)


async def test_a_minor_needs_a_guardians_consent(database: Database) -> None:
    from datetime import date

    from anxin.accounts import service as accounts
    from anxin.accounts.errors import GuardianConsentRequired

    person = await make_person(database)
    async with database.transaction() as db:
        user = await accounts.get_user(db, person.user_id)
        user.adult_on = date(clock.utcnow().year + 5, 1, 1)  # a minor for five more years
        await db.flush()
        with pytest.raises(GuardianConsentRequired):
            await service.start_conversation(db, person.user_id, "en")
