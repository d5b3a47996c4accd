"""Loaders for the labelled data sets, mapped into the task labels and de-identified.

The files stay where the operator keeps them (``--data-dir`` or ``ANXIN_DATASETS_DIR``): most are
research-only and are not redistributed. Every loader returns train/dev/test splits; where a set has
no dev split one is carved from train with a fixed seed, and test is never used for fitting.
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from anxin.mind import labels as L
from anxin.mind.deid import deidentify

SEED = 42
csv.field_size_limit(10_000_000)


class DatasetMissing(FileNotFoundError):
    """A data set's files are not under the data directory."""


@dataclass
class Split:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: str, label: str) -> None:
        self.texts.append(text)
        self.labels.append(label)

    def extend(self, other: Split) -> Split:
        return Split(self.texts + other.texts, self.labels + other.labels)


@dataclass
class Dataset:
    name: str
    task: str
    language: str
    licence: str
    train: Split
    dev: Split
    test: Split
    notes: str = ""


def data_dir(explicit: str | Path | None = None) -> Path:
    value = explicit or os.environ.get("ANXIN_DATASETS_DIR")
    if not value:
        raise DatasetMissing("no data directory: pass --data-dir or set ANXIN_DATASETS_DIR")
    path = Path(value)
    if not path.is_dir():
        raise DatasetMissing(f"data directory {path} does not exist")
    return path


def stratified_split(split: Split, fraction: float, seed: int = SEED) -> tuple[Split, Split]:
    """(rest, held) with ``fraction`` of every label held out, reproducibly."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(split.labels):
        by_label[label].append(i)
    rng = random.Random(seed)  # noqa: S311 (reproducible splits, not security)
    held_ids: set[int] = set()
    for label in sorted(by_label):
        ids = by_label[label]
        rng.shuffle(ids)
        held_ids.update(ids[: max(1, round(len(ids) * fraction))] if len(ids) > 1 else [])
    rest, held = Split(), Split()
    for i, (text, label) in enumerate(zip(split.texts, split.labels, strict=True)):
        (held if i in held_ids else rest).add(text, label)
    return rest, held


def _need(path: Path) -> Path:
    if not path.exists():
        raise DatasetMissing(f"{path} not found")
    return path


def _clean(split: Split) -> Split:
    return Split([deidentify(t) for t in split.texts], split.labels)


# ---- English emotion -------------------------------------------------------------------------
def dair_emotion(root: Path) -> Dataset:
    def read(name: str) -> Split:
        out = Split()
        for line in _need(root / "dair_ai_emotion" / name).read_text("utf-8").splitlines():
            if ";" in line:
                text, label = line.rsplit(";", 1)
                out.add(text, L.DAIR_EMOTION[label.strip()])
        return out

    return Dataset(
        "dair_emotion",
        "emotion",
        "en",
        "research/education only (no licence)",
        read("train.txt"),
        read("val.txt"),
        read("test.txt"),
        "love → joy",
    )


def goemotions_ekman(root: Path) -> Dataset:
    def read(name: str) -> Split:
        out = Split()
        with _need(root / "goemotions" / "ekman" / name).open(encoding="utf-8") as handle:
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                ids = row[1].split(",")
                if len(ids) == 1:  # single-label rows (~83 %): a softmax classifier's view
                    out.add(row[0], L.GOEMOTIONS_EKMAN[int(ids[0])])
        return out

    return Dataset(
        "goemotions_ekman",
        "emotion",
        "en",
        "Apache-2.0",
        read("train.tsv"),
        read("dev.tsv"),
        read("test.tsv"),
        "single-label rows only",
    )


# ---- Chinese emotion -------------------------------------------------------------------------
def smp2020_usual(root: Path) -> Dataset:
    def read(name: str) -> Split:
        out = Split()
        for row in json.loads(_need(root / "smp2020_ewect" / name).read_text("utf-8")):
            out.add(row["content"], L.SMP2020[row["label"]])
        return out

    # usual_train is not available: train on virus_train + 80 % of usual_eval, tune on the other 20 %.
    usual_train, usual_dev = stratified_split(read("usual_eval_labeled.json"), 0.2)
    return Dataset(
        "smp2020_usual",
        "emotion",
        "zh",
        "research only (no licence)",
        read("virus_train.json").extend(usual_train),
        usual_dev,
        read("usual_test_labeled.json"),
        "usual_train missing: trained on virus_train + 80% of usual_eval; dev = other 20%",
    )


# ---- stress ----------------------------------------------------------------------------------
def dreaddit(root: Path) -> Dataset:
    def read(name: str) -> Split:
        out = Split()
        with _need(root / "dreaddit" / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                out.add(row["text"], L.DREADDIT[int(row["label"])])
        return out

    train, dev = stratified_split(read("dreaddit-train.csv"), 0.1)
    return Dataset(
        "dreaddit",
        "stress",
        "en",
        "research only (no licence)",
        train,
        dev,
        read("dreaddit-test.csv"),
        "dev = 10% of train (seed 42)",
    )


# ---- risk ------------------------------------------------------------------------------------
def psysuicide(root: Path) -> Dataset:
    def read(name: str) -> Split:
        out = Split()
        for row in json.loads(_need(root / "psysuicide" / name).read_text("utf-8")):
            found = [L.PSYSUICIDE[i] for i, v in enumerate(row["label"]) if v > 0]
            out.add(row["text"], L.most_severe(found or ["none"]))
        return out

    # Only valid.json and test.json are available: train on 80 % of valid, tune on the rest.
    train, dev = stratified_split(read("valid.json"), 0.2)
    return Dataset(
        "psysuicide",
        "risk",
        "zh",
        "MIT",
        train,
        dev,
        read("test.json"),
        "official train split missing: trained on 80% of valid.json, dev = other 20%",
    )


def sdcnl(root: Path) -> Dataset:
    def read(name: str) -> Split:
        out = Split()
        with _need(root / "sdcnl" / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                text = f"{row['title']}. {row['selftext']}".strip()
                out.add(text, L.SDCNL[int(row["is_suicide"])])
        return out

    train, dev = stratified_split(read("training-set.csv"), 0.1)
    return Dataset(
        "sdcnl",
        "risk",
        "en",
        "research only (no licence)",
        train,
        dev,
        read("testing-set.csv"),
        "r/SuicideWatch → moderate, r/depression → none",
    )


LOADERS: dict[str, Callable[[Path], Dataset]] = {
    "dair_emotion": dair_emotion,
    "goemotions_ekman": goemotions_ekman,
    "smp2020_usual": smp2020_usual,
    "dreaddit": dreaddit,
    "psysuicide": psysuicide,
    "sdcnl": sdcnl,
}
# Which sets train each shipped (task, language) model.
TRAINING_SETS: dict[tuple[str, str], tuple[str, ...]] = {
    ("emotion", "en"): ("dair_emotion", "goemotions_ekman"),
    ("emotion", "zh"): ("smp2020_usual",),
    ("stress", "en"): ("dreaddit",),
    ("risk", "zh"): ("psysuicide",),
    ("risk", "en"): ("sdcnl",),
}


def load(name: str, root: Path, deidentified: bool = True) -> Dataset:
    dataset = LOADERS[name](root)
    if deidentified:
        dataset.train, dataset.dev, dataset.test = (
            _clean(s) for s in (dataset.train, dataset.dev, dataset.test)
        )
    return dataset


def read_labelled_file(path: Path) -> Split:
    """A custom task's CSV (header with ``text`` and ``label``) or JSONL (objects with both)."""
    if not path.is_file():
        raise DatasetMissing(f"{path} not found")
    out = Split()
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if line.strip():
                try:
                    row = json.loads(line)
                    out.add(str(row["text"]), str(row["label"]))
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{path}:{number}: expected a JSON object with text and label") from exc
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
                raise ValueError(f"{path}: the CSV header must name the columns text and label")
            for row in reader:
                out.add(row["text"], row["label"])
    if not out:
        raise ValueError(f"{path} holds no labelled rows")
    return Split([deidentify(t) for t in out.texts], out.labels)
