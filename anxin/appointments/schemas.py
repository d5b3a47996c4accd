"""Pydantic shapes of the appointments API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from anxin.appointments.models import Booking, CareRelationship, Review
from anxin.core import clock


class BookingIn(BaseModel):
    counsellor_id: int = Field(ge=1)
    starts_at: datetime = Field(description="The slot's start with its offset (as listed by /slots)")
    modality: Literal["text", "voice", "video"]
    currency: str = Field(default="CNY", pattern="^[A-Z]{3}$")
    expected_amount: int = Field(
        ge=0, le=10**9, description="The price the client was shown; a changed price is 409"
    )
    accept_terms_version: int | None = Field(
        default=None,
        description="The informed-consent version the client accepts (needed before the first session)",
    )


class PayIn(BaseModel):
    method: Literal["wallet", "sandbox", "stripe"] = "wallet"
    card_number: str | None = Field(default=None, max_length=30)


class RescheduleIn(BaseModel):
    starts_at: datetime


class OutcomeIn(BaseModel):
    outcome: Literal["held", "client_no_show"]


class BookingOut(BaseModel):
    id: int
    client_id: int
    counsellor_id: int
    starts_at: datetime
    ends_at: datetime
    modality: str
    status: str
    currency: str
    amount: int
    item_id: int | None
    order_id: int | None
    hold_expires_at: datetime | None
    refunded_amount: int

    @classmethod
    def of(cls, row: Booking) -> BookingOut:
        return cls(
            id=row.id,
            client_id=row.client_id,
            counsellor_id=row.counsellor_id,
            starts_at=clock.as_utc(row.starts_at),
            ends_at=clock.as_utc(row.ends_at),
            modality=row.modality,
            status=row.status,
            currency=row.currency,
            amount=row.amount,
            item_id=row.item_id,
            order_id=row.order_id,
            hold_expires_at=clock.as_utc(row.hold_expires_at) if row.hold_expires_at else None,
            refunded_amount=row.refunded_amount,
        )


class SlotOut(BaseModel):
    starts_at: datetime
    ends_at: datetime


class SlotsOut(BaseModel):
    counsellor_id: int
    currency: str
    prices: dict[str, int] = Field(
        description="What this client pays per modality (first-session discount applied)"
    )
    slots: list[SlotOut]


class TermsOut(BaseModel):
    version: int
    text: str
    text_hash: str


class RefundQuoteOut(BaseModel):
    currency: str
    amount: int


class ReviewIn(BaseModel):
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class ReviewOut(BaseModel):
    id: int
    counsellor_id: int
    rating: int
    comment: str
    reply: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: Review) -> ReviewOut:
        return cls(
            id=row.id,
            counsellor_id=row.counsellor_id,
            rating=row.rating,
            comment=row.comment,
            reply=row.reply,
            created_at=clock.as_utc(row.created_at),
        )


class ComplaintIn(BaseModel):
    counsellor_id: int = Field(ge=1)
    kind: Literal["complaint", "ethics"] = "complaint"
    details: str = Field(min_length=10, max_length=5000)


class ResolveIn(BaseModel):
    outcome: Literal["no_action", "guidance", "suspended"]
    response: str = Field(min_length=3, max_length=1000)


class ComplaintOut(BaseModel):
    id: int
    counsellor_id: int
    kind: str
    status: str
    outcome: str | None
    response: str | None
    details: str | None


class EndCareIn(BaseModel):
    reason: Literal["client_ended", "change_requested"]


class ReferIn(BaseModel):
    note: str = Field(min_length=10, max_length=2000)


class CareOut(BaseModel):
    id: int
    client_id: int
    counsellor_id: int
    status: str
    end_reason: str | None

    @classmethod
    def of(cls, row: CareRelationship) -> CareOut:
        return cls(
            id=row.id,
            client_id=row.client_id,
            counsellor_id=row.counsellor_id,
            status=row.status,
            end_reason=row.end_reason,
        )
