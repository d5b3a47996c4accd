"""ICE servers for calls and short-lived TURN credentials (the TURN REST shared-secret scheme).

coturn with ``use-auth-secret`` and ``static-auth-secret=<secret>`` accepts, until ``<expiry>``,
the user name ``"<expiry>:<user id>"`` with the password ``base64(HMAC-SHA1(secret, user name))``.
Nothing is stored: a browser asks again when its credentials run out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from anxin.core import clock
from anxin.rooms.settings import RoomSettings


def turn_credentials(
    secret: str, user_id: int, ttl_seconds: int, *, now: float | None = None
) -> tuple[str, str, int]:
    expires = int(now if now is not None else clock.utcnow().timestamp()) + ttl_seconds
    username = f"{expires}:{user_id}"
    password = base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()
    return username, password, expires


def ice_servers(settings: RoomSettings, user_id: int) -> dict[str, Any]:
    """The RTCPeerConnection ``iceServers`` for this user, plus when the credentials expire."""
    stun = [url for url in settings.ice_urls if url.startswith(("stun:", "stuns:"))]
    turn = [url for url in settings.ice_urls if url.startswith(("turn:", "turns:"))]
    servers: list[dict[str, Any]] = []
    if stun:
        servers.append({"urls": stun})
    expires = None
    if turn and settings.turn_shared_secret:
        username, credential, expires = turn_credentials(
            settings.turn_shared_secret, user_id, settings.turn_credential_ttl_seconds
        )
        servers.append({"urls": turn, "username": username, "credential": credential})
    return {"ice_servers": servers, "expires_at": expires}
