"""Speech from words: where a clip has a transcript, the proposer's speech ranges take in its
word boundaries, so no audio edit falls inside a word (checked against the sound itself);
and a two-voice espeak dialogue gets a speaker per line."""
from __future__ import annotations

import shutil
import subprocess
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from engine.jobs import drive

# (start in seconds, espeak voice, line): two voices, the second higher and female
LINES = ((0.4, ("en-us", "40"), "The ship leaves the harbour tonight, and every one of us must be ready."),
         (5.0, ("en-us+f3", "75"), "Nobody told me the engines were failing."),
         (7.6, ("en-us", "40"), "Then we go now, before the storm."))
RATE = 22050


def _sound_truth(wav: Path, bridge: float = 0.06) -> list[tuple[float, float]]:
    """Seconds with sound: 10 ms windows above a floor, gaps under `bridge` joined (so a
    stretch is about a word, or words said without a break)."""
    with wave.open(str(wav)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(float) / 32768
    hop = RATE // 100
    rms = np.sqrt(np.mean(x[: len(x) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    spans: list[list[float]] = []
    for i in np.flatnonzero(rms > 0.01):
        t = i / 100
        if spans and t - spans[-1][1] <= bridge:
            spans[-1][1] = t + 0.01
        else:
            spans.append([t, t + 0.01])
    return [(a, b) for a, b in spans if b - a > 0.03]


@pytest.fixture(scope="module")
def dialogue(media, tmp_path_factory):
    """(clip, sound truth, cache folder) of Tears of Steel with the lines laid over it."""
    if not (shutil.which("espeak-ng") and shutil.which("sox") and shutil.which("ffmpeg")):
        pytest.skip("espeak-ng, sox and ffmpeg are needed (make setup installs them)")
    folder = tmp_path_factory.mktemp("speech")
    parts = []
    for n, (start, (voice, pitch), text) in enumerate(LINES):
        line = folder / f"line{n}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-p", pitch, "-s", "150", "-w", str(line), text], check=True)
        padded = folder / f"pad{n}.wav"
        subprocess.run(["sox", str(line), "-r", str(RATE), str(padded), "pad", str(start)], check=True)
        parts.append(str(padded))
    mixed = folder / "speech.wav"
    subprocess.run(["sox", "-m", *parts, "-b", "16", str(mixed), "trim", "0", "10"], check=True)
    clip = folder / "dialogue.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(media / "sources" / "tears_of_steel_0500.mp4"),
                    "-i", str(mixed), "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac",
                    "-t", "10", str(clip)], check=True)
    return clip, _sound_truth(mixed), folder / "cache"


@pytest.fixture
def transcribed(dialogue, monkeypatch):
    """The dialogue's transcript, made through the CLI into the module's cache."""
    import engine.cli

    clip, truth, cache = dialogue
    monkeypatch.setenv("MOVIOLA_CACHE_DIR", str(cache))
    out = cache.parent / "dialogue.json"
    assert engine.cli.main(["transcribe", str(clip), "--json", "-o", str(out)]) == 0
    return clip, truth, out


def _inside(seconds: float, truth, tolerance: float) -> bool:
    return any(a + tolerance < seconds < b - tolerance for a, b in truth)


def test_speech_ranges_follow_words_and_no_audio_edit_cuts_one(transcribed):
    from engine.edit.audio_edits import _splits_speech
    from engine.edit.from_analysis import proposal_pool_job, proposals_json_job
    from engine.transcript.speech import word_ranges
    from engine.transcript.transcribe import cached_transcript

    clip, truth, _ = transcribed
    transcript = cached_transcript(clip)
    assert transcript is not None and len(transcript.words) >= 20
    pool = drive(proposal_pool_job([clip]))
    rate = float(pool[0].rate)
    frames = int(pool[0].extra["frame_count"])
    words = word_ranges(transcript.words, rate, frames)
    speech = sorted({tuple(r) for s in pool for r in s.speech})
    # every word lies inside one speech range: no cut point inside a word
    assert all(any(a <= w0 and w1 <= b for a, b in speech) for w0, w1 in words), (speech, words)
    # a cut is allowed only at frame edges outside every range; none of those is inside a
    # word's sound (a frame and a half of tolerance: the sound gate and frames are coarse)
    tolerance = 1.5 / rate
    shot = pool[0]
    allowed = [f for f in range(1, frames) if not _splits_speech(shot, f)]
    assert allowed and not [f / rate for f in allowed if _inside(f / rate, truth, tolerance)]

    # the proposals the app makes: every A1 edit in a gap between words
    for document in drive(proposals_json_job([str(clip)], duration_s=6, arc="rising")):
        timeline = otio.adapters.read_from_string(document, "otio_json")
        rate = float(Fraction(timeline.metadata["moviola"]["rate"]))
        for piece in timeline.audio_tracks()[0].find_clips():
            start = piece.source_range.start_time.to_seconds()
            end = start + piece.source_range.duration.to_seconds()
            assert not _inside(start, truth, 1.5 / rate) and not _inside(end, truth, 1.5 / rate), \
                timeline.metadata["moviola"]["explanation"]


def test_pipeline_exports_carry_captions_and_line_markers(transcribed, tmp_path):
    from engine.pipeline import run_pipeline
    from engine.project import Project

    clip, _truth, _ = transcribed
    report = run_pipeline([clip], tmp_path / "out")
    exports = tmp_path / "out" / "exports"
    srt = exports / "dialogue.srt"
    assert srt in report.written
    text = srt.read_text()
    # (a cue longer than a caption line wraps, so the words are compared across line breaks)
    assert text.startswith("1\n00:00:00,") and "told me the engines were failing." in " ".join(text.split())
    # the three lines start at 0.4, 5.0 and 7.6 s: so do cues in the captions
    starts = [line.split(" --> ")[0] for line in text.splitlines() if " --> " in line]
    assert starts[0].startswith("00:00:00,") and any(s.startswith("00:00:05,") for s in starts)
    # the breakdown in the project carries the lines as transcript markers in source time
    project = Project.load(tmp_path / "out" / "demo.moviola")
    shots = next(t for t in project.timelines if t.name.startswith("dialogue"))
    lines = [(c, m) for c in shots.video_tracks()[0].find_clips() for m in c.markers
             if m.metadata.get("moviola", {}).get("kind") == "transcript"]
    assert any("told me the engines" in m.name for _, m in lines)
    for c, m in lines:
        assert c.source_range.contains(m.marked_range.start_time)
        assert m.marked_range.end_time_inclusive() <= c.source_range.end_time_exclusive()
    said = next(m for _, m in lines if "told me the engines" in m.name)
    assert abs(said.marked_range.start_time.to_seconds() - 5.0) < 0.35
    # Premiere's file has them too (as markers with the line's text)
    assert "told me the engines" in (exports / "dialogue.premiere.xml").read_text()


def test_two_voices_get_two_speakers(transcribed):
    import json

    from desktop.transcript.words import Layout  # the panel's text, Qt-free
    from engine.transcript.result import Transcript
    from engine.transcript.transcribe import cached_transcript

    clip, _truth, out = transcribed
    document = json.loads(out.read_text())
    segments = document["segments"]

    def speaker(second):
        # by time, not by words: the model may hear a word differently on another CPU
        return next(s["speaker"] for s in segments if s["start"] <= second <= s["end"])
    # lines one and three (from 0.4 and 7.6 s) are the same low voice; line two (from 5.0 s) a
    # higher, female one
    assert speaker(2.0) == speaker(8.4) == 0
    assert speaker(6.0) == 1
    transcript = cached_transcript(clip)
    assert isinstance(transcript, Transcript) and transcript.speakers == 2
    text = Layout.of(transcript).text
    second = next(s["text"].strip() for s in segments if s["speaker"] == 1)
    assert text.startswith("Speaker 1: ")
    assert text.index("Speaker 2: ") < text.index(second) < text.rindex("Speaker 1: ")


def test_one_narrator_is_one_speaker(media):
    from engine.transcript.speakers import speaker_ids
    from engine.transcript.transcribe import RATE, _decode

    lecture = media / "sources" / "physicsworks_lecture_audio.webm"
    sound = drive(_decode(lecture, 0.0))[: 60 * RATE]
    # the lecture's own pauses as spans: 4-6 s stretches of one man's voice, rising and falling
    spans = [(t, t + 4.5) for t in np.arange(0.0, 55.0, 5.0)]
    ids = speaker_ids(sound, spans)
    assert [i for i in ids if i is not None] and set(ids) - {None} == {0}


def test_a_copy_gets_the_cached_transcript_under_its_own_name(transcribed, tmp_path):
    from engine.transcript.transcribe import cached_transcript, transcribe_job

    clip, _truth, _ = transcribed
    copy = tmp_path / "take 2 (copy).mp4"
    shutil.copyfile(clip, copy)
    progress = []
    again = drive(transcribe_job(copy), lambda f, m: progress.append(m))
    assert any("from the cache" in m for m in progress)  # the same content: nothing re-heard
    assert again.file == str(copy) and cached_transcript(copy).file == str(copy)
    assert again.text == cached_transcript(clip).text
