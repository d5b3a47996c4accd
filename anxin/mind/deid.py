"""De-identification before training: e-mails, ID numbers, bank cards, URLs, handles and phones.

Regexes plus ``phonenumbers`` (when installed) as the design's appendix recommends; names and places
need an NER model that is optional and not used here. Replacement tokens are typed (``[PHONE]``).
"""

from __future__ import annotations

import re

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("URL", re.compile(r"(?:https?://|www\.)[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+")),
    (
        "ID",
        re.compile(
            r"(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9])"
        ),
    ),
    ("CARD", re.compile(r"(?<![0-9])(?:\d[ -]?){15,18}\d(?![0-9])")),
    ("PHONE", re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")),
    ("HANDLE", re.compile(r"(?<![A-Za-z0-9])@[A-Za-z0-9_\u4e00-\u9fff-]{2,30}")),
    ("QQ", re.compile(r"(?i)(?:qq|微信|wechat|vx)[:：号\s]*[A-Za-z0-9_-]{5,20}")),
)


def _phone_spans(text: str) -> list[tuple[int, int]]:
    try:
        import phonenumbers
    except ImportError:
        return []
    return [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, "CN")]


def deidentify(text: str) -> str:
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _PATTERNS:
        spans.extend((m.start(), m.end(), kind) for m in pattern.finditer(text))
    spans.extend((s, e, "PHONE") for s, e in _phone_spans(text))
    merged: list[tuple[int, int, str]] = []
    order = [kind for kind, _ in _PATTERNS] + ["PHONE"]
    # Longest span first at one position; on a tie the more specific pattern (listed first) wins.
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1], order.index(s[2]))):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), merged[-1][2])
        else:
            merged.append((start, end, kind))
    for start, end, kind in reversed(merged):
        text = text[:start] + f"[{kind}]" + text[end:]
    return text
