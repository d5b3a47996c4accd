"""Revenue shares: pass part of what a seller earned on an order to a second person.

The smallest general way to split a sale between two parties: after the order is allocated
(escrow → the seller's pending earnings + commission), one more balanced transaction moves
``share_bp`` of the seller's net to the beneficiary's wallet. Its reference is unique per order
(``share:order:<id>``), so calling it twice shares once. Used by content for unlocked answers
(the asker gets half of what the answerer earns on each unlock).

The share comes out of the seller's pending earnings (or, once the order has settled, their
available earnings) and is recorded on the order (``shared_amount``), so settlement later moves only
what is left. A later refund of a shared order is taken from the seller's side as for any order
(the beneficiary keeps their share) as far as the seller's part of it reaches; the platform's
commission absorbs the rest. Content makes unlocks consumed on delivery, so the client's
cancellation refunds nothing and only an administrator can refund them.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import ledger, orders
from anxin.commerce.errors import IllegalTransition, InvalidAmount
from anxin.core.money import Money


def share_of(net: int, share_bp: int) -> int:
    return net * share_bp // 10_000


async def share_earnings(db: AsyncSession, order_id: int, *, beneficiary_id: int, share_bp: int) -> Money:
    """Move ``share_bp`` of the seller's net on ``order_id`` to ``beneficiary_id``'s wallet."""
    if not 0 < share_bp <= 10_000:
        raise InvalidAmount()
    order = await orders.locked_order(db, order_id)
    if order.allocated_at is None or order.seller_id is None:
        raise IllegalTransition()
    if order.shared_amount:
        return Money(order.shared_amount, order.currency)  # shared before: once per order
    # Never more than the seller still holds of this order (a refund may have taken part of it).
    left = order.allocated_gross - order.allocated_fee - order.net_refunded_from_pending
    share = Money(min(left, share_of(order.allocated_gross - order.allocated_fee, share_bp)), order.currency)
    if share.amount <= 0:
        return Money(0, order.currency)
    source = (
        ledger.earnings_pending(order.seller_id, order.currency)
        if order.settled_at is None
        else ledger.earnings_available(order.seller_id, order.currency)
    )
    posted = await ledger.post(
        db,
        kind="share",
        reference=f"share:order:{order.id}",
        postings=[
            ledger.Posting(source, -share),
            ledger.Posting(ledger.wallet(beneficiary_id, order.currency), share),
        ],
        order_id=order.id,
    )
    if posted is not None:
        order.shared_amount = share.amount
    return share
