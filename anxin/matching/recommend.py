"""Content recommendations for a client: from what they bought, listened to and rated, and what
they are working on (the concerns in their own intake), with a reason line for each.

Shown on the library, after a session and on profiles — never inside a care room (no selling
there): the only contexts accepted are listed in ``CONTEXTS``. Similarity is cosine over hashed
n-gram vectors of title and summary (the same features ``mind`` uses, no model to load); the score
adds the client's topics and a little popularity. Like matching's ranker, the weights can be
replaced by a learned model once real engagement data exists.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import User
from anxin.content import service as content
from anxin.content.models import Comment, ContentItem, Lesson, ListenPosition
from anxin.core.errors import ValidationFailed
from anxin.core.notify.templates import N_
from anxin.matching import service as matching
from anxin.mind.hashing import HashingFeaturizer

CONTEXTS = ("library", "after_session", "profile")
DIMS = 2**14
_FEATURIZER = HashingFeaturizer(n_features=DIMS, char_ngram_range=(2, 4), word_ngram_range=(1, 1))
# Matching's concerns → content topics (trauma and grief have no topic of their own yet).
CONCERN_TOPICS = {
    "anxiety": "anxiety",
    "depression": "depression",
    "relationships": "relationships",
    "career": "work",
    "parenting": "parenting",
    "sleep": "sleep",
}
WEIGHTS = {"similar": 0.6, "working_on": 0.3, "topic_engaged": 0.2, "popular": 0.1}
# On a counsellor's profile their own items come first (the reader came to read about them).
BY_COUNSELLOR = 0.5
REASONS = {
    "by_counsellor": N_("Written by this counsellor"),
    "similar": N_("Because you read “{title}”"),
    "working_on": N_("On a topic you are working on"),
    "topic_engaged": N_("More on a topic you read about"),
    "popular": N_("Popular with readers"),
}


class ItemLike(Protocol):
    id: int
    kind: str
    topic: str
    title: str
    summary: str
    sales: int


def _vector(item: ItemLike) -> np.ndarray:
    vector = np.zeros(DIMS, dtype=np.float32)
    buckets, values = _FEATURIZER.indices(f"{item.title} {item.summary}")
    vector[buckets] = values
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


@dataclass(frozen=True)
class Recommendation:
    item: ItemLike
    score: float
    reason: str  # an English msgid
    params: dict[str, str]


async def _engaged(db: AsyncSession, user: User) -> tuple[list[ContentItem], set[int]]:
    """Items the client liked (bought, listened to, rated 4–5) and every item they engaged with."""
    bought = await content.library(db, user)
    listened_ids = set(
        await db.scalars(
            select(Lesson.course_id)
            .join(ListenPosition, ListenPosition.lesson_id == Lesson.id)
            .where(ListenPosition.user_id == user.id, ListenPosition.seconds > 0)
        )
    )
    rated: dict[int, int] = {}
    found = await db.execute(
        select(Comment.content_id, Comment.rating).where(
            Comment.author_id == user.id, Comment.rating.is_not(None)
        )
    )
    for content_id, rating in found.all():
        if rating is not None:
            rated[content_id] = rating
    liked_ids = {i.id for i in bought} | listened_ids | {cid for cid, r in rated.items() if r >= 4}
    liked_ids -= {cid for cid, r in rated.items() if r <= 2}
    extra = liked_ids - {i.id for i in bought}
    others = list(await db.scalars(select(ContentItem).where(ContentItem.id.in_(extra)))) if extra else []
    liked = [i for i in [*bought, *others] if i.id in liked_ids]
    return liked, liked_ids | set(rated)


async def recommend(
    db: AsyncSession, user: User, *, context: str, limit: int = 5, counsellor_id: int | None = None
) -> list[Recommendation]:
    """``counsellor_id`` (on their profile) prefers the items that counsellor wrote."""
    if context not in CONTEXTS:
        raise ValidationFailed("Recommendations are not shown here.")
    liked, seen = await _engaged(db, user)
    intake = await matching.latest_intake(db, user.id)
    working_on = {CONCERN_TOPICS[c] for c in (intake.all_concerns() if intake else ()) if c in CONCERN_TOPICS}
    shelf = [
        item
        for item in (await content.browse(db, limit=100)).items
        if item.id not in seen and item.author_id != user.id
    ]
    if not shelf:
        return []
    return score_shelf(liked, shelf, working_on, limit, counsellor_id=counsellor_id)


def score_shelf(
    liked: Sequence[ItemLike],
    shelf: Sequence[ItemLike],
    working_on: set[str],
    limit: int,
    *,
    counsellor_id: int | None = None,
) -> list[Recommendation]:
    """The pure scoring (the offline benchmark runs it on simulated readers)."""
    liked_vectors = [(item, _vector(item)) for item in liked]
    topics_engaged = {item.topic for item in liked}
    top_sales = max((item.sales for item in shelf), default=0)
    out = []
    for item in shelf:
        vector = _vector(item)
        best_title, similar = "", 0.0
        for other, other_vector in liked_vectors:
            value = float(vector @ other_vector)
            if value > similar:
                best_title, similar = other.title, value
        parts = {
            "similar": similar,
            "working_on": 1.0 if item.topic in working_on else 0.0,
            "topic_engaged": 1.0 if item.topic in topics_engaged else 0.0,
            "popular": math.log1p(item.sales) / math.log1p(top_sales) if top_sales else 0.0,
        }
        score = sum(WEIGHTS[name] * value for name, value in parts.items())
        # The reason is the part that contributed most (popularity only when nothing else did).
        reason = max(("similar", "working_on", "topic_engaged"), key=lambda n: WEIGHTS[n] * parts[n])
        if WEIGHTS[reason] * parts[reason] < 0.05:
            reason = "popular"
        params = {"title": best_title} if reason == "similar" else {}
        if counsellor_id is not None and getattr(item, "author_id", None) == counsellor_id:
            score += BY_COUNSELLOR
            reason, params = "by_counsellor", {}
        out.append(Recommendation(item, round(score, 4), REASONS[reason], params))
    out.sort(key=lambda r: (-r.score, -r.item.id))
    return out[:limit]
