"""Hierarchical generation steps (Dramatron-style): each takes the edited `Story`, returns a new one.

Every step asks the model for short, constrained pieces and the app validates and assembles
them. An instruction model (one with a chat template, like the bundled SmolLM2) is *asked*:
a system turn fixes the form of the reply ("one title, two to five words"; "one character a
line, NAME: who they are"; "numbered lines, one sentence each") and the user turn gives the
logline, the cast and what is already written. A base model (gpt2, the test fixture) gets
few-shot completion prompts with fixed prefixes ("Title:", "NAME:", "Beat 3 (Act 2, Midpoint):")
instead. Each parser accepts a piece only when it looks like what was asked for; a piece that
does not parse is asked again with another seed, then filled from the logline by plain rules,
so every step returns a usable structure for the writer to edit.

Characters named in the logline are the story's characters, under those names, before any
the model invents; beats are asked with the cast's names and the names are written back in
one spelling; scenes take their cast from the characters, so the names carry through the
outline and the drafts. Scene drafts are assembled by the app from short pieces (one speech
at a time), so their Fountain is valid whatever the model's own layout.
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
    if _is_chat(lm):
        user = f"Logline: {story.logline}\n{_cast_line(story)}What is this film called?"
        story.title = _ask(lm, _TITLE_SYSTEM, user, _chat_title, max_new_tokens=16, seed=seed,
                           stop=("\n",), opening='Title: "') or _fallback_title(story.logline)
        return story
    text = lm.complete(f"{_TITLE_EXAMPLES}Logline: {story.logline}\nTitle:", max_new_tokens=12,
                       seed=seed, stop=("\n",))
    story.title = _clean_title(text) or _fallback_title(story.logline)
    return story


def generate_characters(story: Story, lm: Completer, *, count: int = 4, seed: int = 0) -> Story:
    """Story with up to `count` characters; the writer's own characters are kept first."""
    story = copy.deepcopy(story)
    known = {c.name for c in story.characters}
    if _is_chat(lm):
        return _chat_characters(story, lm, count, seed)
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
    if _is_chat(lm):
        return _chat_beats(story, lm, seed)
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
    if _is_chat(lm):
        user = f"Logline: {story.logline}\nList {count} places where this story happens."
        found = _ask(lm, _LOCATIONS_SYSTEM, user, _chat_locations, max_new_tokens=60, seed=seed,
                     opening="INT.")
        for name, description in found or []:
            if len(story.locations) < count and name not in known:
                story.locations.append(Location(name, description))
                known.add(name)
        text = ""
    else:
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
        for attempt in range(_ATTEMPTS):  # a reply with no speech in it is asked again
            paren, line = _speech(story, scene.heading, summary, said, speaker, cast, lm,
                                  max_new_tokens=per_line,
                                  seed=seed + index * 100 + turn + attempt * _RETRY_SEED)
            if line:
                break
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


# --- asking an instruction model ------------------------------------------------------------

_ATTEMPTS = 2  # a piece that does not parse is asked once more, with another seed
_RETRY_SEED = 7919
_TITLE_SYSTEM = ("You name films. Reply with the film's title only: two to five words, "
                 "no quotes, no explanation.")
# No example characters: a 135M model copies examples into its reply.
_CHARACTERS_SYSTEM = ("You create the characters of a film. Reply with a list, one character "
                      "per line: their first name in capitals, a colon, then who they are in a "
                      "few words. No other text.")
_DESCRIBE_SYSTEM = ("You describe film characters. Reply with who the character is in a few "
                    "words (for example: the lighthouse keeper, stubborn and alone). No other text.")
_BEATS_SYSTEM = ("You outline films. Reply with numbered lines only, one short sentence each, "
                 "in the order asked. Use the characters' names exactly as given.")
_BEAT_SYSTEM = ("You outline films. Reply with one short sentence saying what happens, using "
                "the characters' names exactly as given. No other text.")
_LOCATIONS_SYSTEM = ("You choose the locations of a film. Reply with a list, one place per line, "
                     "each a scene heading such as INT. LIGHTHOUSE or EXT. HARBOUR, then a colon "
                     "and a few words about it. No other text.")


def _is_chat(lm: Completer) -> bool:
    return bool(getattr(lm, "chat", False))


def _ask(lm: Completer, system: str, user: str, parse, *, max_new_tokens: int, seed: int,
         temperature: float = 0.7, stop: tuple[str, ...] = (), opening: str = "",
         attempts: int = 2):
    """`parse(reply)` of the first reply that parses (falsy: it did not), or None after
    `attempts` tries, each with its own seed. `opening` starts the model's reply (it writes
    on from there), which holds a small model to the form asked; it is part of the reply parsed."""
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    if opening:
        messages.append({"role": "assistant", "content": opening})
    for attempt in range(attempts):
        reply = lm.complete("", max_new_tokens=max_new_tokens, seed=seed + attempt * _RETRY_SEED,
                            temperature=temperature, stop=stop, messages=messages)
        parsed = parse(opening + reply)
        if parsed:
            return parsed
    return None


def _cast_line(story: Story) -> str:
    if not story.characters:
        return ""
    return "Characters: " + "; ".join(f"{c.name.title()} ({c.description})" if c.description
                                       else c.name.title() for c in story.characters) + "\n"


def _chat_title(reply: str) -> str:
    """The title in 'Title: "Salt and Light"', 'This film is called "Salt and Light"' or a bare line."""
    text = _MARKUP.sub("", reply.strip().split("\n")[0])
    text = re.sub(r"^\s*(?:(?:the\s+)?(?:film|movie)(?:'s)?\s+)?title\s*(?:is)?\s*:?\s*", "", text,
                  flags=re.IGNORECASE)
    text = re.sub(r"^\s*(?:this|the)\s+(?:film|movie|story)\s+is\s+(?:called|titled)\s*", "", text,
                  flags=re.IGNORECASE)
    quoted = re.match(r'^\s*["“]([^"”]+)["”]?', text)
    return _clean_title(quoted.group(1) if quoted else text)


def _chat_characters(story: Story, lm: Completer, count: int, seed: int) -> Story:
    """The writer's characters, then those the logline names, then the model's, then roles."""
    known = {c.name for c in story.characters}
    for name in logline_names(story.logline):
        if len(story.characters) < count and name not in known:
            story.characters.append(Character(name, ""))
            known.add(name)
    if len(story.characters) < count:
        keep = "".join(f"\nKeep {c.name.title()}." for c in story.characters)
        user = (f"Logline: {story.logline}{keep}\nList {count} main characters of this film, "
                "one per line.")
        # The reply opens on the first character's line, so the list form is set.
        first = story.characters[0].name if story.characters else ""
        found = _ask(lm, _CHARACTERS_SYSTEM, user, _character_lines, max_new_tokens=90,
                     seed=seed, opening=f"{first}:" if first else "") or []
        described = {name: description for name, description in found}
        for character in story.characters:  # the model's words for the writer's own names
            if not character.description and character.name in described:
                character.description = described[character.name]
        for name, description in found:
            if len(story.characters) >= count:
                break
            if name not in known:
                story.characters.append(Character(name, description))
                known.add(name)
    for character in story.characters:
        if not character.description:
            character.description = _role_description(character.name, story.logline, generic=False)
    for name in _fallback_characters(story.logline):
        if len(story.characters) >= count:
            break
        # a role the logline gives a named character ("Mara, a lighthouse keeper") is not another person
        if name not in known and not any(name.lower() in c.description.lower() for c in story.characters):
            story.characters.append(Character(name, _role_description(name, story.logline)))
            known.add(name)
    for i, character in enumerate(story.characters):
        if not character.description:
            user = f"Logline: {story.logline}\nWho is {character.name.title()} in this story?"
            opening = f"{character.name.title()} is"
            character.description = (
                _ask(lm, _DESCRIBE_SYSTEM, user, lambda r, o=opening: _description(r[len(o):]),
                     max_new_tokens=24, seed=seed + 31 * (i + 1), stop=("\n",), opening=opening)
                or _role_description(character.name, story.logline))
    return story


def _chat_beats(story: Story, lm: Completer, seed: int) -> Story:
    """All the structure's beats asked at once as numbered lines; a slot whose line does not
    parse is asked alone, then filled by rule. Beats the writer filled are kept."""
    slots = STRUCTURES[story.structure]
    existing = {(b.act, b.name): b.description for b in story.beats if b.description.strip()}
    names = [c.name for c in story.characters]
    context = f"Title: {story.title or 'untitled'}\nLogline: {story.logline}\n{_cast_line(story)}"
    kept = "".join(f"{n}. {name}: {existing[(act, name)]}\n"
                   for n, (act, name) in enumerate(slots, 1) if (act, name) in existing)
    ask = "".join(f"{n}. {name} (act {act})\n" for n, (act, name) in enumerate(slots, 1))
    who = " or ".join(n.title() for n in names[:2])
    user = (f"{context}" + (f"Beats already written (keep them):\n{kept}" if kept else "")
            + f"Write one sentence for each of these {len(slots)} beats, as numbered lines"
            + (f", each naming {who}" if who else "") + f":\n{ask}")
    found = _ask(lm, _BEATS_SYSTEM, user, lambda reply: _numbered_lines(reply, slots, names),
                 max_new_tokens=32 * len(slots), seed=seed, opening=f"1. {slots[0][1]}:") or {}
    beats: list[Beat] = []
    for number, (act, name) in enumerate(slots, start=1):
        description = existing.get((act, name)) or found.get(number)
        if not description:
            so_far = "".join(f"{i}. {b.name}: {b.description}\n" for i, b in enumerate(beats, 1))
            user = (f"{context}" + (f"The story so far:\n{so_far}" if so_far else "")
                    + f"What happens in beat {number}, the {name.lower()} (act {act})?")
            # one try alone: the list was already asked twice
            description = (_ask(lm, _BEAT_SYSTEM, user, lambda r: _beat_sentence(r, names),
                                max_new_tokens=40, seed=seed + number, stop=("\n",), attempts=1)
                           or _fallback_beat(story, act, name))
        beats.append(Beat(act, name, description))
    story.beats = beats
    return story


# --- parsing model output -------------------------------------------------------------------

_MARKUP = re.compile(r"[*_#`]+")
_BULLET = re.compile(r"^\s*(?:[-•*+]|\d{1,2}\s*[.)])\s*")
_PERSON = re.compile(r"^[A-Z][A-Za-z'\-]+(?:\.? [A-Z][A-Za-z'\-]+){0,2}$")
_NOT_A_NAME = {"NAME", "CHARACTER", "CHARACTERS", "PROTAGONIST", "ANTAGONIST", "LOGLINE",
               "TITLE", "THE", "MAIN", "FILM", "STORY", "NOTE", "ROLE"}


def _character_lines(reply: str) -> list[tuple[str, str]]:
    """(NAME, description) from lines like "1. **Mara**: a keeper" or "- Owen - a sailor"."""
    found: list[tuple[str, str]] = []
    for line in reply.splitlines():
        line = _MARKUP.sub("", _BULLET.sub("", line)).strip()
        match = re.match(r"^(.{2,32}?)\s*(?::|\s[-–—]\s)\s*(.{3,200})$", line)
        if not match:
            continue
        name = re.sub(r"\s*\(.*?\)\s*", " ", match.group(1)).strip()
        if not _PERSON.match(name.title()) or name.upper() in _NOT_A_NAME:
            continue
        description = _description(match.group(2))
        if description and name.upper() not in {n for n, _ in found}:
            found.append((name.upper(), description))
    return found


def _description(reply: str, min_words: int = 2) -> str:
    """A few words about someone (or somewhere): the first sentence, without markup."""
    text = _MARKUP.sub("", " ".join(reply.split())).strip(" -:\"'")
    text = re.split(r"(?<=[.!?])\s|;", text)[0].rstrip(".!? ")
    words = text.split()
    if len(words) > 12:  # a few words: up to the last comma within twelve, else twelve
        head = " ".join(words[:12])
        text = head[:head.rfind(",")] if "," in head else head
        words = text.split()
    letters = sum(c.isalpha() or c.isspace() for c in text)
    if not min_words <= len(words) <= 25 or letters < 0.85 * len(text):
        return ""
    if words[0] in {"A", "An", "The", "His", "Her", "Their", "Its"} or not words[0][:1].isupper():
        return text[:1].lower() + text[1:]
    return text


def _numbered_lines(reply: str, slots: list[tuple[int, str]], names: list[str]) -> dict[int, str]:
    """Beat number → sentence, from "3. Midpoint: Mara finds ..." lines; {} when none parse."""
    found: dict[int, str] = {}
    for line in reply.splitlines():
        line = _MARKUP.sub("", line).strip()
        match = re.match(r"^(?:beat\s*)?(\d{1,2})\s*[.):\-]\s*(.+)$", line, re.IGNORECASE)
        if not match:
            continue
        number, text = int(match.group(1)), match.group(2)
        if not 1 <= number <= len(slots) or number in found:
            continue
        name = re.escape(slots[number - 1][1])
        text = re.sub(rf"^\(?{name}\)?(?:\s*\(act \d\))?\s*[:\-–—]\s*", "", text, flags=re.IGNORECASE)
        sentence = _beat_sentence(text, names)
        if sentence:
            found[number] = sentence
    return found


def _beat_sentence(text: str, names: list[str]) -> str:
    """One sentence of a beat, the cast's names in one spelling ("MARA", "mara" → "Mara")."""
    text = re.sub(r"^\s*(?:beat\s*\d+\s*)?[:\-]\s*", "", _MARKUP.sub("", text.strip()), flags=re.IGNORECASE)
    sentence = _clean_sentence(text)
    if sentence and sentence[-1] not in ".!?":
        sentence += "."
    for name in names:
        sentence = re.sub(rf"\b{re.escape(name)}\b", name.title(), sentence, flags=re.IGNORECASE)
    return sentence


def _chat_locations(reply: str) -> list[tuple[str, str]]:
    """(scene-heading place, description) from "INT. LIGHTHOUSE - NIGHT: the lamp room" lines."""
    found: list[tuple[str, str]] = []
    for line in reply.splitlines():
        line = _MARKUP.sub("", _BULLET.sub("", line)).strip()
        match = re.match(r"^(.*?)(?::\s*|\s[-–—]\s+(?=[a-z]))(.*)$", line)
        place, description = (match.group(1), match.group(2)) if match else (line, "")
        place = re.sub(r"\s*[-–—]\s*(DAY|NIGHT|DAWN|DUSK|MORNING|EVENING|CONTINUOUS)\s*$", "",
                       place.strip(" :"), flags=re.IGNORECASE)
        match = re.match(r"^(INT|EXT|INT\./EXT|I/E)\.?\s+(.+)$", place, re.IGNORECASE)
        if match:
            place = f"{match.group(1).upper()}. {match.group(2)}"
        elif re.fullmatch(r"[A-Za-z' ]{3,30}", place):
            place = f"INT. {place}"
        else:
            continue
        words = place.split()[1:]
        if not 1 <= len(words) <= 5 or not all(re.fullmatch(r"[A-Za-z'&/\-]+", w) for w in words):
            continue
        place = place.upper()
        if place not in {p for p, _ in found}:
            found.append((place, _description(description, min_words=1)))
    return found


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
    # Title case, small words lower-case after the first ("Salt and Light").
    return " ".join(w if w.isupper() else w.lower() if i and w.lower() in _SMALL_WORDS else
                    w[:1].upper() + w[1:] for i, w in enumerate(words))


_SMALL_WORDS = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "by", "from", "with"}


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


def logline_names(logline: str) -> list[str]:
    """The people a logline names, in capitals: "Mara" in "A keeper hides Mara" and in "Mara,
    a keeper, ..." or "Mara hides ...", but not the "A", "When" or "Retired" a sentence opens with."""
    names: list[str] = []
    for match in re.finditer(r"\b([A-Z][a-z]+)\b", logline):
        word = match.group(1)
        if word.lower() in _STOPWORDS or word.upper() in names:
            continue
        before = logline[:match.start()].rstrip()
        if not before or before[-1] in ".!?":  # a sentence's first word: a name only by its context
            after = logline[match.end():]
            named = re.match(r"(?:,|'s\b|\s+and\s+[A-Z]|\s+[a-z]+s\b)", after)
            if (not named or word.lower() in _OPENERS
                    or word.lower().endswith(("ed", "ing", "ly", "ful", "less", "ous", "al", "ic", "ive"))):
                continue
        names.append(word.upper())
    return names


# Words that open a logline's sentence without naming anyone.
_OPENERS = {"when", "after", "before", "once", "years", "one", "two", "three", "this", "these",
            "there", "here", "someone", "everyone", "nobody", "each", "every", "some", "young",
            "old", "set", "following", "in", "on", "at", "as", "if", "until", "now", "then",
            "he", "she", "they", "we", "it", "his", "her", "their", "our", "my", "lonely", "grief"}


def _fallback_characters(logline: str) -> list[str]:
    names = logline_names(logline)
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


def _role_description(name: str, logline: str, generic: bool = True) -> str:
    # "Mara, a lighthouse keeper, ...": the logline says who a named character is
    match = re.search(rf"\b{re.escape(name.title())},\s+((?:a|an|the)\s+[^,.;]+)", logline)
    if match:
        return match.group(1)
    for phrase in _noun_phrases(logline):
        if phrase.split()[-1].upper() == name:
            return f"the {phrase}"
    return {"PROTAGONIST": "wants what the logline promises", "ANTAGONIST": "stands in the way",
            "ALLY": "helps, at a price", "MENTOR": "knows more than they say"}.get(
                name, "someone the story turns on" if generic else "")


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
