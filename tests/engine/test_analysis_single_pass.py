"""One decode for every analyser: `moviola-cli analyze` decodes each frame of a file once,
for shots, emotion features and the proposer's cut facts, and its sound once, for the sound
features and voice activity; what it measures on the way is what separate decodes measure."""
from __future__ import annotations

import json

import numpy as np
import pytest

from engine.media import FrameReader

SEQUENCE = "sequences/seq04_25fps.mp4"  # 582 frames: cuts, dissolves and fades


def test_a_reader_makes_a_second_picture_from_the_same_decode(media):
    path = media / SEQUENCE
    with FrameReader(path, size=(48, 27), pix_fmt="rgb24", also=((320, 180), "bgr24", "bilinear")) as both:
        pairs = [(f.image, f.also) for f in both.frames(0, 40)]
    with FrameReader(path, size=(48, 27), pix_fmt="rgb24") as small:
        alone = [f.image for f in small.frames(0, 40)]
    with FrameReader(path, size=(320, 180), pix_fmt="bgr24", interpolation="bilinear") as large:
        apart = [f.image for f in large.frames(0, 40)]
    assert len(pairs) == len(alone) == len(apart) == 40
    assert all(np.array_equal(a, b) for (a, _), b in zip(pairs, alone))
    assert all(np.array_equal(a, b) for (_, a), b in zip(pairs, apart))
    with pytest.raises(ValueError, match="interpolation"):
        FrameReader(path, size=(48, 27), interpolation="sharpest")


def test_a_sound_tap_gets_what_its_own_decode_gives(media):
    from engine.media import iter_audio

    path = media / SEQUENCE
    tapped: list[np.ndarray] = []
    both = list(iter_audio(path, 48000, 2, chunk_seconds=10.0, tap=(16000, 1, tapped.append)))
    alone = list(iter_audio(path, 48000, 2, chunk_seconds=10.0))
    small = list(iter_audio(path, 16000, 1, chunk_seconds=10.0))
    assert len(both) == len(alone) == 3 and len(tapped) == len(small) == 3  # 23.3 s in 10-s chunks
    assert all(np.array_equal(a, b) for a, b in zip(both, alone))
    assert all(a.shape[0] == 1 and np.array_equal(a, b) for a, b in zip(tapped, small))
    with pytest.raises(ValueError, match="positive"):
        iter_audio(path, 48000, 2, tap=(0, 1, tapped.append))


def test_analyze_decodes_once_and_measures_what_a_separate_decode_does(media, tmp_path, monkeypatch, capsys):
    import engine.cli
    from engine.affect.features import ANALYSER, FEATURE_NAMES, TRACKS, VERSION, features_job
    from engine.cache.fingerprint import fingerprint
    from engine.cache.store import AnalysisCache
    from engine.jobs import drive
    from engine.media import probe
    from engine.shots import ANALYSER as SHOTS
    from engine.shots import VERSION as SHOTS_VERSION
    from engine.shots import ShotList

    path = media / SEQUENCE
    monkeypatch.setenv("MOVIOLA_CACHE_DIR", str(tmp_path / "cache"))
    converted = []
    real = FrameReader._convert

    def counting(self, index, frame):
        converted.append(index)
        return real(self, index, frame)

    monkeypatch.setattr(FrameReader, "_convert", counting)
    import engine.media.audio as audio
    sound_decodes = []
    real_chunks = audio._chunks

    def counting_sound(path, *args, **kwargs):
        sound_decodes.append(path.name)
        return real_chunks(path, *args, **kwargs)

    monkeypatch.setattr(audio, "_chunks", counting_sound)
    assert engine.cli.main(["analyze", str(path), "--json"]) == 0
    [shown] = json.loads(capsys.readouterr().out)
    frames = probe(path).video.frame_count
    # every frame decoded and converted once, for the shot detector and the picture analysers both
    assert sorted(converted) == list(range(frames))
    assert len(shown["shots"]) >= 10
    # and the sound once, for the sound features and the cut facts' voice activity both
    assert sound_decodes == [path.name]

    cache = AnalysisCache()
    key = fingerprint(path)
    single = cache.get(key, ANALYSER, VERSION)
    shots = ShotList.from_cache(cache.get(key, SHOTS, SHOTS_VERSION))
    # the proposer's cut facts were measured in the same pass: it decodes nothing more
    from engine.analysis.facts import facts_job
    facts = drive(facts_job(path, shots))
    assert len(converted) == frames and len(facts.shots) == len(shots.shots)
    # the voice activity heard from the shared sound decode is what the sound heard alone gives
    from engine.analysis.facts import speech_ranges
    alone = speech_ranges(path, shots.fps, shots.frame_count)
    assert alone and len(sound_decodes) == 2
    for shot in facts.shots:
        assert shot.speech == [[a, b] for a, b in alone if a <= shot.end_frame and b >= shot.start_frame]
    # the emotion features' face frames are some of the facts' (one detection each): a face the
    # features counted is a face the facts found
    with_faces = [i for i, s in enumerate(shown["shots"]) if s["features"]["face_count"] > 0]
    assert with_faces and all(facts.shots[i].face_frames for i in with_faces)
    separate = drive(features_job(path, shots, cache=None, device="cpu"))
    assert len(converted) > frames  # the separate run decoded the shots' frames again
    assert [(s.start_frame, s.end_frame) for s in separate.shots] == [tuple(s) for s in shots.shots]
    for shot in separate.shots:
        stored = single["shots"][f"{shot.start_frame}:{shot.end_frame}"]
        assert {k: stored["values"][k] for k in FEATURE_NAMES} == {k: shot.values[k] for k in FEATURE_NAMES}
        assert stored["shot_scale"] == shot.shot_scale
        assert [tuple(p) for p in stored["palette"]] == [tuple(p) for p in shot.palette]
    for name in TRACKS:
        assert np.array_equal(np.asarray(single["tracks"][name]), separate.tracks[name].astype(np.float32),
                              equal_nan=True), name
    # what the editor sees: the analysis' shot scores come from those features
    first = shown["shots"][0]
    assert first["features"]["brightness"] == pytest.approx(separate.shots[0].values["brightness"], abs=1e-5)


def test_reanalysis_of_the_features_alone_does_not_listen_for_speech_again(media, tmp_path, monkeypatch, capsys):
    # After an upgrade re-measures the emotion features, the cut facts are still in the cache:
    # their voice activity (Silero, on the whole sound) was heard for nothing.
    import engine.analysis.facts as facts
    import engine.cli
    from engine.affect.features import ANALYSER as FEATURES
    from engine.affect.features import VERSION as FEATURES_VERSION
    from engine.cache.fingerprint import fingerprint
    from engine.cache.store import AnalysisCache

    path = media / SEQUENCE
    monkeypatch.setenv("MOVIOLA_CACHE_DIR", str(tmp_path / "cache"))
    listeners = []

    class Counted(facts.SpeechListener):
        def __init__(self, *args):
            super().__init__(*args)
            listeners.append(self)

    monkeypatch.setattr(facts, "SpeechListener", Counted)
    assert engine.cli.main(["analyze", str(path), "--json"]) == 0
    [first] = json.loads(capsys.readouterr().out)
    assert len(listeners) == 1 and listeners[0].complete and listeners[0].ranges  # seq04 has speech
    cache, key = AnalysisCache(), fingerprint(path)
    cache.discard(key, FEATURES)
    assert engine.cli.main(["analyze", str(path), "--json"]) == 0
    [again] = json.loads(capsys.readouterr().out)
    assert len(listeners) == 1  # not listened to again
    assert cache.get(key, FEATURES, FEATURES_VERSION) is not None  # the features were measured again
    assert again["shots"] == first["shots"]  # the same features measured again, the same emotion
    assert cache.get(key, facts.ANALYSER, facts.VERSION) is not None
