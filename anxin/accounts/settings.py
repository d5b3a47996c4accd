"""Account policy, read from the environment (prefix ``ANXIN_``) like the core settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AccountSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", extra="ignore")

    session_idle_minutes: int = Field(
        default=30, ge=1, description="A login session ends after this long without a request."
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, description="A login session ends this long after sign-in, active or not."
    )
    adult_age: int = Field(
        default=18, ge=1, description="Age from which no guardian consent is needed (regions not listed)."
    )
    adult_age_by_region: dict[str, int] = Field(
        default_factory=dict,
        description='Age of majority per region, JSON, e.g. {"CN": 18, "KR": 19}.',
    )
    code_ttl_minutes: int = Field(default=15, ge=1, description="Lifetime of one-time codes.")
    throttle_window_minutes: int = Field(
        default=15, ge=1, description="Sliding window of the per-account and per-address guess limits."
    )
    throttle_account_failures: int = Field(
        default=10, ge=1, description="Failed guesses allowed per account within the window."
    )
    throttle_free_failures: int = Field(
        default=5, ge=0, description="Failures per account before each further guess must wait longer."
    )
    throttle_ip_failures: int = Field(
        default=30, ge=1, description="Failed guesses allowed per network address within the window."
    )
    throttle_consecutive_failures: int = Field(
        default=100,
        ge=1,
        description="Consecutive failed passwords after which only a password reset opens the account.",
    )


@lru_cache(maxsize=1)
def account_settings() -> AccountSettings:
    return AccountSettings()


def reset_account_settings() -> None:
    account_settings.cache_clear()
