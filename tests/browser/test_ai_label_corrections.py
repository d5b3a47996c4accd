"""In real Chromium: a counsellor opens "Correct AI labels" from the site header, sees their client's
flagged AI companion message (never its words), corrects it as a false alarm with a note, and the
page confirms it; nothing is loaded from another origin and no script error occurs."""

from __future__ import annotations

from fastapi import FastAPI
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from anxin.companion import service
from anxin.companion.models import LabelCorrection
from anxin.privacy import consent
from anxin.rooms import service as rooms
from tests.browser.signin import in_database, new_person, session_token, signed_in


def _care_with_a_flag(app: FastAPI) -> tuple[str, int]:
    """A counsellor's session token and the id of their client's flagged companion message."""

    async def make(db):  # type: ignore[no-untyped-def]
        client, counsellor = await new_person(db, "client"), await new_person(db, "counsellor")
        await rooms.open_room(db, client_id=client.id, counselor_id=counsellor.id)
        await consent.grant(db, client.id, consent.SHARE_MEASURES_WITH_COUNSELLOR)
        conversation = await service.start_conversation(db, client.id, "en")
        said = await service.post_message(db, client.id, conversation.id, "I want to end my life")
        return await session_token(db, counsellor), said.messages[0].id

    return in_database(app, make)  # type: ignore[no-any-return]


def test_a_counsellor_corrects_a_false_alarm(browser: Browser, live_app: FastAPI, live_url: str) -> None:
    token, message_id = _care_with_a_flag(live_app)
    context = signed_in(browser, live_url, token)
    outside: list[str] = []
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda r: None if r.url.startswith(live_url) else outside.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_url}/counsellor/clients")
        page.get_by_role("link", name="Correct AI labels").click()
        expect(page).to_have_url(f"{live_url}/counsellor/ai-labels")
        item = page.locator(f"#item-companion-{message_id}")
        expect(item).to_contain_text("Flagged")
        expect(item).not_to_contain_text("end my life")
        item.get_by_label("Correction", exact=True).select_option(label="False alarm: no risk")
        item.get_by_label("Note (optional").fill("Song lyrics she was quoting.")
        item.get_by_role("button", name="Save correction").click()
        expect(page.get_by_role("status")).to_contain_text("Your correction helps the models improve")
        expect(page.locator(f"#item-companion-{message_id} [data-corrected]")).to_contain_text("no risk")
        assert outside == [] and errors == []
    finally:
        context.close()

    async def corrections(db):  # type: ignore[no-untyped-def]
        return [
            (row.ref, row.corrected_label, row.note_sealed is not None)
            for row in await db.scalars(select(LabelCorrection))
        ]

    assert in_database(live_app, corrections) == [(str(message_id), "none", True)]
