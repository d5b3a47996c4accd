"""The audit log: append-only, hash-chained, written in the caller's transaction.

Each entry stores ``prev_hash`` (the previous entry's hash; 64 zeros for the first) and
``hash = SHA-256(prev_hash ‖ canonical_json(entry))``, where ``prev_hash`` is the lower-case hex
text and ``canonical_json`` is the entry's fields (``seq``, ``at``, ``actor_id``, ``actor_role``,
``action``, ``object_type``, ``object_id``, ``subject_id``, ``outcome``, ``request_id``,
``details``) as UTF-8 JSON with sorted keys, no spaces, and ``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.
The one-row ``audit_head`` table names the newest entry; appends lock it (``FOR UPDATE`` on
PostgreSQL; SQLite writers are already serialised by ``BEGIN IMMEDIATE``), and ``prev_hash`` is
unique, so the chain can never fork. ``verify_chain`` recomputes everything and names the first
broken entry; the head copied off-site daily (``export_head``) also catches a rewritten tail.

Entries hold ids, names of actions and short codes, never personal content and no IP address: a
hash of an IPv4 address is reversed by trying all 2³² of them, and the request id already links an
entry to the short-lived access logs of the reverse proxy when an investigation needs it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock
from anxin.core.logging import request_id_var
from anxin.privacy.models import GENESIS_HASH, AuditEvent, AuditHead

HEAD_ID = 1
DetailValue = str | int | bool | None

_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_DETAIL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MAX_DETAILS = 12
_MAX_DETAIL_TEXT = 80
# Keys that would invite personal content into an entry; refused outright.
_FORBIDDEN_DETAIL_KEYS = frozenset(
    {
        "text",
        "body",
        "content",
        "message",
        "note",
        "notes",
        "email",
        "phone",
        "name",
        "address",
        "ip",
        "password",
        "code",
        "answer",
        "answers",
        "birth_date",
        "contact",
    }
)


def _iso(at: datetime) -> str:
    return clock.as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _entry_of(row: AuditEvent) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": _iso(row.at),
        "actor_id": row.actor_id,
        "actor_role": row.actor_role,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "subject_id": row.subject_id,
        "outcome": row.outcome,
        "request_id": row.request_id,
        "details": row.details,
    }


def entry_hash(prev_hash: str, row: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(_entry_of(row))).hexdigest()


def _checked_details(details: dict[str, Any] | None) -> dict[str, DetailValue] | None:
    if not details:
        return None
    if len(details) > _MAX_DETAILS:
        raise ValueError(f"audit details take at most {_MAX_DETAILS} items")
    checked: dict[str, DetailValue] = {}
    for key, value in details.items():
        if not _DETAIL_KEY.match(key) or key in _FORBIDDEN_DETAIL_KEYS:
            raise ValueError(f"audit details carry ids and codes, not personal content (key {key!r})")
        if isinstance(value, str) and len(value) > _MAX_DETAIL_TEXT:
            raise ValueError(f"audit detail {key!r} is too long for a code or id")
        if not isinstance(value, str | int | bool | type(None)) or isinstance(value, float):
            raise ValueError(f"audit detail {key!r} must be a string, integer, boolean or null")
        checked[key] = value
    return checked


async def record(
    db: AsyncSession,
    *,
    action: str,
    actor_id: int | None = None,
    actor_role: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    subject_id: int | None = None,
    outcome: str = "success",
    request_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an entry in the caller's transaction (it commits or rolls back with the access).

    ``action`` is ``"<module>.<verb>"`` (e.g. ``"rooms.message_read"``); ``subject_id`` is the
    person whose data it is; ``request_id`` defaults to the current request's. ``details`` takes
    a few short codes or ids, never personal content.
    """
    if not _ACTION.match(action):
        raise ValueError(f"audit action must look like 'module.verb', not {action!r}")
    if not _CODE.match(outcome):
        raise ValueError(f"audit outcome must be a short code like 'success', not {outcome!r}")
    if actor_role is not None and not _CODE.match(actor_role):
        raise ValueError(f"audit actor_role must be a short code, not {actor_role!r}")
    if object_type is not None and not _CODE.match(object_type):
        raise ValueError(f"audit object_type must be a short code, not {object_type!r}")
    head = await db.scalar(
        select(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if head is None:
        raise RuntimeError("the audit_head row is missing; the privacy migrations did not run")
    row = AuditEvent(
        seq=head.seq + 1,
        at=clock.utcnow(),
        actor_id=actor_id,
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:80],
        subject_id=subject_id,
        outcome=outcome,
        request_id=request_id if request_id is not None else request_id_var.get(),
        details=_checked_details(details),
        prev_hash=head.hash,
    )
    row.hash = entry_hash(head.hash, row)
    db.add(row)
    head.seq, head.hash = row.seq, row.hash
    await db.flush()
    return row


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class HeadCopy:
    """The chain's newest entry, as copied off-site: a later chain must still contain it."""

    seq: int
    hash: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> HeadCopy:
        data = json.loads(text)
        seq, hash_ = data.get("seq"), data.get("hash")
        if not isinstance(seq, int) or not isinstance(hash_, str) or not re.fullmatch(r"[0-9a-f]{64}", hash_):
            raise ValueError('not an audit head file: expected {"seq": <int>, "hash": <64 hex>}')
        return cls(seq, hash_)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None


def _broken(checked: int, seq: int, reason: str) -> VerifyResult:
    return VerifyResult(False, checked, seq, reason)


async def verify_chain(
    db: AsyncSession, *, expected_head: HeadCopy | None = None, batch_size: int = 2000
) -> VerifyResult:
    """Recompute the whole chain; report the first entry (by seq) that is missing, moved or altered."""
    expected_seq, prev, checked = 1, GENESIS_HASH, 0
    hash_at_expected: str | None = (
        GENESIS_HASH if expected_head is not None and expected_head.seq == 0 else None
    )
    while True:
        rows = (
            await db.scalars(
                select(AuditEvent)
                .where(AuditEvent.seq >= expected_seq)
                .order_by(AuditEvent.seq)
                .limit(batch_size)
                .execution_options(populate_existing=True)
            )
        ).all()
        for row in rows:
            if row.seq != expected_seq:
                return _broken(checked, expected_seq, f"entry {expected_seq} is missing")
            checked += 1
            if row.prev_hash != prev:
                return _broken(checked, row.seq, f"entry {row.seq} does not follow entry {row.seq - 1}")
            if entry_hash(prev, row) != row.hash:
                return _broken(checked, row.seq, f"entry {row.seq} was altered (its hash does not match)")
            if expected_head is not None and row.seq == expected_head.seq:
                hash_at_expected = row.hash
            prev, expected_seq = row.hash, expected_seq + 1
        if len(rows) < batch_size:
            break
    last_seq = expected_seq - 1
    if await db.scalar(select(AuditEvent.seq).where(AuditEvent.seq < 1).limit(1)) is not None:
        return _broken(checked, 1, "an entry was inserted before the first")
    head = await db.scalar(
        select(AuditHead).where(AuditHead.id == HEAD_ID).execution_options(populate_existing=True)
    )
    if head is None:
        return _broken(checked, last_seq + 1, "the audit head row is missing")
    if head.seq > last_seq:
        return _broken(checked, last_seq + 1, f"entries {last_seq + 1}–{head.seq} are missing (truncated)")
    if head.seq < last_seq:
        return _broken(checked, head.seq + 1, f"entries after {head.seq} were added behind the head's back")
    if head.hash != prev:
        return _broken(checked, max(last_seq, 1), "the audit head does not match the last entry")
    if expected_head is not None:
        if last_seq < expected_head.seq:
            return _broken(
                checked,
                last_seq + 1,
                f"the log ends at {last_seq}, before the exported head {expected_head.seq}",
            )
        if hash_at_expected != expected_head.hash:
            return _broken(
                checked, expected_head.seq, f"entry {expected_head.seq} differs from the exported head copy"
            )
    return VerifyResult(True, checked)


async def current_head(db: AsyncSession) -> HeadCopy:
    head = await db.scalar(
        select(AuditHead).where(AuditHead.id == HEAD_ID).execution_options(populate_existing=True)
    )
    if head is None:
        raise RuntimeError("the audit_head row is missing; the privacy migrations did not run")
    return HeadCopy(head.seq, head.hash)


def write_head_file(path: Path, head: HeadCopy) -> None:
    """Write the head copy atomically (temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(head.to_json() + "\n", encoding="utf-8")
    temporary.replace(path)


# ---------------------------------------------------------------- reading it


@dataclass(frozen=True)
class AccessEntry:
    """An audit entry as shown to people (their "who read my record" page, exports)."""

    seq: int
    at: datetime
    actor_id: int | None
    actor_role: str | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str

    @classmethod
    def of(cls, row: AuditEvent) -> AccessEntry:
        return cls(
            row.seq,
            clock.as_utc(row.at),
            row.actor_id,
            row.actor_role,
            row.action,
            row.object_type,
            row.object_id,
            row.outcome,
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = _iso(self.at)
        return data


async def who_read_my_record(
    db: AsyncSession, subject_id: int, *, limit: int = 100, before_seq: int | None = None
) -> list[AccessEntry]:
    """Entries where someone other than the subject acted on the subject's data, newest first.

    Includes staff and system actors (e.g. a job screening a message); leaves out the subject's own
    actions and anonymous attempts (a failed sign-in by someone unknown is not an access).
    """
    query = (
        select(AuditEvent)
        .where(
            AuditEvent.subject_id == subject_id,
            or_(
                and_(AuditEvent.actor_id.is_not(None), AuditEvent.actor_id != subject_id),
                and_(AuditEvent.actor_id.is_(None), AuditEvent.actor_role.is_not(None)),
            ),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    )
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    return [AccessEntry.of(row) for row in (await db.scalars(query)).all()]


async def entries_concerning(db: AsyncSession, subject_id: int) -> list[AccessEntry]:
    """Every entry about the subject or by them (their export), oldest first."""
    rows = await db.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.subject_id == subject_id, AuditEvent.actor_id == subject_id))
        .order_by(AuditEvent.seq)
    )
    return [AccessEntry.of(row) for row in rows.all()]
