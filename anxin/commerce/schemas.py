"""Request and response bodies of the /api/v1/commerce endpoints. Amounts are integers in minor
units (分, cents) with an ISO 4217 currency."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from anxin.commerce.models import Order, Payout, Refund
from anxin.core import clock
from anxin.core.money import Money

Currency = Field(min_length=3, max_length=3, pattern="^[A-Z]{3}$", description="ISO 4217 code, e.g. CNY.")
MinorUnits = Field(description="Amount in minor units (分, cents).", ge=-(2**53), le=2**53)
CardNumber = Field(default=None, max_length=32, description="Sandbox card number (sandbox method only).")


class MoneyOut(BaseModel):
    amount: int = Field(description="Minor units.")
    currency: str
    display: str = Field(description='Major units and code, e.g. "128.00 CNY".')

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(amount=money.amount, currency=money.currency, display=money.format())


class CheckoutIn(BaseModel):
    item_id: int = Field(ge=1, le=2**63 - 1)
    currency: str = Currency
    expected_amount: int = Field(
        ge=-(2**53), le=2**53, description="The price the client was shown; a changed price is refused (409)."
    )
    method: Literal["wallet", "sandbox", "stripe"] = "wallet"
    card_number: str | None = CardNumber


class TopUpIn(BaseModel):
    amount: int = MinorUnits
    currency: str = Currency
    method: Literal["sandbox", "stripe"] = "sandbox"
    card_number: str | None = CardNumber


class RefundIn(BaseModel):
    amount: int = MinorUnits
    currency: str = Currency
    reason: str = Field(min_length=1, max_length=500)


class PayoutIn(BaseModel):
    amount: int = MinorUnits
    currency: str = Currency


class PayoutDecisionIn(BaseModel):
    decision: Literal["approve", "reject", "paid"]
    bank_reference: str | None = Field(default=None, max_length=120)
    note: str | None = Field(default=None, max_length=500)


class OrderOut(BaseModel):
    id: int
    kind: str
    status: str
    item_id: int | None
    item_type: str
    price: MoneyOut
    refunded: MoneyOut
    payment_method: str
    refund_policy: dict[str, object]
    created_at: datetime
    paid_at: datetime | None
    client_secret: str | None = Field(default=None, description="Stripe: finish the payment with Stripe.js.")

    @classmethod
    def of(cls, order: Order, client_secret: str | None = None) -> OrderOut:
        return cls(
            id=order.id,
            kind=order.kind,
            status=order.status,
            item_id=order.item_id,
            item_type=order.item_type,
            price=MoneyOut.of(Money(order.amount, order.currency)),
            refunded=MoneyOut.of(Money(order.refunded_amount, order.currency)),
            payment_method=order.payment_method,
            refund_policy=dict(order.refund_policy),
            created_at=clock.as_utc(order.created_at),
            paid_at=clock.as_utc(order.paid_at) if order.paid_at else None,
            client_secret=client_secret,
        )


class RefundOut(BaseModel):
    id: int
    order_id: int
    amount: MoneyOut
    kind: str
    status: str
    created_at: datetime

    @classmethod
    def of(cls, refund: Refund) -> RefundOut:
        return cls(
            id=refund.id,
            order_id=refund.order_id,
            amount=MoneyOut.of(Money(refund.amount, refund.currency)),
            kind=refund.kind,
            status=refund.status,
            created_at=clock.as_utc(refund.created_at),
        )


class PayoutOut(BaseModel):
    id: int
    counsellor_id: int
    amount: MoneyOut
    method: str
    status: str
    bank_reference: str | None
    created_at: datetime

    @classmethod
    def of(cls, payout: Payout) -> PayoutOut:
        return cls(
            id=payout.id,
            counsellor_id=payout.counsellor_id,
            amount=MoneyOut.of(Money(payout.amount, payout.currency)),
            method=payout.method,
            status=payout.status,
            bank_reference=payout.bank_reference,
            created_at=clock.as_utc(payout.created_at),
        )


class WalletOut(BaseModel):
    balance: MoneyOut
    movements: list[MovementOut]


class MovementOut(BaseModel):
    transaction_id: int
    kind: str
    order_id: int | None
    amount: MoneyOut
    at: str


class EarningsLineOut(BaseModel):
    label: str
    orders: int
    gross: MoneyOut
    commission: MoneyOut
    net: MoneyOut


class EarningsOut(BaseModel):
    currency: str
    pending: MoneyOut
    available: MoneyOut
    in_transit: MoneyOut
    by_item: list[EarningsLineOut]
    by_month: list[EarningsLineOut]


class ReceiptOut(BaseModel):
    order: OrderOut
    refunds: list[RefundOut]


class ReconcileOut(BaseModel):
    ok: bool
    violations: list[str]
    transactions: int
    entries: int
    accounts: int
    orders: int


WalletOut.model_rebuild()


class ItemOut(BaseModel):
    id: int
    item_type: str
    title: str
    seller_id: int
    starts_at: datetime | None
    prices: list[MoneyOut]
    refund_policy: list[str] = Field(
        description="The refund policy in the reader's language, shown before paying."
    )
