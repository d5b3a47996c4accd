"""Appointments: booking a counsellor's slot (no double booking), paying through commerce, the session
lifecycle, cancellation under the refund policy, reminders, informed consent, reviews, complaints
and the care relationship."""
