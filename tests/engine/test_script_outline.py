"""Hierarchical (Dramatron-style) steps with the bundled model: each returns an editable structure."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.jobs import drive
from engine.script import ScriptGenerator, Story, outline
from engine.script import fountain as ft
from engine.script.pdf import count_pages, write_pdf
from engine.script.story import STRUCTURES, Beat

TINY_LM = Path(__file__).parent / "data" / "tiny-script-lm"  # a 1.35M-parameter base model, a fixture only

LOGLINE = "A lighthouse keeper discovers a stranger washed ashore during a storm."


@pytest.fixture(scope="module")
def lm() -> ScriptGenerator:
    return ScriptGenerator(str(TINY_LM), device="cpu")


@pytest.fixture(scope="module")
def planned(lm) -> Story:
    story = outline.new_story(LOGLINE)
    story = outline.generate_title(story, lm)
    story = outline.generate_characters(story, lm)
    story = outline.generate_beats(story, lm)
    story = outline.generate_locations(story, lm)
    return outline.plan_scenes(story)


def test_each_step_fills_its_part_of_the_structure(planned):
    assert planned.title.strip()
    assert len(planned.characters) >= 2 and all(c.name.isupper() for c in planned.characters)
    assert [(b.act, b.name) for b in planned.beats] == STRUCTURES["three-act"]
    assert all(len(b.description.split()) >= 4 for b in planned.beats)
    assert planned.locations and all(loc.name.startswith(("INT.", "EXT.")) for loc in planned.locations)
    assert len(planned.scenes) == len(planned.beats)
    assert all(s.heading.endswith(("- DAY", "- NIGHT")) for s in planned.scenes)


def test_writer_edits_survive_the_next_step(lm, planned):
    story = Story.from_dict(planned.to_dict())
    story.title = "Salt and Light"
    story.beats[3] = Beat(2, "Midpoint", "Mara learns the stranger is her brother.")
    story.beats[4].description = ""  # cleared: the step writes it again
    again = outline.generate_beats(outline.generate_title(story, lm), lm)
    assert again.title == "Salt and Light"
    assert again.beats[3].description == "Mara learns the stranger is her brother."
    assert again.beats[4].description
    assert story.beats[4].description == ""  # steps return a new story, the input is untouched


def test_scene_drafts_are_fountain_and_export(lm, planned, tmp_path):
    story = outline.plan_scenes(planned)
    story.scenes = story.scenes[:2]
    progress = []
    story = drive(outline.draft_scenes(story, lm, max_new_tokens=40), lambda f, m: progress.append(f))
    assert progress[0] == 0.0 and progress[-1] == 1.0
    for scene in story.scenes:
        elements = ft.parse(scene.draft).elements
        assert elements[0].kind == ft.SCENE_HEADING and elements[0].text == scene.heading
        assert ft.normalise(scene.draft) == scene.draft
    play = story.screenplay()
    assert play.title_page["title"] == story.title and len(play.scenes()) == 2
    pages = write_pdf(play, tmp_path / "s.pdf")
    assert pages >= 2 and count_pages(tmp_path / "s.pdf") == pages  # title page + the scenes


def test_unknown_structure_is_refused():
    with pytest.raises(ValueError, match="three-act"):
        outline.new_story(LOGLINE, "five-act-opera")
