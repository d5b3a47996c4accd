"""Applications, private certificates, verification and the directory, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from anxin.counselors.service import documents_dir
from tests.appointments.support import PDF, Person, person, profile_in, verified_counsellor

API = "/api/v1/counselors"


async def test_an_application_is_verified_by_an_admin_and_only_then_public(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    applicant = await person(app, "counsellor")
    profile = profile_in().model_dump()
    assert (await client.put(f"{API}/me", json=profile, headers=applicant.headers)).status_code == 200
    early = await client.post(f"{API}/me/submit", headers=applicant.headers)
    assert early.status_code == 422 and early.json()["error"]["code"] == "application_incomplete"
    credential = {
        "qualification": "cn_counsellor_level2",
        "licence_number": "CANARY-LICENCE-123",
        "issuing_body": "人力资源和社会保障部",
        "years_of_practice": 5,
        "supervised_hours": 200,
    }
    assert (
        await client.post(f"{API}/me/credentials", json=credential, headers=applicant.headers)
    ).status_code == 201
    wrong = await client.post(
        f"{API}/me/documents",
        files={"file": ("cert.pdf", b"MZ not a pdf", "application/pdf")},
        headers=applicant.headers,
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "document_rejected"
    secret = PDF + b"CANARY-CERTIFICATE"
    uploaded = await client.post(
        f"{API}/me/documents",
        files={"file": ("cert.pdf", secret, "application/pdf")},
        headers=applicant.headers,
    )
    assert uploaded.status_code == 201
    document_id = uploaded.json()["id"]
    # Sealed at rest: the file under ANXIN_HOME reveals nothing.
    stored = list(documents_dir(app.state.settings.home).iterdir())
    assert stored and all(b"CANARY" not in path.read_bytes() for path in stored)
    assert (await client.post(f"{API}/me/submit", headers=applicant.headers)).status_code == 200
    assert (await client.get(f"{API}/{applicant.id}")).status_code == 404
    assert (await client.get(API)).json() == []

    # Only the owner and admins read the certificate; everyone else gets "not found".
    stranger = await person(app)
    other_counsellor = await person(app, "counsellor")
    for who, status in ((applicant, 200), (admin, 200), (stranger, 404), (other_counsellor, 404)):
        response = await client.get(f"{API}/documents/{document_id}", headers=who.headers)
        assert response.status_code == status
        if status == 200:
            assert response.content == secret
    queue = (await client.get(f"{API}/admin/queue", headers=admin.headers)).json()
    assert [p["counsellor_id"] for p in queue] == [applicant.id]
    creds = (await client.get(f"{API}/admin/{applicant.id}/credentials", headers=admin.headers)).json()
    assert creds[0]["licence_number"] == "CANARY-LICENCE-123"
    assert (await client.get(f"{API}/admin/queue", headers=stranger.headers)).status_code == 403

    no_reason = await client.post(
        f"{API}/admin/{applicant.id}/decision", json={"approve": False, "reason": ""}, headers=admin.headers
    )
    assert no_reason.status_code == 422
    rejected = await client.post(
        f"{API}/admin/{applicant.id}/decision",
        json={"approve": False, "reason": "The licence photo is unreadable."},
        headers=admin.headers,
    )
    assert rejected.status_code == 200
    mine = (await client.get(f"{API}/me", headers=applicant.headers)).json()
    assert mine["status"] == "rejected" and mine["decision_reason"] == "The licence photo is unreadable."
    assert (await client.post(f"{API}/me/submit", headers=applicant.headers)).status_code == 200
    approved = await client.post(
        f"{API}/admin/{applicant.id}/decision", json={"approve": True, "reason": ""}, headers=admin.headers
    )
    assert approved.status_code == 200
    public = await client.get(f"{API}/{applicant.id}")
    assert public.status_code == 200 and public.json()["decision_reason"] is None
    await client.post(
        f"{API}/admin/{applicant.id}/suspend", json={"reason": "complaint"}, headers=admin.headers
    )
    assert (await client.get(f"{API}/{applicant.id}")).status_code == 404


async def test_directory_filters_and_searches_both_languages(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    lin = await verified_counsellor(app, admin)
    lee = await verified_counsellor(
        app,
        admin,
        name_en="David Lee",
        name_zh="李大卫",
        bio_en="Couples and family therapy, grief work.",
        bio_zh="专注伴侣与家庭关系、哀伤辅导。",
        specialties=["relationships", "grief"],
        approaches=["family_systems"],
        languages=["en"],
        gender="male",
        prices={"voice": 300_00},
    )

    async def ids(**params: object) -> list[int]:
        response = await client.get(API, params=params)
        assert response.status_code == 200
        return [p["counsellor_id"] for p in response.json()]

    assert await ids() == [lin.id, lee.id]  # cheapest first
    assert await ids(specialty="grief") == [lee.id]
    assert await ids(language="zh") == [lin.id]
    assert await ids(modality="voice") == [lee.id]
    assert await ids(gender="female") == [lin.id]
    assert await ids(min_price=250_00) == [lee.id]
    assert await ids(max_price=250_00) == [lin.id]
    assert await ids(modality="video", max_price=350_00) == []
    assert await ids(q="焦虑") == [lin.id]
    assert await ids(q="哀伤") == [lee.id]
    assert await ids(q="anx") == [lin.id]  # start of a word
    assert await ids(q="xiety") == []  # not the middle of one
    assert await ids(q="LEE family") == [lee.id]
    assert await ids(q="%_%") == [lin.id, lee.id]  # LIKE wildcards in a query are not wildcards
    assert await ids(specialty="astrology") == []
    assert await ids(available_this_week=True) == [lin.id, lee.id]
