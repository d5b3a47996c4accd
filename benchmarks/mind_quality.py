"""Re-score the served models on every data set's test split (never used for fitting or tuning).

Run: ANXIN_DATASETS_DIR=... python -m benchmarks.mind_quality [--json] [--per-dataset]. The shipped
numbers are also stored in each artefact's metrics.json; docs/models.md compares them with published
baselines. ``--per-dataset`` also trains one n-gram model per data set on that set alone (tuned on its
dev split) to show what the backend reaches without mixing domains, e.g. dair-ai tweets with Reddit.
"""

from __future__ import annotations

import json
import sys

from anxin.mind import datasets as D
from anxin.mind.evaluation import format_report
from anxin.mind.registry import load_task_model
from anxin.mind.training import score_dataset, score_english_risk_set


def main() -> dict[str, object]:
    root = D.data_dir()
    out: dict[str, object] = {}
    for (task, lang), names in D.TRAINING_SETS.items():
        model = load_task_model(task)
        predictor = model.predictor_for(lang)
        assert predictor is not None
        thresholds = model.thresholds.get(lang)
        for name in names:
            scores = score_dataset(task, predictor, D.load(name, root), lang, thresholds)
            out[name] = scores
            if "--json" not in sys.argv:
                print(format_report(f"{task}/{lang} {model.version} on {name} (test)", scores))
                if "risk" in scores:
                    print("risk at the operating threshold:", json.dumps(scores["risk"]))
        if (task, lang) == ("risk", "en"):
            out["sdcnl+hard_negatives"] = score_english_risk_set(predictor, root, thresholds)
    if "--per-dataset" in sys.argv:
        out["per_dataset_models"] = per_dataset(root)
    if "--json" in sys.argv:
        print(json.dumps(out, ensure_ascii=False, default=str))
    return out


def per_dataset(root: object) -> dict[str, object]:
    import time

    from anxin.mind.training import make_predictor

    results: dict[str, object] = {}
    for (task, lang), names in D.TRAINING_SETS.items():
        if task == "risk" or len(names) < 2:
            continue
        for name in names:
            data = D.load(name, root)  # type: ignore[arg-type]
            started = time.perf_counter()
            predictor = make_predictor("ngram", lang, progress=False)
            predictor.fit(data.train.texts, data.train.labels, data.dev.texts, data.dev.labels)
            scores = score_dataset(task, predictor, data, lang, None)
            results[name] = {
                "accuracy": scores["accuracy"],
                "macro_f1": scores["macro_f1"],
                "train_seconds": round(time.perf_counter() - started, 1),
            }
            print(f"{name} alone: {json.dumps(results[name])}")
    return results


if __name__ == "__main__":
    main()
