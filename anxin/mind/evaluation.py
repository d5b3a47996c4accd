"""Scores for reports: accuracy, macro-F1, classification_report, confusion matrix, risk recall/PR-AUC."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from anxin.mind.labels import is_any_risk
from anxin.mind.risk import RiskAssessment


def classification_scores(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    present = [lb for lb in labels if lb in set(y_true) | set(y_pred)]
    return {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(
            float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)), 4
        ),
        "labels": present,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=present).tolist(),
        "report": classification_report(y_true, y_pred, labels=present, digits=3, zero_division=0),
        "per_class": {
            k: {m: round(float(v), 4) for m, v in row.items()}
            for k, row in classification_report(
                y_true, y_pred, labels=present, output_dict=True, zero_division=0
            ).items()
            if isinstance(row, dict)
        },
    }


def risk_scores(y_true: Sequence[str], assessments: Sequence[RiskAssessment]) -> dict[str, Any]:
    """Recall of "any risk" and of high risk at the operating point (``flag``), precision, PR-AUC."""
    from sklearn.metrics import average_precision_score

    truth_any = np.array([is_any_risk(y) for y in y_true])
    truth_high = np.array([y == "high" for y in y_true])
    truth_alert = np.array([is_any_risk(y) or y == "harm_to_others" for y in y_true])
    flagged = np.array([a.flag for a in assessments])
    score = np.array([a.any_risk_score for a in assessments])

    def ratio(num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    return {
        "n": len(y_true),
        "n_any_risk": int(truth_any.sum()),
        "n_high": int(truth_high.sum()),
        "flag_rate": ratio(int(flagged.sum()), len(flagged)),
        "recall_any_risk": ratio(int((flagged & truth_any).sum()), int(truth_any.sum())),
        "recall_high": ratio(int((flagged & truth_high).sum()), int(truth_high.sum())),
        # A flag on aggression toward others is a correct alert too.
        "precision_flag": ratio(int((flagged & truth_alert).sum()), int(flagged.sum())),
        "precision_flag_any_risk_only": ratio(int((flagged & truth_any).sum()), int(flagged.sum())),
        "pr_auc_any_risk": round(float(average_precision_score(truth_any, score)), 4)
        if truth_any.any()
        else None,
        "brier_any_risk": round(float(np.mean((score - truth_any) ** 2)), 4),
    }


def format_report(name: str, scores: dict[str, Any]) -> str:
    lines = [
        f"== {name}  n={scores['n']}  accuracy={scores['accuracy']}  macro-F1={scores['macro_f1']}",
        scores["report"],
        "confusion matrix (rows = true, columns = predicted): " + ", ".join(scores["labels"]),
    ]
    lines += ["  " + " ".join(f"{v:6d}" for v in row) for row in scores["confusion_matrix"]]
    return "\n".join(lines)
