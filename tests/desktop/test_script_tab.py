"""The script tab: real generation in the tab's worker process, streaming into variant panes,
Stop, accepting a variant, the formatted preview, exports, the outline steps and footage markers.

The default model (the bundled SmolLM2-135M-Instruct) writes the first scene and stands in for
gpt2, which is not cached (HF_HUB_OFFLINE=1); the machinery tests use a 1.35M-parameter local
model folder (the "any local folder" flow) so they stay quick on a CPU."""
from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

from desktop.script.outline_panel import parse_beats
from desktop.script.preview import render_lines
from desktop.script.tab import ScriptTab
from engine.script import BUNDLED_MODEL, parse
from engine.script.models import converted_folder

WAIT = 120_000  # first use loads the model
WAIT_BUNDLED = 600_000  # 135M parameters in a worker below the GUI's priority, on a busy CPU
TINY_LM = Path(__file__).parents[1] / "engine" / "data" / "tiny-script-lm"
LIGHTHOUSE = ("INT. LIGHTHOUSE - NIGHT\n\nMARA, 40s, soaked, climbs the last stair. The lamp is dark. "
              "OWEN sits beside it, holding a letter.\n\nMARA\nYou let it go out.\n")


@pytest.fixture(scope="module")
def converted(script_model_cache):
    """The bundled model converted once (tests/conftest.py, shared with tests/engine/test_script_*)."""
    return converted_folder(script_model_cache)


@pytest.fixture(scope="module")
def runner(qapp):
    """One worker process for the module: the model loads once, as in the app's tab."""
    from desktop.runner import ProcessRunner

    runner = ProcessRunner(name="moviola-script-test")
    yield runner
    runner.shutdown()


@pytest.fixture
def tab(qtbot, qapp, runner, converted):
    # The worker starts with this test's cache folder: give it the converted model, as a
    # second run of the app finds it.
    cache = Path(os.environ["MOVIOLA_CACHE_DIR"]) / "script-models"
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / converted.name).exists():
        (cache / converted.name).symlink_to(converted, target_is_directory=True)
    widget = ScriptTab(runner=runner)
    assert widget.model.text() == BUNDLED_MODEL
    widget.model.setText(str(TINY_LM))
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    yield widget
    widget.shutdown()


def _generate(qtbot, tab, variants=2, tokens=40, seed=7, wait=WAIT):
    tab.variants.setValue(variants)
    tab.max_tokens.setValue(tokens)
    tab.seed.setValue(seed)
    tab.generate_button.click()
    assert tab.busy() and not tab.generate_button.isEnabled() and tab.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=wait)
    return tab.streamed


def test_default_model_continues_the_scene_with_its_characters(qtbot, tab):
    tab.model.setText(BUNDLED_MODEL)
    tab.prompt.setPlainText(LIGHTHOUSE)
    _generate(qtbot, tab, variants=1, tokens=24, seed=1, wait=WAIT_BUNDLED)
    assert tab.error.isHidden(), tab.error.text()
    result = tab.result
    assert result.model == BUNDLED_MODEL and not result.fallback and result.chat
    assert tab.banner.isHidden() and tab.model_label.text() == f"In use: {BUNDLED_MODEL}"
    shown = tab.panes[0].text.toPlainText()
    assert shown.splitlines()[0] == "OWEN"  # the reply opens on the scene's other character
    tab.panes[0].use_button.click()
    elements = parse(tab.document.toPlainText()).elements
    assert elements[0].text == "INT. LIGHTHOUSE - NIGHT"
    cues = [e.text for e in elements if e.kind == "character"]
    assert cues[:2] == ["MARA", "OWEN"]


def test_fallback_banner_names_the_missing_model_and_the_bundled_one(qtbot, tab):
    tab.model.setText("gpt2")
    _generate(qtbot, tab, variants=1, tokens=8, wait=WAIT_BUNDLED)
    assert tab.result.fallback and tab.result.model == BUNDLED_MODEL
    assert tab.banner.isVisible()
    assert "gpt2 is not available offline" in tab.banner.text()
    assert "using the bundled SmolLM2-135M-Instruct" in tab.banner.text()


def test_generates_variants_side_by_side(qtbot, tab):
    streamed = _generate(qtbot, tab, variants=2)
    assert tab.error.isHidden(), tab.error.text()
    assert len(tab.panes) == 2
    for pane in tab.panes:
        assert pane.text.toPlainText().strip()
        assert pane.text.isReadOnly()
        assert pane.use_button.isEnabled()
        assert "seed" in pane.meta.text()
    assert streamed[0] > 1 and streamed[1] > 1  # both panes filled piece by piece
    result = tab.result
    assert not result.fallback and len(result.variants) == 2 and result.seeds == [7, 8]
    assert all(n <= 40 for n in result.tokens)
    assert tab.banner.isHidden()
    assert tab.status.text().startswith("Done")


def test_stop_cancels_within_a_second(qtbot, tab):
    tab.variants.setValue(3)
    tab.max_tokens.setValue(250)
    tab.generate_button.click()
    qtbot.waitUntil(lambda: sum(tab.streamed) >= 3, timeout=WAIT)  # model loaded, tokens flowing
    started = time.monotonic()
    tab.stop_button.click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=5000)
    assert time.monotonic() - started < 1.0
    assert tab.result is not None and tab.result.cancelled
    assert len(tab.result.variants) < 3 or tab.result.tokens[-1] < 250
    assert tab.status.text().startswith("Stopped")
    assert tab.generate_button.isEnabled() and not tab.stop_button.isEnabled()


def test_accept_variant_into_the_document_and_preview(qtbot, tab):
    tab.prompt.setPlainText("INT. LIGHTHOUSE - NIGHT\n\nWind batters the glass.\n\nMARA\n")
    _generate(qtbot, tab, variants=2, tokens=30)
    tab.panes[1].use_button.click()
    text = tab.document.toPlainText()
    assert text.startswith("INT. LIGHTHOUSE - NIGHT")
    assert tab.result.variants[1].split()[0] in text
    assert tab.panes[1].property("accepted") and not tab.panes[0].property("accepted")
    tab.refresh_preview()
    preview = tab.preview.toPlainText()
    assert "INT. LIGHTHOUSE - NIGHT" in preview


def test_preview_indents_character_cues_like_the_printed_page(qtbot, tab):
    tab.document.setPlainText("INT. BAR - NIGHT\n\nJoe drinks alone.\n\nJOE\n(quietly)\n"
                              "Another.\n\nCUT TO:\n")
    tab.refresh_preview()
    lines = tab.preview.toPlainText().splitlines()
    cue = next(line for line in lines if line.strip() == "JOE")
    action = next(line for line in lines if line.strip() == "Joe drinks alone.")
    dialogue = next(line for line in lines if line.strip() == "Another.")
    paren = next(line for line in lines if line.strip() == "(quietly)")
    indent = lambda line: len(line) - len(line.lstrip())
    # Industry columns: action 1.5", dialogue 2.5", parenthetical 3.1", cue 3.7" (10 cpi).
    assert indent(action) == 0
    assert indent(dialogue) == 10 and indent(paren) == 16 and indent(cue) == 22
    transition = next(line for line in lines if line.strip() == "CUT TO:")
    assert indent(transition) + len("CUT TO:") == 60  # flush right
    assert render_lines(parse("JOE\nHi.\n"))[0][0] == " " * 22 + "JOE"


def test_exports_fountain_fdx_and_pdf(qtbot, tab, tmp_path):
    tab.document.setPlainText("INT. BAR - NIGHT\n\nJoe drinks.\n\nJOE\nAnother.\n")
    tab.outline.title.setText("Last Orders")
    fountain = tab.export(tmp_path / "draft.fountain")
    fdx = tab.export(tmp_path / "draft.fdx")
    pdf = tab.export(tmp_path / "draft.pdf")
    assert fountain and fdx and pdf
    text = fountain.read_text(encoding="utf-8")
    assert "Title: Last Orders" in text and "JOE\nAnother." in text
    kinds = [p.get("Type") for p in ET.parse(fdx).getroot().find("Content").iter("Paragraph")]
    assert kinds == ["Scene Heading", "Action", "Character", "Dialogue"]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert tab.status.text() == f"Saved {pdf}"


def test_export_errors_are_one_line(qtbot, tab, tmp_path):
    assert tab.export(tmp_path / "empty.fdx") is None
    assert "empty" in tab.error.text()
    tab.document.setPlainText("INT. BAR - NIGHT\n")
    assert tab.export(tmp_path / "draft.docx") is None
    assert tab.error.isVisible() and "\n" not in tab.error.text()
    assert tab.export(tmp_path / "missing" / "dir" / "x.fountain") is None
    assert "Traceback" not in tab.error.text()


def test_outline_steps_fill_editable_fields_and_read_the_edits(qtbot, tab):
    outline = tab.outline
    outline.logline.setPlainText("A lighthouse keeper hides a stranger from the storm "
                                 "and from the village.")
    tab.sources.setCurrentWidget(outline)
    outline.buttons["title"].click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=WAIT)
    assert outline.title.text().strip() and not outline.title.isReadOnly()

    outline.characters.setPlainText("MARA: the lighthouse keeper, stubborn")
    outline.buttons["characters"].click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=WAIT)
    characters = outline.story().characters
    assert characters[0].name == "MARA" and "stubborn" in characters[0].description
    assert len(characters) >= 2

    outline.buttons["beats"].click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=WAIT)
    beats = outline.story().beats
    assert [b.name for b in beats][:2] == ["Setup", "Inciting incident"]
    assert all(b.description for b in beats)
    edited = outline.beats.toPlainText().replace(beats[0].description, "Mara alone with the lamp.", 1)
    outline.beats.setPlainText(edited)
    assert outline.story().beats[0].description == "Mara alone with the lamp."

    outline.buttons["locations"].click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=WAIT)
    assert outline.story().locations

    outline.buttons["scenes"].click()  # planning needs no model
    story = outline.story()
    assert len(story.scenes) == len(beats)
    assert story.scenes[0].summary == "Mara alone with the lamp."  # the edit carried through
    assert story.scenes[0].characters[0] == "MARA"
    assert tab.error.isHidden(), tab.error.text()


def test_outline_step_without_logline_is_a_message(qtbot, tab):
    tab.outline.buttons["title"].click()
    assert not tab.busy()
    assert "logline" in tab.error.text().lower()


def test_parse_beats_keeps_the_writer_lines():
    beats = parse_beats("Act 1 · Setup: calm before.\nsomething happens\nAct 2, Midpoint: turn.")
    assert [(b.act, b.name, b.description) for b in beats] == [
        (1, "Setup", "calm before."), (1, "Beat 2", "something happens"), (2, "Midpoint", "turn.")]


def test_footage_prompt_and_markers(qtbot, tab):
    shots = [{"start": 0, "end": 48, "label": "calm", "valence": 0.2, "arousal": 0.1, "faces": 1},
             {"start": 48, "end": 96, "label": "tense", "valence": -0.4, "arousal": 0.7, "faces": 2},
             {"start": 96, "end": 168, "label": "joy", "valence": 0.6, "arousal": 0.5, "faces": None}]
    tab.set_footage(shots, Fraction(24))
    assert "3 shots" in tab.footage.summary.text()
    tab.footage.prompt_button.click()
    assert "Emotion curve" in tab.prompt.toPlainText()

    received = []
    tab.markers_ready.connect(received.append)
    tab.footage.draft_button.click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=WAIT)
    assert tab.footage.table.rowCount() == 3
    tab.footage.table.item(1, 2).setText("The argument in the kitchen.")
    tab.footage.attach_button.click()
    assert len(received) == 1
    markers = received[0]
    assert [m.marked_range.start_time.value for m in markers] == [0, 48, 96]
    assert markers[1].comment == "The argument in the kitchen."
    assert markers[1].color == "RED"


def test_worker_errors_are_one_line_messages(qtbot, tab, tmp_path):
    # A damaged model folder: its tokenizer gives "INT." an id the model has no embedding
    # for, so generation fails inside the worker process with torch's IndexError.
    import json
    import shutil

    damaged = tmp_path / "damaged-model"
    shutil.copytree(TINY_LM, damaged)
    tokenizer = json.loads((damaged / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer["added_tokens"].append({"id": 5000, "content": "INT.", "single_word": False,
                                      "lstrip": False, "rstrip": False, "normalized": False,
                                      "special": False})
    (damaged / "tokenizer.json").write_text(json.dumps(tokenizer), encoding="utf-8")
    tab.model.setText(str(damaged))
    tab.generate_button.click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=WAIT)
    assert tab.error.isVisible()
    text = tab.error.text()
    assert text.startswith("⚠ unexpected error (IndexError: index out of range")
    assert "\n" not in text and "Traceback" not in text
    assert tab.generate_button.isEnabled() and not tab.stop_button.isEnabled()
    assert tab.status.text() == "Failed."
