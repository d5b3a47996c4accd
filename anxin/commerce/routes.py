"""JSON API under /api/v1/commerce. Thin: parse, call one service function, answer.

Every request that moves money takes an ``Idempotency-Key`` header; its answer is replayed byte for
byte for the same key (with ``Idempotent-Replayed: true``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from starlette.responses import Response

from anxin.accounts.deps import Actor, UserActor, csrf_protect, require_role
from anxin.accounts.models import ROLE_ADMIN, ROLE_COUNSELLOR
from anxin.commerce import catalog, orders, paying, payouts, reconcile, reports, views, webhooks
from anxin.commerce.idempotency import REPLAYED_HEADER, StoredResponse
from anxin.commerce.schemas import (
    CheckoutIn,
    EarningsOut,
    ItemOut,
    OrderOut,
    PayoutDecisionIn,
    PayoutIn,
    PayoutOut,
    ReceiptOut,
    ReconcileOut,
    RefundIn,
    RefundOut,
    TopUpIn,
    WalletOut,
)
from anxin.core.deps import DbSession
from anxin.core.errors import NotFound

router = APIRouter(prefix="/commerce", tags=["commerce"], dependencies=[Depends(csrf_protect)])
webhook_router = APIRouter(prefix="/webhooks", tags=["commerce"])

AdminActor = Annotated[Actor, Depends(require_role(ROLE_ADMIN))]
CounsellorActor = Annotated[Actor, Depends(require_role(ROLE_COUNSELLOR))]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Required on paying requests: a unique string per intended payment (≤ 255 chars).",
    ),
]
Currency = Annotated[str, Query(min_length=3, max_length=3, pattern="^[A-Z]{3}$")]
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
ERRORS: dict[int | str, dict[str, str]] = {
    402: {"description": "The card was declined"},
    404: {"description": "Not found (or not yours)"},
    409: {"description": "Insufficient balance, changed price or an order state that does not allow it"},
    422: {"description": "Invalid input, missing Idempotency-Key, or a key reused for another request"},
}


def stored(response: StoredResponse) -> Response:
    headers = dict(response.headers)
    headers[REPLAYED_HEADER] = "true" if response.replayed else "false"
    media_type = headers.pop("content-type", "application/json")
    return Response(
        content=response.body, status_code=response.status, headers=headers, media_type=media_type
    )


# ---------------------------------------------------------------- catalog (public)


@router.get("/items", response_model=list[ItemOut], summary="Items for sale with their prices")
async def list_items(request: Request, db: DbSession) -> list[ItemOut]:
    return await views.items(db, locale=views.locale_of(request))


@router.get(
    "/items/{item_id}",
    response_model=ItemOut,
    responses=ERRORS,
    summary="One item, its prices and refund policy",
)
async def get_item(item_id: RowId, request: Request, db: DbSession) -> ItemOut:
    return await views.item(db, await catalog.get_item(db, item_id), locale=views.locale_of(request))


# ---------------------------------------------------------------- paying


@router.post(
    "/checkout",
    status_code=201,
    responses={201: {"model": OrderOut}, **ERRORS},
    summary="Buy an item (wallet, sandbox card or Stripe)",
)
async def checkout(
    body: CheckoutIn, actor: UserActor, db: DbSession, key: IdempotencyKeyHeader = None
) -> Response:
    return stored(await paying.checkout(db, client_id=actor.id, key=key, body=body))


@router.post(
    "/wallet/top-ups",
    status_code=201,
    responses={201: {"model": OrderOut}, **ERRORS},
    summary="Top up the wallet",
)
async def top_up(
    body: TopUpIn, actor: UserActor, db: DbSession, key: IdempotencyKeyHeader = None
) -> Response:
    return stored(await paying.top_up(db, client_id=actor.id, key=key, body=body))


@router.post(
    "/orders/{order_id}/cancel",
    responses={200: {"model": OrderOut}, **ERRORS},
    summary="Cancel an order and get what the refund policy promises",
)
async def cancel(
    order_id: RowId, actor: UserActor, db: DbSession, key: IdempotencyKeyHeader = None
) -> Response:
    return stored(await paying.cancel(db, client_id=actor.id, order_id=order_id, key=key))


# ---------------------------------------------------------------- the client's money


@router.get("/wallet", response_model=WalletOut, summary="Wallet balance and every movement")
async def wallet(actor: UserActor, db: DbSession, currency: Currency = "CNY") -> WalletOut:
    return await views.wallet(db, actor.id, currency)


@router.get("/orders", response_model=list[OrderOut], summary="My orders, newest first")
async def my_orders(actor: UserActor, db: DbSession) -> list[OrderOut]:
    return [OrderOut.of(order) for order in await orders.list_orders(db, actor.id)]


@router.get(
    "/orders/{order_id}", response_model=ReceiptOut, responses=ERRORS, summary="One order with its refunds"
)
async def my_order(order_id: RowId, actor: UserActor, db: DbSession) -> ReceiptOut:
    return await views.receipt(db, await orders.access_order(db, actor.id, order_id))


@router.get(
    "/orders/{order_id}/receipt.pdf",
    responses={200: {"content": {"application/pdf": {}}}, **ERRORS},
    response_class=Response,
    summary="The receipt as a PDF",
)
async def receipt_pdf(order_id: RowId, actor: UserActor, db: DbSession) -> Response:
    pdf = await views.receipt_pdf(db, await orders.access_order(db, actor.id, order_id))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="anxin-receipt-{order_id}.pdf"'},
    )


# ---------------------------------------------------------------- counsellors


@router.get(
    "/earnings", response_model=EarningsOut, summary="My earnings per item and month, pending and available"
)
async def earnings(actor: CounsellorActor, db: DbSession, currency: Currency = "CNY") -> EarningsOut:
    return views.earnings_out(await reports.counsellor_earnings(db, actor.id, currency))


@router.get("/payouts", response_model=list[PayoutOut], summary="My payouts")
async def my_payouts(actor: CounsellorActor, db: DbSession) -> list[PayoutOut]:
    return [PayoutOut.of(p) for p in await payouts.list_payouts(db, counsellor_id=actor.id)]


@router.post(
    "/payouts", status_code=201, responses={201: {"model": PayoutOut}, **ERRORS}, summary="Ask for a payout"
)
async def request_payout(
    body: PayoutIn, actor: CounsellorActor, db: DbSession, key: IdempotencyKeyHeader = None
) -> Response:
    return stored(await paying.request_payout(db, counsellor_id=actor.id, key=key, body=body))


# ---------------------------------------------------------------- administrators


@router.post(
    "/admin/orders/{order_id}/refunds",
    status_code=201,
    responses={201: {"model": RefundOut}, **ERRORS},
    summary="Refund an order, fully or partly, with a reason",
)
async def refund(
    order_id: RowId, body: RefundIn, actor: AdminActor, db: DbSession, key: IdempotencyKeyHeader = None
) -> Response:
    return stored(await paying.refund(db, admin_id=actor.id, order_id=order_id, key=key, body=body))


@router.get("/admin/orders/{order_id}", response_model=ReceiptOut, responses=ERRORS, summary="Any order")
async def any_order(order_id: RowId, actor: AdminActor, db: DbSession) -> ReceiptOut:
    return await views.receipt(db, await orders.locked_order(db, order_id))


@router.get("/admin/payouts", response_model=list[PayoutOut], summary="Payouts, optionally by status")
async def all_payouts(
    actor: AdminActor, db: DbSession, status: str | None = Query(None, max_length=16)
) -> list[PayoutOut]:
    return [PayoutOut.of(p) for p in await payouts.list_payouts(db, status=status)]


@router.post(
    "/admin/payouts/{payout_id}/decision",
    response_model=PayoutOut,
    responses=ERRORS,
    summary="Approve, reject or record the bank transfer of a payout",
)
async def decide_payout(
    payout_id: RowId, body: PayoutDecisionIn, actor: AdminActor, db: DbSession
) -> PayoutOut:
    return PayoutOut.of(await views.decide_payout(db, actor.id, payout_id, body))


@router.get("/admin/books", summary="The platform's books: balance per kind of account and currency")
async def books(actor: AdminActor, db: DbSession) -> list[dict[str, object]]:
    return [
        {
            "kind": line.kind,
            "currency": line.currency,
            "accounts": line.accounts,
            "balance": line.balance.amount,
        }
        for line in await reports.platform_books(db)
    ]


@router.get("/admin/reconcile", response_model=ReconcileOut, summary="Check that the books balance")
async def run_reconcile(actor: AdminActor, db: DbSession) -> ReconcileOut:
    report = await reconcile.reconcile(db)
    return ReconcileOut(
        ok=report.ok,
        violations=report.violations,
        transactions=report.transactions,
        entries=report.entries,
        accounts=report.accounts,
        orders=report.orders,
    )


# ---------------------------------------------------------------- provider webhooks (no sign-in)


@webhook_router.post(
    "/{provider}",
    responses={400: {"description": "The signature could not be verified; nothing was stored"}},
    summary="Signed notifications from a payment provider",
)
async def provider_webhook(provider: str, request: Request, db: DbSession) -> Response:
    if provider not in ("stripe",):
        raise NotFound()
    ack, _ = await webhooks.receive(
        db, provider=provider, headers=dict(request.headers), body=await request.body()
    )
    return Response(ack.body, status_code=ack.status_code, media_type=ack.media_type)


router.include_router(webhook_router)
