"""Fountain parsing and normalising: known text in, typed elements and canonical text out."""
from __future__ import annotations

from engine.script import fountain as ft

KNOWN = """Title: The Keeper
Credit: written by
Author: A. Writer

int. lighthouse - night #1#

Rain hammers the glass. MARA (40s) climbs the stairs.

MARA
(out of breath)
Who's there?
Show yourself.

STRANGER ^
Only the sea.

CUT TO:

EXT. SHORE - DAWN

> THE END <

===

FADE OUT.
"""


def kinds(screenplay: ft.Screenplay) -> list[str]:
    return [e.kind for e in screenplay.elements]


def test_known_text_parses_into_typed_elements():
    play = ft.parse(KNOWN)
    assert play.title_page == {"title": "The Keeper", "credit": "written by", "author": "A. Writer"}
    assert kinds(play) == ["scene_heading", "action", "character", "parenthetical", "dialogue",
                           "character", "dialogue", "transition", "scene_heading", "centered",
                           "page_break", "transition"]
    heading = play.elements[0]
    assert (heading.text, heading.scene_number) == ("INT. LIGHTHOUSE - NIGHT", "1")
    assert play.elements[4].text == "Who's there?\nShow yourself."
    assert play.elements[5].dual and play.elements[5].text == "STRANGER"
    assert play.elements[-1].text == "FADE OUT."


def test_normalise_is_canonical_and_round_trips():
    text = ft.normalise(KNOWN)
    assert text.startswith("Title: The Keeper\nCredit: written by\nAuthor: A. Writer\n\nINT. LIGHTHOUSE - NIGHT #1#\n")
    assert "MARA\n(out of breath)\nWho's there?\nShow yourself.\n\nSTRANGER ^\nOnly the sea." in text
    assert "\n> FADE OUT.\n" in text  # not ending in TO:, so the transition is forced
    assert ft.normalise(text) == text
    assert ft.parse(text) == ft.parse(KNOWN)


def test_model_style_output_becomes_screenplay_dialogue():
    raw = "ext. harbour - day\n\nBOATS rock.\n\nMARA: Where is he?\nHe said noon.\nTOM: Gone.\n\nFirst Citizen:\nSpeak, speak.\n"
    play = ft.parse(raw)
    assert [(e.kind, e.text) for e in play.elements] == [
        ("scene_heading", "EXT. HARBOUR - DAY"), ("action", "BOATS rock."),
        ("character", "MARA"), ("dialogue", "Where is he?\nHe said noon."),
        ("character", "TOM"), ("dialogue", "Gone."),
        ("character", "FIRST CITIZEN"), ("dialogue", "Speak, speak.")]
    assert ft.normalise(ft.normalise(raw)) == ft.normalise(raw)


def test_action_that_would_read_as_something_else_is_forced():
    elements = [ft.Element(ft.ACTION, "BANG\nThe door flies open."), ft.Element(ft.ACTION, "INT. is painted on the door."),
                ft.Element(ft.CHARACTER, "McCLANE"), ft.Element(ft.DIALOGUE, "Yippee.")]
    text = ft.write(elements)
    assert text == "!BANG\nThe door flies open.\n\n!INT. is painted on the door.\n\n@McCLANE\nYippee.\n"
    assert ft.parse(text).elements == elements


def test_notes_and_boneyard_are_dropped():
    play = ft.parse("INT. ROOM - DAY\n\nShe waits. [[fix this]]\n\n/* cut\n\nBOB\nNo. */\nThe end.\n")
    assert [(e.kind, e.text) for e in play.elements] == [
        ("scene_heading", "INT. ROOM - DAY"), ("action", "She waits."), ("action", "The end.")]
