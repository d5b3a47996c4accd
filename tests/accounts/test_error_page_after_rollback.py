"""An error raised inside a page's writing transaction still renders the full error page (with the
signed-in person's menus), not the bare fallback: the actor outlives the rolled-back transaction."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from anxin.accounts.models import ROLE_COUNSELLOR
from tests.companion.support import make_person


async def test_not_found_in_an_audited_page_renders_the_full_error_page(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    stranger = await make_person(app.state.database)
    counsellor = await make_person(app.state.database, ROLE_COUNSELLOR)
    client.cookies.set("anxin_session", counsellor.token)
    try:
        with caplog.at_level(logging.ERROR, logger="anxin.web"):
            page = await client.get(f"/companion/clients/{stranger.user_id}")
    finally:
        client.cookies.clear()
    assert page.status_code == 404
    assert "error page could not be rendered" not in caplog.text
    # The full page carries the shell's header (language switch), the fallback does not.
    assert 'id="lang-select"' in page.text
