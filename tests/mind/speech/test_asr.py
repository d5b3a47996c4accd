"""Transcripts of espeak-ng speech: English against a tight WER bound, Mandarin (robotic pinyin
speech) against a loose CER bound on sentences checked beforehand, with greedy decoding."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anxin.cli.main import app
from anxin.mind.speech import asr, audio
from anxin.mind.speech.errors import NoSpeech
from tests.mind.speech.conftest import Speaker, edit_distance, encode, pinyin

ENGLISH = [
    "I have been feeling very anxious about my exams lately.",
    "My sister called me yesterday and we talked for an hour.",
    "I am going to kill myself tonight.",
]
# Checked beforehand with Whisper base, beam 1, temperature 0: espeak's pinyin voice is robotic and
# Whisper base reaches only about 0.5 character error on it (about 0.4 on these at speed 110).
MANDARIN = ["谢谢你听我说话。", "我不想去上学。", "我想和你谈谈我的家人。"]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower().replace("i've", "i have").replace("i'm", "i am"))


def hanzi(text: str) -> list[str]:
    return re.findall(r"[\u4e00-\u9fff]", text)


@pytest.mark.parametrize("model", ["tiny.en", "base"])
def test_english_word_error_rate(speak: Speaker, model: str) -> None:
    errors = total = 0
    for sentence in ENGLISH:
        result = asr.transcribe(audio.load(speak(sentence)), language="en", model=model, beam_size=1)
        errors += edit_distance(words(sentence), words(result.text))
        total += len(words(sentence))
        assert result.language == "en"
    assert errors / total <= 0.1, f"WER {errors / total:.2f}"


def test_language_is_detected_and_browser_audio_works(speak: Speaker) -> None:
    clip = audio.load(speak(ENGLISH[1]))
    result = asr.transcribe(audio.load(encode(clip.samples, "webm")), beam_size=1)
    assert result.language == "en"
    assert edit_distance(words(ENGLISH[1]), words(result.text)) <= 1


def test_mandarin_character_error_rate(speak: Speaker) -> None:
    errors = total = 0
    for sentence in MANDARIN:
        clip = audio.load(speak(pinyin(sentence), voice="cmn-latn-pinyin", speed=110))
        result = asr.transcribe(clip, language="zh", model="base", beam_size=1)
        errors += edit_distance(hanzi(sentence), hanzi(result.text))
        total += len(hanzi(sentence))
    assert errors / total <= 0.6, f"CER {errors / total:.2f}"


def test_english_only_model_refuses_chinese(speak: Speaker) -> None:
    with pytest.raises(ValueError, match="English-only"):
        asr.transcribe(audio.load(speak("hello")), language="zh", model="tiny.en")


def test_noise_without_words_is_no_speech() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    hum = (0.01 * rng.standard_normal(16000 * 3)).astype("float32")
    with pytest.raises(NoSpeech):
        asr.transcribe(audio.Audio(hum, "wav"), model="tiny.en", language="en")


def test_a_changed_model_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(asr.TINY_EN_FILES, "config.json", "0" * 64)
    with pytest.raises(asr.ModelIntegrityError):
        asr.resolve_model("tiny.en")
    with pytest.raises(ValueError, match=r"model\.bin"):
        asr.resolve_model(str(tmp_path))


def test_cli_transcribe_and_errors(speak: Speaker, tmp_path: Path) -> None:
    runner = CliRunner()
    wav = tmp_path / "note.wav"
    wav.write_bytes(speak(ENGLISH[1]))
    done = runner.invoke(app, ["mind", "transcribe", str(wav), "--model", "tiny.en", "--json"])
    assert done.exit_code == 0, done.output
    assert "sister" in done.stdout and '"language": "en"' in done.stdout
    junk = tmp_path / "notes.txt"
    junk.write_text("not audio")
    refused = runner.invoke(app, ["mind", "transcribe", str(junk)])
    assert refused.exit_code == 2
    assert "Unsupported audio" in refused.output and "Traceback" not in refused.output
    missing = runner.invoke(app, ["mind", "transcribe", str(tmp_path / "none.wav")])
    assert missing.exit_code == 2


def test_cli_analyze_audio_json(speak: Speaker, tmp_path: Path) -> None:
    import json

    wav = tmp_path / "said.wav"
    wav.write_bytes(speak(ENGLISH[2]))
    done = CliRunner().invoke(app, ["mind", "analyze-audio", str(wav), "--model", "tiny.en", "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert "kill myself" in result["transcript"].lower() and result["language"] == "en"
    assert result["text_analysis"]["risk"]["flag"] is True
    assert set(result["voice"]["indicators"]) >= {"speech_rate", "pause_ratio", "pitch_variability"}
    assert result["fused"]["task"] == "voice_emotion" and result["fused"]["label"]
