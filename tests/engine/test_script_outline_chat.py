"""The outline steps asked of the bundled instruction model (SmolLM2-135M-Instruct) as chat
instructions, each reply parsed into its structure and assembled by the app; the names a
logline gives are the characters' names from the cast list to the drafted scene."""
from __future__ import annotations

import pytest

from engine.script import ScriptGenerator, outline
from engine.script import fountain as ft
from engine.script.outline import (
    _character_lines,
    _chat_locations,
    _chat_title,
    _numbered_lines,
    logline_names,
)
from engine.script.story import STRUCTURES

LOGLINE = "Mara, a lighthouse keeper, hides a stranger named Owen from the storm and from the village."


class Asked:
    """The real model, with every request and reply written down."""

    def __init__(self, lm: ScriptGenerator) -> None:
        self.lm, self.calls = lm, []

    @property
    def chat(self) -> bool:
        return self.lm.chat

    def complete(self, prompt, **kwargs):
        reply = self.lm.complete(prompt, **kwargs)
        self.calls.append((prompt, kwargs.get("messages"), reply))
        return reply


@pytest.fixture(scope="module")
def lm(script_model_cache) -> ScriptGenerator:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOVIOLA_CACHE_DIR", str(script_model_cache))
        generator = ScriptGenerator(device="cpu")
        generator.load()
    assert generator.chat
    return generator


@pytest.fixture(scope="module")
def outlined(lm):
    asked = Asked(lm)
    story = outline.new_story(LOGLINE)
    story = outline.generate_title(story, asked, seed=1)
    story = outline.generate_characters(story, asked, count=3, seed=1)
    story = outline.generate_beats(story, asked, seed=1)
    story = outline.generate_locations(story, asked, count=2, seed=1)
    story = outline.plan_scenes(story)
    story = outline.draft_scene(story, 0, asked, max_new_tokens=48, lines=2, seed=1)
    print(f"\n{len(asked.calls)} requests; the outline:\n", story.to_dict())  # shown with -s
    return story, asked


def test_every_step_is_an_instruction_not_a_few_shot_prompt(outlined):
    _, asked = outlined
    assert asked.calls
    for prompt, messages, _ in asked.calls:
        # a system turn, the request, and perhaps the opening of the reply the app gives
        assert prompt == "" and [m["role"] for m in messages][:2] == ["system", "user"]
        assert [m["role"] for m in messages][2:] in ([], ["assistant"])
        assert "The Last Combination" not in messages[1]["content"]  # no few-shot examples


def test_each_step_fills_its_part_of_the_outline(outlined):
    story, _ = outlined
    assert 1 <= len(story.title.split()) <= 8
    assert [(b.act, b.name) for b in story.beats] == STRUCTURES["three-act"]
    assert all(len(b.description.split()) >= 4 and b.description[-1] in ".!?" for b in story.beats)
    assert 1 <= len(story.locations) <= 2
    assert all(loc.name.startswith(("INT. ", "EXT. ")) and loc.name.isupper() for loc in story.locations)
    assert len(story.scenes) == len(story.beats)


def test_names_in_the_logline_carry_through_to_the_drafted_scene(outlined):
    story, _ = outlined
    names = [c.name for c in story.characters]
    assert names[:2] == ["MARA", "OWEN"] and len(names) == 3
    assert all(c.description for c in story.characters)
    for beat in story.beats:  # one spelling of each name in the beats
        for name in names:
            assert name not in beat.description or name.title() == name
    assert all(set(scene.characters) <= set(names) for scene in story.scenes)
    assert story.scenes[0].characters[0] == "MARA"
    elements = ft.parse(story.scenes[0].draft).elements
    assert elements[0] == ft.Element(ft.SCENE_HEADING, story.scenes[0].heading)
    cues = [e.text for e in elements if e.kind == ft.CHARACTER]
    assert cues == story.scenes[0].characters[:1] + story.scenes[0].characters[1:2]
    assert sum(e.kind == ft.DIALOGUE and bool(e.text.strip()) for e in elements) == 2


def test_replies_are_parsed_into_pieces():
    assert _chat_title('Title: "The Keeper\'s Secret"') == "The Keeper's Secret"
    assert _chat_title("Here is a title for your film, inspired by the logline: ## 12") == ""
    assert _character_lines("Here are the characters:\n1. **Mara**: the keeper, stubborn.\n"
                            "2. Owen - a sailor who lost his ship\n- Name: nobody\n") == [
        ("MARA", "the keeper, stubborn"), ("OWEN", "a sailor who lost his ship")]
    slots = STRUCTURES["three-act"]
    beats = _numbered_lines("1. Setup: MARA tends the lamp alone.\n2. **Inciting incident** - "
                            "A storm brings owen ashore.\n3. ???\n9. Too many beats here now.",
                            slots, ["MARA", "OWEN"])
    assert beats == {1: "Mara tends the lamp alone.", 2: "A storm brings Owen ashore."}
    assert _chat_locations("- INT. LIGHTHOUSE - NIGHT: the lamp room\n- Harbour: boats\n"
                           "- 42 ### !!\n") == [("INT. LIGHTHOUSE", "the lamp room"),
                                                ("INT. HARBOUR", "boats")]
    assert logline_names(LOGLINE) == ["MARA", "OWEN"]
    assert logline_names("A lighthouse keeper discovers a stranger during a storm.") == []


class Scripted:
    """Replies as given, in turn (each goes on from the opening the step gave the reply):
    the pieces that do not parse must be asked again, then filled."""

    chat = True

    def __init__(self, *replies: str) -> None:
        self.replies, self.asked = list(replies), 0

    def complete(self, prompt, **kwargs):
        self.asked += 1
        return self.replies.pop(0) if self.replies else "..."


def test_a_piece_that_does_not_parse_is_asked_again_then_filled_by_rule():
    story = outline.new_story(LOGLINE)
    lm = Scripted("#### 1 2 3", "Salt and Light")
    assert outline.generate_title(story, lm).title == "Salt and Light" and lm.asked == 2
    lm = Scripted("???", "!!!")
    assert outline.generate_title(story, lm).title == "The Lighthouse Keeper" and lm.asked == 2
    story.characters = outline.generate_characters(story, Scripted(), count=2).characters
    assert [c.name for c in story.characters] == ["MARA", "OWEN"]
    beats = outline.generate_beats(story, Scripted(" Mara trims the wick at dusk.\n2. Inciting incident: ???")).beats
    assert beats[0].description == "Mara trims the wick at dusk."
    assert all(b.description for b in beats)  # the rest by rule after their own two tries
