"""Directory search that is fast and identical on SQLite and PostgreSQL, with no extension.

Each profile keeps ``search_text``: its names and bios in both languages, NFKC-normalised,
lower-cased, punctuation turned into spaces, with a leading space. A query is normalised the same
way and split on spaces; every term must match:

* a term with Chinese (CJK) characters matches anywhere (``LIKE '%焦虑%'``): Chinese has no spaces,
  so substring search is what a reader expects;
* any other term matches the start of a word (``LIKE '% anx%'``), so "anx" finds "anxiety" but
  "xiety" finds nothing.

The other filters (status, tags, price) narrow the rows first through indexed columns; the LIKE
scan then runs over at most a few thousand short strings, well within the latency goal.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_TERMS = 6


def normalise(*texts: str) -> str:
    joined = " ".join(unicodedata.normalize("NFKC", text or "").lower() for text in texts)
    return " " + " ".join(_NOT_WORD.sub(" ", joined).split()) + " "


def like_patterns(query: str) -> list[str]:
    """The LIKE patterns a query becomes (wildcards in the query are escaped away by normalising)."""
    patterns = []
    for term in normalise(query).split()[:MAX_TERMS]:
        term = term.replace("_", " ").strip()
        if not term:
            continue
        patterns.append(f"%{term}%" if _CJK.search(term) else f"% {term}%")
    return patterns


def tags(values: list[str] | tuple[str, ...]) -> str:
    """``["anxiety", "trauma"]`` → ``"|anxiety|trauma|"`` (see models)."""
    return "|" + "|".join(values) + "|" if values else ""


def untag(value: str) -> list[str]:
    return [part for part in (value or "").split("|") if part]
