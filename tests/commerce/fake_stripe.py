"""A stand-in for Stripe's API at the network edge (the SDK itself runs for real), and correctly
signed webhook deliveries made with a secret generated per test."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import parse_qs

import stripe


class FakeStripeApi(stripe.HTTPClient):
    """Answers PaymentIntent and Refund creation like Stripe, honouring Idempotency-Key."""

    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, dict[str, list[str]]]] = []
        self._by_key: dict[str, tuple[str, int, dict[str, str]]] = {}
        self._lock = threading.Lock()
        self.refund_status = "pending"

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, *, _usage: Any = None):  # type: ignore[no-untyped-def,override]
        form = parse_qs(post_data or "")
        with self._lock:
            self.calls.append((method, url, form))
            key = (headers or {}).get("Idempotency-Key")
            if key and key in self._by_key:
                return self._by_key[key]
            if url.endswith("/v1/payment_intents"):
                intent_id = f"pi_{secrets.token_hex(8)}"
                body = {
                    "id": intent_id,
                    "object": "payment_intent",
                    "amount": int(form["amount"][0]),
                    "currency": form["currency"][0],
                    "status": "requires_payment_method",
                    "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
                }
            elif url.endswith("/v1/refunds"):
                body = {
                    "id": f"re_{secrets.token_hex(8)}",
                    "object": "refund",
                    "amount": int(form["amount"][0]),
                    "payment_intent": form["payment_intent"][0],
                    "status": self.refund_status,
                }
            else:
                body = {"error": {"message": "not faked", "type": "invalid_request_error"}}
                return json.dumps(body), 404, {}
            answer = (json.dumps(body), 200, {"request-id": "req_fake"})
            if key:
                self._by_key[key] = answer
            return answer

    def close(self) -> None:
        return None


def webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


def signed(payload: dict[str, Any], secret: str, *, at: int | None = None) -> tuple[bytes, dict[str, str]]:
    """A delivery signed the way Stripe signs: v1 = HMAC-SHA256(secret, f"{t}.{body}")."""
    body = json.dumps(payload).encode()
    timestamp = int(time.time()) if at is None else at
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"}


def event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_{secrets.token_hex(8)}",
        "object": "event",
        "type": event_type,
        "data": {"object": obj},
    }
