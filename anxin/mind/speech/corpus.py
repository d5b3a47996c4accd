"""Labelled speech for training: EmoDB (CC0) and any operator set of (audio, text, label) rows.

EmoDB's eGeMAPS functionals are shipped as a small derived file (``mind/data/emodb_egemaps.npz``,
CC0, see ``mind/data/EMODB.md``), so the voice model can be rebuilt and tested without the audio.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from anxin.mind.datasets import DatasetMissing

SHIPPED_EMODB = Path(__file__).resolve().parent.parent / "data" / "emodb_egemaps.npz"
# Speaker-independent dev split of EmoDB's train speakers (one female, one male), for choosing
# C, class weights and fusion weights; the README's test speakers stay untouched.
EMODB_DEV_SPEAKERS = ("09", "11")


@dataclass
class SpeechSet:
    samples: list[dict[str, Any]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, keep: np.ndarray) -> SpeechSet:
        ids = np.flatnonzero(keep)
        return SpeechSet(
            [self.samples[i] for i in ids], [self.labels[i] for i in ids], [self.speakers[i] for i in ids]
        )


def extract_emodb(root: Path, out: Path) -> Path:
    """eGeMAPS of every EmoDB file under ``root/emodb`` into a compact npz (float32)."""
    from anxin.mind.speech import audio, features

    folder = root / "emodb"
    table = folder / "labels.csv"
    if not table.is_file():
        raise DatasetMissing(f"EmoDB not found: {table}")
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    vectors = [features.egemaps(audio.load(folder / r["file"])) for r in rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        name=np.array([Path(r["file"]).name for r in rows]),
        speaker=np.array([r["speaker"] for r in rows]),
        emotion=np.array([r["emotion"] for r in rows]),
        text=np.array([r["text"] for r in rows]),
        split=np.array([r["split"] for r in rows]),
        features=np.vstack(vectors).astype(np.float32),
        feature_names=np.array(features.feature_names()),
    )
    return out


def load_emodb(path: Path | None = None) -> tuple[SpeechSet, SpeechSet]:
    """(train, test) by the README's speaker-independent split."""
    path = path or SHIPPED_EMODB
    if not path.is_file():
        raise DatasetMissing(f"{path} not found: build it with `anxin mind extract-emodb`")
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in ("speaker", "emotion", "text", "split", "features")}
    full = SpeechSet(
        [
            {"features": f.astype(np.float64), "text": str(t)}
            for f, t in zip(arrays["features"], arrays["text"], strict=True)
        ],
        [str(e) for e in arrays["emotion"]],
        [str(s) for s in arrays["speaker"]],
    )
    is_test = arrays["split"] == "test"
    return full.subset(~is_test), full.subset(is_test)


def split_dev(
    train: SpeechSet, dev_speakers: tuple[str, ...] = EMODB_DEV_SPEAKERS
) -> tuple[SpeechSet, SpeechSet]:
    held = np.array([s in dev_speakers for s in train.speakers])
    return train.subset(~held), train.subset(held)


def read_speech_file(path: Path, *, language: str | None = None, log: Any = None) -> SpeechSet:
    """CSV (header ``audio,label[,text][,speaker]``) or JSONL with the same keys; ``audio`` relative
    to the file. Rows without text are transcribed; features are extracted from the audio."""
    from anxin.mind.speech import asr, audio, features

    if not path.is_file():
        raise DatasetMissing(f"{path} not found")
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    else:
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
    out = SpeechSet()
    for number, row in enumerate(rows, 1):
        if not row.get("audio") or not row.get("label"):
            raise ValueError(f"{path}:{number}: each row needs audio and label")
        clip = audio.load(path.parent / str(row["audio"]))
        text = str(row.get("text") or "").strip() or asr.transcribe(clip, language=language).text
        out.samples.append({"features": features.egemaps(clip), "text": text})
        out.labels.append(str(row["label"]))
        out.speakers.append(str(row.get("speaker") or number))
        if log and number % 50 == 0:
            log(f"  {number}/{len(rows)} recordings read")
    return out
