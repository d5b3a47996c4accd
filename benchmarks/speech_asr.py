"""Speech benchmark: ASR real-time factor per model and language, eGeMAPS time per 10 s of audio,
end-to-end time from a voice upload to its stored transcript, and the voice/fusion scores on EmoDB.

Speech is generated with espeak-ng (English; Mandarin as tone-numbered pinyin with the
``cmn-latn-pinyin`` voice), about 20 s per language. CTranslate2 runs int8 on ``--threads`` cores.

Run: .venv/bin/python -m benchmarks.speech_asr [--threads 2] [--repeat 3] [--skip-e2e]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

ENGLISH = (
    "I have been feeling very anxious about my exams lately. My sister called me yesterday and we "
    "talked for an hour. I could not sleep last night because I kept thinking about work. "
    "The weather was nice so we walked to the park."
)
MANDARIN = (
    "我最近压力很大，晚上睡不着。谢谢你听我说话。我想和你谈谈我的家人。"
    "我不想去上学。今天天气很好，我们去公园散步。"
)


def speak(text: str, voice: str, out: Path, speed: int = 140) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text], check=True)
    return out


def asr_rtf(threads: int, repeat: int) -> list[dict[str, object]]:
    from pypinyin import Style, lazy_pinyin

    from anxin.mind.speech import asr, audio

    os.environ["ANXIN_SPEECH_THREADS"] = str(threads)
    folder = Path(tempfile.mkdtemp())
    clips = {
        "en": audio.load(speak(ENGLISH, "en-us", folder / "en.wav")),
        "zh": audio.load(
            speak(
                " ".join(lazy_pinyin(MANDARIN, style=Style.TONE3, neutral_tone_with_five=True)),
                "cmn-latn-pinyin",
                folder / "zh.wav",
                speed=120,
            )
        ),
    }
    rows: list[dict[str, object]] = []
    for model, languages in (("tiny.en", ("en",)), ("base", ("en", "zh"))):
        started = time.perf_counter()
        asr.load_model(model)
        load_seconds = time.perf_counter() - started
        for language in languages:
            clip = clips[language]
            for beam in (1, 5):
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    result = asr.transcribe(clip, language=language, model=model, beam_size=beam)
                    times.append(time.perf_counter() - started)
                best = min(times)
                rows.append(
                    {
                        "model": model,
                        "language": language,
                        "beam": beam,
                        "audio_s": round(clip.seconds, 1),
                        "rtf_best": round(best / clip.seconds, 3),
                        "rtf_median": round(statistics.median(times) / clip.seconds, 3),
                        "load_s": round(load_seconds, 2),
                        "sample": result.text[:60],
                    }
                )
                print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def feature_time(repeat: int) -> dict[str, float]:
    from anxin.mind.speech import audio, features

    folder = Path(tempfile.mkdtemp())
    clip = audio.load(speak(ENGLISH, "en-us", folder / "en.wav"))
    ten = audio.Audio(np.resize(clip.samples, 16000 * 10).astype(np.float32), "wav")
    features.egemaps(ten)  # init
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        vector = features.egemaps(ten)
        features.indicators(ten, vector)
        times.append(time.perf_counter() - started)
    result = {
        "egemaps_and_indicators_per_10s_best": round(min(times), 3),
        "median": round(statistics.median(times), 3),
    }
    print(json.dumps(result), flush=True)
    return result


async def end_to_end(repeat: int) -> dict[str, float]:
    """attachments.store (the upload's service call, committed) → job → transcript stored, on SQLite."""
    os.environ["ANXIN_TEST_FAST_HASH"] = "1"
    home = Path(tempfile.mkdtemp())
    os.environ["ANXIN_HOME"] = str(home)
    from anxin.accounts import service as accounts
    from anxin.accounts.models import ROLE_CLIENT, ROLE_COUNSELLOR
    from anxin.core.db import Database
    from anxin.core.migrate import upgrade
    from anxin.core.relay import OutboxRelay
    from anxin.mind.speech import audio
    from anxin.mind.speech.audio import encode
    from anxin.modules import load_tasks
    from anxin.privacy import keys
    from anxin.privacy.keys import MasterKeyring
    from anxin.rooms import attachments, service, transcripts

    url = f"sqlite+aiosqlite:///{home / 'bench.db'}"
    upgrade(url)
    load_tasks()
    keys.use_keyring(MasterKeyring.generate("v1"))
    database = Database(url)
    async with database.transaction() as db:
        client = await accounts.create_confirmed_user(
            db, email="c@example.com", password="bench words 1", role=ROLE_CLIENT
        )
        counselor = await accounts.create_confirmed_user(
            db, email="k@example.com", password="bench words 2", role=ROLE_COUNSELLOR
        )
        room = await service.open_room(db, client_id=client.id, counselor_id=counselor.id)
    clip = audio.load(
        speak("My sister called me yesterday and we talked for an hour.", "en-us", home / "m.wav")
    )
    data = encode(clip.samples, "webm")

    async def ignore(_channel: str, _event: dict[str, object]) -> None:
        return None

    relay = OutboxRelay(database, publisher=ignore, run_schedules=False)
    times = []
    for n in range(repeat + 1):
        started = time.perf_counter()
        async with database.transaction() as db:
            await attachments.store(db, home, client.id, room.id, data, file_name=None, client_msg_id=f"b{n}")
        await relay.drain()
        await transcripts.settle()
        times.append(time.perf_counter() - started)
    await database.dispose()
    result = {
        "audio_s": round(clip.seconds, 1),
        "upload_to_transcript_best_s": round(min(times[1:]), 2),
        "median_s": round(statistics.median(times[1:]), 2),
        "first_s_cold": round(times[0], 2),
    }
    print(json.dumps(result), flush=True)
    return result


def emotion_scores() -> dict[str, object]:
    from anxin.mind.registry import SHIPPED

    version = (SHIPPED / "voice_emotion" / "DEFAULT").read_text().strip()
    metrics = json.loads((SHIPPED / "voice_emotion" / version / "metrics.json").read_text())
    test = metrics["datasets"]["emodb_test"]
    summary = {
        branch: {
            "uar": test[branch]["uar"],
            "uar_ci95": test[branch]["uar_ci95"],
            "accuracy": test[branch]["accuracy"],
        }
        for branch in ("voice", "text", "late", "early")
    }
    summary["loso_train_speakers"] = metrics["loso_train_speakers"]
    summary["published"] = (
        "eGeMAPS + SVM, full-length EmoDB, speaker-independent: UAR high 70s % (Eyben et al. 2016)"
    )
    print(json.dumps(summary), flush=True)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("ANXIN_MODEL_CACHE", str(Path(tempfile.gettempdir()) / "anxin-speech-models"))
    print(f"load average: {os.getloadavg()}", flush=True)
    asr_rtf(args.threads, args.repeat)
    feature_time(args.repeat * 3)
    if not args.skip_e2e:
        asyncio.run(end_to_end(args.repeat))
    emotion_scores()
    print(f"load average: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
