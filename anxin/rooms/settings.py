"""Rooms' settings, read from the environment (prefix ``ANXIN_``) like the core settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RoomSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", extra="ignore")

    rooms_max_message_chars: int = Field(default=4000, ge=1, description="Longest chat message (characters).")
    rooms_max_upload_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest image, PDF or voice message (bytes)."
    )
    rooms_call_grace_minutes: int = Field(
        default=15, ge=0, description="Calls stay allowed this long after the session window ends."
    )
    rooms_call_early_minutes: int = Field(
        default=10, ge=0, description="Calls are allowed this long before a booked session starts."
    )
    rooms_max_call_window_minutes: int = Field(
        default=120, ge=1, description="Longest session window a counsellor can open for calls."
    )
    rooms_search_max_messages: int = Field(
        default=5000, ge=1, description="How many of a room's newest messages a search decrypts and scans."
    )
    ice_urls: list[str] = Field(
        default_factory=list,
        description='STUN/TURN URLs for calls, JSON, e.g. ["stun:turn.example.org:3478", '
        '"turn:turn.example.org:3478?transport=udp"]. Empty: direct connections only.',
    )
    turn_shared_secret: str | None = Field(
        default=None,
        description="coturn's static-auth-secret (use-auth-secret): TURN credentials are derived from it.",
    )
    turn_credential_ttl_seconds: int = Field(
        default=3600, ge=60, le=3600, description="Lifetime of TURN credentials handed to a browser (≤ 1 h)."
    )


@lru_cache(maxsize=1)
def room_settings() -> RoomSettings:
    return RoomSettings()


def reset_room_settings() -> None:
    room_settings.cache_clear()
