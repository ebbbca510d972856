"""Emotion scores: the default model's terms, the learned model, the curve, the sound cues."""
from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from engine.affect import default_model, learned
from engine.affect import sound as snd
from engine.affect.curve import emotion_curve, smooth
from engine.affect.emotion import score_features
from engine.affect.features import FEATURE_NAMES, features_job
from engine.affect.labels import LABELS, PROTOTYPES, nearest_label
from engine.jobs import drive
from engine.shots import Shot, ShotList

# Two dev sequences of different sound: a lecture narration bed and the films' own sound.
SEQUENCES = ("seq01_25fps", "seq07_25fps")


@pytest.fixture(scope="module")
def sequence_features(media):
    """Features of every true shot of two dev sequences (measured once for the module)."""
    out = {}
    for name in SEQUENCES:
        truth = json.loads((media / "sequences" / f"{name}.json").read_text())
        n = truth["frame_count"]
        shots = ShotList(Fraction(truth["fps_rational"]), n,
                         [Shot(s["start_frame"], s["end_frame"]) for s in truth["segments"]], [],
                         np.zeros(n), np.zeros(n))
        out[name] = (truth, drive(features_job(media / "sequences" / f"{name}.mp4", shots)))
    return out


def test_explanations_name_real_features_and_add_up(sequence_features):
    for _truth, fs in sequence_features.values():
        for shot in fs.shots:
            s = default_model.score(shot.values)
            assert -1 <= s.valence <= 1 and 0 <= s.arousal <= 1
            assert s.label in LABELS and 0 < s.confidence <= 1
            assert s.explanation and {c.feature for c in s.explanation} <= set(FEATURE_NAMES)
            by_axis = {axis: sum(c.contribution for c in s.explanation if c.target == axis)
                       for axis in ("valence", "arousal")}
            assert by_axis["valence"] == pytest.approx(s.valence, abs=0.01)
            assert by_axis["arousal"] + 0.5 == pytest.approx(s.arousal, abs=0.01)
            magnitudes = [abs(c.contribution) for c in s.explanation]
            assert magnitudes == sorted(magnitudes, reverse=True)


def test_labels_sit_at_their_prototypes():
    for label, (v, a) in PROTOTYPES.items():
        assert nearest_label(v, a)[0] == label


def test_speech_found_in_narration_not_in_film_sound(sequence_features):
    narration = np.mean([s.values["speech"] for s in sequence_features["seq01_25fps"][1].shots])
    film = np.mean([s.values["speech"] for s in sequence_features["seq07_25fps"][1].shots])
    assert narration > 0.3 and film < 0.15


def _editor(values: dict) -> str:
    """A consistent editor: bright colourful shots are joyful, dim ones tense, the rest calm."""
    if values["brightness"] < 0.42:
        return "tense"
    return "joyful" if values["colourfulness"] > 0.4 else "calm"


def test_learned_model_predicts_held_out_shots_better_than_chance(sequence_features):
    (train_truth, train_fs), (test_truth, test_fs) = sequence_features.values()
    X_train, X_test = train_fs.matrix(), test_fs.matrix()
    y_train = [_editor(s.values) for s in train_fs.shots]
    y_test = [_editor(s.values) for s in test_fs.shots]
    assert len(set(y_train)) >= 2 and len(set(y_test)) >= 2
    model = learned.train(X_train, y_train)
    predicted = [model.classes[i] for i in np.argmax(model.probabilities(X_test), axis=1)]
    accuracy = np.mean([p == t for p, t in zip(predicted, y_test)])
    chance = max(y_test.count(c) for c in set(y_test)) / len(y_test)
    assert accuracy > chance
    # Cross-validated agreement is measured and reported beside the chance rate.
    assert 0 <= model.agreement <= 1 and model.chance == pytest.approx(
        max(y_train.count(c) for c in set(y_train)) / len(y_train))


def test_labels_are_stored_per_user_and_the_model_takes_over(sequence_features, tmp_path):
    store = learned.LabelStore(tmp_path)
    for name, (_truth, fs) in sequence_features.items():
        for shot in fs.shots:
            store.add(f"fp-{name}", name, shot.start_frame, shot.end_frame, _editor(shot.values), shot.values)
    # Relabelling a shot replaces its label rather than adding one.
    first = sequence_features["seq01_25fps"][1].shots[0]
    store.add("fp-seq01_25fps", "seq01", first.start_frame, first.end_frame, _editor(first.values), first.values)
    assert len(store.entries()) == sum(len(fs.shots) for _, fs in sequence_features.values())
    model = learned.retrain(store)
    again = learned.LearnedModel.load(tmp_path)
    assert again is not None and again.classes == model.classes and again.labels == model.labels
    assert 0 <= model.default_agreement <= 1 and again.default_agreement == model.default_agreement
    assert model.active == (model.labels >= learned.MIN_LABELS
                            and model.agreement > max(model.chance, model.default_agreement))
    assert model.active, f"agreement {model.agreement:.2f} vs chance {model.chance:.2f}"

    truth, fs = sequence_features["seq07_25fps"]
    result = score_features(truth["file"], fs, again)
    assert result.model == "learned" and result.agreement == model.agreement
    mine = [shot for shot in result.shots if shot.model == "learned"]
    assert len(mine) >= len(result.shots) / 2
    for shot in result.shots:
        if shot.model == "learned":  # the editor's model labels the shots it is sure of
            assert shot.label in model.classes and shot.confidence >= learned.SURE
            assert shot.explanation and {c.feature for c in shot.explanation} <= set(FEATURE_NAMES)
            assert all(c.target == shot.label for c in shot.explanation)
        else:  # the rest keep the default model's label, and say so
            assert shot.model == "default" and shot.label == default_model.score(shot.features).label
    # The editor's rule is about brightness and colourfulness: SHAP says so.
    top = {c.feature for s in mine for c in s.explanation[:2]}
    assert top & {"brightness", "colourfulness"}

    # An upgrade that adds a feature: the saved model no longer fits, and is retrained from
    # the same labels (measured with the older features) when analysis first asks for it.
    meta = tmp_path / "emotion_lgbm.json"
    older = json.loads(meta.read_text())
    older["features"] = [n for n in older["features"] if n != "picture_change"]
    meta.write_text(json.dumps(older))
    assert learned.LearnedModel.load(tmp_path) is None
    retrained = learned.saved_model(store)
    assert retrained is not None and retrained.labels == model.labels
    assert json.loads(meta.read_text())["features"] == list(FEATURE_NAMES)


def test_curve_is_frame_accurate_and_smooth(sequence_features):
    truth, fs = sequence_features["seq07_25fps"]
    curve = emotion_curve(fs)
    assert len(curve.valence) == len(curve.arousal) == truth["frame_count"]
    assert np.all(np.abs(curve.valence) <= 1) and np.all((curve.arousal >= 0) & (curve.arousal <= 1))
    # Symmetric smoothing: a step at frame k stays centred on frame k.
    step = np.r_[np.zeros(50), np.ones(50)]
    s = smooth(step, 25.0)
    assert s[49] < 0.5 < s[50] and s[0] == 0 and s[-1] == 1
    assert np.max(np.abs(np.diff(curve.arousal))) < 0.05


def test_loudness_is_bs1770_and_tempo_is_found():
    import pyloudnorm

    rng = np.random.default_rng(0)
    rate = snd.SAMPLE_RATE
    x = 0.1 * rng.standard_normal((2, 8 * rate))
    x[:, 4 * rate:] *= 0.1
    track = snd.analyse_sound(x[:, i:i + rate // 3] for i in range(0, x.shape[1], rate // 3))
    ours = snd.integrated_loudness(track, 0, len(track))
    theirs = pyloudnorm.Meter(rate).integrated_loudness(x.T)
    assert ours == pytest.approx(theirs, abs=0.1)
    # Drum-like hits (decaying noise bursts) at 120 BPM over quiet noise: a beat, no speech.
    clicks = 0.01 * rng.standard_normal((2, 10 * rate))
    hit = 0.5 * rng.standard_normal(2400) * np.exp(-np.arange(2400) / 400)
    for beat in np.arange(0, 10, 0.5):
        at = int(beat * rate)
        clicks[:, at:at + 2400] += hit
    track = snd.analyse_sound([clicks])
    features = snd.shot_sound(track, 0.0, 10.0, snd.onsets(track), snd.speech_hops(track))
    assert features["tempo"] == pytest.approx(120, abs=3)
    assert features["onset_rate"] == pytest.approx(2.0, abs=0.3)
    assert features["speech"] < 0.1


def test_features_measured_before_a_term_existed_leave_it_silent():
    # An editor's stored labels carry the features of their day (version 4 had no
    # picture change); the default model still scores them, the missing term adding nothing.
    from engine.affect.default_model import axes
    from engine.affect.features import FEATURE_NAMES

    values = {name: 0.3 for name in FEATURE_NAMES}
    older = {k: v for k, v in values.items() if k != "picture_change"}
    _, _, parts = axes(older)
    assert parts[("arousal", "picture_change")] == 0
    assert axes(older)[1] != axes(values)[1]
