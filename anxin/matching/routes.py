"""JSON API of matching (/api/v1/matching). Thin: parse, call one service function, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from anxin.accounts.deps import UserActor, csrf_protect
from anxin.core.deps import DbSession
from anxin.matching import recommend, service
from anxin.matching.schemas import IntakeIn, MatchOut, RecommendationOut
from anxin.matching.views import reasons_out

router = APIRouter(prefix="/matching", tags=["matching"], dependencies=[Depends(csrf_protect)])


def _locale(request: Request) -> str:
    return str(getattr(request.state, "locale", request.app.state.settings.default_locale))


@router.post("")
async def match(request: Request, body: IntakeIn, db: DbSession, actor: UserActor) -> list[MatchOut]:
    """Verified, available counsellors that fit the hard constraints, best first, with reasons.
    The answers are kept (sealed) so that changing counsellor later starts from them."""
    intake = body.intake()
    await service.save_intake(db, actor.id, intake)
    listed = await service.names(db, await service.match(db, intake, limit=body.limit))
    locale = _locale(request)
    return [MatchOut.of(item, locale, intake.modality, reasons_out(item, locale)) for item in listed]


@router.get("/recommendations")
async def recommendations(
    request: Request,
    db: DbSession,
    actor: UserActor,
    context: str = "library",
    limit: int = 5,
    counsellor_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> list[RecommendationOut]:
    """Content for the library, after a session or on a profile, each with its reason; never for a
    care room (any other ``context`` is refused). ``counsellor_id`` (on a profile) puts that
    counsellor's own items first."""
    locale = _locale(request)
    found = await recommend.recommend(
        db, actor.user, context=context, limit=max(1, min(limit, 20)), counsellor_id=counsellor_id
    )
    return [RecommendationOut.of(item, locale) for item in found]
