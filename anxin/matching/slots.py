"""Recommendations rendered on other modules' pages, server-side.

The library, "My sessions" and a counsellor's profile belong to modules to the left of matching and
cannot import it; they ask ``hooks.page_slot`` for the "recommendations" slot and include whatever
fragment comes back. Only a signed-in client gets one, and only in the contexts ``recommend``
accepts (never a care room).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.accounts.models import ROLE_CLIENT
from anxin.core import hooks
from anxin.matching import recommend
from anxin.matching.schemas import RecommendationOut

SLOT = "recommendations"
TEMPLATE = "matching/_recommended.html"


async def recommendations_fragment(db: AsyncSession, slot: hooks.PageSlot) -> hooks.Fragment | None:
    if slot.name != SLOT or slot.context not in recommend.CONTEXTS:
        return None
    if slot.viewer_id is None or slot.viewer_role != ROLE_CLIENT:
        return None
    user = await accounts.get_user(db, slot.viewer_id)
    found = await recommend.recommend(
        db, user, context=slot.context, counsellor_id=slot.subject_id if slot.context == "profile" else None
    )
    if not found:
        return None
    items = [RecommendationOut.of(item, slot.locale) for item in found]
    return hooks.Fragment(TEMPLATE, {"context": slot.context, "items": items})
