"""HTML pages: checkout, wallet, orders and receipts, counsellor earnings, and the admin's books,
refunds and payouts. Thin: read the form, call one service function, render.

A form that is refused is answered with the page and its message; the attempt ran in a savepoint,
so nothing of it is kept. Paying forms carry an idempotency key made when the form is shown, so a
double submit (or a reload after a network error) replays the first answer instead of paying twice.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anxin.accounts.deps import Actor, CurrentActor, csrf_protect
from anxin.accounts.models import ROLE_ADMIN, ROLE_COUNSELLOR
from anxin.accounts.page_helpers import Reshow, form_again, form_page, gate, submit
from anxin.commerce import catalog, orders, paying, reconcile, reports, views
from anxin.commerce.payments import registry
from anxin.commerce.refunds import policy
from anxin.commerce.schemas import CheckoutIn, PayoutDecisionIn, PayoutIn, RefundIn, TopUpIn
from anxin.core.deps import DbSession
from anxin.core.errors import AppError, ValidationFailed
from anxin.core.money import Money, MoneyError

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _locale(request: Request) -> str:
    return views.locale_of(request)


def _amount(text: str, currency: str) -> int:
    try:
        return Money.parse(text or "", catalog.check_currency(currency)).amount
    except MoneyError:
        raise ValidationFailed("Please enter an amount like 100.00.") from None


# ---------------------------------------------------------------- checkout


async def _checkout_context(request: Request, db: DbSession, actor: Actor, item_id: int) -> dict[str, Any]:
    item = await catalog.get_item(db, item_id)
    prices = await catalog.prices_of(db, item.id)
    currency = request.query_params.get("currency", "CNY")
    if currency not in prices:
        currency = sorted(prices)[0]
    wallet = await views.wallet(db, actor.id, currency)
    return {
        "item": item,
        "price": prices[currency],
        "currencies": sorted(prices),
        "policy": policy.describe(policy.policy_for(item.item_type), _locale(request)),
        "wallet": wallet.balance,
        "methods": [m for m in registry.available_methods() if m != "stripe"],
    }


@router.get("/pay/{item_id}", response_class=HTMLResponse)
async def checkout_page(item_id: RowId, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    return form_page(request, "commerce/checkout.html", await _checkout_context(request, db, actor, item_id))


@router.post("/pay/{item_id}", response_class=HTMLResponse)
async def checkout_submit(
    item_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    currency: str = Form("CNY"),
    expected_amount: int = Form(0),
    method: str = Form("wallet"),
    card_number: str = Form(""),
    idempotency_key: str = Form(""),
) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    try:
        body = CheckoutIn.model_validate(
            {
                "item_id": item_id,
                "currency": currency,
                "expected_amount": expected_amount,
                "method": method,
                "card_number": card_number[:32] or None,
            }
        )
        async with db.begin_nested():  # a refused payment leaves nothing behind
            answer = await paying.checkout(db, client_id=actor.id, key=idempotency_key, body=body)
    except AppError as exc:
        return form_page(
            request, "commerce/checkout.html", await _checkout_context(request, db, actor, item_id), error=exc
        )
    except ValueError:
        return form_page(
            request,
            "commerce/checkout.html",
            await _checkout_context(request, db, actor, item_id),
            error=ValidationFailed(),
        )
    return RedirectResponse(answer.headers["location"].replace("/api/v1/commerce", ""), status_code=303)


# ---------------------------------------------------------------- wallet


async def _wallet_context(db: DbSession, actor: Actor, currency: str = "CNY") -> dict[str, Any]:
    return {"wallet": await views.wallet(db, actor.id, currency), "currency": currency}


@router.get("/wallet", response_class=HTMLResponse)
async def wallet_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    return form_page(request, "commerce/wallet.html", await _wallet_context(db, actor))


@router.post("/wallet/top-up", response_class=HTMLResponse)
async def wallet_top_up(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    amount: str = Form(""),
    currency: str = Form("CNY"),
    card_number: str = Form(""),
    idempotency_key: str = Form(""),
) -> Response:

    async def top_up(actor: Actor) -> str:
        body = TopUpIn(
            amount=_amount(amount, currency),
            currency=currency,
            method="sandbox",
            card_number=card_number[:32],
        )
        await paying.top_up(db, client_id=actor.id, key=idempotency_key, body=body)
        return "/wallet"

    wallet_again = form_again(request, "commerce/wallet.html", partial(_wallet_context, db))
    return await submit(request, db, actor, top_up, reshow=wallet_again)


# ---------------------------------------------------------------- orders and receipts


@router.get("/orders", response_class=HTMLResponse)
async def orders_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    return form_page(request, "commerce/orders.html", {"orders": await orders.list_orders(db, actor.id)})


@router.get("/orders/{order_id}", response_class=HTMLResponse)
async def receipt_page(order_id: RowId, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    order = await orders.access_order(db, actor.id, order_id)
    return form_page(
        request, "commerce/receipt.html", {"receipt": await views.receipt(db, order), "order": order}
    )


@router.get("/orders/{order_id}/receipt.pdf")
async def receipt_pdf(order_id: RowId, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    pdf = await views.receipt_pdf(db, await orders.access_order(db, actor.id, order_id))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="anxin-receipt-{order_id}.pdf"'},
    )


@router.post("/orders/{order_id}/cancel", response_class=HTMLResponse)
async def cancel_submit(
    order_id: RowId, request: Request, db: DbSession, actor: CurrentActor, idempotency_key: str = Form("")
) -> Response:

    async def cancel(actor: Actor) -> str:
        await paying.cancel(db, client_id=actor.id, order_id=order_id, key=idempotency_key)
        return f"/orders/{order_id}"

    async def receipt(actor: Actor) -> dict[str, Any]:
        order = await orders.access_order(db, actor.id, order_id)
        return {"receipt": await views.receipt(db, order), "order": order}

    return await submit(
        request, db, actor, cancel, reshow=form_again(request, "commerce/receipt.html", receipt)
    )


# ---------------------------------------------------------------- counsellors


async def _earnings_context(db: DbSession, actor: Actor) -> dict[str, Any]:
    from anxin.commerce import payouts

    return {
        "earnings": await reports.counsellor_earnings(db, actor.id, "CNY"),
        "payouts": await payouts.list_payouts(db, counsellor_id=actor.id, limit=20),
    }


@router.get("/earnings", response_class=HTMLResponse)
async def earnings_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return blocked
    assert actor is not None
    return form_page(request, "commerce/earnings.html", await _earnings_context(db, actor))


@router.post("/earnings/payouts", response_class=HTMLResponse)
async def payout_submit(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    amount: str = Form(""),
    idempotency_key: str = Form(""),
) -> Response:

    async def request_payout(actor: Actor) -> str:
        body = PayoutIn(amount=_amount(amount, "CNY"), currency="CNY")
        await paying.request_payout(db, counsellor_id=actor.id, key=idempotency_key, body=body)
        return "/earnings"

    earnings_again = form_again(request, "commerce/earnings.html", partial(_earnings_context, db))
    return await submit(request, db, actor, request_payout, reshow=earnings_again, roles=(ROLE_COUNSELLOR,))


# ---------------------------------------------------------------- administrators


async def _admin_context(db: DbSession) -> dict[str, Any]:
    from anxin.commerce import payouts

    return {
        "books": await reports.platform_books(db),
        "report": await reconcile.reconcile(db),
        "payouts": await payouts.list_payouts(db, limit=50),
    }


def _admin_again(request: Request, db: DbSession) -> Reshow:
    async def context(_: Actor) -> dict[str, Any]:
        return await _admin_context(db)

    return form_again(request, "commerce/admin.html", context)


@router.get("/admin/commerce", response_class=HTMLResponse)
async def admin_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor, ROLE_ADMIN)) is not None:
        return blocked
    return form_page(request, "commerce/admin.html", await _admin_context(db))


@router.post("/admin/commerce/refunds", response_class=HTMLResponse)
async def admin_refund(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    order_id: int = Form(0, ge=0, le=2**63 - 1),
    amount: str = Form(""),
    currency: str = Form("CNY"),
    reason: str = Form(""),
    idempotency_key: str = Form(""),
) -> Response:

    async def refund(actor: Actor) -> str:
        if not reason.strip():
            raise ValidationFailed("Please give a reason for the refund.")
        body = RefundIn(amount=_amount(amount, currency), currency=currency, reason=reason.strip()[:500])
        await paying.refund(db, admin_id=actor.id, order_id=order_id, key=idempotency_key, body=body)
        return "/admin/commerce?refunded=1"

    return await submit(request, db, actor, refund, reshow=_admin_again(request, db), roles=(ROLE_ADMIN,))


@router.post("/admin/commerce/payouts/{payout_id}", response_class=HTMLResponse)
async def admin_payout(
    payout_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    decision: str = Form(""),
    bank_reference: str = Form(""),
    note: str = Form(""),
) -> Response:

    async def decide(actor: Actor) -> str:
        if decision not in ("approve", "reject", "paid"):
            raise ValidationFailed()
        body = PayoutDecisionIn.model_validate(
            {"decision": decision, "bank_reference": bank_reference[:120] or None, "note": note[:500] or None}
        )
        await views.decide_payout(db, actor.id, payout_id, body)
        return "/admin/commerce"

    return await submit(request, db, actor, decide, reshow=_admin_again(request, db), roles=(ROLE_ADMIN,))
