"""Companion settings, read from the environment (prefix ``ANXIN_``) like the core settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CompanionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", extra="ignore")

    companion_max_message_chars: int = Field(default=2000, ge=1, description="Longest companion message.")
    companion_heavy_use_minutes: int = Field(
        default=45, ge=1, description="A conversation this long gets a reminder to take a break."
    )
    companion_embedder: str = Field(
        default="hashing",
        description="Retrieval embeddings: hashing (hashed n-grams, no torch in the web process), auto "
        "(MiniLM sentence embeddings for English when the ml extra is installed, hashing for Chinese), "
        "minilm or e5.",
    )
    companion_match_threshold: float = Field(
        default=0.4, ge=0.0, le=1.0, description="Least similarity for a curated reply (hashed n-grams)."
    )
    companion_llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint for optional generated replies, e.g. http://127.0.0.1:8080/v1.",
    )
    companion_llm_model: str = Field(default="local", description="Model name sent to that endpoint.")
    companion_llm_api_key_env: str | None = Field(
        default=None, description="Name of the environment variable that holds the endpoint's API key."
    )
    companion_llm_timeout_seconds: float = Field(default=8.0, gt=0, description="Generated reply timeout.")
    help_match_threshold: float = Field(
        default=0.3, ge=0.0, le=1.0, description="Below this similarity the help assistant hands over."
    )
    safety_plan_url: str = Field(default="/safety/plan", description="Where the client's safety plan lives.")


@lru_cache(maxsize=1)
def companion_settings() -> CompanionSettings:
    return CompanionSettings()


def reset_companion_settings() -> None:
    companion_settings.cache_clear()
