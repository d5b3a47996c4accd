"""Images, PDFs and voice messages: type checked by magic bytes, size-limited, stored sealed.

Files live under ``$ANXIN_HOME/rooms/<random name>``, sealed with the room's data key (bound to the
attachment's room and stored name), so neither the file system nor a backup shows their content.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock, outbox
from anxin.core.db import after_commit
from anxin.core.errors import NotFound, ValidationFailed
from anxin.privacy import crypto
from anxin.rooms import service
from anxin.rooms.models import KIND_FILE, KIND_IMAGE, KIND_VOICE, RoomAttachment, RoomMessage
from anxin.rooms.settings import room_settings


class UnsupportedFile(ValidationFailed):
    code = "unsupported_file"
    default_message = "Please send an image (PNG, JPEG, WebP), a PDF or a voice message."


class FileTooLarge(ValidationFailed):
    code = "file_too_large"
    default_message = "This file is too large."


def sniff(data: bytes) -> tuple[str, str] | None:
    """(kind, media type) from the first bytes; what the browser declared is not trusted."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return KIND_IMAGE, "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return KIND_IMAGE, "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return KIND_IMAGE, "image/webp"
    if data.startswith(b"%PDF-"):
        return KIND_FILE, "application/pdf"
    if data.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: what MediaRecorder writes in Chromium/Firefox
        return KIND_VOICE, "audio/webm"
    if data.startswith(b"OggS"):
        return KIND_VOICE, "audio/ogg"
    if data[4:8] == b"ftyp":  # MP4/M4A: what Safari's MediaRecorder writes
        return KIND_VOICE, "audio/mp4"
    return None


def storage_dir(home: Path) -> Path:
    folder = home / "rooms"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_context(room_id: int, storage_name: str) -> str:
    return f"rooms.attachment.file:{room_id}:{storage_name}"


async def store(
    db: AsyncSession,
    home: Path,
    actor_id: int,
    room_id: int,
    data: bytes,
    *,
    file_name: str | None,
    client_msg_id: str,
) -> service.Posted:
    """Check, seal and store the file, then post it as a message (a resend returns the first one)."""
    service.check_client_msg_id(client_msg_id)
    room = await service.access_room(db, actor_id, room_id)
    if len(data) > room_settings().rooms_max_upload_bytes:
        raise FileTooLarge()
    sniffed = sniff(data)
    if sniffed is None or not data:
        raise UnsupportedFile()
    kind, media_type = sniffed
    storage_name = secrets.token_hex(16)
    name_sealed = None
    if file_name:
        name_sealed = await crypto.seal(
            db, crypto.room_owner(room.id), file_name[:200], context=f"rooms.attachment.name:{room.id}"
        )
    sealed = await crypto.seal(
        db, crypto.room_owner(room.id), data, context=file_context(room.id, storage_name)
    )
    attachment = RoomAttachment(
        room_id=room.id,
        uploader_id=actor_id,
        kind=kind,
        media_type=media_type,
        size_bytes=len(data),
        storage_name=storage_name,
        name_sealed=name_sealed,
        created_at=clock.utcnow(),
    )
    db.add(attachment)
    await db.flush()
    posted = await service.post_message(
        db, actor_id, room.id, None, client_msg_id, kind=kind, attachment_id=attachment.id
    )
    if not posted.created:
        # A resend: the first upload is the message; forget this copy.
        await db.delete(attachment)
        await db.flush()
        return posted
    path = storage_dir(home) / storage_name
    temporary = path.with_suffix(".part")
    temporary.write_bytes(sealed)
    os.replace(temporary, path)
    return posted


async def read(
    db: AsyncSession, home: Path, actor_id: int, attachment_id: int
) -> tuple[RoomAttachment, bytes]:
    attachment = await db.get(RoomAttachment, attachment_id)
    if attachment is None:
        raise NotFound()
    await service.access_room(db, actor_id, attachment.room_id)
    path = storage_dir(home) / attachment.storage_name
    if not path.exists():
        raise NotFound()
    data = await crypto.unseal_bytes(
        db, path.read_bytes(), context=file_context(attachment.room_id, attachment.storage_name)
    )
    return attachment, data


def remove_files(home: Path, storage_names: list[str]) -> None:
    for name in storage_names:
        (storage_dir(home) / name).unlink(missing_ok=True)


async def delete_message(db: AsyncSession, home: Path, actor_id: int, room_id: int, seq: int) -> None:
    """The sender deletes one of their messages: its row, its transcript (cascade), its attachment
    row and, once the transaction has committed, the sealed file. The seq stays used (no gaps move)."""
    room = await service.access_room(db, actor_id, room_id, lock=True)
    message = await db.scalar(
        select(RoomMessage).where(RoomMessage.room_id == room.id, RoomMessage.seq == seq)
    )
    if message is None or message.sender_id != actor_id:
        raise NotFound()
    attachment = await db.get(RoomAttachment, message.attachment_id) if message.attachment_id else None
    await db.delete(message)
    await db.flush()
    if attachment is not None:
        name = attachment.storage_name
        await db.delete(attachment)
        await db.flush()
        after_commit(db, lambda: remove_files(home, [name]))
    await outbox.publish(db, service.channel_of(room.id), {"type": "deleted", "room": room.id, "seq": seq})
