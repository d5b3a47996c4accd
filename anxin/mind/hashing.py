"""Hashed character and word n-gram features, vectorised in numpy.

The artefact stores only per-bucket weights: no vocabulary, so no fragment of anyone's text.
Character n-grams are hashed with a polynomial rolling hash over the code points (one numpy
operation per n, whatever the text length) and finished with the splitmix64 mixer; words are hashed
with CRC-32 (stable across processes, unlike Python's salted ``hash``) and combined the same way.
The top bit of each 64-bit hash chooses the feature's sign, so colliding n-grams tend to cancel.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from anxin.mind.text import normalise, words

HASH_NAME = "poly64-splitmix"
_PRIME = np.uint64(1_000_003)
_WORD_PRIME = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_CHAR_SALT = np.uint64(0x51ED270B27A1C0DE)
_WORD_SALT = np.uint64(0x2545F4914F6CDD1D)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit affects every output bit."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    out: np.ndarray = x ^ (x >> np.uint64(31))
    return out


@dataclass(frozen=True)
class HashingFeaturizer:
    n_features: int = 2**18
    char_ngram_range: tuple[int, int] = (1, 4)
    word_ngram_range: tuple[int, int] = (1, 2)

    def hashes(self, text: str) -> np.ndarray:
        """One 64-bit hash per n-gram occurrence (repeats included)."""
        clean = normalise(text)
        parts: list[np.ndarray] = []
        codes = np.frombuffer(f" {clean} ".encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        lo, hi = self.char_ngram_range
        with np.errstate(over="ignore"):
            rolling = np.zeros(len(codes), dtype=np.uint64)
            for n in range(1, hi + 1):
                if len(codes) < n:
                    break
                rolling = rolling[: len(codes) - n + 1] * _PRIME + codes[n - 1 :]
                if n >= lo:
                    parts.append(rolling ^ (_CHAR_SALT * np.uint64(n)))
            tokens = words(clean)
            if tokens:
                ids = np.fromiter(
                    (zlib.crc32(t.encode("utf-8")) for t in tokens), dtype=np.uint64, count=len(tokens)
                )
                lo, hi = self.word_ngram_range
                combined = np.zeros(len(ids), dtype=np.uint64)
                for n in range(1, hi + 1):
                    if len(ids) < n:
                        break
                    combined = combined[: len(ids) - n + 1] * _WORD_PRIME + ids[n - 1 :]
                    if n >= lo:
                        parts.append(combined ^ (_WORD_SALT * np.uint64(n)))
            return _mix(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)

    def indices(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Bucket ids and signed, sublinear (1 + log) term frequencies of one text."""
        hashed = self.hashes(text)
        if len(hashed) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        signs = np.where((hashed >> np.uint64(63)) == 1, 1.0, -1.0)
        buckets, inverse = np.unique(
            (hashed % np.uint64(self.n_features)).astype(np.int64), return_inverse=True
        )
        summed = np.bincount(inverse, weights=signs, minlength=len(buckets))
        magnitude = np.abs(summed)
        # Sublinear tf keeps a repeated n-gram from dominating; a bucket whose signs cancel stays 0.
        scaled = np.where(magnitude > 0, 1.0 + np.log(np.maximum(magnitude, 1.0)), 0.0)
        return buckets, np.sign(summed) * scaled

    def to_config(self) -> dict[str, object]:
        return {
            "n_features": self.n_features,
            "char_ngram_range": list(self.char_ngram_range),
            "word_ngram_range": list(self.word_ngram_range),
            "hash": HASH_NAME,
        }

    @classmethod
    def from_config(cls, config: dict[str, object]) -> HashingFeaturizer:
        if config.get("hash") != HASH_NAME:
            raise ValueError(f"unknown feature hash {config.get('hash')!r} (this version reads {HASH_NAME})")
        c = config["char_ngram_range"]
        w = config["word_ngram_range"]
        assert isinstance(c, list) and isinstance(w, list)
        size = config["n_features"]
        assert isinstance(size, int)
        return cls(size, (int(c[0]), int(c[1])), (int(w[0]), int(w[1])))
