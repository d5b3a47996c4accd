"""The jobs that get a flag to a human: page the counsellor, and escalate to the on-call admins when
nobody has acknowledged in time (or at once when the client has no counsellor).

Both run from outbox rows written with the flag, so they survive a crash or restart; both are safe to
run twice (the escalation checks ``escalated_at``; paging is deduplicated by the outbox key).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock, notify, outbox
from anxin.core.notify import EMAIL, IN_APP, N_, SMS, WEB_PUSH, register_template
from anxin.privacy import audit
from anxin.safety import rota
from anxin.safety.models import OPEN, RiskFlag
from anxin.safety.service import ALERT_JOB, ESCALATE_JOB, _event, alert_event, user_channel

ALERT_KIND = "safety.risk_alert"
ESCALATED_KIND = "safety.risk_escalated"
PAGE_CHANNELS = (IN_APP, SMS, EMAIL, WEB_PUSH)

register_template(
    ALERT_KIND,
    subject=N_("Anxin: a client may be at risk"),
    body=N_(
        "A message from one of your clients was flagged as possible risk (level: {level}). "
        "Please open alert {flag} in Anxin and acknowledge it now."
    ),
)
register_template(
    ESCALATED_KIND,
    subject=N_("Anxin: an unacknowledged risk alert"),
    body=N_(
        "Risk alert {flag} (level: {level}) has not been acknowledged. You are on call: "
        "please open it in Anxin and acknowledge it now."
    ),
)


@outbox.job(ALERT_JOB)
async def page_counsellor(db: AsyncSession, payload: outbox.Payload) -> None:
    flag = await db.get(RiskFlag, int(payload["flag_id"]))
    if flag is None or flag.owner_id is None or flag.status != OPEN:
        return
    await notify.notify_user(
        db, flag.owner_id, ALERT_KIND, {"flag": flag.id, "level": flag.level}, channels=PAGE_CHANNELS
    )
    await _event(db, flag, "alerted", actor_id=flag.owner_id)
    await audit.record(
        db,
        action="safety.flag_paged",
        object_type="risk_flag",
        object_id=flag.id,
        subject_id=flag.subject_id,
        details={"recipient": flag.owner_id},
    )


@outbox.job(ESCALATE_JOB)
async def escalate(db: AsyncSession, payload: outbox.Payload) -> None:
    flag = await db.get(RiskFlag, int(payload["flag_id"]))
    if flag is None or flag.status != OPEN or flag.escalated_at is not None:
        return
    flag.escalated_at = clock.utcnow()
    await db.flush()
    on_call = await rota.on_call_now(db)
    for admin_id in on_call:
        await outbox.publish(db, user_channel(admin_id), alert_event(flag))
        await notify.notify_user(
            db, admin_id, ESCALATED_KIND, {"flag": flag.id, "level": flag.level}, channels=PAGE_CHANNELS
        )
    await _event(db, flag, "escalated", code=str(len(on_call)))
    await audit.record(
        db,
        action="safety.flag_escalated",
        object_type="risk_flag",
        object_id=flag.id,
        subject_id=flag.subject_id,
        details={"paged": len(on_call), "had_owner": flag.owner_id is not None},
    )
