"""Profile photos: only real images, re-encoded without camera metadata, public only while the
profile is verified, removed with the counsellor's data."""

from __future__ import annotations

import io

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from anxin.counselors.errors import PhotoRejected
from anxin.counselors.photos import MAX_SIDE, normalise_photo, photos_dir
from tests.appointments.support import Person, person, profile_in, verified_counsellor

API = "/api/v1/counselors"


def camera_photo(width: int = 1600, height: int = 1200, fmt: str = "JPEG") -> bytes:
    """A picture carrying EXIF metadata, as a phone camera writes it (GPS, maker, time)."""
    image = Image.new("RGB", (width, height), (180, 200, 220))
    exif = Image.Exif()
    exif[0x010F] = "CANARY-CAMERA-MAKER"  # Make
    exif[0x9003] = "2026:03:01 08:00:00"  # DateTimeOriginal
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes()) if fmt != "PNG" else image.save(out, format=fmt)
    return out.getvalue()


def test_a_camera_photo_is_shrunk_and_loses_its_metadata() -> None:
    original = camera_photo()
    assert b"CANARY-CAMERA-MAKER" in original
    stored = normalise_photo(original)
    assert b"CANARY-CAMERA-MAKER" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and max(image.size) == MAX_SIDE
        assert not image.getexif()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<svg onload=alert(1)></svg>",
        b"%PDF-1.7 not an image",
        b"\x89PNG\r\n\x1a\n" + b"truncated",
        b"GIF89a" + b"\x00" * 40,
    ],
)
def test_anything_but_a_jpeg_png_or_webp_image_is_refused(data: bytes) -> None:
    with pytest.raises(PhotoRejected):
        normalise_photo(data)


async def test_a_photo_is_public_only_while_the_profile_is_verified_and_goes_with_erasure(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    applicant = await person(app, "counsellor")
    assert (
        await client.put(f"{API}/me", json=profile_in().model_dump(), headers=applicant.headers)
    ).status_code == 200
    bad = await client.put(
        f"{API}/me/photo", files={"file": ("me.svg", b"<svg/>", "image/svg+xml")}, headers=applicant.headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "photo_rejected"
    client_person = await person(app)
    not_counsellor = await client.put(
        f"{API}/me/photo",
        files={"file": ("me.png", camera_photo(fmt="PNG"), "image/png")},
        headers=client_person.headers,
    )
    assert not_counsellor.status_code == 403
    uploaded = await client.put(
        f"{API}/me/photo", files={"file": ("me.jpg", camera_photo(), "image/jpeg")}, headers=applicant.headers
    )
    assert uploaded.status_code == 204
    # Not verified yet: the owner and admins see it, nobody else.
    for who, status in ((applicant, 200), (admin, 200), (client_person, 404)):
        response = await client.get(f"{API}/{applicant.id}/photo", headers=who.headers)
        assert response.status_code == status
    assert (await client.get(f"{API}/{applicant.id}/photo")).status_code == 404

    verified = await verified_counsellor(app, admin)
    assert (await client.get(f"{API}/{verified.id}/photo")).status_code == 404  # no photo yet
    replaced = None
    for _ in range(2):  # replacing keeps exactly one file
        replaced = await client.put(
            f"{API}/me/photo",
            files={"file": ("p.png", camera_photo(fmt="PNG"), "image/png")},
            headers=verified.headers,
        )
        assert replaced.status_code == 204
    public = await client.get(f"{API}/{verified.id}/photo")
    assert public.status_code == 200 and public.headers["content-type"] == "image/jpeg"
    directory = await client.get("/counselors", headers={"accept-language": "en"})
    assert f'src="{API}/{verified.id}/photo"' in directory.text
    assert len(list(photos_dir(app.state.settings.home).iterdir())) == 2  # applicant + verified

    removed = await client.delete(f"{API}/me/photo", headers=applicant.headers)
    assert removed.status_code == 204
    assert (await client.get(f"{API}/{applicant.id}/photo", headers=applicant.headers)).status_code == 404
    assert len(list(photos_dir(app.state.settings.home).iterdir())) == 1


async def test_erasing_a_counsellor_removes_their_photo_file(
    app: FastAPI, client: httpx.AsyncClient, admin: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anxin.core.config import reset_settings_cache
    from anxin.privacy import rights

    monkeypatch.setenv("ANXIN_HOME", str(app.state.settings.home))
    reset_settings_cache()
    try:
        counsellor = await verified_counsellor(app, admin)
        uploaded = await client.put(
            f"{API}/me/photo",
            files={"file": ("me.jpg", camera_photo(), "image/jpeg")},
            headers=counsellor.headers,
        )
        assert uploaded.status_code == 204
        assert len(list(photos_dir(app.state.settings.home).iterdir())) == 1
        async with app.state.database.transaction() as db:
            await rights.erase_subject(db, counsellor.id)
        assert list(photos_dir(app.state.settings.home).iterdir()) == []
    finally:
        monkeypatch.delenv("ANXIN_HOME")
        reset_settings_cache()
