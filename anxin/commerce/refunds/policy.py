"""Refund policy as data: shown to the client before paying, snapshotted on the order, applied by
code (never by hand-editing). Changing a policy here changes only orders placed afterwards.

A policy is a JSON-able dict so the order keeps the exact version the client saw:

* ``{"kind": "before_start", "tiers": [{"min_notice_hours": 24, "refund_bp": 10000}, ...]}`` —
  sessions: the first tier whose notice the cancellation meets decides; after the start, nothing.
* ``{"kind": "within_days", "days": 7, "max_consumed_bp": 2000, "refund_bp": 10000}`` — content:
  within ``days`` of paying and having used less than ``max_consumed_bp`` of it.
* ``{"kind": "none"}`` — not refundable by cancellation (wallet top-ups).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from anxin.core import clock
from anxin.core.i18n import gettext
from anxin.core.money import Money

Policy = dict[str, Any]

SESSION_POLICY: Policy = {
    "kind": "before_start",
    "tiers": [
        {"min_notice_hours": 24, "refund_bp": 10_000},
        {"min_notice_hours": 0, "refund_bp": 5_000},
    ],
}
CONTENT_POLICY: Policy = {"kind": "within_days", "days": 7, "max_consumed_bp": 2_000, "refund_bp": 10_000}
NO_REFUND_POLICY: Policy = {"kind": "none"}

POLICIES: dict[str, Policy] = {
    "session": SESSION_POLICY,
    "article": CONTENT_POLICY,
    "course": CONTENT_POLICY,
    "live_event": SESSION_POLICY,
    "question": CONTENT_POLICY,
    "topup": NO_REFUND_POLICY,
}


def policy_for(item_type: str) -> Policy:
    return POLICIES.get(item_type, CONTENT_POLICY)


def refund_share_bp(
    policy: Policy,
    *,
    now: datetime,
    paid_at: datetime | None,
    starts_at: datetime | None,
    consumed_bp: int,
) -> int:
    """The share of the captured amount (basis points) a cancellation at ``now`` gets back."""
    kind = policy.get("kind")
    if kind == "before_start":
        if starts_at is None:
            return 0
        notice = clock.as_utc(starts_at) - now
        if notice <= timedelta(0):
            return 0
        for tier in policy["tiers"]:
            if notice >= timedelta(hours=int(tier["min_notice_hours"])):
                return int(tier["refund_bp"])
        return 0
    if kind == "within_days":
        if paid_at is None:
            return 0
        if now - clock.as_utc(paid_at) > timedelta(days=int(policy["days"])):
            return 0
        if consumed_bp >= int(policy["max_consumed_bp"]):
            return 0
        return int(policy["refund_bp"])
    return 0


def refund_amount(captured: Money, already_refunded: Money, share_bp: int) -> Money:
    """What the policy promises, less what was already refunded (never negative)."""
    promised, _ = captured.split(share_bp)
    amount = min(promised.amount - already_refunded.amount, (captured - already_refunded).amount)
    return Money(max(0, amount), captured.currency)


def describe(policy: Policy, locale: str) -> list[str]:
    """The policy in the reader's language, one sentence per rule, for the checkout page."""
    kind = policy.get("kind")
    if kind == "before_start":
        lines = []
        for tier in policy["tiers"]:
            hours = int(tier["min_notice_hours"])
            percent = int(tier["refund_bp"]) // 100
            if hours > 0:
                lines.append(
                    gettext(
                        locale,
                        "Cancel at least {hours} hours before the start: {percent}% back.",
                        hours=hours,
                        percent=percent,
                    )
                )
            else:
                lines.append(
                    gettext(
                        locale,
                        "Cancel later but before the start: {percent}% back.",
                        percent=percent,
                    )
                )
        lines.append(gettext(locale, "After the start: no refund."))
        return lines
    if kind == "within_days":
        return [
            gettext(
                locale,
                "Full refund within {days} days of paying if you have used less than {percent}% of it.",
                days=int(policy["days"]),
                percent=int(policy["max_consumed_bp"]) // 100,
            )
        ]
    return [gettext(locale, "Not refundable by cancelling.")]
