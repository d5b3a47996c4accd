"""Hashed character and word n-gram features, in numpy alone.

The artefact stores only per-bucket weights: no vocabulary, so no fragment of anyone's text. CRC-32
is stable across processes and platforms (Python's ``hash`` is salted per process) and runs in C.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from anxin.mind.text import normalise, words


@dataclass(frozen=True)
class HashingFeaturizer:
    n_features: int = 2**18
    char_ngram_range: tuple[int, int] = (1, 4)
    word_ngram_range: tuple[int, int] = (1, 2)

    def ngrams(self, text: str) -> Counter[str]:
        clean = normalise(text)
        grams: Counter[str] = Counter()
        lo, hi = self.char_ngram_range
        padded = f" {clean} "
        for n in range(lo, hi + 1):
            grams.update("c" + padded[i : i + n] for i in range(len(padded) - n + 1))
        tokens = words(clean)
        lo, hi = self.word_ngram_range
        for n in range(lo, hi + 1):
            grams.update("w" + " ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return grams

    def indices(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Bucket ids and signed, sublinear term frequencies of one text (duplicates summed)."""
        buckets: dict[int, float] = {}
        size = self.n_features
        for gram, count in self.ngrams(text).items():
            h = zlib.crc32(gram.encode("utf-8"))
            index = h % size
            value = (1.0 + np.log(count)) if count > 1 else 1.0
            # The top bit chooses the sign so colliding grams tend to cancel instead of adding up.
            buckets[index] = buckets.get(index, 0.0) + (value if h & 0x80000000 else -value)
        idx = np.fromiter(buckets.keys(), dtype=np.int64, count=len(buckets))
        val = np.fromiter(buckets.values(), dtype=np.float64, count=len(buckets))
        return idx, val

    def transform_rows(self, texts: Iterable[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [self.indices(t) for t in texts]

    def to_config(self) -> dict[str, object]:
        return {
            "n_features": self.n_features,
            "char_ngram_range": list(self.char_ngram_range),
            "word_ngram_range": list(self.word_ngram_range),
            "hash": "crc32-signed",
        }

    @classmethod
    def from_config(cls, config: dict[str, object]) -> HashingFeaturizer:
        if config.get("hash", "crc32-signed") != "crc32-signed":
            raise ValueError(f"unknown feature hash {config.get('hash')!r}")
        c = config["char_ngram_range"]
        w = config["word_ngram_range"]
        assert isinstance(c, list) and isinstance(w, list)
        return cls(int(config["n_features"]), (int(c[0]), int(c[1])), (int(w[0]), int(w[1])))  # type: ignore[call-overload]
