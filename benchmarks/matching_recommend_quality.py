"""Offline quality of content recommendations on a documented simulation (NDCG@5).

No real engagement data exists yet, so readers and items are simulated:

* **Items** (``--items``, default 300): each has one of 8 topics; its title and summary are drawn
  from that topic's words (two sub-themes of 6 words each) plus common words; sales follow a
  Zipf-like law, independent of topic.
* **Readers** (``--readers``, default 400) have hidden interests: a main topic and sub-theme, and with
  probability 0.4 a second topic. Each has read and liked 3 items (mostly from the main sub-theme).
  With probability ``--stated`` (default 0.6) the reader's intake names the main topic as something
  they are working on.
* **Relevance** of an unread item: 2 if it is in the main topic's sub-theme the reader prefers, 1 if
  in one of their topics, else 0; 5 % of items get a random grade (taste is noisy).

Rankers on the unread items: ``score_shelf`` (what the API serves), most-bought first, random.

Run: .venv/bin/python -m benchmarks.matching_recommend_quality [--readers 400] [--items 300] [--seed 5]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
from dataclasses import dataclass

from anxin.matching.recommend import score_shelf

TOPICS = ["anxiety", "depression", "relationships", "family", "work", "sleep", "self_growth", "parenting"]
COMMON = ["guide", "practical", "notes", "everyday", "gentle", "steps", "understanding", "short"]


def vocabulary(rng: random.Random) -> dict[str, list[list[str]]]:
    letters = "bcdfghjklmnprstvwz"
    vowels = "aeiou"

    def word() -> str:
        return "".join(rng.choice(letters) + rng.choice(vowels) for _ in range(3))

    return {topic: [[word() for _ in range(6)] for _ in range(2)] for topic in TOPICS}


@dataclass(frozen=True)
class Item:
    id: int
    kind: str
    topic: str
    title: str
    summary: str
    sales: int
    theme: int


def make_items(rng: random.Random, count: int, words: dict[str, list[list[str]]]) -> list[Item]:
    items = []
    for i in range(count):
        topic = rng.choice(TOPICS)
        theme = rng.randrange(2)
        pool = words[topic][theme]
        title = " ".join(rng.sample(pool, 2) + rng.sample(COMMON, 1))
        summary = " ".join(rng.sample(pool, 3) + rng.sample(COMMON, 3))
        sales = int(1000 / (1 + rng.paretovariate(1.2) * 10))
        items.append(Item(i + 1, "article", topic, title, summary, sales, theme))
    return items


def ndcg_at(order: list[int], rel: dict[int, int], k: int = 5) -> float:
    def dcg(ids: list[int]) -> float:
        return sum((2 ** rel[i] - 1) / math.log2(pos + 2) for pos, i in enumerate(ids[:k]))

    ideal = dcg(sorted(rel, key=lambda i: -rel[i]))
    return dcg(order) / ideal if ideal > 0 else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=400)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--stated", type=float, default=0.6)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    items = make_items(rng, args.items, vocabulary(rng))
    results: dict[str, list[float]] = {"score_shelf": [], "most_bought": [], "random": []}
    for _ in range(args.readers):
        main_topic = rng.choice(TOPICS)
        theme = rng.randrange(2)
        topics = {main_topic} | ({rng.choice(TOPICS)} if rng.random() < 0.4 else set())
        favourites = [i for i in items if i.topic == main_topic and i.theme == theme]
        others = [i for i in items if i.topic in topics]
        read = rng.sample(favourites, min(2, len(favourites))) + rng.sample(others, 1)
        read_ids = {i.id for i in read}
        shelf = [i for i in items if i.id not in read_ids]
        rel = {}
        for item in shelf:
            grade = (
                2 if item.topic == main_topic and item.theme == theme else 1 if item.topic in topics else 0
            )
            rel[item.id] = rng.randrange(3) if rng.random() < 0.05 else grade
        working_on = {main_topic} if rng.random() < args.stated else set()
        ours = [r.item.id for r in score_shelf(read, shelf, working_on, limit=len(shelf))]
        popular = [i.id for i in sorted(shelf, key=lambda i: (-i.sales, i.id))]
        shuffled = [i.id for i in shelf]
        rng.shuffle(shuffled)
        results["score_shelf"].append(ndcg_at(ours, rel))
        results["most_bought"].append(ndcg_at(popular, rel))
        results["random"].append(ndcg_at(shuffled, rel))
    print(f"readers {args.readers}, items {args.items}, topic stated with p={args.stated}, seed {args.seed}")
    for name, values in results.items():
        print(
            f"NDCG@5 {name:12s} mean {statistics.fmean(values):.3f}  median {statistics.median(values):.3f}"
        )


if __name__ == "__main__":
    main()
