"""Encoder backend (frozen MiniLM + logistic-regression head) on dair-ai emotion, sub-sampled.

Run: python -m benchmarks.mind_encoder  (needs the ml extra and ANXIN_DATASETS_DIR). Prints JSON.
The head is chosen on dev; the score is on the full test split.
"""

from __future__ import annotations

import json
import os
import time

from anxin.mind import datasets as D
from anxin.mind.backends.encoder import EncoderClassifier
from anxin.mind.evaluation import classification_scores


def main(train_size: int = 3000, dev_size: int = 500) -> dict[str, object]:
    root = D.data_dir(os.environ.get("ANXIN_DATASETS_DIR"))
    data = D.load("dair_emotion", root)
    _, train = D.stratified_split(data.train, train_size / len(data.train))
    _, dev = D.stratified_split(data.dev, dev_size / len(data.dev))
    started = time.perf_counter()
    model = EncoderClassifier(embedder="minilm").fit(train.texts, train.labels, dev.texts, dev.labels)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predicted = model.predict(data.test.texts)
    predict_seconds = time.perf_counter() - started
    scores = classification_scores(data.test.labels, predicted, sorted(set(data.test.labels)))
    result = {
        "dataset": "dair_emotion",
        "backend": "encoder/minilm",
        "train_texts": len(train),
        "dev_texts": len(dev),
        "test_texts": len(data.test),
        "accuracy": scores["accuracy"],
        "macro_f1": scores["macro_f1"],
        "fit_seconds": round(fit_seconds, 1),
        "analyze_texts_per_s": round(len(data.test) / predict_seconds, 1),
    }
    print(scores["report"])
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
