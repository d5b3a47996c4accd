"""Speed of ``screen`` (texts/s and p99 on one core) and of ``analyze`` for the shipped n-gram models.

Run: python -m benchmarks.mind_speed   (set OMP_NUM_THREADS=1 for the one-core figure)
"""

from __future__ import annotations

import json
import os
import random
import time

from anxin.mind import analyze, screen
from anxin.mind.text import warm_up

SAMPLES = [
    "我最近压力很大，晚上总是睡不着",
    "今天和朋友去吃火锅，好开心",
    "I feel so tired of everything lately",
    "this exam is killing me",
    "我觉得活着没有意义，想结束一切",
    "Had a great session with my counsellor today",
    "工作上的事情让我很焦虑，不知道该怎么办才好，每天都在加班",
    "I can't stop worrying about my family " * 5,
]


def main(n: int = 5000) -> dict[str, float]:
    rng = random.Random(1)
    texts = [rng.choice(SAMPLES) + f" {i}" for i in range(n)]
    warm_up()
    screen(texts[0])
    # Wall time and CPU time per call: on a shared, loaded machine the wall-clock tail mostly measures
    # waiting for a core; CPU time is what one screen costs.
    timings, cpu = [], []
    started, cpu_started = time.perf_counter(), time.thread_time()
    for text in texts:
        t0, c0 = time.perf_counter(), time.thread_time()
        screen(text)
        timings.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    total, cpu_total = time.perf_counter() - started, time.thread_time() - cpu_started
    timings.sort()
    cpu.sort()
    batch = texts[:1000]
    t0 = time.perf_counter()
    analyze(batch)
    analyze_s = time.perf_counter() - t0
    result = {
        "screen_texts_per_s": round(n / total, 1),
        "screen_p50_ms": round(timings[n // 2] * 1000, 3),
        "screen_texts_per_cpu_s": round(n / cpu_total, 1),
        "screen_cpu_p50_ms": round(cpu[n // 2] * 1000, 3),
        "screen_cpu_p99_ms": round(cpu[int(n * 0.99)] * 1000, 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "screen_p99_ms": round(timings[int(n * 0.99)] * 1000, 3),
        "analyze_ngram_texts_per_s": round(len(batch) / analyze_s, 1),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
