"""Audio: checked uploads, short-lived signed links, and byte ranges.

A link is ``/api/v1/content/media/{lesson_id}?t=<token>`` where the token binds the lesson, the
listener and an expiry with an HMAC (a key derived from the server's secret). The endpoint checks
the signature and the expiry, then asks the entitlement check again for that listener, so a link
handed on stops working when it expires, and a refund ends listening at once even with a fresh link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from anxin.accounts import keys
from anxin.content.errors import LinkExpired, RangeNotSatisfiable, UploadRejected, UploadTooLarge

LINK_SECONDS = 15 * 60
MAX_AUDIO_BYTES = 50 * 1024 * 1024
CHUNK_LIMIT = 2 * 1024 * 1024  # the most one open-ended range answers with; players ask again


def sniff_audio(data: bytes) -> str:
    """The media type from the file's first bytes (never from its name or the sender's claim)."""
    head = data[:64]
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    if head[4:8] == b"ftyp" and head[8:12] in (b"M4A ", b"M4B ", b"mp42", b"isom", b"dash", b"iso2"):
        return "audio/mp4"
    raise UploadRejected()


def check_upload(data: bytes, *, limit: int | None = None) -> str:
    limit = limit if limit is not None else MAX_AUDIO_BYTES
    if len(data) > limit:
        raise UploadTooLarge(params={"limit": limit // (1024 * 1024)})
    if len(data) < 16:
        raise UploadRejected()
    return sniff_audio(data)


# ---------------------------------------------------------------- signed links


def _mac(message: str) -> str:
    digest = hmac.new(keys.derived_key("content-media"), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def sign(kind: str, ref: int, listener_id: int, *, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + LINK_SECONDS)
    message = f"{kind}.{ref}.{listener_id}.{expires}"
    return f"{listener_id}.{expires}.{_mac(message)}"


def verify(kind: str, ref: int, token: str, *, now: float | None = None) -> int:
    """The listener's id (0 = signed out) if the token is genuine and fresh; else ``LinkExpired``."""
    try:
        listener, expires, mac = token.split(".", 2)
        listener_id, expires_at = int(listener), int(expires)
    except ValueError:
        raise LinkExpired() from None
    expected = _mac(f"{kind}.{ref}.{listener_id}.{expires_at}")
    if not hmac.compare_digest(expected, mac):
        raise LinkExpired()
    if expires_at < (now if now is not None else time.time()):
        raise LinkExpired()
    return listener_id


def lesson_url(lesson_id: int, listener_id: int) -> str:
    return f"/api/v1/content/media/{lesson_id}?t={sign('lesson', lesson_id, listener_id)}"


def answer_url(question_id: int, listener_id: int) -> str:
    return f"/api/v1/content/answers/{question_id}/audio?t={sign('answer', question_id, listener_id)}"


# ---------------------------------------------------------------- ranges

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive
    partial: bool


def parse_range(header: str | None, size: int) -> ByteRange:
    """One byte range (RFC 9110 §14): absent → the whole file; unsatisfiable → 416. Several ranges
    are answered as the first one, which every audio player accepts."""
    if not header:
        return ByteRange(0, size - 1, False)
    first = header.strip().split(",")[0].strip()
    match = _RANGE.match(first)
    if match is None or (not match.group(1) and not match.group(2)):
        raise RangeNotSatisfiable()
    start_text, end_text = match.groups()
    if not start_text:  # the last N bytes
        length = int(end_text)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable()
        return ByteRange(max(0, size - length), size - 1, True)
    start = int(start_text)
    if start >= size:
        raise RangeNotSatisfiable()
    end = min(int(end_text), size - 1) if end_text else min(size - 1, start + CHUNK_LIMIT - 1)
    if end < start:
        raise RangeNotSatisfiable()
    return ByteRange(start, end, True)
