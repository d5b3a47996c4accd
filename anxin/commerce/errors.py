"""Errors of the commerce module: each says what happened and what the person can do."""

from __future__ import annotations

from anxin.core.errors import AppError, Conflict, NotFound, ValidationFailed


class InsufficientFunds(Conflict):
    code = "insufficient_funds"
    default_message = "Your wallet balance is too low for this payment. Please top up first."


class AvailableBalanceTooLow(Conflict):
    code = "available_balance_too_low"
    default_message = "The amount is more than your available balance."


class PriceChanged(Conflict):
    code = "price_changed"
    default_message = "The price has changed since you opened this page. Please review it and pay again."


class CurrencyNotOffered(ValidationFailed):
    code = "currency_not_offered"
    default_message = "This item cannot be paid in that currency."


class UnknownCurrency(ValidationFailed):
    code = "unknown_currency"
    default_message = "We do not accept that currency."


class InvalidAmount(ValidationFailed):
    code = "invalid_amount"
    default_message = "The amount must be greater than zero."


class CurrencyMismatch(ValidationFailed):
    code = "currency_mismatch"
    default_message = "The currency does not match the order's currency."


class RefundTooLarge(ValidationFailed):
    code = "refund_too_large"
    default_message = "The refund is larger than what is left to refund on this order."


class NothingToRefund(Conflict):
    code = "nothing_to_refund"
    default_message = "Under the refund policy, nothing can be refunded for this order any more."


class IllegalTransition(Conflict):
    code = "illegal_order_state"
    default_message = "This order cannot do that in its current state."


class OrderNotFound(NotFound):
    code = "order_not_found"
    default_message = "We could not find this order."


class ItemNotFound(NotFound):
    code = "item_not_found"
    default_message = "This item is not for sale."


class PayoutNotFound(NotFound):
    code = "payout_not_found"
    default_message = "We could not find this payout."


class PaymentMethodUnavailable(ValidationFailed):
    code = "payment_method_unavailable"
    default_message = "This payment method is not available."


class PaymentDeclined(AppError):
    status_code = 402
    code = "payment_declined"
    default_message = "The card was declined and nothing was charged. Please try another card."


class IdempotencyKeyMissing(ValidationFailed):
    code = "idempotency_key_missing"
    default_message = "Paying requests need an Idempotency-Key header (1 to 255 visible characters)."


class IdempotencyKeyReused(ValidationFailed):
    code = "idempotency_key_reused"
    default_message = (
        "This Idempotency-Key was already used for a different request. Use a new key for a new payment."
    )


class WebhookSignatureInvalid(AppError):
    status_code = 400
    code = "webhook_signature_invalid"
    default_message = "The webhook signature could not be verified."


class TopUpNotRefundable(Conflict):
    code = "topup_not_refundable"
    default_message = "Wallet top-ups cannot be refunded here. Please contact support."
