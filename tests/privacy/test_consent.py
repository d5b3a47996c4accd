"""Consent: grants and withdrawals per purpose, versioned texts, and an auditable history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anxin.core.db import Database
from anxin.privacy import consent
from anxin.privacy.consent import (
    AI_RISK_SCREENING,
    CALL_RECORDING,
    PURPOSES,
    Purpose,
    consent_status,
    grant,
    has_consent,
    withdraw,
)
from anxin.privacy.models import AuditEvent, ConsentRecord


def test_every_purpose_has_its_text_in_both_languages() -> None:
    assert set(PURPOSES) == {
        "terms_and_privacy",
        "ai_risk_screening",
        "ai_emotion_analysis",
        "share_measures_with_counsellor",
        "deidentified_model_training",
        "call_recording",
        "guardian_consent",
    }
    hashes = set()
    for spec in PURPOSES.values():
        for locale in consent.LOCALES:
            assert len(spec.text(locale)) > 100, (spec.key, locale)
        hashes.add(spec.hash())
    assert len(hashes) == len(PURPOSES)


def test_the_risk_screening_text_says_a_person_will_be_alerted() -> None:
    spec = PURPOSES[AI_RISK_SCREENING]
    assert "a real person" in spec.text("en") and "alerted" in spec.text("en")
    assert "通知一位真实的工作人员" in spec.text("zh-CN")
    assert "withdraw" in spec.text("en") and "撤回" in spec.text("zh-CN")


def test_a_text_hash_changes_with_any_word() -> None:
    spec = PURPOSES[CALL_RECORDING]
    edited = dict(spec.texts[1], en=spec.texts[1]["en"].replace("encrypted", "protected"))
    assert consent.text_hash(CALL_RECORDING, 1, edited) != spec.hash(1)


async def test_grant_then_withdraw(database: Database) -> None:
    async with database.transaction() as db:
        assert not await has_consent(db, 1, AI_RISK_SCREENING)
        record = await grant(db, 1, AI_RISK_SCREENING, channel="web", request_id="r1234567890")
        assert record.text_hash == PURPOSES[AI_RISK_SCREENING].hash()
        assert await has_consent(db, 1, AI_RISK_SCREENING)
        assert not await has_consent(db, 2, AI_RISK_SCREENING)  # per subject
        assert not await has_consent(db, 1, CALL_RECORDING)  # per purpose
        both = (AI_RISK_SCREENING, CALL_RECORDING)
        assert await consent.granted_among(db, 1, both) == {AI_RISK_SCREENING}
        await grant(db, 1, CALL_RECORDING, channel="web")
        assert await consent.granted_among(db, 1, both) == set(both)
        assert await consent.granted_among(db, 2, both) == set()
    async with database.transaction() as db:
        await withdraw(db, 1, AI_RISK_SCREENING, channel="api")
        assert not await has_consent(db, 1, AI_RISK_SCREENING)
        assert await consent.granted_among(db, 1, both) == {CALL_RECORDING}  # the newest record counts
        await grant(db, 1, AI_RISK_SCREENING, channel="cli")
        assert await has_consent(db, 1, AI_RISK_SCREENING)
    async with database.transaction(write=False) as db:
        history = [(r.granted, r.channel) for r in await consent.history(db, 1)]
        assert history == [(True, "web"), (True, "web"), (False, "api"), (True, "cli")]
        actions = (await db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq))).all()
        assert actions == [
            "privacy.consent_granted",
            "privacy.consent_granted",
            "privacy.consent_withdrawn",
            "privacy.consent_granted",
        ]


async def test_a_new_version_asks_again_unless_it_accepts_the_earlier_one(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = PURPOSES[CALL_RECORDING].texts[1]
    v2 = {locale: text + " (v2)" for locale, text in v1.items()}
    async with database.transaction() as db:
        await grant(db, 1, CALL_RECORDING)

    # A clarification that keeps earlier grants valid.
    monkeypatch.setitem(PURPOSES, CALL_RECORDING, Purpose(CALL_RECORDING, {1: v1, 2: v2}, frozenset({1})))
    async with database.transaction() as db:
        assert await has_consent(db, 1, CALL_RECORDING)

    # A material change: the v1 grant no longer counts until the person agrees to v2.
    monkeypatch.setitem(PURPOSES, CALL_RECORDING, Purpose(CALL_RECORDING, {1: v1, 2: v2}))
    async with database.transaction() as db:
        assert not await has_consent(db, 1, CALL_RECORDING)
        assert await consent.granted_among(db, 1, [CALL_RECORDING]) == set()
        state = {s.purpose: s for s in await consent_status(db, 1)}[CALL_RECORDING]
        assert (state.granted, state.needs_renewal, state.version, state.current_version) == (
            False,
            True,
            1,
            2,
        )
        record = await grant(db, 1, CALL_RECORDING)
        assert (record.version, record.text_hash) == (2, consent.text_hash(CALL_RECORDING, 2, v2))
        assert await has_consent(db, 1, CALL_RECORDING)
        with pytest.raises(ValueError, match="no version 3"):
            await grant(db, 1, CALL_RECORDING, version=3)


async def test_consent_status_lists_every_purpose(database: Database) -> None:
    async with database.transaction() as db:
        await grant(db, 5, consent.TERMS_AND_PRIVACY)
        await grant(db, 5, consent.GUARDIAN_CONSENT, given_by="guardian")
        states = await consent_status(db, 5)
    assert [s.purpose for s in states] == list(PURPOSES)
    by_purpose = {s.purpose: s for s in states}
    assert by_purpose[consent.TERMS_AND_PRIVACY].granted
    assert by_purpose[consent.GUARDIAN_CONSENT].given_by == "guardian"
    assert not by_purpose[AI_RISK_SCREENING].granted and by_purpose[AI_RISK_SCREENING].at is None


async def test_a_guardians_consent_is_audited_as_the_guardians(database: Database) -> None:
    async with database.transaction() as db:
        await grant(db, 9, consent.GUARDIAN_CONSENT, given_by="guardian")
        entry = (await db.scalars(select(AuditEvent))).one()
        assert (entry.actor_id, entry.actor_role, entry.subject_id) == (None, "guardian", 9)
        assert entry.details == {"purpose": "guardian_consent", "version": 1, "channel": "web"}


@pytest.mark.parametrize(
    ("purpose", "kwargs", "problem"),
    [
        ("marketing", {}, "unknown consent purpose"),
        (CALL_RECORDING, {"channel": "fax"}, "channel"),
        (CALL_RECORDING, {"given_by": "neighbour"}, "given_by"),
    ],
)
async def test_unknown_purposes_and_channels_are_refused(
    sqlite_url: str, purpose: str, kwargs: dict[str, str], problem: str
) -> None:
    database = Database(sqlite_url)
    try:
        async with database.transaction() as db:
            with pytest.raises(ValueError, match=problem):
                await grant(db, 1, purpose, **kwargs)  # type: ignore[arg-type]
            assert (await db.scalars(select(ConsentRecord))).all() == []
    finally:
        await database.dispose()
