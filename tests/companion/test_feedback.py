"""Learning from feedback, end to end on small data: a counsellor corrects AI risk labels, the
consenting writer's de-identified texts become training data, a model is retrained with them, and
the promote gate decides. Also: who may correct what, and consent withdrawn means no training."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from anxin.accounts import service as accounts
from anxin.accounts.models import ROLE_COUNSELLOR
from anxin.companion import feedback, service
from anxin.companion.errors import CorrectionNotAllowed
from anxin.core.db import Database
from anxin.mind.datasets import Split
from anxin.privacy import consent
from anxin.rooms import service as rooms
from tests.companion.support import make_person

FALSE_ALARM = "this exam is killing me, call me on 13812345678"
MISSED = "I gave my cat to my sister and wrote letters to everyone, it is time"


async def _setup(database: Database, *, training_consent: bool = True) -> tuple[int, int, list[int]]:
    client = await make_person(database)
    counsellor = await make_person(database, ROLE_COUNSELLOR)
    async with database.transaction() as db:
        await rooms.open_room(db, client_id=client.user_id, counselor_id=counsellor.user_id)
        await consent.grant(db, client.user_id, consent.SHARE_MEASURES_WITH_COUNSELLOR)
        if training_consent:
            await consent.grant(db, client.user_id, consent.DEIDENTIFIED_MODEL_TRAINING)
        conversation = await service.start_conversation(db, client.user_id, "en")
        ids = []
        for text in (FALSE_ALARM, MISSED):
            exchange = await service.post_message(db, client.user_id, conversation.id, text)
            ids.append(exchange.messages[0].id)
    return client.user_id, counsellor.user_id, ids


async def test_corrections_become_deidentified_training_data_only_with_consent(database: Database) -> None:
    client_id, counsellor_id, ids = await _setup(database)
    async with database.transaction() as db:
        counsellor = await accounts.get_user(db, counsellor_id)
        first = await feedback.correct(
            db, counsellor, surface="companion", ref=str(ids[0]), task="risk", label="false_alarm"
        )
        await feedback.correct(
            db, counsellor, surface="companion", ref=str(ids[1]), task="risk", label="missed_risk"
        )
        assert first.corrected_label == "none" and first.text_sealed is not None
        examples = await feedback.training_examples(db, "risk")
    assert sorted((e.label, e.language) for e in examples) == [("high", "en"), ("none", "en")]
    assert all("13812345678" not in e.text for e in examples) and any("[PHONE]" in e.text for e in examples)
    async with database.transaction() as db:
        await consent.withdraw(db, client_id, consent.DEIDENTIFIED_MODEL_TRAINING)
        assert await feedback.training_examples(db, "risk") == []


async def test_only_the_clients_own_counsellor_may_correct(database: Database) -> None:
    _, _, ids = await _setup(database, training_consent=False)
    stranger = await make_person(database, ROLE_COUNSELLOR)
    async with database.transaction() as db:
        other = await accounts.get_user(db, stranger.user_id)
        with pytest.raises(CorrectionNotAllowed):
            await feedback.correct(db, other, surface="companion", ref=str(ids[0]), task="risk", label="none")


async def test_correction_retrain_and_gate_end_to_end(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.environ.get("ANXIN_DATASETS_DIR")
    if not data or not Path(data).is_dir():
        pytest.skip("ANXIN_DATASETS_DIR is not set: the research data sets are not redistributed")
    from anxin.mind import training
    from anxin.mind.gate import GateResult, PromotionRefused, check_promotion
    from anxin.mind.registry import load_task_model

    _, counsellor_id, ids = await _setup(database)
    async with database.transaction() as db:
        counsellor = await accounts.get_user(db, counsellor_id)
        await feedback.correct(
            db, counsellor, surface="companion", ref=str(ids[1]), task="risk", label="missed_risk"
        )
        examples = await feedback.training_examples(db, "risk")
    extra: dict[str, Split] = {}
    for example in examples:
        extra.setdefault(example.language, Split()).add(example.text, example.label)

    monkeypatch.setenv("ANXIN_HOME", str(tmp_path))
    directory = training.train_builtin(
        "risk", "ngram", Path(data), progress=False, limit=120, extra=extra, log=lambda _: None
    )
    manifest = (directory / "manifest.json").read_text("utf-8")
    assert "reviewed corrections" in manifest
    candidate = load_task_model("risk", directory.name)
    current = load_task_model("risk")  # the shipped model
    try:
        new, old = check_promotion(candidate, current)
        assert isinstance(new, GateResult) and old is not None
        assert new.must_catch_caught >= old.must_catch_caught
    except PromotionRefused as refused:
        assert "must-catch" in str(refused) or "false alarms" in str(refused)


async def test_anxin_mind_train_includes_corrections(
    sqlite_url: str, keyring: object, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from anxin.privacy.keys import MasterKeyring, encode_key

    data = os.environ.get("ANXIN_DATASETS_DIR")
    if not data or not Path(data).is_dir():
        pytest.skip("ANXIN_DATASETS_DIR is not set: the research data sets are not redistributed")
    assert isinstance(keyring, MasterKeyring)
    database = Database(sqlite_url)
    try:
        _, counsellor_id, ids = await _setup(database)
        async with database.transaction() as db:
            counsellor = await accounts.get_user(db, counsellor_id)
            await feedback.correct(
                db, counsellor, surface="companion", ref=str(ids[1]), task="risk", label="missed_risk"
            )
    finally:
        await database.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update(
        {
            "ANXIN_HOME": str(tmp_path / "home"),
            "ANXIN_DATABASE_URL": sqlite_url,
            "ANXIN_MASTER_KEY": ",".join(f"{v}:{encode_key(keyring.key(v))}" for v in keyring.versions),
            "ANXIN_LOG_LEVEL": "WARNING",
        }
    )
    anxin = str(Path(sys.executable).with_name("anxin"))
    args = ["mind", "train", "--task", "risk", "--limit", "120", "--data-dir", data, "--include-corrections"]
    result = subprocess.run([anxin, *args], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "reviewed corrections: en 1" in result.stdout and "saved risk" in result.stdout
