"""Tables of the commerce module. Ledger rows are written only by ``commerce.ledger``; the others
only by the commerce services. Users are referred to by plain integer ids (owner, counsellor)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from anxin.core.db import Base
from anxin.core.outbox import BigId

# ---------------------------------------------------------------- ledger (append-only)


class LedgerAccount(Base):
    """One account of the chart, e.g. ``wallet:client:42:CNY`` or ``commission:CNY``."""

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # Guarded accounts may never go below zero; their balance is cached (and row-locked) below.
    # (Pending earnings are not guarded: each order bounds what it can take out; see ``ledger``.)
    guarded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LedgerBalance(Base):
    """Cached balance of a guarded account; reconcile proves it equals the sum of its entries."""

    __tablename__ = "ledger_balances"

    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), primary_key=True
    )
    balance: Mapped[int] = mapped_column(BigInteger)


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    # What the posting is for ("capture:order:12"); unique, so a job run twice posts once.
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    order_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    refund_id: Mapped[int | None] = mapped_column(BigInteger)
    payout_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    transaction_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_accounts.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)  # signed minor units
    currency: Mapped[str] = mapped_column(String(3))

    __table_args__ = (Index("ix_ledger_entries_account_id", "account_id", "id"),)


# ---------------------------------------------------------------- catalog


class CatalogItem(Base):
    """Something for sale, owned by another module (``item_type`` + ``ref``) and sold by a counsellor."""

    __tablename__ = "commerce_items"
    __table_args__ = (UniqueConstraint("item_type", "ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    item_type: Mapped[str] = mapped_column(String(24))
    ref: Mapped[str] = mapped_column(String(64))
    seller_id: Mapped[int] = mapped_column(BigInteger, index=True)
    title: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ItemPrice(Base):
    __tablename__ = "commerce_item_prices"
    __table_args__ = (UniqueConstraint("item_id", "currency"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("commerce_items.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)


# ---------------------------------------------------------------- orders and payments


class Order(Base):
    __tablename__ = "commerce_orders"
    __table_args__ = (Index("ix_commerce_orders_client_id", "client_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # "purchase" or "topup"
    client_id: Mapped[int] = mapped_column(BigInteger)
    item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("commerce_items.id", ondelete="RESTRICT"))
    item_type: Mapped[str] = mapped_column(String(24))
    seller_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(24))
    payment_method: Mapped[str] = mapped_column(String(16))
    commission_bp: Mapped[int] = mapped_column(Integer)
    refund_policy: Mapped[dict[str, Any]] = mapped_column(JSON)  # the policy shown before paying
    service_starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consumed_bp: Mapped[int] = mapped_column(Integer, default=0)
    captured_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    # Allocation: what escrow released to the counsellor and the platform on fulfilment.
    allocated_gross: Mapped[int] = mapped_column(BigInteger, default=0)
    allocated_fee: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_after_allocation: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    net_refunded_from_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    # The part of the counsellor's net passed on to someone else (``commerce.shares``).
    shared_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fulfilled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    allocated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OrderEvent(Base):
    """Every state change of an order, so the state machine can be checked after the fact."""

    __tablename__ = "commerce_order_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("commerce_orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Payment(Base):
    __tablename__ = "commerce_payments"
    __table_args__ = (UniqueConstraint("provider", "provider_ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("commerce_orders.id"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    provider_ref: Mapped[str | None] = mapped_column(String(120))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  # pending, succeeded, failed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    captured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Refund(Base):
    __tablename__ = "commerce_refunds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("commerce_orders.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(16))  # "admin" or "cancellation"
    reason: Mapped[str | None] = mapped_column(String(500))
    destination: Mapped[str] = mapped_column(String(16))  # "wallet" or the provider's name
    status: Mapped[str] = mapped_column(String(16))  # pending (provider to confirm), succeeded
    provider_ref: Mapped[str | None] = mapped_column(String(120), index=True)
    requested_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Payout(Base):
    __tablename__ = "commerce_payouts"
    __table_args__ = (Index("ix_commerce_payouts_counsellor_id", "counsellor_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    counsellor_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))  # requested, approved, rejected, paid
    bank_reference: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# ---------------------------------------------------------------- idempotency and webhooks


class IdempotencyKey(Base):
    """The first response to a paying request, replayed byte for byte for the same key."""

    __tablename__ = "commerce_idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(64))  # whose key it is, e.g. "user:42"
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_headers: Mapped[dict[str, str]] = mapped_column(JSON)
    response_body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class WebhookEvent(Base):
    """A verified provider notification, stored once (unique on provider + event id)."""

    __tablename__ = "commerce_webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(120))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
