"""Footage-aware prompts: beats follow the emotion curve, and travel as OTIO markers."""
from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest

from engine.jobs import drive
from engine.script import ScriptGenerator
from engine.script.footage import (
    attach_markers,
    beats_to_markers,
    draft_from_footage,
    emotion_beats,
    footage_prompt,
    spoken_lines,
)

TINY_LM = Path(__file__).parent / "data" / "tiny-script-lm"  # a 1.35M-parameter base model, a fixture only

SHOTS = [
    {"start": 0.0, "end": 3.0, "label": "calm", "valence": 0.2, "arousal": 0.2, "faces": 1},
    {"start": 3.0, "end": 5.0, "label": "calm", "valence": 0.1, "arousal": 0.25, "faces": 1},
    {"start": 5.0, "end": 9.0, "label": "tense", "valence": -0.5, "arousal": 0.7, "faces": 2},
    {"start": 9.0, "end": 12.5, "label": "happy", "valence": 0.8, "arousal": 0.9, "faces": 3},
]


class Babble:
    """A stand-in model that writes nothing usable: the beats must still get text."""

    def complete(self, prompt, **kwargs):
        return " 12 ## ;;"


def test_beats_follow_the_emotion_curve():
    beats = emotion_beats(SHOTS, "outline")
    assert [(b.start, b.end, b.label, b.shots) for b in beats] == [
        (0.0, 5.0, "calm", [0, 1]), (5.0, 9.0, "tense", [2]), (9.0, 12.5, "happy", [3])]
    assert [b.trend for b in beats] == ["lowest", "rising", "peak"]
    assert len(emotion_beats(SHOTS, "shots")) == 4
    assert len(emotion_beats(SHOTS * 1, "outline", max_beats=2)) == 2


def test_prompts_carry_labels_durations_and_faces():
    prompt = footage_prompt(SHOTS, "shots", context="A family reunion at a lake.")
    assert "Emotion curve: calm (lowest) → calm (steady) → tense (rising) → happy (peak)." in prompt
    assert "SHOT 3 (0:05.0-0:09.0, 4.0 s, tense, rising, 2 faces):" in prompt
    assert "Context: A family reunion at a lake." in prompt
    assert "NARRATOR (V.O.)" in footage_prompt(SHOTS, "voiceover")
    assert "Beat 2 (0:05.0-0:09.0, 4.0 s, tense, rising, 2 faces):" in footage_prompt(SHOTS, "outline")


def test_unusable_completions_get_plain_descriptions():
    beats = drive(draft_from_footage(SHOTS, Babble(), "shots"))
    assert beats[2].text == "2 people in frame; the mood is tense, rising."


def test_real_model_writes_every_beat():
    lm = ScriptGenerator(str(TINY_LM), device="cpu")
    beats = drive(draft_from_footage(SHOTS, lm, "voiceover", max_new_tokens=16))
    assert len(beats) == 3 and all(b.text.strip() for b in beats)


@pytest.mark.parametrize("rate", [24.0, 25.0, 30000 / 1001])
def test_markers_sit_on_the_frame_grid_and_survive_otio(rate, tmp_path):
    beats = emotion_beats(SHOTS, "outline")
    for beat in beats:
        beat.text = f"The mood turns {beat.label}."
    timeline = otio.schema.Timeline("edit")
    track = otio.schema.Track()
    timeline.tracks.append(track)
    track.append(otio.schema.Clip("a", source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(round(12.5 * rate), rate))))
    markers = attach_markers(timeline, beats)
    assert markers[1].marked_range.start_time.value == round(5.0 * rate)
    assert markers[1].marked_range.start_time.rate == rate
    assert markers[1].color == "RED" and markers[1].name == "The mood turns tense."
    path = tmp_path / "edit.otio"
    otio.adapters.write_to_file(timeline, str(path))
    back = otio.adapters.read_from_file(str(path))
    assert [m.comment for m in back.tracks.markers] == [b.text for b in beats]
    assert back.tracks.markers[2].metadata["moviola"]["script"]["label"] == "happy"


def test_bad_shots_are_refused():
    with pytest.raises(ValueError, match="ends"):
        beats_to_markers(emotion_beats([{"start": 5, "end": 1}]))


def test_spoken_lines_land_in_the_beats_they_are_said_in():
    # One Whisper segment holding two people's lines: word times split it at the sentence end.
    words = [(3.2, 3.5, " Where"), (3.5, 3.7, " were"), (3.7, 4.1, " you?"),
             (6.0, 6.3, " Out."), (10.0, 10.4, " Nowhere")]
    transcript = {"segments": [{"start": 3.2, "end": 6.3, "text": "Where were you? Out.",
                                "words": [{"start": a, "end": b, "word": w} for a, b, w in words[:4]]},
                               {"start": 10.0, "end": 10.4, "text": "Nowhere", "speaker": "ben",
                                "words": [{"start": 10.0, "end": 10.4, "word": " Nowhere"}]}]}
    lines = spoken_lines(transcript)
    assert [(line["start"], line["text"]) for line in lines] == [
        (3.2, "Where were you?"), (6.0, "Out."), (10.0, "Nowhere")]
    beats = emotion_beats(SHOTS, "outline", lines=lines)
    assert [b.said for b in beats] == [["Where were you?"], ["Out."], ["BEN: Nowhere"]]
    prompt = footage_prompt(SHOTS, "outline", lines=lines)
    assert 'Beat 3 (0:09.0-0:12.5, 3.5 s, happy, peak, 3 faces; heard: "BEN: Nowhere"):' in prompt
    assert "Dialogue: 3 spoken lines" in prompt
    assert spoken_lines(None) == [] and "heard" not in footage_prompt(SHOTS, "outline")
