"""The client's own page (/companion-summary) shows exactly the companion summary their counsellor
sees, whether sharing is on, and the switch that turns it on or off for the counsellor."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from anxin.accounts.models import ROLE_COUNSELLOR
from anxin.companion import service
from anxin.privacy import consent
from anxin.rooms import service as rooms
from tests.rooms.support import make_person

PAGE = "/companion-summary"


def _token(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def _facts(html: str) -> str:
    """The summary block (counts, exercises, emotions, flags), without the page around it."""
    return html.split('<dl class="companion-record" data-summary>')[1].split("</table>")[0]


async def test_the_client_sees_what_their_counsellor_sees_and_switches_sharing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    database = app.state.database
    me = await make_person(database)
    counsellor = await make_person(database, ROLE_COUNSELLOR)
    async with database.transaction() as db:
        await rooms.open_room(db, client_id=me.user_id, counselor_id=counsellor.user_id)
        conversation = await service.start_conversation(db, me.user_id, "en")
        await service.post_message(db, me.user_id, conversation.id, "I want to end my life")
        await service.post_message(db, me.user_id, conversation.id, "work was stressful today")
    client.cookies.set("anxin_lang", "en")
    client.cookies.set("anxin_session", me.token)
    try:
        off = await client.get(PAGE)
        assert off.status_code == 200, off.text
        assert 'data-sharing="off"' in off.text and "Sharing is off." in off.text
        assert 'data-count="messages">2<' in off.text and 'data-flag-level="' in off.text
        assert "end my life" not in off.text  # the summary never carries the words
        assert "False alarm" not in off.text  # the counsellor's correction buttons are theirs
        turned = await client.post(
            f"{PAGE}/sharing", data={"csrf_token": _token(off.text), "share": "on"}, follow_redirects=True
        )
        assert turned.status_code == 200 and 'data-sharing="on"' in turned.text
        mine = _facts(turned.text)
    finally:
        client.cookies.clear()
    async with database.transaction(write=False) as db:
        assert await consent.has_consent(db, me.user_id, consent.SHARE_MEASURES_WITH_COUNSELLOR)

    client.cookies.set("anxin_lang", "en")
    client.cookies.set("anxin_session", counsellor.token)
    try:
        seen = await client.get(f"/companion/clients/{me.user_id}")
        assert seen.status_code == 200
        theirs = _facts(seen.text)
        # Same block, but the counsellor's rows carry the "false alarm" form.
        assert mine.split("<h2>")[0] == theirs.split("<h2>")[0]
        assert mine.count("data-flag-level") == theirs.count("data-flag-level") == 1
        assert (await client.get(PAGE)).status_code == 404  # a page for clients only
    finally:
        client.cookies.clear()

    client.cookies.set("anxin_lang", "en")
    client.cookies.set("anxin_session", me.token)
    try:
        read = await client.get(PAGE)
        assert "A counsellor last opened it on" in read.text
        stopped = await client.post(
            f"{PAGE}/sharing", data={"csrf_token": _token(read.text), "share": "off"}, follow_redirects=True
        )
        assert 'data-sharing="off"' in stopped.text
        client.cookies.set("anxin_lang", "zh-CN")
        chinese = await client.get(PAGE)
        assert "咨询师能看到的 AI 陪伴助手摘要" in chinese.text
    finally:
        client.cookies.clear()
    gone = await client.get(f"/api/v1/companion/clients/{me.user_id}/summary", headers=counsellor.headers)
    assert gone.status_code == 404
