"""Offline ranking quality of matching on a documented simulation (NDCG@5).

There is no real interaction data yet, so clients and counsellors are simulated:

* **Counsellors** (``--counsellors``, default 1,000): 1–3 specialties, 1–2 approaches, 1–2 languages
  (Mandarin most common, then English, then Cantonese), a gender, 1–3 ways of meeting with prices
  from 100 to 800 yuan, a first-session discount for a quarter of them, and free slots at random
  hours over the coming week (some with none).
* **Clients** (``--clients``, default 500) have *hidden* true needs: 1–2 concerns, a language, a
  budget, preferred times of day, and with some probability a preferred gender and approach. Each
  need is *stated* in the intake only with probability ``--stated`` (default 0.7), as real clients
  leave questions blank.
* **Relevance** (graded 0–3) of a counsellor for a client comes from the hidden needs: 2 × share of
  concerns covered + 1 per matched approach / gender / times preference (when the client has it)
  + 0.5 for a discount to a first-timer, minus 1 per 100 yuan over budget, plus Gaussian noise
  (σ 0.3), cut at 1, 2 and 3 into grades. Counsellors outside the hard constraints the client
  stated are not rankable and do not count.

For each client every ranker orders the counsellors that pass the stated hard filters; NDCG@5 is
computed against the ideal order of those same candidates (scikit-learn's definition with
exponential gain 2^rel − 1). Rankers: matching's weighted scoring, cheapest first (the directory's
default order), and random order.

Run: .venv/bin/python -m benchmarks.matching_quality [--clients 500] [--counsellors 1000] [--stated 0.7]
     [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from anxin.matching.scoring import PERIODS, Candidate, Intake, passes_hard_filters, period_of, rank

SPECIALTIES = ["anxiety", "depression", "relationships", "career", "parenting", "trauma", "grief", "sleep"]
APPROACHES = ["cbt", "psychodynamic", "humanistic", "family_systems", "mindfulness"]
LANGUAGES = [("zh", 0.75), ("en", 0.15), ("yue", 0.10)]
MODALITIES = ["text", "voice", "video"]
NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


def pick_language(rng: random.Random) -> str:
    return rng.choices([lang for lang, _ in LANGUAGES], [w for _, w in LANGUAGES])[0]


def make_counsellor(rng: random.Random, counsellor_id: int) -> Candidate:
    languages = {pick_language(rng)}
    if rng.random() < 0.3:
        languages.add(pick_language(rng))
    modalities = rng.sample(MODALITIES, rng.randint(1, 3))
    base = rng.randint(100, 600)
    prices = {m: (base + (100 if m == "video" else 0)) * 100 for m in modalities}
    slots = []
    if rng.random() > 0.1:
        for _ in range(rng.randint(1, 20)):
            slots.append(NOW + timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 23)))
    return Candidate(
        counsellor_id=counsellor_id,
        verified=rng.random() > 0.05,
        specialties=frozenset(rng.sample(SPECIALTIES, rng.randint(1, 3))),
        approaches=frozenset(rng.sample(APPROACHES, rng.randint(1, 2))),
        languages=frozenset(languages),
        modalities=frozenset(modalities),
        gender=rng.choice(["female", "female", "male"]),
        prices=prices,
        currency="CNY",
        first_session_discount_bp=1000 if rng.random() < 0.25 else 0,
        slots=sorted(slots),
    )


@dataclass(frozen=True)
class Client:
    concerns: tuple[str, ...]
    language: str
    budget: int
    times: tuple[str, ...]
    gender: str | None
    approach: str | None
    first_time: bool

    def stated(self, rng: random.Random, p: float) -> Intake:
        def maybe(value: object) -> object:
            return value if rng.random() < p else None

        return Intake(
            concerns=self.concerns if rng.random() < p else (),
            language=maybe(self.language),  # type: ignore[arg-type]
            gender=maybe(self.gender),  # type: ignore[arg-type]
            approach=maybe(self.approach),  # type: ignore[arg-type]
            budget=maybe(self.budget),  # type: ignore[arg-type]
            times=self.times if rng.random() < p else (),
            first_time=maybe(self.first_time),  # type: ignore[arg-type]
            timezone="UTC",
        )


def make_client(rng: random.Random) -> Client:
    return Client(
        concerns=tuple(rng.sample(SPECIALTIES, rng.randint(1, 2))),
        language=pick_language(rng),
        budget=rng.randint(150, 800) * 100,
        times=tuple(rng.sample(PERIODS, rng.randint(1, 2))),
        gender=rng.choice(["female", "male"]) if rng.random() < 0.4 else None,
        approach=rng.choice(APPROACHES) if rng.random() < 0.3 else None,
        first_time=rng.random() < 0.5,
    )


def relevance(rng: random.Random, client: Client, c: Candidate) -> int:
    if client.language not in c.languages:
        return 0
    utility = 2.0 * sum(x in c.specialties for x in client.concerns) / len(client.concerns)
    if client.approach:
        utility += client.approach in c.approaches
    if client.gender:
        utility += client.gender == c.gender
    offered = set().union(*(period_of(s, NOW.tzinfo) for s in c.slots)) if c.slots else set()  # type: ignore[arg-type]
    utility += any(t in offered for t in client.times)
    if client.first_time and c.first_session_discount_bp:
        utility += 0.5
    price = c.price(None) or 0
    utility -= max(0, price - client.budget) / 100_00
    utility += rng.gauss(0, 0.3)
    return 0 if utility < 1 else 1 if utility < 2 else 2 if utility < 3 else 3


def ndcg_at(order: list[int], rel: dict[int, int], k: int = 5) -> float:
    def dcg(ids: list[int]) -> float:
        return sum((2 ** rel[i] - 1) / math.log2(pos + 2) for pos, i in enumerate(ids[:k]))

    ideal = dcg(sorted(rel, key=lambda i: -rel[i]))
    return dcg(order) / ideal if ideal > 0 else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--counsellors", type=int, default=1000)
    parser.add_argument("--stated", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = [make_counsellor(rng, i) for i in range(args.counsellors)]
    results: dict[str, list[float]] = {"weighted": [], "cheapest": [], "random": []}
    for _ in range(args.clients):
        client = make_client(rng)
        intake = client.stated(rng, args.stated)
        rankable = [c for c in pool if passes_hard_filters(intake, c)]
        if not rankable:
            continue
        rel = {c.counsellor_id: relevance(rng, client, c) for c in rankable}
        weighted = [s.candidate.counsellor_id for s in rank(intake, rankable, NOW, limit=len(rankable))]
        cheapest = [
            c.counsellor_id for c in sorted(rankable, key=lambda c: (c.price(None) or 0, c.counsellor_id))
        ]
        shuffled = [c.counsellor_id for c in rankable]
        rng.shuffle(shuffled)
        results["weighted"].append(ndcg_at(weighted, rel))
        results["cheapest"].append(ndcg_at(cheapest, rel))
        results["random"].append(ndcg_at(shuffled, rel))
    print(
        f"clients ranked: {len(results['weighted'])} of {args.clients}; counsellors: {args.counsellors}; "
        f"each need stated with p={args.stated}; seed {args.seed}"
    )
    for name, values in results.items():
        print(f"NDCG@5 {name:9s} mean {statistics.fmean(values):.3f}  median {statistics.median(values):.3f}")


if __name__ == "__main__":
    main()
