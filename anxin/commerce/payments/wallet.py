"""The built-in wallet: paying from it and crediting it are plain ledger postings."""

from __future__ import annotations

from anxin.commerce import ledger
from anxin.commerce.models import Order
from anxin.core.money import Money


def pay_from_wallet(order: Order) -> list[ledger.Posting]:
    """Client wallet → platform escrow; the ledger refuses it if the wallet would go below zero."""
    price = Money(order.amount, order.currency)
    return [
        ledger.Posting(ledger.wallet(order.client_id, order.currency), -price),
        ledger.Posting(ledger.escrow(order.currency), price),
    ]


def capture_from_provider(order: Order, provider: str) -> list[ledger.Posting]:
    """Provider clearing → escrow (a purchase) or → the client's wallet (a top-up)."""
    price = Money(order.amount, order.currency)
    target = (
        ledger.wallet(order.client_id, order.currency)
        if order.kind == "topup"
        else ledger.escrow(order.currency)
    )
    return [
        ledger.Posting(ledger.provider_clearing(provider, order.currency), -price),
        ledger.Posting(target, price),
    ]
