"""Orders: checkout, capture, fulfilment and cancellation along a state machine of legal moves.

``created → paid → fulfilled → partially_refunded → refunded``, plus ``created → cancelled |
failed`` and ``paid → cancelled`` (a paid session cancelled under the refund policy). Other
modules learn about payments through the outbox events ``commerce.order_paid`` and
``commerce.order_refunded`` (ids only) and report fulfilment back with :func:`mark_fulfilled`.

Money moves: payment → platform escrow; fulfilment → escrow splits into the counsellor's pending
earnings and the platform's commission (``Money.split`` with the rate snapshotted at checkout);
settlement later moves pending → available. A wallet purchase of something that paying delivers
posts both moves as one transaction (``capture:order:<id>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import catalog, ledger
from anxin.commerce.errors import IllegalTransition, InvalidAmount, OrderNotFound, PriceChanged
from anxin.commerce.models import Order, OrderEvent, Payment
from anxin.commerce.payments import registry, wallet
from anxin.commerce.refunds.policy import NO_REFUND_POLICY, policy_for
from anxin.commerce.settings import commerce_settings
from anxin.core import clock, outbox
from anxin.core.errors import ValidationFailed
from anxin.core.money import Money

CREATED = "created"
PAID = "paid"
FULFILLED = "fulfilled"
PARTIALLY_REFUNDED = "partially_refunded"
REFUNDED = "refunded"
CANCELLED = "cancelled"
FAILED = "failed"

LEGAL_TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({CREATED}),
    CREATED: frozenset({PAID, CANCELLED, FAILED}),
    PAID: frozenset({FULFILLED, PARTIALLY_REFUNDED, REFUNDED, CANCELLED}),
    FULFILLED: frozenset({PARTIALLY_REFUNDED, REFUNDED}),
    PARTIALLY_REFUNDED: frozenset({PARTIALLY_REFUNDED, REFUNDED, CANCELLED}),
    REFUNDED: frozenset(),
    CANCELLED: frozenset(),
    FAILED: frozenset(),
}
CAPTURED_STATES = frozenset({PAID, FULFILLED, PARTIALLY_REFUNDED})

KIND_PURCHASE = "purchase"
KIND_TOPUP = "topup"
# Paying for these delivers them (the content module grants access on commerce.order_paid).
# Sessions and live events are fulfilled when they have taken place (mark_fulfilled).
FULFILLED_ON_PAYMENT = frozenset({"article", "course", "question", "topup"})

ORDER_PAID = "commerce.order_paid"
ORDER_REFUNDED = "commerce.order_refunded"

MAX_TOPUP = {"CNY": 5_000_00, "USD": 1_000_00}


@dataclass(frozen=True, slots=True)
class CheckoutResult:
    order: Order
    payment: Payment
    client_secret: str | None = None


def transition(db: AsyncSession, order: Order, to_status: str) -> None:
    """Move ``order`` to ``to_status`` if the machine allows it, and record the move."""
    current: str | None = order.status
    if to_status not in LEGAL_TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition()
    order.status = to_status
    db.add(OrderEvent(order_id=order.id, from_status=current, to_status=to_status, at=clock.utcnow()))


async def locked_order(db: AsyncSession, order_id: int) -> Order:
    order = await db.scalar(
        select(Order).where(Order.id == order_id).with_for_update().execution_options(populate_existing=True)
    )
    if order is None:
        raise OrderNotFound()
    return order


async def access_order(db: AsyncSession, client_id: int, order_id: int, *, lock: bool = False) -> Order:
    """The client's own order; anyone else's is 'not found'."""
    order = await locked_order(db, order_id) if lock else await db.get(Order, order_id)
    if order is None or order.client_id != client_id:
        raise OrderNotFound()
    return order


async def _new_order(
    db: AsyncSession,
    *,
    kind: str,
    client_id: int,
    item_type: str,
    price: Money,
    method: str,
    item_id: int | None = None,
    seller_id: int | None = None,
    starts_at: datetime | None = None,
) -> Order:
    now = clock.utcnow()
    order = Order(
        kind=kind,
        client_id=client_id,
        item_id=item_id,
        item_type=item_type,
        seller_id=seller_id,
        currency=price.currency,
        amount=price.amount,
        status=CREATED,
        payment_method=method,
        commission_bp=0 if kind == KIND_TOPUP else commerce_settings().commission_for(item_type),
        refund_policy=NO_REFUND_POLICY if kind == KIND_TOPUP else policy_for(item_type),
        service_starts_at=starts_at,
        consumed_bp=0,
        captured_amount=0,
        refunded_amount=0,
        allocated_gross=0,
        allocated_fee=0,
        refunded_after_allocation=0,
        fee_refunded=0,
        net_refunded_from_pending=0,
        shared_amount=0,
        created_at=now,
    )
    db.add(order)
    await db.flush()
    db.add(OrderEvent(order_id=order.id, from_status=None, to_status=CREATED, at=now))
    return order


async def checkout(
    db: AsyncSession,
    *,
    client_id: int,
    item_id: int,
    currency: str,
    expected_amount: int,
    method: str,
    details: Mapping[str, str] | None = None,
) -> CheckoutResult:
    """Buy an item at the price the client saw (``expected_amount``), or refuse a stale price."""
    item, price = await catalog.item_for_sale(db, item_id, currency)
    if expected_amount != price.amount:
        raise PriceChanged(
            "The price has changed to {price}. Please review it and pay again.",
            params={"price": price.format()},
        )
    if item.seller_id == client_id:
        raise ValidationFailed("You cannot buy your own item.")
    order = await _new_order(
        db,
        kind=KIND_PURCHASE,
        client_id=client_id,
        item_type=item.item_type,
        price=price,
        method=method,
        item_id=item.id,
        seller_id=item.seller_id,
        starts_at=item.starts_at,
    )
    return await _pay(db, order, method, details or {})


async def top_up(
    db: AsyncSession, *, client_id: int, amount: Money, method: str, details: Mapping[str, str] | None = None
) -> CheckoutResult:
    """Add money to the client's wallet through a provider gateway."""
    if amount.amount <= 0:
        raise InvalidAmount()
    limit = MAX_TOPUP.get(amount.currency)
    if limit is not None and amount.amount > limit:
        raise ValidationFailed(
            "A single top-up can be at most {limit}.",
            params={"limit": Money(limit, amount.currency).format()},
        )
    if method == registry.WALLET:
        raise ValidationFailed("Please choose a card to top up your wallet.")
    order = await _new_order(
        db, kind=KIND_TOPUP, client_id=client_id, item_type="topup", price=amount, method=method
    )
    return await _pay(db, order, method, details or {})


async def _pay(db: AsyncSession, order: Order, method: str, details: Mapping[str, str]) -> CheckoutResult:
    price = Money(order.amount, order.currency)
    if method == registry.WALLET:
        return CheckoutResult(order, await _pay_from_wallet(db, order))
    gateway = registry.gateway(method)
    payment = Payment(
        order_id=order.id,
        provider=gateway.name,
        amount=price.amount,
        currency=price.currency,
        status="pending",
        created_at=clock.utcnow(),
    )
    db.add(payment)
    await db.flush()
    started = await gateway.start_payment(
        payment_id=payment.id, order_id=order.id, amount=price, details=details
    )
    payment.provider_ref = started.provider_ref
    if started.status == "captured":
        await capture(db, order, payment)
    await db.flush()
    return CheckoutResult(order, payment, started.client_secret)


async def _pay_from_wallet(db: AsyncSession, order: Order) -> Payment:
    """Wallet → escrow and, for what paying delivers, escrow → earnings + commission, as ONE ledger
    transaction (``capture:order:<id>``).

    Locks only the buyer's wallet (pending earnings and the platform's accounts are never locked).
    Nothing is flushed until the posting is written, so the payment, the order's moves and its outbox
    rows go to the database together, a statement per table.
    """
    now = clock.utcnow()
    payment = Payment(
        order_id=order.id,
        provider=registry.WALLET,
        amount=order.amount,
        currency=order.currency,
        status="succeeded",
        created_at=now,
        captured_at=now,
    )
    db.add(payment)
    with db.no_autoflush:
        postings = wallet.pay_from_wallet(order)
        _record_paid(db, order)
        if order.item_type in FULFILLED_ON_PAYMENT:
            _record_fulfilled(db, order)
            if order.kind == KIND_PURCHASE:
                postings += _allocation(order)
        await ledger.post(
            db, kind="capture", reference=f"capture:order:{order.id}", postings=postings, order_id=order.id
        )
        await _emit_paid(db, order)
    return payment


async def capture(db: AsyncSession, order: Order, payment: Payment) -> None:
    """A provider has taken the money for ``order`` (the order row is locked by the caller)."""
    payment.status = "succeeded"
    payment.captured_at = clock.utcnow()
    await ledger.post(
        db,
        kind="topup" if order.kind == KIND_TOPUP else "capture",
        reference=f"capture:order:{order.id}",
        postings=wallet.capture_from_provider(order, payment.provider),
        order_id=order.id,
    )
    await _mark_paid(db, order)


def paid_event(item_type: str) -> str:
    """The event for paid orders of one item type, for a subscriber that cares about no other
    (commerce.order_paid goes to every subscriber for every order)."""
    return f"{ORDER_PAID}:{item_type}"


def _record_paid(db: AsyncSession, order: Order) -> None:
    transition(db, order, PAID)
    order.captured_amount = order.amount
    order.paid_at = clock.utcnow()


async def _emit_paid(db: AsyncSession, order: Order) -> None:
    payload: outbox.Payload = {"order_id": order.id, "item_type": order.item_type}
    await outbox.emit(db, ORDER_PAID, payload)
    await outbox.emit(db, paid_event(order.item_type), payload)


async def _mark_paid(db: AsyncSession, order: Order) -> None:
    _record_paid(db, order)
    if order.item_type in FULFILLED_ON_PAYMENT:
        await _fulfil(db, order)
    await _emit_paid(db, order)


async def mark_fulfilled(db: AsyncSession, order_id: int) -> Order:
    """The service was delivered (a session took place): release escrow into earnings."""
    order = await locked_order(db, order_id)
    if order.fulfilled_at is not None:
        return order  # reported twice: nothing more to do
    if order.status not in (PAID, PARTIALLY_REFUNDED):
        raise IllegalTransition()
    await _fulfil(db, order)
    return order


def _record_fulfilled(db: AsyncSession, order: Order) -> None:
    if order.status == PAID:
        transition(db, order, FULFILLED)
    order.fulfilled_at = clock.utcnow()


async def _fulfil(db: AsyncSession, order: Order) -> None:
    _record_fulfilled(db, order)
    if order.kind == KIND_PURCHASE:
        await allocate(db, order)


def _allocation(order: Order) -> list[ledger.Posting]:
    """Record the split of what was not refunded on ``order`` and return its postings (escrow →
    pending earnings + commission; none when there is nothing to split or nobody to pay)."""
    gross = Money(order.captured_amount - order.refunded_amount, order.currency)
    fee, net = gross.split(order.commission_bp)
    order.allocated_gross, order.allocated_fee, order.allocated_at = gross.amount, fee.amount, clock.utcnow()
    if gross.amount == 0 or order.seller_id is None:
        return []
    postings = [ledger.Posting(ledger.escrow(order.currency), -gross)]
    if fee.amount:
        postings.append(ledger.Posting(ledger.commission(order.currency), fee))
    if net.amount:
        postings.append(ledger.Posting(ledger.earnings_pending(order.seller_id, order.currency), net))
    return postings


async def allocate(db: AsyncSession, order: Order) -> None:
    """Escrow → counsellor's pending earnings + platform commission, for what was not refunded."""
    if order.allocated_at is not None:
        return
    postings = _allocation(order)
    if postings:
        await ledger.post(
            db, kind="allocate", reference=f"allocate:order:{order.id}", postings=postings, order_id=order.id
        )


async def mark_failed(db: AsyncSession, order: Order, payment: Payment) -> None:
    payment.status = "failed"
    if order.status == CREATED:
        transition(db, order, FAILED)


async def record_consumption(db: AsyncSession, order_id: int, consumed_bp: int) -> None:
    """How much of a content order the client has used (the refund policy depends on it)."""
    order = await locked_order(db, order_id)
    order.consumed_bp = max(order.consumed_bp, min(10_000, max(0, consumed_bp)))


async def list_orders(db: AsyncSession, client_id: int, *, limit: int = 50) -> list[Order]:
    rows = await db.scalars(
        select(Order).where(Order.client_id == client_id).order_by(Order.id.desc()).limit(limit)
    )
    return list(rows.all())


async def payments_of(db: AsyncSession, order_id: int) -> list[Payment]:
    return list((await db.scalars(select(Payment).where(Payment.order_id == order_id))).all())
