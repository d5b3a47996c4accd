"""Fine-tune MiniLM (AutoModelForSequenceClassification) on a sub-sample of dair-ai emotion.

Run: ANXIN_DATASETS_DIR=... python -m benchmarks.mind_finetune [train_size] [max_steps]. On a 2-core
CPU one step of 16 × 64 tokens takes about a second, so this measures the path and the trend, not
the full-size result; docs/models.md gives the full-size recipe.
"""

from __future__ import annotations

import json
import sys
import time

from anxin.mind import datasets as D
from anxin.mind.backends.finetune import FinetuneClassifier
from anxin.mind.evaluation import classification_scores


def main(
    train_size: int = 1600, max_steps: int = 200, dev_size: int = 300, test_size: int = 600
) -> dict[str, object]:
    root = D.data_dir()
    data = D.load("dair_emotion", root)
    _, train = D.stratified_split(data.train, train_size / len(data.train))
    _, dev = D.stratified_split(data.dev, dev_size / len(data.dev))
    _, test = D.stratified_split(data.test, test_size / len(data.test))
    model = FinetuneClassifier(
        max_length=64,
        batch_size=16,
        epochs=10,
        max_steps=max_steps,
        eval_every=50,
        patience=3,
        learning_rate=1e-4,
        progress=True,
    )
    started = time.perf_counter()
    model.fit(train.texts, train.labels, dev.texts, dev.labels)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predicted = model.predict(test.texts)
    predict_seconds = time.perf_counter() - started
    scores = classification_scores(test.labels, predicted, sorted(set(test.labels)))
    print(scores["report"])
    result = {
        "dataset": "dair_emotion",
        "backend": "finetune/minilm",
        "train_texts": len(train),
        "steps": model.steps_,
        "stopped_early": model.stopped_early_,
        "history": model.history_,
        "test_texts": len(test),
        "accuracy": scores["accuracy"],
        "macro_f1": scores["macro_f1"],
        "fit_seconds": round(fit_seconds, 1),
        "analyze_texts_per_s": round(len(test) / predict_seconds, 1),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
