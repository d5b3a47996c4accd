"""Which gateways this deployment offers, built from the settings (tests may install their own)."""

from __future__ import annotations

from anxin.commerce.errors import PaymentMethodUnavailable
from anxin.commerce.payments.gateway import Gateway
from anxin.commerce.payments.sandbox import SandboxCardGateway
from anxin.commerce.settings import commerce_settings

WALLET = "wallet"

_installed: dict[str, Gateway] = {}


def install(gateway: Gateway) -> None:
    """Offer ``gateway`` under its name (replacing the configured one)."""
    _installed[gateway.name] = gateway


def uninstall(name: str) -> None:
    _installed.pop(name, None)


def _configured(name: str) -> Gateway | None:
    settings = commerce_settings()
    if name == "sandbox" and settings.sandbox_card_enabled:
        return SandboxCardGateway()
    if name == "stripe" and settings.stripe_secret_key and settings.stripe_webhook_secret:
        from anxin.commerce.payments.stripe_gateway import StripeGateway

        return StripeGateway(
            api_key=settings.stripe_secret_key.get_secret_value(),
            webhook_secret=settings.stripe_webhook_secret.get_secret_value(),
        )
    return None


def gateway(name: str) -> Gateway:
    found = _installed.get(name)
    if found is None:
        found = _configured(name)
        if found is None:
            raise PaymentMethodUnavailable()
        _installed[name] = found
    return found


def available_methods() -> list[str]:
    methods = [WALLET]
    for name in ("sandbox", "stripe"):
        try:
            gateway(name)
        except PaymentMethodUnavailable:
            continue
        methods.append(name)
    return methods


def reset() -> None:
    _installed.clear()
