"""JSON API under /api/v1/counselors: applications, profiles, availability, verification and the
public directory. Thin: parse, call one service function, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from pydantic import BaseModel
from starlette.responses import Response

from anxin.accounts.deps import Actor, CurrentActor, UserActor, csrf_protect, require_role
from anxin.accounts.models import ROLE_ADMIN, ROLE_COUNSELLOR
from anxin.core.deps import DbSession
from anxin.counselors import photos, service
from anxin.counselors.deps import AuditedDb
from anxin.counselors.errors import CounselorNotFound
from anxin.counselors.schemas import (
    AvailabilityIn,
    CredentialIn,
    DecisionIn,
    ExceptionIn,
    ExceptionOut,
    ProfileIn,
    ProfileOut,
    ReasonIn,
)

router = APIRouter(prefix="/counselors", tags=["counselors"], dependencies=[Depends(csrf_protect)])
AdminActor = Annotated[Actor, Depends(require_role(ROLE_ADMIN))]
CounsellorActor = Annotated[Actor, Depends(require_role(ROLE_COUNSELLOR))]
ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "Not found (or not visible to you)"},
    409: {"description": "The application is not in a state that allows it"},
    422: {"description": "Invalid input"},
}


class DocumentOut(BaseModel):
    id: int
    content_type: str
    size_bytes: int


class CredentialOut(BaseModel):
    qualification: str
    licence_number: str
    issuing_body: str
    years_of_practice: int
    supervised_hours: int


def _home(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.settings.home


@router.get("", response_model=list[ProfileOut], summary="The directory of verified counsellors")
async def directory(
    db: DbSession,
    q: Annotated[str, Query(max_length=100)] = "",
    specialty: str | None = None,
    language: str | None = None,
    modality: str | None = None,
    gender: str | None = None,
    min_price: Annotated[int | None, Query(ge=0)] = None,
    max_price: Annotated[int | None, Query(ge=0)] = None,
    available_this_week: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> list[ProfileOut]:
    rows = await service.directory(
        db,
        service.DirectoryQuery(
            text=q,
            specialty=specialty,
            language=language,
            modality=modality,
            gender=gender,
            min_price=min_price,
            max_price=max_price,
            available_within_days=7 if available_this_week else None,
            limit=limit,
            offset=offset,
        ),
    )
    return [ProfileOut.of(row) for row in rows]


@router.get("/me", response_model=ProfileOut, responses=ERRORS, summary="My profile and application state")
async def my_profile(actor: CounsellorActor, db: DbSession) -> ProfileOut:
    profile = await service.own_profile(db, actor.user)
    if profile is None:
        raise CounselorNotFound("Please write your profile first.")
    return ProfileOut.of(profile, private=True)


@router.put("/me", response_model=ProfileOut, responses=ERRORS, summary="Write or update my profile")
async def save_profile(body: ProfileIn, actor: CounsellorActor, db: DbSession) -> ProfileOut:
    return ProfileOut.of(await service.save_profile(db, actor.user, body), private=True)


@router.post("/me/credentials", status_code=201, responses=ERRORS, summary="Add a credential")
async def add_credential(body: CredentialIn, actor: CounsellorActor, db: DbSession) -> dict[str, int]:
    row = await service.add_credential(db, actor.user, body)
    return {"id": row.id}


@router.post(
    "/me/documents",
    status_code=201,
    response_model=DocumentOut,
    responses=ERRORS,
    summary="Upload a certificate",
)
async def upload_document(
    request: Request, actor: CounsellorActor, db: DbSession, file: Annotated[UploadFile, File()]
) -> DocumentOut:
    data = await file.read(service.MAX_DOCUMENT_BYTES + 1)
    row = await service.add_document(
        db, actor.user, home=_home(request), file_name=file.filename or "", data=data
    )
    return DocumentOut(id=row.id, content_type=row.content_type, size_bytes=row.size_bytes)


@router.put("/me/photo", status_code=204, responses=ERRORS, summary="Upload or replace my profile photo")
async def upload_photo(
    request: Request, actor: CounsellorActor, db: DbSession, file: Annotated[UploadFile, File()]
) -> Response:
    data = await file.read(photos.MAX_PHOTO_BYTES + 1)
    await photos.set_photo(db, actor.user, home=_home(request), data=data)
    return Response(status_code=204)


@router.delete("/me/photo", status_code=204, summary="Remove my profile photo")
async def delete_photo(request: Request, actor: CounsellorActor, db: DbSession) -> Response:
    await photos.remove_photo(db, actor.user, home=_home(request))
    return Response(status_code=204)


@router.get("/{counsellor_id}/photo", responses=ERRORS, summary="A counsellor's profile photo")
async def read_photo(
    counsellor_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    request: Request,
    actor: CurrentActor,
    db: DbSession,
) -> Response:
    photo = await photos.read_photo(db, actor.user if actor else None, counsellor_id, home=_home(request))
    return Response(photo.data, media_type=photo.content_type, headers={"X-Content-Type-Options": "nosniff"})


@router.get("/documents/{document_id}", responses=ERRORS, summary="A certificate (its owner and admins only)")
async def read_document(document_id: int, request: Request, actor: UserActor, db: AuditedDb) -> Response:
    opened = await service.access_document(db, actor.user, document_id, home=_home(request))
    return Response(
        opened.data,
        media_type=opened.content_type,
        headers={"Content-Disposition": "attachment", "Cache-Control": "no-store"},
    )


@router.post("/me/submit", response_model=ProfileOut, responses=ERRORS, summary="Send my application")
async def submit(actor: CounsellorActor, db: DbSession) -> ProfileOut:
    return ProfileOut.of(await service.submit_application(db, actor.user), private=True)


@router.put("/me/availability", status_code=204, responses=ERRORS, summary="Replace my weekly availability")
async def set_availability(body: AvailabilityIn, actor: CounsellorActor, db: DbSession) -> Response:
    await service.set_weekly_rules(db, actor.user, body.rules)
    return Response(status_code=204)


@router.post(
    "/me/exceptions",
    status_code=201,
    response_model=ExceptionOut,
    responses=ERRORS,
    summary="Add a holiday or extra time",
)
async def add_exception(body: ExceptionIn, actor: CounsellorActor, db: DbSession) -> ExceptionOut:
    row = await service.add_exception(
        db, actor.user, kind=body.kind, starts_at=body.starts_at, ends_at=body.ends_at
    )
    return ExceptionOut.of(row)


@router.delete(
    "/me/exceptions/{exception_id}", status_code=204, responses=ERRORS, summary="Remove an exception"
)
async def remove_exception(exception_id: int, actor: CounsellorActor, db: DbSession) -> Response:
    await service.remove_exception(db, actor.user, exception_id)
    return Response(status_code=204)


@router.get("/admin/queue", response_model=list[ProfileOut], summary="Applications waiting for verification")
async def queue(actor: AdminActor, db: DbSession) -> list[ProfileOut]:
    return [ProfileOut.of(row, private=True) for row in await service.verification_queue(db, actor.user)]


@router.get(
    "/admin/{counsellor_id}/credentials",
    response_model=list[CredentialOut],
    responses=ERRORS,
    summary="An applicant's credentials",
)
async def credentials(counsellor_id: int, actor: AdminActor, db: AuditedDb) -> list[CredentialOut]:
    views = await service.credentials_of(db, actor.user, counsellor_id)
    return [CredentialOut(**view.__dict__) for view in views]


@router.get(
    "/admin/{counsellor_id}/documents",
    response_model=list[DocumentOut],
    summary="An applicant's certificates",
)
async def documents(counsellor_id: int, actor: AdminActor, db: DbSession) -> list[DocumentOut]:
    rows = await service.documents_of(db, counsellor_id)
    return [DocumentOut(id=row.id, content_type=row.content_type, size_bytes=row.size_bytes) for row in rows]


@router.post(
    "/admin/{counsellor_id}/decision",
    response_model=ProfileOut,
    responses=ERRORS,
    summary="Approve or reject",
)
async def decide(counsellor_id: int, body: DecisionIn, actor: AdminActor, db: DbSession) -> ProfileOut:
    row = await service.decide(db, actor.user, counsellor_id, approve=body.approve, reason=body.reason)
    return ProfileOut.of(row, private=True)


@router.post(
    "/admin/{counsellor_id}/suspend",
    response_model=ProfileOut,
    responses=ERRORS,
    summary="Suspend a counsellor",
)
async def suspend(counsellor_id: int, body: ReasonIn, actor: AdminActor, db: DbSession) -> ProfileOut:
    return ProfileOut.of(
        await service.suspend(db, actor.user, counsellor_id, reason=body.reason), private=True
    )


@router.get(
    "/{counsellor_id}", response_model=ProfileOut, responses=ERRORS, summary="A verified counsellor's profile"
)
async def public_profile(counsellor_id: int, db: DbSession) -> ProfileOut:
    return ProfileOut.of(await service.public_profile(db, counsellor_id))
