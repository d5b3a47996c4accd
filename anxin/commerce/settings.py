"""Commerce policy, read from the environment (prefix ``ANXIN_``) like the core settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_COMMISSION_BP = {
    "session": 2000,
    "article": 3000,
    "course": 3000,
    "live_event": 3000,
    "question": 3000,
}


class CommerceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", extra="ignore")

    commission_bp: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_COMMISSION_BP),
        description='Platform commission per item type in basis points, JSON, e.g. {"session": 2000}.',
    )
    settlement_delay_hours: int = Field(
        default=7 * 24,
        ge=0,
        description="Hours after fulfilment before a counsellor's earnings become available for payout.",
    )
    idempotency_retention_hours: int = Field(
        default=48, ge=24, description="How long Idempotency-Key responses are kept for replay (≥ 24 h)."
    )
    sandbox_card_enabled: bool = Field(
        default=True, description="Offer the built-in sandbox card gateway (embedded default, demo)."
    )
    stripe_secret_key: SecretStr | None = Field(default=None, description="Stripe secret API key.")
    stripe_webhook_secret: SecretStr | None = Field(
        default=None, description="Signing secret of the Stripe webhook endpoint (whsec_...)."
    )
    stripe_publishable_key: str | None = Field(
        default=None, description="Stripe publishable key, given to the checkout page."
    )

    def commission_for(self, item_type: str) -> int:
        return self.commission_bp.get(item_type, DEFAULT_COMMISSION_BP.get(item_type, 3000))


@lru_cache(maxsize=1)
def commerce_settings() -> CommerceSettings:
    return CommerceSettings()


def reset_commerce_settings() -> None:
    commerce_settings.cache_clear()
