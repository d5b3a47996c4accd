"""`anxin mind`: analyse, predict, train, evaluate and promote the emotion, stress and risk models."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Emotion, stress and crisis-risk models (train, evaluate, promote, predict).", no_args_is_help=True
)


def _fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    """Known failures become one readable line and a non-zero exit, never a traceback."""
    from anxin.mind.datasets import DatasetMissing
    from anxin.mind.gate import PromotionRefused
    from anxin.mind.registry import ModelNotFound
    from anxin.mind.speech.asr import ModelIntegrityError
    from anxin.mind.speech.errors import AudioError, SpeechExtraMissing

    try:
        yield
    except AudioError as exc:
        _fail(str(exc), 2)
    except (SpeechExtraMissing, ModelIntegrityError) as exc:
        _fail(str(exc))
    except PromotionRefused as exc:
        _fail(f"promotion refused: {exc}", 3)
    except (ModelNotFound, DatasetMissing) as exc:
        _fail(str(exc).strip("'\""), 2)
    except ImportError as exc:
        _fail(
            f"{exc.name or exc} is not installed; install the machine-learning extra: pip install 'anxin[ml]'"
        )
    except (ValueError, OSError) as exc:
        _fail(str(exc))


def _echo_json(obj: object) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False))


@app.command()
def analyze(
    text: Annotated[str, typer.Argument(help="The text to analyse (Chinese or English).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a summary.")] = False,
) -> None:
    """Emotion, stress and risk of one text, with scores, language and model versions."""
    with _errors():
        from anxin.mind.service import analyze as run

        result = run([text])[0]
    if as_json:
        _echo_json(result)
        return
    typer.echo(f"language: {result['language']}")
    for task in ("emotion", "stress", "risk"):
        if task in result and result[task].get("label") is not None:
            answer = result[task]
            extra = (
                f"  flag={answer['flag']} reasons={','.join(answer['reasons']) or '-'}"
                if task == "risk"
                else ""
            )
            score = answer["scores"].get(answer["label"], 0.0)
            typer.echo(f"{task}: {answer['label']} ({score:.2f}){extra}  [{answer['model_version']}]")


@app.command()
def predict(
    task: Annotated[str, typer.Option("--task", help="emotion, stress, risk or a custom task.")],
    version: Annotated[
        str | None, typer.Option("--version", help="Model version (default: the current one).")
    ] = None,
    labels: Annotated[
        str | None, typer.Option("--labels", help="Comma-separated subset of the task's labels.")
    ] = None,
) -> None:
    """Read one text per line on stdin; write one JSON object per line."""
    allowed = [lb.strip() for lb in labels.split(",") if lb.strip()] if labels else None
    with _errors():
        from anxin.mind.registry import load_task_model
        from anxin.mind.service import predict as run

        load_task_model(task, version)  # fail before reading stdin when the model is missing
        batch: list[str] = []
        for line in sys.stdin:
            batch.append(line.rstrip("\n"))
            if len(batch) == 256:
                for answer in run(task, batch, version, allowed):
                    _echo_json(answer)
                batch = []
        if batch:
            for answer in run(task, batch, version, allowed):
                _echo_json(answer)


def corrections_for_training(task: str) -> dict[str, Any]:
    """Reviewed corrections from ANXIN_DATABASE_URL as extra training splits per language."""
    import asyncio

    from anxin.companion import feedback
    from anxin.core.config import get_settings
    from anxin.core.db import Database
    from anxin.mind.datasets import Split
    from anxin.modules import load_models

    load_models()
    settings = get_settings()

    async def read() -> list[feedback.TrainingExample]:
        database = Database(settings.resolved_database_url)
        try:
            async with database.transaction(write=False) as db:
                return await feedback.training_examples(db, task)
        finally:
            await database.dispose()

    splits: dict[str, Split] = {}
    for example in asyncio.run(read()):
        splits.setdefault(example.language, Split()).add(example.text, example.label)
    typer.echo(
        "reviewed corrections: " + (", ".join(f"{lang} {len(s)}" for lang, s in splits.items()) or "none")
    )
    return splits


@app.command()
def train(
    task: Annotated[
        str, typer.Option("--task", help="emotion, stress, risk, or a new name with --train/--dev.")
    ],
    backbone: Annotated[
        str,
        typer.Option(
            "--backbone",
            help="ngram, minilm (encoder: MiniLM for English, e5 for Chinese), e5, "
            "finetune (MiniLM), or a local model path / hub name to fine-tune.",
        ),
    ] = "ngram",
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Labelled data sets (default $ANXIN_DATASETS_DIR).")
    ] = None,
    train_file: Annotated[
        Path | None, typer.Option("--train", help="Custom task: CSV/JSONL with text,label.")
    ] = None,
    dev_file: Annotated[
        Path | None, typer.Option("--dev", help="Custom task: dev split for early stopping.")
    ] = None,
    test_file: Annotated[
        Path | None, typer.Option("--test", help="Custom task: test split to report.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Sub-sample each split (quick runs of slow backbones).")
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", help="Fusion: late, early or auto (the better on dev).")
    ] = "auto",
    emodb: Annotated[
        Path | None, typer.Option("--emodb", help="Voice/fusion without files: EmoDB eGeMAPS npz.")
    ] = None,
    include_corrections: Annotated[
        bool,
        typer.Option(
            "--include-corrections",
            help="Add counsellors' reviewed label corrections (consenting writers, de-identified) "
            "from the database to the training split.",
        ),
    ] = False,
) -> None:
    """Train, early-stop on dev macro-F1, score test and save a new version (not promoted).

    ``--backbone voice`` or ``fusion`` trains on audio: --train/--dev/--test are CSV/JSONL files with
    audio,label[,text][,speaker] (rows without text are transcribed); without files, on EmoDB."""
    from anxin.mind.labels import TASK_LABELS

    with _errors():
        from anxin.mind import training

        if backbone in ("voice", "fusion"):
            from anxin.mind.speech.training import train_speech

            directory = train_speech(
                task,
                backbone,
                train_file=train_file,
                dev_file=dev_file,
                test_file=test_file,
                emodb=emodb,
                mode=mode,
                log=typer.echo,
            )
        elif train_file or dev_file:
            if not (train_file and dev_file):
                _fail("a custom task needs both --train and --dev")
            assert train_file is not None and dev_file is not None
            directory = training.train_custom(task, backbone, train_file, dev_file, test_file, log=typer.echo)
        elif task in TASK_LABELS:
            from anxin.mind.datasets import data_dir as resolve

            extra = corrections_for_training(task) if include_corrections else None
            directory = training.train_builtin(
                task, backbone, resolve(data_dir), log=typer.echo, limit=limit, extra=extra
            )
        else:
            _fail(
                f"unknown task {task!r}: use one of {', '.join(TASK_LABELS)} or give --train and --dev files"
            )
            return
    typer.echo(f"saved {task} {directory.name} at {directory}")
    typer.echo(f"make it the served model with: anxin mind promote {task} {directory.name}")


@app.command()
def evaluate(
    task: Annotated[str, typer.Option("--task")],
    data: Annotated[Path, typer.Option("--data", help="Labelled CSV/JSONL with text,label.")],
    version: Annotated[str | None, typer.Option("--version")] = None,
    labels: Annotated[str | None, typer.Option("--labels", help="Score on this subset of labels.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """classification_report, confusion matrix, and for risk recall at the operating point and PR-AUC."""
    with _errors():
        from anxin.mind.datasets import read_labelled_file
        from anxin.mind.evaluation import classification_scores, format_report, risk_scores
        from anxin.mind.registry import load_task_model
        from anxin.mind.service import predict as run
        from anxin.mind.service import risk_batch
        from anxin.mind.text import detect_language

        model = load_task_model(task, version)
        split = read_labelled_file(data)
        allowed = [lb.strip() for lb in labels.split(",")] if labels else sorted(set(split.labels))
        if task == "risk":
            known = {*model.labels, "harm_to_others"}
            allowed = [lb for lb in allowed if lb in known]
        answers = run(task, split.texts, model.version, allowed)
        predicted = [a["label"] for a in answers]
        names = list(dict.fromkeys([*allowed, *split.labels]))
        scores = classification_scores(split.labels, [p if p is not None else "?" for p in predicted], names)
        result: dict[str, object] = {"task": task, "version": model.version, "classification": scores}
        if task == "risk":
            assessed = risk_batch(split.texts, model, [detect_language(t) for t in split.texts])
            result["risk"] = risk_scores(split.labels, assessed)
    if as_json:
        _echo_json(result)
        return
    typer.echo(format_report(f"{task} {model.version} on {data.name}", scores))
    if "risk" in result:
        typer.echo("risk at the operating threshold (flag): " + json.dumps(result["risk"]))


@app.command()
def promote(
    task: Annotated[str, typer.Argument()],
    version: Annotated[str, typer.Argument()],
) -> None:
    """Serve VERSION for TASK, unless it does worse on the must-catch or hard-negative sets."""
    with _errors():
        from anxin.mind.gate import check_promotion
        from anxin.mind.registry import ModelNotFound, load_task_model, set_promoted

        candidate = load_task_model(task, version)
        try:
            current = load_task_model(task)
        except ModelNotFound:
            current = None
        if task == "risk":
            new, old = check_promotion(candidate, current)
            typer.echo(
                f"must-catch {new.must_catch_caught}/{new.must_catch_total}, false alarms "
                f"{new.hard_negative_false_alarms}/{new.hard_negative_total}"
                + (
                    f" (current {current.version}: {old.must_catch_caught}, {old.hard_negative_false_alarms})"
                    if old and current
                    else ""
                )
            )
        set_promoted(task, version)
    typer.echo(f"{task} now serves {version}")


@app.command()
def versions(task: Annotated[str, typer.Argument()]) -> None:
    """List the versions of a task; the served one is marked with *."""
    with _errors():
        from anxin.mind.registry import ModelNotFound, current_version, list_versions

        try:
            served = current_version(task)
        except ModelNotFound:
            served = None
        found = list_versions(task)
        if not found:
            _fail(f"no versions of {task!r}", 2)
        for name in found:
            typer.echo(("* " if name == served else "  ") + name)


@app.command()
def transcribe(
    file: Annotated[Path, typer.Argument(help="WebM/Opus, Ogg/Opus, MP4/AAC or WAV recording.")],
    language: Annotated[
        str | None, typer.Option("--language", help="Language code (en, zh, …); detected when omitted.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="base (default), tiny.en, a local CTranslate2 model directory or a hub name."
        ),
    ] = None,
    beam_size: Annotated[int, typer.Option("--beam-size", help="1 = greedy, deterministic.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with language and segments.")] = False,
) -> None:
    """Speech to text with Whisper (faster-whisper, int8 on CPU, voice-activity filter on)."""
    with _errors():
        from anxin.mind.speech import asr, audio

        if not file.is_file():
            _fail(f"{file} not found", 2)
        result = asr.transcribe(audio.load(file), language=language, model=model, beam_size=beam_size)
    if as_json:
        _echo_json(result.as_dict())
        return
    typer.echo(result.text)
    typer.secho(
        f"[{result.language} p={result.language_probability:.2f}, {result.duration:.1f} s, {result.model}]",
        err=True,
    )


@app.command("analyze-audio")
def analyze_audio(
    file: Annotated[Path, typer.Argument(help="WebM/Opus, Ogg/Opus, MP4/AAC or WAV recording.")],
    language: Annotated[str | None, typer.Option("--language")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Whisper model (see transcribe).")] = None,
    features: Annotated[bool, typer.Option("--features", help="Include the 88 eGeMAPS values.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a summary.")] = False,
) -> None:
    """Transcript, language, text analysis, voice indicators and the fused voice-emotion estimate."""
    with _errors():
        from anxin.mind.speech.analysis import analyze_audio as run

        if not file.is_file():
            _fail(f"{file} not found", 2)
        result = run(file, language=language, model=model, include_features=features)
    if as_json:
        _echo_json(result)
        return
    typer.echo(f"transcript ({result['language']}): {result['transcript']}")
    risk = result["text_analysis"].get("risk", {})
    typer.echo(f"risk: {risk.get('label')} flag={risk.get('flag')}")
    typer.echo("voice indicators: " + json.dumps(result["voice"]["indicators"]))
    if result["fused"]:
        typer.echo(f"voice emotion (indicator, {result['fused']['mode']}): {result['fused']['label']}")


@app.command("extract-emodb")
def extract_emodb(
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Folder holding emodb/.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the npz.")] = Path("emodb_egemaps.npz"),
) -> None:
    """eGeMAPS features of EmoDB (for `train --backbone voice|fusion --emodb FILE`)."""
    with _errors():
        from anxin.mind.datasets import data_dir as resolve
        from anxin.mind.speech.corpus import extract_emodb as run

        written = run(resolve(data_dir), out)
    typer.echo(f"wrote {written}")
