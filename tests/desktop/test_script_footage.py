"""The script tab's "From footage" reads what is said: a clip transcribed with `moviola-cli
transcribe` (real espeak-ng speech, real Whisper) has its spoken lines quoted per beat in the
footage prompt and in the drafted beats' markers; a clip without a transcript says so."""
from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from desktop.script.tab import ScriptTab
from engine.cli import main
from engine.transcript.matching import words_of
from tests.speech import spoken_scene

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="espeak-ng is needed (make system-deps)")

TINY_LM = Path(__file__).parents[1] / "engine" / "data" / "tiny-script-lm"
# (voice, start second, words): two people, one line each, in different shots of a 9 s clip
LINES = [("en-us", 0.5, "The lamp in the hallway is broken again."),
         ("en-us+m3", 5.0, "I will fix it after dinner, I promise.")]
# The clip's two shots at 24 fps, as the main window passes them: frames, with their emotion.
SHOTS = [{"start": 0, "end": 108, "label": "sad", "valence": -0.3, "arousal": 0.2, "faces": 1},
         {"start": 108, "end": 216, "label": "calm", "valence": 0.2, "arousal": 0.4, "faces": 1}]


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory) -> Path:
    """A 9 s WAV of the two lines, placed at their start seconds."""
    folder = tmp_path_factory.mktemp("footage-dialogue")
    return spoken_scene(((start, voice, text) for voice, start, text in LINES), 9, folder / "kitchen.wav")


@pytest.fixture
def tab(qtbot, qapp):
    widget = ScriptTab()  # its own worker process, as in the app
    widget.model.setText(str(TINY_LM))
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    yield widget
    widget.shutdown()


def test_footage_prompt_quotes_what_is_said_in_each_beat(qtbot, tab, dialogue, capsys):
    # Not transcribed yet: the panel says so and the prompt has only pictures and moods.
    tab.set_footage(SHOTS, Fraction(24), dialogue)
    qtbot.waitUntil(lambda: tab.footage.transcribed is not None, timeout=60_000)
    assert tab.footage.transcribed is False and tab.footage.lines == []
    assert "No transcript yet" in tab.footage.summary.text()
    tab.footage.prompt_button.click()
    assert "heard:" not in tab.prompt.toPlainText()

    # The editor transcribes the clip (the CLI, or the transcript panel: the same cache).
    assert main(["transcribe", str(dialogue)]) == 0
    capsys.readouterr()
    tab.set_footage(SHOTS, Fraction(24), dialogue)
    qtbot.waitUntil(lambda: tab.footage.transcribed is not None, timeout=60_000)
    assert len(tab.footage.lines) == 2, tab.footage.lines
    assert "2 spoken lines" in tab.footage.summary.text()

    tab.footage.prompt_button.click()
    prompt = tab.prompt.toPlainText()
    beats = [line for line in prompt.splitlines() if line.startswith("Beat ")]
    assert len(beats) == 2 and "Dialogue: 2 spoken lines" in prompt
    for beat, (_, _, said) in zip(beats, LINES, strict=True):  # each line in the beat it is said in
        heard = words_of(beat.split("heard:")[1])
        assert sum(w in heard for w in words_of(said)) >= 0.75 * len(words_of(said)), (said, beat)

    # Drafting beats sends the lines to the model and keeps them with the markers.
    received = []
    tab.markers_ready.connect(received.append)
    tab.footage.draft_button.click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=120_000)
    assert tab.error.isHidden(), tab.error.text()
    assert tab.footage.table.rowCount() == 2
    tab.footage.attach_button.click()
    markers = received[0]
    said = [m.metadata["moviola"]["script"]["said"] for m in markers]
    assert "lamp" in words_of(" ".join(said[0])) and "dinner" in words_of(" ".join(said[1]))
