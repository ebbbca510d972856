"""Screenplay form for what a small model writes: the app lays out the page, not the model.

A 135M-parameter instruction model writes coherent English but loose layout (markdown
stars, prose with quoted speech, "Mara:" lines). These helpers read the scene a writer gave
(its place and characters), turn one model reply into a clean line of dialogue, and turn a
loose continuation into Fountain elements with cues in capitals.
"""
from __future__ import annotations

import re

from engine.script import fountain as ft

_CAPS_NAME = re.compile(r"\b([A-Z][A-Z'\-]{1,}(?:\s[A-Z][A-Z'\-]{1,})?)\b")
_NOT_NAMES = {"INT", "EXT", "DAY", "NIGHT", "CONTINUOUS", "LATER", "MORNING", "EVENING", "CUT",
              "FADE", "TO", "THE", "END", "V.O", "O.S", "CONT'D", "A", "I", "OK", "TV", "POV"}
_SPEECH_VERBS = r"(?:says|said|asks|asked|whispers|whispered|shouts|shouted|replies|replied|calls|mutters)"
_QUOTED_SPEECH = re.compile(r"([A-Z][a-z]+)\s+" + _SPEECH_VERBS + r"[^\"“]{0,40}[\"“]([^\"”]{2,300})[\"”]")
_MARKUP = re.compile(r"[*_#`]+")


def scene_facts(text: str) -> tuple[str | None, list[str]]:
    """The last scene heading in `text` and its characters (cues, and names in capitals in action)."""
    elements = ft.parse(text).elements
    heading = next((e.text for e in reversed(elements) if e.kind == ft.SCENE_HEADING), None)
    names: list[str] = []
    for e in elements:
        if e.kind == ft.CHARACTER:
            found = [_cue(e.text)]
        elif e.kind == ft.ACTION:
            # Screenplays introduce a character in capitals: "MARA, 40s, soaked, climbs ..."
            found = [m.group(1) for m in _CAPS_NAME.finditer(e.text)]
        else:
            continue
        for name in found:
            name = name.strip()
            if name and name not in names and not set(name.split()) & _NOT_NAMES:
                names.append(name)
    return heading, names


def dialogue_line(reply: str, speaker: str, names: list[str]) -> tuple[str, str]:
    """(parenthetical, line) from a model's reply to "what does SPEAKER say next?".

    Keeps the first one or two sentences of speech; drops a leading "NAME:" label, quotes and
    markdown; a leading "(quietly)" or "*quietly*" becomes the parenthetical. ("", "") when
    the reply holds nothing speakable.
    """
    text = " ".join(reply.replace("\r", "").split("\n\n")[0].split())
    paren = ""
    match = re.match(r"^\s*[(*_]+\s*([a-z][a-z ,'-]{1,30}?)\s*[)*_]+\s*", text)
    if match:
        paren, text = f"({match.group(1).strip()})", text[match.end():]
    for name in [speaker, *names]:
        text = re.sub(rf"^\s*\**{re.escape(name)}\**\s*[:\-—]\s*", "", text, flags=re.IGNORECASE)
    quoted = re.search(r"[\"“]([^\"”]{2,300})[\"”]", text)
    if quoted and not re.match(r"^\s*[\"“]", text):
        text = quoted.group(1)  # "Mara smiles and says "..."": keep the words said
    text = _MARKUP.sub("", text).strip(" \"'“”")
    # no one opens a speech with their own name ("Owen, Mara, look." said by OWEN)
    text = re.sub(rf"^{re.escape(speaker)}\s*,\s*", "", text, flags=re.IGNORECASE)
    sentences = re.findall(r"[^.!?]+[.!?]+|[^.!?]+$", text)
    if len(sentences) > 1 and not sentences[-1].rstrip().endswith((".", "!", "?")):
        sentences = sentences[:-1]  # a speech cut off by the token limit ends at its last full stop
    text = " ".join(s.strip() for s in sentences[:2]).strip()
    text = text[:1].upper() + text[1:]
    letters = sum(c.isalpha() for c in text)
    if letters < 2 or letters < 0.5 * len(text):
        return "", ""
    return paren, text


def tidy(text: str, names: list[str]) -> list[ft.Element]:
    """A loose continuation as Fountain elements: headings, action, cues in capitals, dialogue.

    "Mara: words" and a known name alone on a line become cues; "Mara says, "words"" in
    action becomes a cue and its dialogue; markdown is dropped.
    """
    lines = []
    for line in text.replace("\r", "").split("\n"):
        line = _MARKUP.sub("", line).rstrip()
        for name in names:  # "Mara:" -> "MARA:", so the parser sees a cue in capitals
            line = re.sub(rf"^\s*{re.escape(name)}\s*:", f"{name.upper()}:", line, flags=re.IGNORECASE)
            if line.strip().lower() == name.lower():
                line = name.upper()
        lines.append(line)
    elements: list[ft.Element] = []
    for e in ft.parse("\n".join(lines)).elements:
        if e.kind == ft.ACTION and _QUOTED_SPEECH.search(e.text):
            elements += _split_quoted(e.text, names)
        else:
            elements.append(e)
    return elements


def _split_quoted(text: str, names: list[str]) -> list[ft.Element]:
    out: list[ft.Element] = []
    rest = text
    for match in list(_QUOTED_SPEECH.finditer(text)):
        before = rest[:rest.find(match.group(0))].strip()
        if before:
            out.append(ft.Element(ft.ACTION, before))
        out += [ft.Element(ft.CHARACTER, match.group(1).upper()), ft.Element(ft.DIALOGUE, match.group(2).strip())]
        rest = rest[rest.find(match.group(0)) + len(match.group(0)):]
    if rest.strip(" .,"):
        out.append(ft.Element(ft.ACTION, rest.strip()))
    return out


def _cue(text: str) -> str:
    return re.sub(r"\s*\(.*\)\s*$", "", text).lstrip("@").strip()
