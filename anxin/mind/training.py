"""Train a task's models, choose risk thresholds on dev, score the test splits, save a version."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from anxin.mind import datasets as D
from anxin.mind.contract import PredictorBase
from anxin.mind.evaluation import classification_scores, risk_scores
from anxin.mind.labels import TASK_LABELS, is_any_risk
from anxin.mind.lexicon import model_text
from anxin.mind.registry import models_home, write_manifest
from anxin.mind.risk import RiskAssessment, assess, level_scores

# Recall the thresholds aim for on dev, above the goals (0.90 any / 0.95 high) to leave a margin
# for the shift from dev to unseen text.
TARGET_RECALL_ANY = 0.95
TARGET_RECALL_HIGH = 0.90
NGRAM_SETTINGS: dict[str, dict[str, Any]] = {
    "en": {"char_ngram_range": (2, 5), "word_ngram_range": (1, 2)},
    "zh": {"char_ngram_range": (1, 3), "word_ngram_range": (1, 2)},
    "any": {"char_ngram_range": (1, 4), "word_ngram_range": (1, 2)},
}


def make_predictor(backbone: str, language: str, progress: bool, **overrides: Any) -> PredictorBase:
    if backbone == "ngram":
        from anxin.mind.backends.ngram import NgramClassifier

        return NgramClassifier(progress=progress, **{**NGRAM_SETTINGS[language], **overrides})
    if backbone in ("minilm", "e5", "encoder"):
        from anxin.mind.backends.encoder import EncoderClassifier

        embedder = "e5" if backbone == "e5" or (backbone == "encoder" and language == "zh") else "minilm"
        if backbone == "minilm" and language == "zh":
            embedder = "e5"  # MiniLM is English-only: 61 % of a Chinese sentence's tokens are [UNK]
        return EncoderClassifier(embedder=embedder, progress=progress, **overrides)
    from anxin.mind.backends.finetune import FinetuneClassifier

    return FinetuneClassifier(
        model_name_or_path=None if backbone == "finetune" else backbone, progress=progress, **overrides
    )


def choose_thresholds(
    predictor: PredictorBase, texts: Sequence[str], labels: Sequence[str], language: str
) -> dict[str, float]:
    """Highest thresholds that still reach the target recalls on dev (rules included)."""
    proba = predictor.predict_proba([model_text(t) for t in texts])
    scores = [level_scores(predictor.classes_, row) for row in proba]
    rule_only = [assess(t, language, None) for t in texts]
    any_truth = np.array([is_any_risk(y) for y in labels])
    high_truth = np.array([y == "high" for y in labels])
    any_score = np.array([s["moderate"] + s["high"] for s in scores])
    high_score = np.array([s["high"] for s in scores])
    rule_flag = np.array([r.flag for r in rule_only])

    def highest(score: np.ndarray, truth: np.ndarray, target: float, floor: float) -> float:
        if not truth.any():
            return 0.5
        for t in np.round(np.arange(0.95, floor - 1e-9, -0.01), 2):
            if ((score >= t) | rule_flag)[truth].mean() >= target:
                return float(t)
        return floor

    harm_truth = np.array([y == "harm_to_others" for y in labels])
    harm_score = np.array([s["harm_to_others"] for s in scores])
    return {
        "any": highest(any_score, any_truth, TARGET_RECALL_ANY, 0.05),
        "high": highest(high_score, high_truth, TARGET_RECALL_HIGH, 0.1),
        "harm_to_others": highest(harm_score, harm_truth, 0.8, 0.2) if harm_truth.any() else 0.5,
    }


def assess_all(
    predictor: PredictorBase | None,
    texts: Sequence[str],
    language: str,
    thresholds: dict[str, float] | None,
    version: str | None = None,
) -> list[RiskAssessment]:
    if predictor is None:
        return [assess(t, language, None) for t in texts]
    proba = predictor.predict_proba([model_text(t) for t in texts])
    return [
        assess(t, language, level_scores(predictor.classes_, row), thresholds, version)
        for t, row in zip(texts, proba, strict=True)
    ]


def _english_risk_negatives(root: Path, split: str, limit: int) -> D.Split:
    """General English text as "none" (GoEmotions, Apache-2.0), so the English risk model does not
    learn that every sad sentence is a crisis: SDCNL alone has only depression vs. suicide posts."""
    data = D.load("goemotions_ekman", root)
    source = {"train": data.train, "dev": data.dev, "test": data.test}[split]
    return D.Split(source.texts[:limit], ["none"] * min(limit, len(source)))


def _chinese_risk_negatives(root: Path, split: str, limit: int) -> D.Split:
    """General Weibo posts (SMP2020) as "none": PsySUICIDE's own "unrelated" texts are few, and
    without everyday emotional text the model scores any short sentence near its risk prior."""
    data = D.load("smp2020_usual", root)
    source = {"train": data.train, "dev": data.dev}[split]
    _, sample = D.stratified_split(source, min(1.0, limit / len(source)))
    return D.Split(sample.texts, ["none"] * len(sample))


def train_builtin(
    task: str,
    backbone: str,
    root: Path,
    *,
    progress: bool = True,
    out_root: Path | None = None,
    version: str | None = None,
    log: Callable[[str], None] = print,
    limit: int | None = None,
    extra: dict[str, D.Split] | None = None,
) -> Path:
    """Train every language of a built-in task, evaluate on test, write a version directory.

    ``extra`` adds training examples per language (e.g. counsellors' reviewed corrections, already
    de-identified); they go into the training split only, never dev or test."""
    languages = sorted({lang for (t, lang) in D.TRAINING_SETS if t == task})
    if not languages:
        raise ValueError(f"unknown task {task!r}; built-in tasks: {', '.join(TASK_LABELS)}")
    version = version or f"{backbone_slug(backbone)}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    directory = (out_root or models_home()) / task / version
    manifest: dict[str, Any] = {
        "task": task,
        "version": version,
        "backend": backbone_kind(backbone),
        "backbone": backbone,
        "labels": list(TASK_LABELS[task]),
        "languages": {},
        "thresholds": {},
        "trained_on": {},
        "created": datetime.now(UTC).isoformat(),
    }
    metrics: dict[str, Any] = {"task": task, "version": version, "datasets": {}, "train_seconds": {}}
    for lang in languages:
        sets = [D.load(name, root) for name in D.TRAINING_SETS[(task, lang)]]
        train = D.Split()
        dev = D.Split()
        for s in sets:
            train, dev = train.extend(s.train), dev.extend(s.dev)
        if task == "risk" and lang == "en":
            train = train.extend(_english_risk_negatives(root, "train", 3000))
            dev = dev.extend(_english_risk_negatives(root, "dev", 300))
        if task == "risk" and lang == "zh":
            train = train.extend(_chinese_risk_negatives(root, "train", 3000))
            dev = dev.extend(_chinese_risk_negatives(root, "dev", 300))
        if limit:
            train, dev = _subsample(train, limit), _subsample(dev, max(limit // 5, 50))
        added = (extra or {}).get(lang)
        if added:
            train = train.extend(added)
        log(
            f"[{task}/{lang}] training {backbone} on {len(train)} texts ({', '.join(s.name for s in sets)}), "
            f"dev {len(dev)}"
        )
        started = time.perf_counter()
        predictor = make_predictor(backbone, lang, progress)
        predictor.fit(train.texts, train.labels, dev.texts, dev.labels)
        metrics["train_seconds"][lang] = round(time.perf_counter() - started, 1)
        predictor.save(directory / lang)
        manifest["languages"][lang] = lang
        negatives = {
            ("risk", "en"): [{"name": "goemotions_ekman (as none)", "licence": "Apache-2.0", "notes": ""}],
            ("risk", "zh"): [
                {"name": "smp2020_usual (as none)", "licence": "research only (no licence)", "notes": ""}
            ],
        }.get((task, lang), [])
        manifest["trained_on"][lang] = negatives + [
            {"name": s.name, "licence": s.licence, "notes": s.notes} for s in sets
        ]
        if added:
            manifest["trained_on"][lang].append(
                {
                    "name": "reviewed corrections",
                    "licence": "consented, de-identified",
                    "notes": f"{len(added)} texts",
                }
            )
        thresholds = None
        if task == "risk":
            thresholds = choose_thresholds(predictor, dev.texts, dev.labels, lang)
            manifest["thresholds"][lang] = thresholds
        for s in sets:
            metrics["datasets"][s.name] = score_dataset(task, predictor, s, lang, thresholds, limit)
            log(f"[{task}/{lang}] {s.name} test: " + _headline(metrics["datasets"][s.name]))
        if task == "risk" and lang == "en":
            metrics["datasets"]["sdcnl+hard_negatives"] = score_english_risk_set(predictor, root, thresholds)
            log(
                "[risk/en] sdcnl+hard_negatives test: "
                + _headline(metrics["datasets"]["sdcnl+hard_negatives"])
            )
    research = any("research" in d["licence"] for v in manifest["trained_on"].values() for d in v)
    manifest["use"] = "research use only (trained on research-only data)" if research else "general"
    write_manifest(directory, manifest)
    (directory / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (directory / "MODEL_CARD.md").write_text(model_card(manifest, metrics), "utf-8")
    return directory


def score_dataset(
    task: str,
    predictor: PredictorBase,
    data: D.Dataset,
    lang: str,
    thresholds: dict[str, float] | None,
    limit: int | None = None,
) -> dict[str, Any]:
    test = _subsample(data.test, limit) if limit else data.test
    proba = predictor.predict_proba(test.texts)
    # A data set is scored on its own label set.
    keep = [i for i, c in enumerate(predictor.classes_) if c in set(data.train.labels) | set(test.labels)]
    classes = [predictor.classes_[i] for i in keep]
    pred = [classes[i] for i in proba[:, keep].argmax(axis=1)]
    result: dict[str, Any] = {
        "language": lang,
        "licence": data.licence,
        "notes": data.notes,
        **classification_scores(test.labels, pred, classes),
    }
    if task == "risk":
        assessed = assess_all(predictor, test.texts, lang, thresholds)
        result["risk"] = risk_scores(test.labels, assessed)
        result["risk_rules_only"] = risk_scores(test.labels, assess_all(None, test.texts, lang, None))
    return result


def score_english_risk_set(
    predictor: PredictorBase, root: Path, thresholds: dict[str, float] | None
) -> dict[str, Any]:
    """SDCNL test + hard negatives (shipped regression set + general English text, all "none")."""
    from anxin.mind.gate import regression_set

    sdcnl = D.load("sdcnl", root).test
    hard = [t for t in regression_set("hard_negatives") if not any("\u4e00" <= c <= "\u9fff" for c in t)]
    general = _english_risk_negatives(root, "test", 500)
    texts = sdcnl.texts + hard + general.texts
    labels = sdcnl.labels + ["none"] * (len(hard) + len(general))
    assessed = assess_all(predictor, texts, "en", thresholds)
    return {
        "n": len(texts),
        "accuracy": None,
        "macro_f1": None,
        "composition": {
            "sdcnl_test": len(sdcnl),
            "hard_negatives": len(hard),
            "goemotions_test_as_none": len(general),
        },
        "risk": risk_scores(labels, assessed),
        "risk_rules_only": risk_scores(labels, assess_all(None, texts, "en", None)),
    }


def train_custom(
    task: str,
    backbone: str,
    train_file: Path,
    dev_file: Path,
    test_file: Path | None,
    *,
    progress: bool = True,
    out_root: Path | None = None,
    log: Callable[[str], None] = print,
) -> Path:
    train, dev = D.read_labelled_file(train_file), D.read_labelled_file(dev_file)
    version = f"{backbone_slug(backbone)}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    directory = (out_root or models_home()) / task / version
    labels = sorted(set(train.labels))
    log(f"[{task}] training {backbone} on {len(train)} texts, dev {len(dev)}, labels {', '.join(labels)}")
    started = time.perf_counter()
    predictor = make_predictor(backbone, "any", progress)
    predictor.fit(train.texts, train.labels, dev.texts, dev.labels)
    predictor.save(directory / "any")
    metrics: dict[str, Any] = {
        "task": task,
        "version": version,
        "train_seconds": {"any": round(time.perf_counter() - started, 1)},
        "datasets": {},
    }
    for name, split in (("dev", dev), ("test", D.read_labelled_file(test_file) if test_file else None)):
        if split is not None:
            metrics["datasets"][name] = classification_scores(
                split.labels, predictor.predict(split.texts), labels
            )
            log(f"[{task}] {name}: " + _headline(metrics["datasets"][name]))
    manifest = {
        "task": task,
        "version": version,
        "backend": backbone_kind(backbone),
        "backbone": backbone,
        "labels": labels,
        "languages": {"any": "any"},
        "thresholds": {},
        "trained_on": {"any": [{"name": train_file.name, "licence": "operator data", "notes": ""}]},
        "created": datetime.now(UTC).isoformat(),
        "use": "operator data",
    }
    write_manifest(directory, manifest)
    (directory / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (directory / "MODEL_CARD.md").write_text(model_card(manifest, metrics), "utf-8")
    return directory


def backbone_kind(backbone: str) -> str:
    return (
        backbone
        if backbone in ("ngram",)
        else "encoder"
        if backbone in ("minilm", "e5", "encoder")
        else "finetune"
    )


def backbone_slug(backbone: str) -> str:
    kind = backbone_kind(backbone)
    return backbone if kind in ("ngram", "encoder") else "finetune"


def _subsample(split: D.Split, limit: int) -> D.Split:
    if len(split) <= limit:
        return split
    _, held = D.stratified_split(split, limit / len(split))
    return held


def _headline(m: dict[str, Any]) -> str:
    parts = []
    if m.get("macro_f1") is not None:
        parts.append(f"accuracy {m['accuracy']}, macro-F1 {m['macro_f1']}")
    if "risk" in m:
        r = m["risk"]
        parts.append(
            f"recall any {r['recall_any_risk']}, recall high {r['recall_high']}, "
            f"precision {r['precision_flag']}, PR-AUC {r['pr_auc_any_risk']}"
        )
    return "; ".join(parts)


def model_card(manifest: dict[str, Any], metrics: dict[str, Any]) -> str:
    lines = [
        f"# Model card: {manifest['task']} {manifest['version']}",
        "",
        f"Backend: {manifest['backend']} ({manifest['backbone']}). Use: {manifest['use']}.",
        "Intended use: a safety net that helps people notice who may need care; never a diagnosis.",
        "",
        "## Training data",
    ]
    for lang, sets in manifest["trained_on"].items():
        for s in sets:
            lines.append(f"- {lang}: {s['name']} — licence: {s['licence']}. {s['notes']}")
    lines += [
        "",
        "## Test scores",
        "",
        "| data set | accuracy | macro-F1 | risk recall any / high | precision |",
        "|---|---|---|---|---|",
    ]
    for name, m in metrics["datasets"].items():
        r = m.get("risk") or {}
        lines.append(
            f"| {name} | {m.get('accuracy')} | {m.get('macro_f1')} | "
            f"{r.get('recall_any_risk', '')} / {r.get('recall_high', '')} | {r.get('precision_flag', '')} |"
        )
    if manifest.get("thresholds"):
        lines += ["", f"Risk thresholds (chosen on dev): `{json.dumps(manifest['thresholds'])}`"]
    lines += [
        "",
        "Hashed features only: the artefact stores no vocabulary and no fragment of training text.",
        "",
    ]
    return "\n".join(lines)
