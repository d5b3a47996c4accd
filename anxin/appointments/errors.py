"""Errors of the appointments module: each says what happened and what the person can do."""

from __future__ import annotations

from anxin.core.errors import Conflict, NotFound, ValidationFailed


class BookingNotFound(NotFound):
    code = "booking_not_found"
    default_message = "We could not find this session."


class SlotTaken(Conflict):
    code = "slot_taken"
    default_message = "Someone has just booked this time. Please choose another time."


class AlreadyBooked(Conflict):
    code = "already_booked"
    default_message = "You have already booked this time."


class SessionPriceChanged(Conflict):
    code = "price_changed"
    default_message = "The price has changed since you opened this page. Please review it and book again."


class TooLateToBook(ValidationFailed):
    code = "too_late_to_book"
    default_message = "This time has passed or starts too soon to book. Please choose a later time."


class OutsideAvailability(ValidationFailed):
    code = "outside_availability"
    default_message = "The counsellor is not available at this time. Please choose one of the free times."


class ConsentRequired(ValidationFailed):
    code = "informed_consent_required"
    default_message = "Please read and accept the informed-consent terms before your first session."


class NotBookable(Conflict):
    code = "booking_state"
    default_message = "This session cannot do that in its current state."


class TooLateToChange(Conflict):
    code = "too_late_to_change"
    default_message = "The session has already started, so it can no longer be changed or cancelled."


class ReviewNotAllowed(Conflict):
    code = "review_not_allowed"
    default_message = "You can review a counsellor once, after a session that took place."


class ComplaintNotFound(NotFound):
    code = "complaint_not_found"
    default_message = "We could not find this complaint."
