"""Companion reply latency without a generative model (goal p99 ≤ 300 ms).

Builds a fresh database with the migrations (SQLite in a temporary folder by default, or the URL
given), makes ``--clients`` client accounts with a conversation each, and times
``companion.service.post_message`` end to end in its own write transaction, as a request runs it:
seal the message, the ``text_written`` hook (safety's screening and flag when registered), the
inline risk screen, emotion (the client consented), dialogue (retrieval or an exercise step), seal
the reply, commit. Messages cycle through greetings, curated topics, open talk, exercise steps and
(1 in 20) a crisis sentence, in English and Chinese.

``--embedder`` chooses the retrieval embeddings: hashing (default, no ml extra), auto (MiniLM for
English and e5 for Chinese when installed), minilm or e5. The first message per language builds
the retrieval index; it is reported apart as the warm-up.

Run: .venv/bin/python -m benchmarks.companion_latency [--messages 400] [--clients 20] [--embedder hashing]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

MESSAGES = [
    ("en", "hello"),
    ("en", "I keep worrying about everything"),
    ("en", "the train was late and the shop was closed"),
    ("en", "I can't sleep at night"),
    ("zh", "你好"),
    ("zh", "工作压力好大"),
    ("zh", "今天在地铁上遇到了老同学"),
    ("zh", "我最近心情很低落"),
]
CRISIS = {"en": "I want to kill myself tonight", "zh": "我不想活了"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(args: argparse.Namespace) -> None:
    os.environ["ANXIN_COMPANION_EMBEDDER"] = args.embedder
    os.environ.setdefault("ANXIN_TEST_FAST_HASH", "1")  # seeding accounts, not measuring sign-in
    from anxin.accounts import service as accounts
    from anxin.companion import service
    from anxin.core.db import Database
    from anxin.core.migrate import upgrade
    from anxin.modules import load_tasks
    from anxin.privacy import consent, keys
    from anxin.privacy.keys import MasterKeyring

    load_tasks()
    keys.use_keyring(MasterKeyring.generate("v1"))
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        database = Database(url)
        conversations = []
        async with database.transaction() as db:
            for i in range(args.clients):
                user = await accounts.create_confirmed_user(
                    db, email=f"client{i}@example.com", password="bench password 1", role="client"
                )
                await consent.grant(db, user.id, consent.AI_EMOTION_ANALYSIS)
                locale = "zh-CN" if i % 2 else "en"
                conversations.append((user.id, (await service.start_conversation(db, user.id, locale)).id))
        warm: list[float] = []
        timings: list[float] = []
        crises = 0
        for n in range(args.messages):
            user_id, conversation_id = conversations[n % len(conversations)]
            lang = "zh" if (n % len(conversations)) % 2 else "en"
            if n % 20 == 19:
                text = CRISIS[lang]
            elif n % 7 == 3:
                text = "breathing exercise please" if lang == "en" else "我想做呼吸练习"
            else:
                pool = [t for lg, t in MESSAGES if lg == lang]
                text = pool[n % len(pool)]
            t0 = time.perf_counter()
            async with database.transaction() as db:
                exchange = await service.post_message(db, user_id, conversation_id, text)
            elapsed = (time.perf_counter() - t0) * 1000
            crises += exchange.crisis
            (warm if n < 2 else timings).append(elapsed)
        await database.dispose()
    print(
        f"embedder {args.embedder}: {len(timings)} replies, p50 {statistics.median(timings):.1f} ms, "
        f"p95 {percentile(timings, 0.95):.1f} ms, p99 {percentile(timings, 0.99):.1f} ms, "
        f"max {max(timings):.1f} ms; warm-up {', '.join(f'{w:.0f}' for w in warm)} ms; "
        f"crisis handovers {crises}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--embedder", default="hashing", choices=["hashing", "auto", "minilm", "e5"])
    parser.add_argument("--database-url", default=None)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
