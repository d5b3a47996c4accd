from __future__ import annotations

import numpy as np

from anxin.mind.speech import audio, features
from tests.mind.speech.conftest import Speaker


def test_egemaps_shape_and_louder_audio(speak: Speaker) -> None:
    clip = audio.load(speak("I have been feeling very anxious about my exams lately."))
    vector = features.egemaps(clip)
    assert vector.shape == (features.N_FEATURES,) and np.isfinite(vector).all()
    assert len(features.feature_names()) == features.N_FEATURES
    quiet = audio.Audio(clip.samples * 0.2, "wav")
    loud, soft = features.indicators(clip, vector), features.indicators(quiet, features.egemaps(quiet))
    assert loud["loudness"] > soft["loudness"] * 1.5
    assert set(loud) == set(features.INDICATORS)


def test_indicators_are_sane(speak: Speaker) -> None:
    sentence = "My sister called me yesterday and we talked for an hour."
    clip = audio.load(speak(sentence))
    values = features.indicators(clip, features.egemaps(clip), sentence)
    assert 1.0 < values["speech_rate"] < 6.0  # words per second of speech
    assert 0.0 <= values["pause_ratio"] < 0.6
    # Pauses added around the speech raise the pause ratio.
    gap = np.zeros(16000 * 2, np.float32)
    padded = audio.Audio(np.concatenate([gap, clip.samples, gap]), "wav")
    assert features.indicators(padded, features.egemaps(padded))["pause_ratio"] > values["pause_ratio"] + 0.2
    assert features.count_units("我很好 ok then") == 5
