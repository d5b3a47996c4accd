"""Certificate and photo files follow their unit of work: a rolled-back upload (the whole
transaction or only its savepoint) leaves no file, a rolled-back photo change keeps the old photo,
and the sweep removes files that a process which died before committing left behind."""

from __future__ import annotations

import os
import time

import pytest
from fastapi import FastAPI

from anxin.accounts.models import User
from anxin.core.db import Database
from anxin.counselors import files, photos, service
from tests.appointments.support import PDF, person, profile_in
from tests.counselors.test_photos import camera_photo


class Boom(Exception):
    pass


async def counsellor(app: FastAPI) -> User:
    someone = await person(app, "counsellor")
    database: Database = app.state.database
    async with database.transaction() as db:
        user = await db.get(User, someone.id)
        assert user is not None
        await service.save_profile(db, user, profile_in())
    return user


def names(folder: os.PathLike[str]) -> set[str]:
    return {entry.name for entry in os.scandir(folder)} if os.path.isdir(folder) else set()


async def test_a_rolled_back_certificate_upload_leaves_no_file(app: FastAPI) -> None:
    user = await counsellor(app)
    database: Database = app.state.database
    home = app.state.settings.home
    with pytest.raises(Boom):
        async with database.transaction() as db:
            await service.add_document(db, user, home=home, file_name="cert.pdf", data=PDF + b"one")
            assert len(names(service.documents_dir(home))) == 1  # written before the commit
            raise Boom()
    assert names(service.documents_dir(home)) == set()

    # Only the savepoint rolls back: its file goes, the unit of work's other upload stays.
    async with database.transaction() as db:
        kept = await service.add_document(db, user, home=home, file_name="a.pdf", data=PDF + b"two")
        with pytest.raises(Boom):
            async with db.begin_nested():
                await service.add_document(db, user, home=home, file_name="b.pdf", data=PDF + b"three")
                raise Boom()
        kept_name = kept.storage_name
    assert names(service.documents_dir(home)) == {kept_name}
    async with database.transaction() as db:
        opened = await service.access_document(db, user, kept.id, home=home)
    assert opened.data == PDF + b"two"


async def test_a_rolled_back_photo_change_keeps_the_old_photo(app: FastAPI) -> None:
    user = await counsellor(app)
    database: Database = app.state.database
    home = app.state.settings.home
    async with database.transaction() as db:
        first = (await photos.set_photo(db, user, home=home, data=camera_photo())).photo_name
    with pytest.raises(Boom):
        async with database.transaction() as db:
            await photos.set_photo(db, user, home=home, data=camera_photo(800, 600))
            raise Boom()
    assert names(photos.photos_dir(home)) == {first}
    with pytest.raises(Boom):
        async with database.transaction() as db:
            await photos.remove_photo(db, user, home=home)
            raise Boom()
    assert names(photos.photos_dir(home)) == {first}
    async with database.transaction() as db:
        second = (await photos.set_photo(db, user, home=home, data=camera_photo(800, 600))).photo_name
    assert names(photos.photos_dir(home)) == {second}  # the old one goes once the change commits


async def test_the_sweep_removes_only_old_files_no_row_names(app: FastAPI) -> None:
    user = await counsellor(app)
    database: Database = app.state.database
    home = app.state.settings.home
    async with database.transaction() as db:
        kept = (await service.add_document(db, user, home=home, file_name="a.pdf", data=PDF)).storage_name
    folder = service.documents_dir(home)
    (folder / "deadbeef").write_bytes(b"left by a crash")
    (folder / "fresh").write_bytes(b"maybe still committing")
    long_ago = time.time() - files.ORPHAN_AGE_SECONDS - 60
    for name in (kept, "deadbeef"):
        os.utime(folder / name, (long_ago, long_ago))
    async with database.transaction() as db:
        assert await service.sweep_orphan_documents(db, home=home) == 1
    assert names(folder) == {kept, "fresh"}
    async with database.transaction() as db:
        assert await photos.sweep_orphan_photos(db, home=home) == 0  # no photo folder yet: nothing to do
