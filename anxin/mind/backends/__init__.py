"""Backends behind the predictor contract: ``ngram`` (numpy), ``encoder`` and ``finetune`` (torch)."""

from __future__ import annotations

import json
from pathlib import Path

from anxin.mind.contract import PredictorBase


def load_predictor(directory: Path) -> PredictorBase:
    """Load any saved predictor; torch-based backends are imported only when one is asked for."""
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    backend = config.get("backend")
    if backend == "ngram":
        from anxin.mind.backends.ngram import NgramClassifier

        return NgramClassifier.load(directory)
    if backend == "encoder":
        from anxin.mind.backends.encoder import EncoderClassifier

        return EncoderClassifier.load(directory)
    if backend == "finetune":
        from anxin.mind.backends.finetune import FinetuneClassifier

        return FinetuneClassifier.load(directory)
    if backend == "voice":
        from anxin.mind.speech.fusion import VoiceClassifier

        return VoiceClassifier.load(directory)
    if backend == "fusion":
        from anxin.mind.speech.fusion import FusionClassifier

        return FusionClassifier.load(directory)
    raise ValueError(f"unknown backend {backend!r} in {directory / 'config.json'}")
