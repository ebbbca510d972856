"""Hierarchical generation steps (Dramatron-style): each takes the edited `Story`, returns a new one.

Prompts are few-shot with fixed prefixes ("Title:", "NAME:", "Beat 3 (Act 2, Midpoint):")
so a model only has to fill one slot at a time, and each parser accepts a slot only when it
looks like what was asked for. Whatever a model gets wrong (a 135M model often strays) is
filled from the logline by plain rules, so every step returns a usable structure for the
writer to edit. Scene drafts are assembled by the app from short pieces (one speech at a
time), so their Fountain is valid whatever the model's own layout.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Generator
from typing import Protocol

from engine.script import fountain as ft
from engine.script.story import STRUCTURES, Beat, Character, Location, Scene, Story

_STOPWORDS = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "with", "from",
              "by", "who", "that", "his", "her", "their", "its", "as", "into", "after", "during",
              "when", "while", "but", "must", "has", "have", "is", "are", "be"}

_TITLE_EXAMPLES = (
    "Logline: A retired safecracker is pulled into one last job by the daughter he abandoned.\n"
    "Title: The Last Combination\n\n"
    "Logline: Two rival chefs are snowed in at a mountain lodge on the night of a royal banquet.\n"
    "Title: Snowbound Supper\n\n")

_CHARACTER_EXAMPLES = (
    "Logline: A retired safecracker is pulled into one last job by the daughter he abandoned.\n"
    "Characters:\n"
    "VICTOR: a retired safecracker, precise and guilty.\n"
    "ELENA: his estranged daughter, a bold thief.\n\n")

_LOCATION_EXAMPLES = (
    "Logline: A retired safecracker is pulled into one last job by the daughter he abandoned.\n"
    "Locations:\n"
    "INT. VICTOR'S WORKSHOP: cluttered with clocks and locks.\n"
    "EXT. BANK ROOFTOP: wind, city lights, a long drop.\n\n")


class Completer(Protocol):
    """Anything that continues a prompt: `ScriptGenerator` is one."""

    def complete(self, prompt: str, *, max_new_tokens: int = 60, seed: int | None = 0,
                 temperature: float = 0.8, stop: tuple[str, ...] = ()) -> str: ...


def new_story(logline: str, structure: str = "three-act") -> Story:
    """The first structure: just the logline and a beat sheet name."""
    if structure not in STRUCTURES:
        raise ValueError(f"unknown structure {structure!r}; choose from {', '.join(STRUCTURES)}")
    return Story(logline=logline.strip(), structure=structure)


def generate_title(story: Story, lm: Completer, *, seed: int = 0) -> Story:
    """Story with a title (kept if the writer already typed one)."""
    story = copy.deepcopy(story)
    if story.title.strip():
        return story
    text = lm.complete(f"{_TITLE_EXAMPLES}Logline: {story.logline}\nTitle:", max_new_tokens=12,
                       seed=seed, stop=("\n",))
    story.title = _clean_title(text) or _fallback_title(story.logline)
    return story


def generate_characters(story: Story, lm: Completer, *, count: int = 4, seed: int = 0) -> Story:
    """Story with up to `count` characters; the writer's own characters are kept first."""
    story = copy.deepcopy(story)
    known = {c.name for c in story.characters}
    prompt = (f"{_CHARACTER_EXAMPLES}Logline: {story.logline}\nCharacters:\n"
              + "".join(f"{c.name}: {c.description}\n" for c in story.characters))
    text = lm.complete(prompt, max_new_tokens=80, seed=seed, stop=("\n\n", "Logline:"))
    for name, description in _named_lines(text):
        if len(story.characters) >= count:
            break
        if name not in known and not _HEADING_WORDS.match(name):
            story.characters.append(Character(name, description))
            known.add(name)
    for name in _fallback_characters(story.logline):
        if len(story.characters) >= count:
            break
        if name not in known:
            story.characters.append(Character(name, _role_description(name, story.logline)))
            known.add(name)
    return story


def generate_beats(story: Story, lm: Completer, *, seed: int = 0) -> Story:
    """Story with one beat per slot of its structure; beats the writer filled are kept."""
    story = copy.deepcopy(story)
    slots = STRUCTURES[story.structure]
    existing = {(b.act, b.name): b for b in story.beats}
    cast = ", ".join(c.name for c in story.characters)
    beats: list[Beat] = []
    for number, (act, name) in enumerate(slots, start=1):
        beat = existing.get((act, name))
        if beat and beat.description.strip():
            beats.append(beat)
            continue
        prompt = (f"Title: {story.title}\nLogline: {story.logline}\nCharacters: {cast}\n\n"
                  + "".join(f"Beat {i} (Act {b.act}, {b.name}): {b.description}\n"
                            for i, b in enumerate(beats, start=1))
                  + f"Beat {number} (Act {act}, {name}):")
        text = lm.complete(prompt, max_new_tokens=40, seed=seed + number, stop=("\n", "Beat "))
        description = _clean_sentence(text) or _fallback_beat(story, act, name)
        beats.append(Beat(act, name, description))
    story.beats = beats
    return story


def generate_locations(story: Story, lm: Completer, *, count: int = 3, seed: int = 0) -> Story:
    """Story with up to `count` locations (scene-heading places such as "INT. LIGHTHOUSE")."""
    story = copy.deepcopy(story)
    known = {loc.name for loc in story.locations}
    text = lm.complete(f"{_LOCATION_EXAMPLES}Logline: {story.logline}\nLocations:\n",
                       max_new_tokens=60, seed=seed, stop=("\n\n", "Logline:"))
    for name, description in _named_lines(text):
        name = name if _HEADING_WORDS.match(name) else f"INT. {name}"
        if len(story.locations) < count and name not in known:
            story.locations.append(Location(name, description))
            known.add(name)
    for name in _fallback_locations(story.logline):
        if len(story.locations) >= count:
            break
        if name not in known:
            story.locations.append(Location(name))
            known.add(name)
    return story


def plan_scenes(story: Story) -> Story:
    """One scene per beat, locations in turn, day and night alternating by act; no model needed."""
    story = copy.deepcopy(story)
    locations = story.locations or [Location(n) for n in _fallback_locations(story.logline)]
    names = [c.name for c in story.characters] or ["PROTAGONIST"]
    story.scenes = []
    for i, beat in enumerate(story.beats):
        place = locations[i % len(locations)].name
        time = "NIGHT" if beat.act == 2 else "DAY"
        cast = [names[0]] + ([names[1 + i % (len(names) - 1)]] if len(names) > 1 else [])
        story.scenes.append(Scene(f"{place} - {time}", beat=beat.name, summary=beat.description,
                                  characters=cast))
    return story


def draft_scene(story: Story, index: int, lm: Completer, *, max_new_tokens: int = 120,
                seed: int = 0, lines: int = 4) -> Story:
    """Story whose scene `index` has a Fountain draft the app lays out itself.

    The heading comes from the plan and the action from the scene's summary; then `lines`
    speeches alternate between the scene's characters, each asked of the model as one short
    piece ("what does MARA say next?") and cleaned to a line of dialogue. The page is built
    from those pieces, so it always parses with cues in capitals and the characters' own
    names, whatever the model's layout; a speech the model leaves empty gets a plain line.
    """
    story = copy.deepcopy(story)
    scene = story.scenes[index]
    cast = [c.upper() for c in scene.characters] or ["PROTAGONIST"]
    summary = scene.summary or scene.beat or story.logline
    elements = [ft.Element(ft.SCENE_HEADING, scene.heading.upper()), ft.Element(ft.ACTION, summary)]
    said: list[tuple[str, str]] = []
    per_line = max(16, min(48, max_new_tokens // max(lines, 1)))
    for turn in range(lines):
        speaker = cast[turn % len(cast)]
        paren, line = _speech(story, scene.heading, summary, said, speaker, cast, lm,
                              max_new_tokens=per_line, seed=seed + index * 100 + turn)
        if not line:
            line = _FILLER_LINES[(index + turn) % len(_FILLER_LINES)]
        elements.append(ft.Element(ft.CHARACTER, speaker))
        if paren:
            elements.append(ft.Element(ft.PARENTHETICAL, paren))
        elements.append(ft.Element(ft.DIALOGUE, line))
        said.append((speaker, line))
    scene.draft = ft.write(elements)
    return story


# Said when the model's reply holds no usable speech: the page must still have its dialogue.
_FILLER_LINES = ("We can't stay here.", "Tell me what happened.", "Not now. Not like this.",
                 "You knew, didn't you?")


def _speech(story: Story, heading: str, summary: str, said: list[tuple[str, str]], speaker: str,
            cast: list[str], lm: Completer, *, max_new_tokens: int, seed: int) -> tuple[str, str]:
    """One speech for `speaker`: (parenthetical, line), or ("", "") when the model gave none."""
    from engine.script.form import dialogue_line

    if getattr(lm, "chat", False):
        others = ", ".join(c.title() for c in cast if c != speaker) or "no one else"
        context = (f"Scene: {heading}. {summary}\nCharacters: {', '.join(c.title() for c in cast)}\n"
                   + "".join(f"{who.title()}: {line}\n" for who, line in said))
        messages = [
            {"role": "system", "content": "You write dialogue for a screenplay. Reply with only "
             "the words the character says aloud: one or two short sentences, no names, "
             "no description."},
            {"role": "user", "content": f"{context}\nWhat does {speaker.title()} say next "
             f"(talking with {others})?"}]
        reply = lm.complete("", max_new_tokens=max_new_tokens, seed=seed, temperature=0.7,
                            messages=messages)
    else:
        # A base model continues a real screenplay page and stops at the blank line.
        page = ft.write(ft.Screenplay(
            [ft.Element(ft.SCENE_HEADING, heading.upper()), ft.Element(ft.ACTION, summary)]
            + [e for who, line in said for e in (ft.Element(ft.CHARACTER, who), ft.Element(ft.DIALOGUE, line))]))
        reply = lm.complete(f"{page}\n{speaker}\n", max_new_tokens=max_new_tokens, seed=seed,
                            temperature=0.9, stop=("\n\n",))
    return dialogue_line(reply, speaker, cast)


def draft_scenes(story: Story, lm: Completer, *, max_new_tokens: int = 120,
                 seed: int = 0) -> Generator[tuple[float, str], None, Story]:
    """Draft every scene without a draft; a job yielding (fraction, message), returning the Story."""
    todo = [i for i, s in enumerate(story.scenes) if not s.draft.strip()]
    for done, index in enumerate(todo):
        yield done / max(len(todo), 1), f"drafting scene {index + 1}: {story.scenes[index].heading}"
        story = draft_scene(story, index, lm, max_new_tokens=max_new_tokens, seed=seed)
    yield 1.0, "drafts done"
    return story


# --- parsing model output -------------------------------------------------------------------

_HEADING_WORDS = re.compile(r"^(INT|EXT|INT\./EXT|I/E)\.?\s", re.IGNORECASE)
_NAMED_LINE = re.compile(r"^\s*([A-Z][A-Z0-9 .'/\-]{1,40}?)\s*:\s*(.{3,200})$")


def _named_lines(text: str) -> list[tuple[str, str]]:
    """`NAME: description` lines with the name in capitals."""
    found = []
    for line in text.splitlines():
        match = _NAMED_LINE.match(line)
        if match and match.group(1).strip().isupper():
            found.append((match.group(1).strip(), match.group(2).strip()))
    return found


def _clean_title(text: str) -> str:
    title = text.strip().split("\n")[0].strip(" \"'*#:.")
    words = title.split()
    letters = sum(c.isalpha() or c.isspace() for c in title)
    if not 1 <= len(words) <= 8 or letters < 0.85 * len(title):
        return ""
    return " ".join(w if w.isupper() else w.capitalize() for w in words)


def _clean_sentence(text: str) -> str:
    sentence = " ".join(text.split()).strip(" -:")
    match = re.match(r"(.+?[.!?])(\s|$)", sentence)
    sentence = match.group(1) if match else sentence
    words = sentence.split()
    letters = sum(c.isalpha() or c.isspace() for c in sentence)
    if len(words) < 4 or letters < 0.85 * len(sentence):
        return ""
    return sentence[0].upper() + sentence[1:]


# --- fallbacks from the logline -------------------------------------------------------------

def _noun_phrases(logline: str) -> list[str]:
    """Phrases after an article, up to the first verb-looking word ("a lighthouse keeper")."""
    phrases = []
    for match in re.finditer(r"\b(?:a|an|the|her|his|their)\s+([a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)",
                             logline, re.IGNORECASE):
        words = match.group(1).split()
        if len(words) == 2 and (words[1].endswith(("s", "ed", "ing")) or words[1].lower() in _STOPWORDS):
            words = words[:1]
        if words[0].lower() not in _STOPWORDS:
            phrases.append(" ".join(words))
    return phrases


def _fallback_title(logline: str) -> str:
    phrases = _noun_phrases(logline)
    if phrases:
        return "The " + " ".join(w.capitalize() for w in phrases[0].split())
    words = [w for w in re.findall(r"[A-Za-z']+", logline) if w.lower() not in _STOPWORDS]
    return " ".join(w.capitalize() for w in words[:3]) or "Untitled"


def _fallback_characters(logline: str) -> list[str]:
    sentence_start = {m.group(1) for m in re.finditer(r"(?:^|[.!?]\s+)([A-Z]\w*)", logline)}
    names = [w.upper() for w in re.findall(r"\b([A-Z][a-z]+)\b", logline)
             if w not in sentence_start and w.lower() not in _STOPWORDS]
    roles = [p.split()[-1].upper() for p in _noun_phrases(logline)]
    out: list[str] = []
    for name in names + roles[:2]:
        if name not in out:
            out.append(name)
    # Generic roles only to reach a protagonist and an opponent: more would be noise.
    for name in ["PROTAGONIST", "ANTAGONIST"][len(out):]:
        out.append(name)
    return out


_BEAT_TEMPLATES = {
    "setup": "{hero} in an ordinary day, before anything changes.",
    "opening image": "{hero} in an ordinary day, before anything changes.",
    "inciting incident": "Everything changes: {logline}",
    "catalyst": "Everything changes: {logline}",
    "debate": "{hero} hesitates; {other} pushes.",
    "break into two": "{hero} commits and there is no way back.",
    "rising action": "{hero} and {other} clash as the stakes rise.",
    "fun and games": "{hero} and {other} explore the new situation.",
    "midpoint": "A revelation: {hero} sees {other} in a new light.",
    "bad guys close in": "Pressure mounts on {hero} from every side.",
    "crisis": "{hero} faces the hardest choice yet.",
    "all is lost": "{hero} loses what mattered most.",
    "break into three": "{hero} finds a way forward.",
    "climax": "{hero} confronts {other}; everything is decided.",
    "finale": "{hero} confronts {other}; everything is decided.",
    "resolution": "{hero} in a world changed by what happened.",
    "final image": "{hero} in a world changed by what happened.",
}


def _fallback_beat(story: Story, act: int, name: str) -> str:
    names = [c.name for c in story.characters] or _fallback_characters(story.logline)
    hero = names[0].title()
    other = names[1].title() if len(names) > 1 else "the world"
    logline = story.logline[:1].lower() + story.logline[1:]
    template = _BEAT_TEMPLATES.get(name.lower(), f"Act {act}, {name.lower()}: {{hero}} moves the story on.")
    text = template.format(hero=hero, other=other, logline=logline)
    return text[:1].upper() + text[1:]


def _role_description(name: str, logline: str) -> str:
    for phrase in _noun_phrases(logline):
        if phrase.split()[-1].upper() == name:
            return f"the {phrase}"
    return {"PROTAGONIST": "wants what the logline promises", "ANTAGONIST": "stands in the way",
            "ALLY": "helps, at a price", "MENTOR": "knows more than they say"}.get(name, "")


def _fallback_locations(logline: str) -> list[str]:
    places = [f"INT. {m.group(1).upper()}" for m in
              re.finditer(r"\b(?:in|at|inside|aboard)\s+(?:a|an|the)\s+([a-z]+(?:\s+[a-z]+)?)",
                          logline, re.IGNORECASE)]
    for phrase in _noun_phrases(logline):
        if phrase.split()[0].lower() in {"lighthouse", "house", "ship", "bar", "hospital", "school",
                                          "station", "office", "farm", "hotel", "church", "city"}:
            places.append(f"INT. {phrase.split()[0].upper()}")
    out: list[str] = []
    for place in places + ["INT. HOME", "EXT. STREET", "INT. HIDEOUT"]:
        if place not in out:
            out.append(place)
    return out
