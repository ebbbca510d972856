"""Proposals from real footage with dialogue at known times (espeak-ng lines over Tears of
Steel): speech, motion peaks and faces reach the solver through the function the CLI and
the app call, no audio edit falls inside a line, and every sound stays in sync with its
picture through an .otio round trip."""
from __future__ import annotations

import shutil
import subprocess
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from engine.cache.store import AnalysisCache
from engine.edit.from_analysis import proposal_pool_job, proposals_json_job
from engine.jobs import drive

# (seconds at which each line starts, text)
LINES = ((0.4, "The ship leaves the harbour tonight, and every one of us must be ready."),
         (5.0, "Nobody told me the engines were failing."),
         (7.7, "Then we go now, before the storm."))
RATE = 22050


def _speech_truth(wav: Path) -> list[tuple[float, float]]:
    """Seconds with speech in the mixed track: 10 ms windows above a floor, gaps under
    120 ms bridged (the pauses between words of a line are not pauses for an edit)."""
    with wave.open(str(wav)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(float) / 32768
    hop = RATE // 100
    rms = np.sqrt(np.mean(x[: len(x) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    on = np.flatnonzero(rms > 0.01)
    ranges: list[list[float]] = []
    for i in on:
        t = i / 100
        if ranges and t - ranges[-1][1] <= 0.12:
            ranges[-1][1] = t + 0.01
        else:
            ranges.append([t, t + 0.01])
    return [(a, b) for a, b in ranges if b - a > 0.05]


@pytest.fixture(scope="module")
def dialogue(media, tmp_path_factory):
    """(clip, speech truth in seconds, a cache shared by the module's tests)."""
    if not (shutil.which("espeak-ng") and shutil.which("sox") and shutil.which("ffmpeg")):
        pytest.skip("espeak-ng, sox and ffmpeg are needed (make setup installs them)")
    source = media / "sources" / "tears_of_steel_0500.mp4"
    folder = tmp_path_factory.mktemp("dialogue")
    parts = []
    for n, (start, text) in enumerate(LINES):
        line = folder / f"line{n}.wav"
        subprocess.run(["espeak-ng", "-w", str(line), text], check=True)
        padded = folder / f"pad{n}.wav"
        subprocess.run(["sox", str(line), str(padded), "pad", str(start)], check=True)
        parts.append(str(padded))
    mixed = folder / "speech.wav"
    subprocess.run(["sox", "-m", *parts, "-b", "16", str(mixed), "trim", "0", "10"], check=True)
    clip = folder / "dialogue.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-i", str(mixed), "-map", "0:v",
                    "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-t", "10", str(clip)], check=True)
    return clip, _speech_truth(mixed), folder / "cache.sqlite"


def _rate(timeline: otio.schema.Timeline) -> float:
    return float(Fraction(timeline.metadata["moviola"]["rate"]))


@pytest.fixture
def cli():
    import engine.cli

    return engine.cli.main


def _inside(seconds: float, truth, tolerance: float) -> bool:
    return any(a + tolerance < seconds < b - tolerance for a, b in truth)


def _check_sound(timeline: otio.schema.Timeline, truth, rate: float) -> tuple[int, int]:
    """Every A1 clip in sync with its picture; returns (edits inside speech, splits)."""
    video = list(timeline.video_tracks()[0].find_clips())
    audio = timeline.audio_tracks()[0]
    assert audio.duration() == timeline.video_tracks()[0].duration()
    inside = splits = 0
    tol = 1.5 / rate  # a frame and a half: the truth is a 10 ms energy gate, the VAD pads 30 ms
    for clip in audio.find_clips():
        facts = clip.metadata["moviola"]["audio"]
        picture = video[facts["cut"] - 1]
        a_rec = clip.range_in_parent().start_time.to_seconds()
        v_rec = picture.range_in_parent().start_time.to_seconds()
        a_src = clip.source_range.start_time.to_seconds()
        v_src = picture.source_range.start_time.to_seconds()
        # In sync: the sound's source offset minus record offset is its picture's.
        assert abs((a_src - a_rec) - (v_src - v_rec)) < 0.5 / rate, clip.name
        assert clip.media_reference.target_url == picture.media_reference.target_url
        origin = clip.media_reference.available_range.start_time.to_seconds() \
            if clip.media_reference.available_range else 0.0
        start = a_src - origin
        end = start + clip.source_range.duration.to_seconds()
        inside += _inside(start, truth, tol) + _inside(end, truth, tol)
        splits += facts["split"] is not None
        assert facts["fade_in_frames"] >= 0 and facts["fade_out_frames"] >= 0
    return inside, splits


def test_speech_faces_and_action_reach_the_solver(dialogue):
    clip, truth, cache_path = dialogue
    pool = drive(proposal_pool_job([clip], cache=AnalysisCache(cache_path)))
    rate = float(pool[0].rate)
    speech = [(a / rate, (b + 1) / rate) for s in pool for a, b in s.speech]
    assert speech, "no speech reached the proposer"
    for start, _text in LINES:  # every line is heard, a second into it
        assert any(a <= start + 1.0 <= b for a, b in speech), start
    assert not any(a <= 4.6 <= b for a, b in speech)  # the pause between the first two lines
    assert any(s.face_frames and s.face_scale > 0 for s in pool), "no face reached the proposer"
    assert any(s.motion_peaks for s in pool), "no motion peak reached the proposer"
    assert all(s.histogram is not None and s.histogram.size == 128 for s in pool)
    # The cut facts are cached: a second pool decodes nothing and is the same.
    again = drive(proposal_pool_job([clip], cache=AnalysisCache(cache_path)))
    assert [(s.speech, s.motion_peaks, s.face_frames) for s in again] == \
        [(s.speech, s.motion_peaks, s.face_frames) for s in pool]


def test_app_proposals_keep_lines_whole_and_in_sync(dialogue, monkeypatch, tmp_path):
    clip, truth, cache_path = dialogue
    monkeypatch.setenv("MOVIOLA_CACHE_DIR", str(cache_path.parent))  # the module's analyses
    documents = drive(proposals_json_job([str(clip)], duration_s=6, arc="rising"))
    assert documents and not any(w in d for d in documents for w in ("Infinity", "NaN"))
    for document in documents:
        timeline = otio.adapters.read_from_string(document, "otio_json")
        # Through a file and back, as the project stores it.
        path = tmp_path / "proposal.otio"
        otio.adapters.write_to_file(timeline, str(path))
        timeline = otio.adapters.read_from_file(str(path))
        inside, _splits = _check_sound(timeline, truth, _rate(timeline))
        assert inside == 0, timeline.metadata["moviola"]["explanation"]
        explanation = timeline.metadata["moviola"]["explanation"]
        assert "out:" in explanation and ":" in explanation


def test_cli_propose_dialogue_and_bad_requests(dialogue, cli, monkeypatch, tmp_path, capsys):
    clip, truth, cache_path = dialogue
    monkeypatch.setenv("MOVIOLA_CACHE_DIR", str(cache_path.parent))
    out = tmp_path / "cut.otio"
    assert cli(["propose", str(clip), "--duration", "6", "--alternatives", "1", "-o", str(out)]) == 0
    text = out.read_text()
    assert "Infinity" not in text and "NaN" not in text
    timeline = otio.adapters.read_from_file(str(out))
    inside, _ = _check_sound(timeline, truth, _rate(timeline))
    assert inside == 0
    printed = capsys.readouterr().out
    assert "out:" in printed

    assert cli(["propose", str(clip), "--duration", "6", "--must", "1", "--exclude", "1",
                "-o", str(out)]) == 1
    assert "both --must and --exclude" in capsys.readouterr().err
    assert cli(["propose", str(clip), "--duration", "600", "-o", str(out)]) == 1
    assert "cannot be filled" in capsys.readouterr().err


def _split_proposal(clip: Path):
    """Three cuts of the real clip whose picture cuts fall inside lines: an L-cut then a J-cut."""
    from engine.edit.arcs import get_arc
    from engine.edit.audio_edits import plan_audio
    from engine.edit.inputs import AnalysedShot
    from engine.edit.proposals import Cut, Proposal

    rate = Fraction(24)
    a = AnalysedShot(clip, rate, 0, 100, index=0, speech=[(45, 62)], extra={"frame_count": 240})
    b = AnalysedShot(clip, rate, 120, 199, index=1, speech=[(130, 141)], extra={"frame_count": 240})
    c = AnalysedShot(clip, rate, 200, 239, index=2, speech=[(195, 215)], extra={"frame_count": 240})
    cuts = [Cut(a, 10, 59, 0, 50, "start", 0.5, "test"), Cut(b, 140, 199, 50, 60, "middle", 0.5, "test"),
            Cut(c, 200, 239, 110, 40, "end", 0.5, "test")]
    audio, edits = plan_audio(cuts, rate)
    return Proposal("split", "split edits", cuts, rate, 150, get_arc("rising"), 0.0, {"total": 0.0}, [],
                    audio=audio, audio_edits=edits), edits


@pytest.mark.parametrize("fmt,suffix", [("otio", ".otio"), ("premiere", ".xml"), ("resolve", ".fcpxml"),
                                        ("edl", ".edl")])
def test_split_edits_survive_export_in_sync(dialogue, tmp_path, fmt, suffix):
    from engine.edit.output import proposal_timeline
    from engine.timeline.api import export_timeline
    from engine.timeline.importers import import_timeline

    clip = dialogue[0]
    proposal, edits = _split_proposal(clip)
    assert [e.kind for e in edits[1:-1]] == ["L-cut", "J-cut"]
    out = tmp_path / f"split{suffix}"
    export_timeline(proposal_timeline(proposal), out, fmt)
    timeline = import_timeline(out, search_paths=[clip.parent]).timelines[0]

    def spans(track):
        return [(round(c.range_in_parent().start_time.to_seconds() * 24),
                 round(c.range_in_parent().duration.to_seconds() * 24),
                 round(c.source_range.start_time.to_seconds() * 24)) for c in track.find_clips()]

    video, audio = spans(timeline.video_tracks()[0]), spans(timeline.audio_tracks()[0])
    assert [(r, n) for r, n, _ in video] == [(0, 50), (50, 60), (110, 40)]
    # The sound of cut 1 trails its picture by 3 frames, cut 3's leads its picture by 5.
    assert [(r, n) for r, n, _ in audio] == [(0, 53), (53, 52), (105, 45)]
    for (ar, _, asrc), (vr, _, vsrc) in zip(audio, video, strict=True):
        assert asrc - ar == vsrc - vr  # in sync, offset for offset
