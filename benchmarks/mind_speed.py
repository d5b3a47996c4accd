"""Speed of ``screen`` (texts/s and p99 on one core) and of ``analyze`` for the shipped n-gram models.

Run: python -m benchmarks.mind_speed   (set OMP_NUM_THREADS=1 for the one-core figure)
"""

from __future__ import annotations

import json
import random
import time

from anxin.mind import analyze, screen
from anxin.mind.text import warm_up

SAMPLES = ["我最近压力很大，晚上总是睡不着", "今天和朋友去吃火锅，好开心", "I feel so tired of everything lately",
           "this exam is killing me", "我觉得活着没有意义，想结束一切", "Had a great session with my counsellor today",
           "工作上的事情让我很焦虑，不知道该怎么办才好，每天都在加班", "I can't stop worrying about my family " * 5]


def main(n: int = 5000) -> dict[str, float]:
    rng = random.Random(1)  # noqa: S311
    texts = [rng.choice(SAMPLES) + f" {i}" for i in range(n)]
    warm_up()
    screen(texts[0])
    timings = []
    started = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        screen(text)
        timings.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    timings.sort()
    batch = texts[:1000]
    t0 = time.perf_counter()
    analyze(batch)
    analyze_s = time.perf_counter() - t0
    result = {"screen_texts_per_s": round(n / total, 1), "screen_p50_ms": round(timings[n // 2] * 1000, 3),
              "screen_p99_ms": round(timings[int(n * 0.99)] * 1000, 3),
              "analyze_ngram_texts_per_s": round(len(batch) / analyze_s, 1)}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
