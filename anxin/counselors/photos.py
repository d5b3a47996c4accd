"""Profile photos: checked, re-encoded and stored under a random name.

A photo is part of the public professional profile, so it is not sealed; but it is decoded and
re-encoded as JPEG (at most 800×800 pixels) before it is stored, which drops the camera's metadata
(location, device, time) and anything that only pretends to be an image. It is served by counsellor
id through the app (never from a guessable file path), publicly only while the profile is verified.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_ADMIN, User
from anxin.counselors import files
from anxin.counselors.errors import CounselorNotFound, PhotoRejected
from anxin.counselors.models import VERIFIED, CounselorProfile

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_SIDE = 800
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
PHOTO_TYPE = "image/jpeg"
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


def photos_dir(home: Path) -> Path:
    return home / "counselors" / "photos"


def normalise_photo(data: bytes) -> bytes:
    """The photo as a metadata-free JPEG of at most MAX_SIDE pixels a side, or PhotoRejected."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data or len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected()
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED_FORMATS or image.width * image.height > MAX_PIXELS:
                raise PhotoRejected()
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            picture = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise PhotoRejected() from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, optimize=True)  # no exif= → no metadata written
    return out.getvalue()


async def _profile_of(db: AsyncSession, counsellor_id: int) -> CounselorProfile | None:
    return await db.scalar(select(CounselorProfile).where(CounselorProfile.counsellor_id == counsellor_id))


async def set_photo(db: AsyncSession, user: User, *, home: Path, data: bytes) -> CounselorProfile:
    """Replace the counsellor's photo; the old file is removed once the new one is written."""
    profile = await _profile_of(db, user.id)
    if profile is None:
        raise CounselorNotFound("Please write your profile first.")
    picture = normalise_photo(data)
    folder = photos_dir(home)
    name = secrets.token_hex(16)
    files.write(db, folder / name, picture)  # deleted again if this unit of work rolls back
    old = profile.photo_name
    profile.photo_name = name
    await db.flush()
    if old:
        files.unlink_after_commit(db, folder / old)  # kept if the change rolls back
    return profile


async def remove_photo(db: AsyncSession, user: User, *, home: Path) -> None:
    profile = await _profile_of(db, user.id)
    if profile is None or not profile.photo_name:
        return
    name, profile.photo_name = profile.photo_name, None
    await db.flush()
    files.unlink_after_commit(db, photos_dir(home) / name)


@dataclass(frozen=True)
class Photo:
    data: bytes
    content_type: str
    public: bool


async def read_photo(db: AsyncSession, viewer: User | None, counsellor_id: int, *, home: Path) -> Photo:
    """Anyone may see a verified counsellor's photo; the owner and admins see it at every stage."""
    profile = await _profile_of(db, counsellor_id)
    if profile is None or not profile.photo_name:
        raise CounselorNotFound()
    public = profile.status == VERIFIED
    allowed = public or (viewer is not None and (viewer.id == counsellor_id or viewer.role == ROLE_ADMIN))
    if not allowed:
        raise CounselorNotFound()
    path = photos_dir(home) / profile.photo_name
    if not path.is_file():
        raise CounselorNotFound()
    return Photo(path.read_bytes(), PHOTO_TYPE, public)


async def _named_photos(db: AsyncSession, names: list[str]) -> list[str]:
    rows = await db.scalars(select(CounselorProfile.photo_name).where(CounselorProfile.photo_name.in_(names)))
    return [name for name in rows.all() if name]


async def sweep_orphan_photos(db: AsyncSession, *, home: Path) -> int:
    """Delete photo files no profile names (left by a process that died before committing)."""
    return await files.sweep_orphans(db, photos_dir(home), _named_photos)


def erase_photo_file(home: Path, name: str | None) -> None:
    if name:
        (photos_dir(home) / name).unlink(missing_ok=True)
