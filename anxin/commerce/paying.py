"""Paying operations run under an Idempotency-Key: each returns the exact response bytes that a
retry with the same key gets back. Routes and the purchase benchmark call these."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import idempotency, orders, payouts
from anxin.commerce.catalog import check_currency
from anxin.commerce.idempotency import StoredResponse
from anxin.commerce.refunds import service as refunds
from anxin.commerce.schemas import CheckoutIn, OrderOut, PayoutIn, PayoutOut, RefundIn, RefundOut, TopUpIn
from anxin.core.money import Money
from anxin.privacy import audit

CHECKOUT_PATH = "/api/v1/commerce/checkout"
TOP_UP_PATH = "/api/v1/commerce/wallet/top-ups"
PAYOUTS_PATH = "/api/v1/commerce/payouts"


def scope_of(user_id: int) -> str:
    return f"user:{user_id}"


async def checkout(db: AsyncSession, *, client_id: int, key: str | None, body: CheckoutIn) -> StoredResponse:
    async def operation() -> StoredResponse:
        result = await orders.checkout(
            db,
            client_id=client_id,
            item_id=body.item_id,
            currency=body.currency,
            expected_amount=body.expected_amount,
            method=body.method,
            details={"card_number": body.card_number or ""},
        )
        out = OrderOut.of(result.order, result.client_secret)
        return idempotency.json_response(
            201, out.model_dump(mode="json"), location=f"/api/v1/commerce/orders/{result.order.id}"
        )

    return await idempotency.run(
        db,
        scope=scope_of(client_id),
        key=key,
        fingerprint=idempotency.fingerprint(
            method="POST", path=CHECKOUT_PATH, body=body.model_dump(mode="json"), actor=scope_of(client_id)
        ),
        operation=operation,
    )


async def top_up(db: AsyncSession, *, client_id: int, key: str | None, body: TopUpIn) -> StoredResponse:
    async def operation() -> StoredResponse:
        result = await orders.top_up(
            db,
            client_id=client_id,
            amount=Money(body.amount, check_currency(body.currency)),
            method=body.method,
            details={"card_number": body.card_number or ""},
        )
        out = OrderOut.of(result.order, result.client_secret)
        return idempotency.json_response(
            201, out.model_dump(mode="json"), location=f"/api/v1/commerce/orders/{result.order.id}"
        )

    return await idempotency.run(
        db,
        scope=scope_of(client_id),
        key=key,
        fingerprint=idempotency.fingerprint(
            method="POST", path=TOP_UP_PATH, body=body.model_dump(mode="json"), actor=scope_of(client_id)
        ),
        operation=operation,
    )


async def refund(
    db: AsyncSession, *, admin_id: int, order_id: int, key: str | None, body: RefundIn
) -> StoredResponse:
    async def operation() -> StoredResponse:
        order = await orders.locked_order(db, order_id)
        row = await refunds.refund(
            db,
            order,
            Money(body.amount, check_currency(body.currency)),
            kind=refunds.KIND_ADMIN,
            reason=body.reason,
            requested_by=admin_id,
        )
        await audit.record(
            db,
            action="commerce.refund",
            actor_id=admin_id,
            actor_role="admin",
            object_type="order",
            object_id=order.id,
            subject_id=order.client_id,
            details={"refund_id": row.id, "amount": row.amount, "currency": row.currency},
        )
        return idempotency.json_response(201, RefundOut.of(row).model_dump(mode="json"))

    path = f"/api/v1/commerce/admin/orders/{order_id}/refunds"
    return await idempotency.run(
        db,
        scope=scope_of(admin_id),
        key=key,
        fingerprint=idempotency.fingerprint(
            method="POST", path=path, body=body.model_dump(mode="json"), actor=scope_of(admin_id)
        ),
        operation=operation,
    )


async def request_payout(
    db: AsyncSession, *, counsellor_id: int, key: str | None, body: PayoutIn
) -> StoredResponse:
    async def operation() -> StoredResponse:
        payout = await payouts.request_payout(
            db, counsellor_id=counsellor_id, amount=Money(body.amount, check_currency(body.currency))
        )
        return idempotency.json_response(201, PayoutOut.of(payout).model_dump(mode="json"))

    return await idempotency.run(
        db,
        scope=scope_of(counsellor_id),
        key=key,
        fingerprint=idempotency.fingerprint(
            method="POST", path=PAYOUTS_PATH, body=body.model_dump(mode="json"), actor=scope_of(counsellor_id)
        ),
        operation=operation,
    )


async def cancel(db: AsyncSession, *, client_id: int, order_id: int, key: str | None) -> StoredResponse:
    async def operation() -> StoredResponse:
        order = await refunds.cancel(db, client_id=client_id, order_id=order_id)
        return idempotency.json_response(200, OrderOut.of(order).model_dump(mode="json"))

    path = f"/api/v1/commerce/orders/{order_id}/cancel"
    return await idempotency.run(
        db,
        scope=scope_of(client_id),
        key=key,
        fingerprint=idempotency.fingerprint(method="POST", path=path, body={}, actor=scope_of(client_id)),
        operation=operation,
    )
