"""Matching returns only verified, available counsellors that fit the hard constraints, each with
reasons; it scores only what the client stated; the API, pages and data rights work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st

from anxin.accounts import service as accounts
from anxin.core import clock
from anxin.core.db import Database
from anxin.counselors import service as counselors
from anxin.matching import service
from anxin.matching.scoring import WEIGHTS, Candidate, Intake, rank
from anxin.privacy import rights
from tests.companion.support import make_person
from tests.matching.support import make_counsellor

MONDAY_8AM_SHANGHAI = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


async def test_only_verified_available_counsellors_within_constraints(database: Database) -> None:
    clock.freeze(MONDAY_8AM_SHANGHAI)
    async with database.transaction() as db:
        best = await make_counsellor(
            db, languages=["yue", "zh"], specialties=["career", "anxiety"], prices={"video": 300_00}
        )
        cheap_other = await make_counsellor(
            db, languages=["yue"], specialties=["grief"], prices={"video": 200_00}
        )
        await make_counsellor(
            db, languages=["yue"], specialties=["career"], prices={"video": 900_00}
        )  # budget
        await make_counsellor(
            db, languages=["en"], specialties=["career"], prices={"video": 100_00}
        )  # language
        await make_counsellor(
            db, languages=["yue"], specialties=["career"], prices={"text": 100_00}
        )  # modality
        await make_counsellor(
            db, verified=False, languages=["yue"], specialties=["career"], prices={"video": 100_00}
        )
        await make_counsellor(
            db, hours=[], languages=["yue"], specialties=["career"], prices={"video": 100_00}
        )
        intake = Intake(
            concerns=("career",), language="yue", modality="video", budget=400_00, times=("evening",)
        )
        ranked = await service.match(db, intake)
        listed = await service.names(db, ranked)
    assert [s.candidate.counsellor_id for s in ranked] == [best, cheap_other]
    codes = {r.code for r in ranked[0].reasons}
    assert {"language", "concerns", "times", "budget", "modality"} <= codes
    assert all(r.points >= 0 for s in ranked for r in s.reasons)
    assert abs(sum(r.points for r in ranked[0].reasons) - ranked[0].score) < 0.01
    assert listed[0].name_zh == "测试咨询师"


async def test_a_week_off_drops_out(database: Database) -> None:
    clock.freeze(MONDAY_8AM_SHANGHAI)
    async with database.transaction() as db:
        away = await make_counsellor(db)
        user = await accounts.get_user(db, away)
        week = timedelta(days=8)
        await counselors.add_exception(
            db, user, kind="blocked", starts_at=MONDAY_8AM_SHANGHAI, ends_at=MONDAY_8AM_SHANGHAI + week
        )
        assert await service.match(db, Intake()) == []


def _candidate(**kw: object) -> Candidate:
    base: dict[str, object] = {
        "counsellor_id": 1,
        "verified": True,
        "specialties": frozenset({"anxiety"}),
        "approaches": frozenset({"cbt"}),
        "languages": frozenset({"zh"}),
        "modalities": frozenset({"text"}),
        "gender": "male",
        "prices": {"text": 100_00},
        "currency": "CNY",
        "first_session_discount_bp": 0,
        "slots": [MONDAY_8AM_SHANGHAI],
    }
    base.update(kw)
    return Candidate(**base)  # type: ignore[arg-type]


def test_unstated_traits_add_no_points_and_no_filter() -> None:
    woman, man = _candidate(counsellor_id=1, gender="female"), _candidate(counsellor_id=2, gender="male")
    plain = rank(Intake(), [woman, man], MONDAY_8AM_SHANGHAI)
    assert [s.score for s in plain] == [plain[0].score, plain[0].score]
    assert all("gender" not in s.features for s in plain)
    asked = rank(Intake(gender="female"), [woman, man], MONDAY_8AM_SHANGHAI)
    assert asked[0].candidate.counsellor_id == 1 and asked[0].score - asked[1].score == WEIGHTS["gender"]


def test_questionnaire_scores_point_to_concerns_only_when_given() -> None:
    low_mood = _candidate(counsellor_id=1, specialties=frozenset({"depression"}))
    other = _candidate(counsellor_id=2, specialties=frozenset({"career"}))
    ranked = rank(Intake(phq9=15), [other, low_mood], MONDAY_8AM_SHANGHAI)
    assert ranked[0].candidate.counsellor_id == 1
    assert Intake(phq9=4).all_concerns() == ()


@settings(max_examples=60, deadline=None)
@given(
    budget=st.one_of(st.none(), st.integers(0, 1000_00)),
    language=st.sampled_from([None, "zh", "en", "yue"]),
    modality=st.sampled_from([None, "text", "video"]),
    prices=st.lists(st.integers(1, 1000_00), min_size=5, max_size=5),
    verified=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_hard_filters_always_hold(
    budget: int | None, language: str | None, modality: str | None, prices: list[int], verified: list[bool]
) -> None:
    candidates = [
        _candidate(
            counsellor_id=i,
            verified=verified[i],
            languages=frozenset({["zh", "en", "yue"][i % 3]}),
            modalities=frozenset({["text", "video"][i % 2]}),
            prices={["text", "video"][i % 2]: prices[i]},
        )
        for i in range(5)
    ]
    intake = Intake(budget=budget, language=language, modality=modality)
    for scored in rank(intake, candidates, MONDAY_8AM_SHANGHAI):
        c = scored.candidate
        assert c.verified and c.slots
        assert language is None or language in c.languages
        assert modality is None or modality in c.modalities
        price = c.price(modality)
        assert price is not None and (budget is None or price <= budget)


async def test_api_page_and_data_rights(app: FastAPI, client: httpx.AsyncClient) -> None:
    database: Database = app.state.database
    async with database.transaction() as db:
        await make_counsellor(db, languages=["yue"], specialties=["career"])
    person = await make_person(database)
    answer = await client.post(
        "/api/v1/matching",
        json={"concerns": ["career"], "language": "yue", "budget": 500_00, "times": ["evening"]},
        headers={**person.headers, "Cookie": "anxin_lang=en"},
    )
    assert answer.status_code == 200
    texts = [r["text"] for r in answer.json()[0]["reasons"]]
    assert "speaks Cantonese" in texts and "within budget" in texts
    assert answer.json()[0]["book_url"].endswith("/book")
    bad = await client.post("/api/v1/matching", json={"language": "klingon"}, headers=person.headers)
    assert bad.status_code == 422
    client.cookies.set("anxin_session", person.token)
    try:
        form = await client.get("/matching")
        assert form.status_code == 200
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        results = await client.post(
            "/matching", data={"csrf_token": token, "concerns": "career", "language": "yue", "budget": "500"}
        )
        assert results.status_code == 200 and "/book" in results.text
    finally:
        client.cookies.clear()
    async with database.transaction() as db:
        archive = await rights.export_subject(db, person.user_id)
        assert archive
        await rights.erase_subject(db, person.user_id)
    async with database.transaction() as db:
        assert await service.latest_intake(db, person.user_id) is None


@pytest.mark.parametrize("bad", [{"concerns": ["astrology"]}, {"times": ["midnight"]}, {"phq9": 40}])
async def test_bad_intake_is_a_4xx(app: FastAPI, client: httpx.AsyncClient, bad: dict[str, object]) -> None:
    person = await make_person(app.state.database)
    answer = await client.post("/api/v1/matching", json=bad, headers=person.headers)
    assert answer.status_code == 422


async def test_the_bounded_search_finds_the_same_top_ten_as_scoring_everyone(database: Database) -> None:
    import random

    from anxin.matching.scoring import WeightedRanker

    class Unbounded:
        """The same weights behind the plain ranker interface: every candidate's calendar is read."""

        def score(self, features: dict[str, float]) -> float:
            return WeightedRanker().score(features)

    clock.freeze(MONDAY_8AM_SHANGHAI)
    rng = random.Random(3)
    async with database.transaction() as db:
        for _ in range(90):
            start = rng.randint(7, 14)
            await make_counsellor(
                db,
                specialties=rng.sample(["anxiety", "career", "grief", "sleep"], 2),
                gender=rng.choice(["female", "male"]),
                hours=[(d, f"{start:02d}:00", f"{start + 6:02d}:00") for d in rng.sample(range(7), 3)],
            )
        for intake in (Intake(), Intake(concerns=("grief",), times=("evening",)), Intake(gender="male")):
            fast = await service.match(db, intake, confirm=False)
            full = await service.match(db, intake, confirm=False, ranker=Unbounded())
            assert [s.score for s in fast] == [s.score for s in full]


async def test_a_fully_booked_counsellor_drops_out_with_one_bookings_query(database: Database) -> None:
    from sqlalchemy import event

    from anxin.appointments.models import CONFIRMED, HELD, Booking

    clock.freeze(MONDAY_8AM_SHANGHAI)
    async with database.transaction() as db:
        # Tuesday 10:00–10:50 Shanghai: exactly one session this week, then booked.
        booked = await make_counsellor(db, hours=[(1, "10:00", "10:50")])
        free = [await make_counsellor(db, hours=[(1, "10:00", "10:50")]) for _ in range(11)]
        starts = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
        for counsellor_id, status, hold in (
            (booked, CONFIRMED, None),
            (free[0], HELD, starts - timedelta(hours=30)),
        ):
            db.add(
                Booking(
                    client_id=counsellor_id,
                    counsellor_id=counsellor_id,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=50),
                    modality="video",
                    status=status,
                    currency="CNY",
                    amount=400_00,
                    hold_expires_at=hold,
                    created_at=MONDAY_8AM_SHANGHAI,
                )
            )
        await db.flush()
        selects: list[str] = []

        def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            selects.append(statement)

        event.listen(database.engine.sync_engine, "before_cursor_execute", seen)
        try:
            ranked = await service.match(db, Intake())
        finally:
            event.remove(database.engine.sync_engine, "before_cursor_execute", seen)
    listed = [s.candidate.counsellor_id for s in ranked]
    assert booked not in listed  # its only slot is taken
    assert free[0] in listed  # a hold that expired frees the slot
    assert len(listed) == 10 and all(len(s.candidate.slots) == 1 for s in ranked)
    assert sum(1 for statement in selects if "FROM bookings" in statement) == 1
