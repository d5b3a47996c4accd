"""Consent per purpose: versioned texts, an append-only history of grants and withdrawals.

``has_consent`` answers from the newest record of a subject and purpose: it must be a grant of a
version that still counts (the current one, or an earlier one the purpose accepts). Modules check
it before each use (e.g. before the emotion classifier runs), so a withdrawal takes effect at once;
they may also subscribe to the ``privacy.consent_withdrawn`` event to stop work already queued.

Guardians: accounts keeps who the guardian is (sealed name and contact, confirmation by code);
privacy records the fact of the guardian's consent under purpose ``guardian_consent`` with
``given_by="guardian"``, like every other consent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock, outbox
from anxin.core.logging import request_id_var
from anxin.privacy import audit, consent_texts
from anxin.privacy.models import ConsentRecord

Channel = Literal["web", "api", "cli"]
GivenBy = Literal["subject", "guardian"]
LOCALES = ("zh-CN", "en")
CHANNELS: frozenset[str] = frozenset({"web", "api", "cli"})
GIVERS: frozenset[str] = frozenset({"subject", "guardian"})

TERMS_AND_PRIVACY = "terms_and_privacy"
AI_RISK_SCREENING = "ai_risk_screening"
AI_EMOTION_ANALYSIS = "ai_emotion_analysis"
SHARE_MEASURES_WITH_COUNSELLOR = "share_measures_with_counsellor"
DEIDENTIFIED_MODEL_TRAINING = "deidentified_model_training"
CALL_RECORDING = "call_recording"
GUARDIAN_CONSENT = "guardian_consent"

EVENT_GRANTED = "privacy.consent_granted"
EVENT_WITHDRAWN = "privacy.consent_withdrawn"


def text_hash(purpose: str, version: int, texts: dict[str, str]) -> str:
    """SHA-256 of the purpose, version and every language's text (canonical JSON)."""
    payload = {"purpose": purpose, "version": version, "texts": {locale: texts[locale] for locale in LOCALES}}
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class Purpose:
    """A purpose people consent to; ``texts[version][locale]``; ``accepted`` = versions still valid."""

    key: str
    texts: dict[int, dict[str, str]]
    accepted_earlier: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for version, texts in self.texts.items():
            missing = set(LOCALES) - set(texts)
            if missing:
                raise ValueError(f"consent {self.key} v{version} lacks a text in {sorted(missing)}")

    @property
    def current_version(self) -> int:
        return max(self.texts)

    @property
    def accepted_versions(self) -> frozenset[int]:
        return self.accepted_earlier | {self.current_version}

    def text(self, locale: str, version: int | None = None) -> str:
        texts = self.texts[self.current_version if version is None else version]
        return texts.get(locale) or texts["en"]

    def hash(self, version: int | None = None) -> str:
        chosen = self.current_version if version is None else version
        return text_hash(self.key, chosen, self.texts[chosen])


PURPOSES: dict[str, Purpose] = {
    purpose.key: purpose
    for purpose in (
        Purpose(TERMS_AND_PRIVACY, {1: consent_texts.TERMS_AND_PRIVACY_V1}),
        Purpose(AI_RISK_SCREENING, {1: consent_texts.AI_RISK_SCREENING_V1}),
        Purpose(AI_EMOTION_ANALYSIS, {1: consent_texts.AI_EMOTION_ANALYSIS_V1}),
        Purpose(SHARE_MEASURES_WITH_COUNSELLOR, {1: consent_texts.SHARE_MEASURES_WITH_COUNSELLOR_V1}),
        Purpose(DEIDENTIFIED_MODEL_TRAINING, {1: consent_texts.DEIDENTIFIED_MODEL_TRAINING_V1}),
        Purpose(CALL_RECORDING, {1: consent_texts.CALL_RECORDING_V1}),
        Purpose(GUARDIAN_CONSENT, {1: consent_texts.GUARDIAN_CONSENT_V1}),
    )
}


def purpose(key: str) -> Purpose:
    try:
        return PURPOSES[key]
    except KeyError:
        raise ValueError(f"unknown consent purpose {key!r}; known: {sorted(PURPOSES)}") from None


def _check(channel: str, given_by: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"consent channel must be one of {sorted(CHANNELS)}, not {channel!r}")
    if given_by not in GIVERS:
        raise ValueError(f"consent given_by must be one of {sorted(GIVERS)}, not {given_by!r}")


async def _append(
    db: AsyncSession,
    subject_id: int,
    key: str,
    *,
    granted: bool,
    version: int | None,
    channel: str,
    given_by: str,
    request_id: str | None,
    actor_id: int | None,
) -> ConsentRecord:
    spec = purpose(key)
    _check(channel, given_by)
    chosen = spec.current_version if version is None else version
    if chosen not in spec.texts:
        raise ValueError(f"consent {key} has no version {chosen}")
    record = ConsentRecord(
        subject_id=subject_id,
        purpose=key,
        version=chosen,
        text_hash=spec.hash(chosen),
        granted=granted,
        given_by=given_by,
        channel=channel,
        at=clock.utcnow(),
        request_id=request_id if request_id is not None else request_id_var.get(),
        erased=False,
    )
    db.add(record)
    await db.flush()
    by_guardian = given_by == "guardian"
    await audit.record(
        db,
        action=EVENT_GRANTED if granted else EVENT_WITHDRAWN,
        actor_id=None if by_guardian else (actor_id if actor_id is not None else subject_id),
        actor_role="guardian" if by_guardian else None,
        object_type="consent",
        object_id=record.id,
        subject_id=subject_id,
        request_id=record.request_id,
        details={"purpose": key, "version": chosen, "channel": channel},
    )
    await outbox.emit(
        db, EVENT_GRANTED if granted else EVENT_WITHDRAWN, {"subject_id": subject_id, "purpose": key}
    )
    return record


async def grant(
    db: AsyncSession,
    subject_id: int,
    purpose_key: str,
    *,
    channel: Channel = "web",
    version: int | None = None,
    given_by: GivenBy = "subject",
    request_id: str | None = None,
    actor_id: int | None = None,
) -> ConsentRecord:
    """Record that the subject (or their guardian) agreed to ``version`` (default: current) of a purpose."""
    return await _append(
        db,
        subject_id,
        purpose_key,
        granted=True,
        version=version,
        channel=channel,
        given_by=given_by,
        request_id=request_id,
        actor_id=actor_id,
    )


async def withdraw(
    db: AsyncSession,
    subject_id: int,
    purpose_key: str,
    *,
    channel: Channel = "web",
    given_by: GivenBy = "subject",
    request_id: str | None = None,
    actor_id: int | None = None,
) -> ConsentRecord:
    """Record a withdrawal; ``has_consent`` is False from this transaction on."""
    return await _append(
        db,
        subject_id,
        purpose_key,
        granted=False,
        version=None,
        channel=channel,
        given_by=given_by,
        request_id=request_id,
        actor_id=actor_id,
    )


async def _latest(db: AsyncSession, subject_id: int, key: str) -> ConsentRecord | None:
    return await db.scalar(
        select(ConsentRecord)
        .where(ConsentRecord.subject_id == subject_id, ConsentRecord.purpose == key)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    )


async def has_consent(db: AsyncSession, subject_id: int, purpose_key: str) -> bool:
    """Whether the newest record is a grant of a version that still counts."""
    spec = purpose(purpose_key)
    latest = await _latest(db, subject_id, purpose_key)
    return latest is not None and latest.granted and latest.version in spec.accepted_versions


async def granted_among(db: AsyncSession, subject_id: int, purpose_keys: Sequence[str]) -> set[str]:
    """Which of ``purpose_keys`` the subject consents to now, in one query (a job that needs several
    answers per row asks once)."""
    rows = await db.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.subject_id == subject_id, ConsentRecord.purpose.in_(list(purpose_keys)))
        .order_by(ConsentRecord.id.desc())
    )
    newest: dict[str, ConsentRecord] = {}
    for row in rows:
        newest.setdefault(row.purpose, row)
    return {
        key
        for key, row in newest.items()
        if row.granted and row.version in purpose(key).accepted_versions
    }


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    granted: bool  # the consent counts now
    current_version: int
    version: int | None  # of the newest record
    at: datetime | None
    channel: str | None
    given_by: str | None
    needs_renewal: bool  # granted an earlier version that no longer counts: ask again


async def consent_status(db: AsyncSession, subject_id: int) -> list[ConsentState]:
    """One state per purpose, in the order of ``PURPOSES``."""
    rows = (
        await db.scalars(
            select(ConsentRecord).where(ConsentRecord.subject_id == subject_id).order_by(ConsentRecord.id)
        )
    ).all()
    latest = {row.purpose: row for row in rows}
    states: list[ConsentState] = []
    for key, spec in PURPOSES.items():
        row = latest.get(key)
        counts = row is not None and row.granted and row.version in spec.accepted_versions
        states.append(
            ConsentState(
                purpose=key,
                granted=counts,
                current_version=spec.current_version,
                version=None if row is None else row.version,
                at=None if row is None else clock.as_utc(row.at),
                channel=None if row is None else row.channel,
                given_by=None if row is None else row.given_by,
                needs_renewal=row is not None and row.granted and not counts,
            )
        )
    return states


async def history(db: AsyncSession, subject_id: int) -> list[ConsentRecord]:
    """Every record of the subject, oldest first (their export, an auditor's question)."""
    rows = await db.scalars(
        select(ConsentRecord).where(ConsentRecord.subject_id == subject_id).order_by(ConsentRecord.id)
    )
    return list(rows.all())
