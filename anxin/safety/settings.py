"""Safety's settings, read from the environment (prefix ``ANXIN_``) like the core settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SafetySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", extra="ignore")

    safety_escalate_after_minutes: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="A risk flag nobody has acknowledged after this many minutes pages the on-call admin.",
    )
    safety_resources_file: Path | None = Field(
        default=None,
        description="A JSON file that adds or replaces regions of the crisis-resources table "
        "(see docs/safety.md for the format).",
    )


@lru_cache(maxsize=1)
def safety_settings() -> SafetySettings:
    return SafetySettings()


def reset_safety_settings() -> None:
    safety_settings.cache_clear()
