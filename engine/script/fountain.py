"""Fountain screenplay text to typed elements and back (https://fountain.io/syntax).

The parser is forgiving because it also reads language-model output: besides Fountain
proper it takes `NAME: line` dialogue (the layout of stage plays and of many model
samples) and lower-case scene headings. `normalise` rewrites any of that as canonical
Fountain, and `parse(normalise(t)) == parse(t)`, so the writer's document is always the
canonical form. Notes (`[[...]]`) and boneyard (`/* ... */`) are dropped: they never print.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

SCENE_HEADING = "scene_heading"
ACTION = "action"
CHARACTER = "character"
PARENTHETICAL = "parenthetical"
DIALOGUE = "dialogue"
TRANSITION = "transition"
CENTERED = "centered"
PAGE_BREAK = "page_break"
SECTION = "section"
SYNOPSIS = "synopsis"
KINDS = (SCENE_HEADING, ACTION, CHARACTER, PARENTHETICAL, DIALOGUE, TRANSITION, CENTERED,
         PAGE_BREAK, SECTION, SYNOPSIS)

TITLE_KEYS = ("title", "credit", "author", "authors", "source", "draft date", "date", "contact",
              "notes", "copyright", "revision")

_HEADING = re.compile(r"^(int\.?/ext|ext\.?/int|i/e|int|ext|est)[.\s]", re.IGNORECASE)
_SCENE_NUMBER = re.compile(r"\s*#([\w.\-]+)#\s*$")
# Transitions beyond Fountain's "ends in TO:" that writers (and models) use all the time.
_TRANSITION_WORDS = ("FADE OUT.", "FADE TO BLACK.", "CUT TO BLACK.", "FADE OUT", "THE END")
_COLON_DIALOGUE = re.compile(r"^([A-Z][A-Za-z0-9.'\- ]{0,30}?)\s*:\s+(\S.*)$")
_CUE_EXTENSION = re.compile(r"\s*\(([^)]*)\)\s*$")


@dataclass
class Element:
    """One screenplay paragraph: `kind` is one of KINDS, `text` keeps its line breaks."""

    kind: str
    text: str = ""
    scene_number: str | None = None  # scene headings only
    dual: bool = False  # character cue of the second speaker in dual dialogue
    level: int = 1  # section depth

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown element kind {self.kind!r}")


@dataclass
class Screenplay:
    """A title page (key → value, keys lower-case) and the body's elements."""

    elements: list[Element] = field(default_factory=list)
    title_page: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.title_page.get("title", "")

    def scenes(self) -> list[Element]:
        return [e for e in self.elements if e.kind == SCENE_HEADING]


def parse(text: str) -> Screenplay:
    """Parse Fountain (or Fountain-ish model output) into a `Screenplay`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    text = re.sub(r"\[\[.*?\]\]", "", text, flags=re.DOTALL)
    lines = [line.rstrip() for line in text.split("\n")]
    title_page, lines = _split_title_page(lines)
    return Screenplay(_parse_body(lines), title_page)


def normalise(text: str) -> str:
    """Canonical Fountain for `text`: what the document stores after every generation."""
    return write(parse(text))


def write(screenplay: Screenplay | list[Element]) -> str:
    """Canonical Fountain text for a screenplay (or a bare element list)."""
    if isinstance(screenplay, list):
        screenplay = Screenplay(screenplay)
    out: list[str] = []
    for key, value in screenplay.title_page.items():
        name = key.title() if key != "draft date" else "Draft date"
        value_lines = value.split("\n")
        if len(value_lines) == 1:
            out.append(f"{name}: {value}")
        else:  # multi-line values are indented on the lines after the key
            out.append(f"{name}:")
            out += [f"    {v}" for v in value_lines]
    if out:
        out.append("")
    previous: Element | None = None
    for element in screenplay.elements:
        in_dialogue = element.kind in (PARENTHETICAL, DIALOGUE) and previous is not None \
            and previous.kind in (CHARACTER, PARENTHETICAL, DIALOGUE)
        if out and out[-1] and not in_dialogue:
            out.append("")
        out.append(_format(element))
        previous = element
    return "\n".join(out).strip("\n") + "\n" if out else ""


def _format(element: Element) -> str:
    kind, text = element.kind, element.text
    if kind == SCENE_HEADING:
        text = text.upper()
        line = text if _HEADING.match(text) else f".{text}"
        return line + (f" #{element.scene_number}#" if element.scene_number else "")
    if kind == CHARACTER:
        forced = not _looks_like_cue(text) or _HEADING.match(text) or _is_transition(text)
        return ("@" if forced else "") + text + (" ^" if element.dual else "")
    if kind == PARENTHETICAL:
        inner = text.strip().removeprefix("(").removesuffix(")").strip()
        return f"({inner})"
    if kind == DIALOGUE:
        return text
    if kind == TRANSITION:
        text = text.upper()
        return text if text.endswith("TO:") else f"> {text}"
    if kind == CENTERED:
        return f"> {text} <"
    if kind == PAGE_BREAK:
        return "==="
    if kind == SECTION:
        return "#" * element.level + " " + text
    if kind == SYNOPSIS:
        return f"= {text}"
    # Action: force any line that would read back as something else.
    lines = text.split("\n")
    first = lines[0]
    if (_HEADING.match(first) or _is_transition(first) or first.startswith(("@", ".", ">", "#", "=", "~", "!"))
            or (_looks_like_cue(first) and len(lines) > 1) or _COLON_DIALOGUE.match(first)
            or _colon_cue(first)):
        lines[0] = "!" + first
    return "\n".join(lines)


def _split_title_page(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or not _title_key(lines[start]):
        return {}, lines
    page: dict[str, str] = {}
    key = None
    i = start
    while i < len(lines) and lines[i].strip():
        line = lines[i]
        found = _title_key(line)
        if found and not line.startswith((" ", "\t")):
            key, value = found
            page[key] = value
        elif key is not None:  # an indented continuation of the previous key
            page[key] = (page[key] + "\n" if page[key] else "") + line.strip()
        i += 1
    return page, lines[i:]


def _title_key(line: str) -> tuple[str, str] | None:
    match = re.match(r"^([A-Za-z][A-Za-z ]*):\s*(.*)$", line)
    if match and match.group(1).strip().lower() in TITLE_KEYS:
        return match.group(1).strip().lower(), match.group(2).strip()
    return None


def _parse_body(lines: list[str]) -> list[Element]:
    elements: list[Element] = []
    i, n = 0, len(lines)

    def blank(k: int) -> bool:
        return k < 0 or k >= n or not lines[k].strip()

    while i < n:
        raw = lines[i]
        line = raw.strip()
        if not line:
            i += 1
            continue
        before, after = blank(i - 1), blank(i + 1)
        if re.fullmatch(r"={3,}", line):
            elements.append(Element(PAGE_BREAK))
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            elements.append(Element(SECTION, line[level:].strip(), level=level))
        elif line.startswith("="):
            elements.append(Element(SYNOPSIS, line[1:].strip()))
        elif line.startswith(">") and line.endswith("<"):
            elements.append(Element(CENTERED, line[1:-1].strip()))
        elif line.startswith(">"):
            elements.append(Element(TRANSITION, line[1:].strip().upper()))
        elif line.startswith(".") and len(line) > 1 and line[1] != ".":
            elements.append(_heading(line[1:]))
        elif before and _HEADING.match(line):
            elements.append(_heading(line))
        elif before and after and _is_transition(line):
            elements.append(Element(TRANSITION, line))
        elif line.startswith("!"):
            i = _action(lines, i, elements, first=line[1:])
            continue
        elif before and not after and (line.startswith("@") or _looks_like_cue(line) or _colon_cue(line)):
            i = _dialogue_block(lines, i, elements)
            continue
        elif _inline_colon_cue(line):
            name, speech = _COLON_DIALOGUE.match(line).groups()
            elements.append(Element(CHARACTER, name.strip().upper()))
            elements.append(Element(DIALOGUE, speech.strip()))
            i += 1
            # Unindented lines right after `NAME: speech` continue the speech.
            while i < n and lines[i].strip() and not _COLON_DIALOGUE.match(lines[i].strip()):
                elements[-1].text += "\n" + lines[i].strip()
                i += 1
            continue
        else:
            i = _action(lines, i, elements, first=line)
            continue
        i += 1
    return elements


def _heading(text: str) -> Element:
    number = _SCENE_NUMBER.search(text)
    if number:
        text = text[:number.start()]
    return Element(SCENE_HEADING, text.strip().upper(), scene_number=number.group(1) if number else None)


def _action(lines: list[str], i: int, elements: list[Element], first: str) -> int:
    body = [first.strip()]
    i += 1
    while i < len(lines) and lines[i].strip():
        body.append(lines[i].strip())
        i += 1
    elements.append(Element(ACTION, "\n".join(body)))
    return i


def _dialogue_block(lines: list[str], i: int, elements: list[Element]) -> int:
    cue = lines[i].strip()
    dual = cue.endswith("^")
    cue = cue.removesuffix("^").strip()
    if cue.startswith("@"):
        cue = cue[1:].strip()
    elif cue.endswith(":"):  # a stage-play cue on its own line: "First Citizen:"
        cue = cue[:-1].strip().upper()
    elements.append(Element(CHARACTER, cue, dual=dual))
    i += 1
    while i < len(lines) and lines[i].strip():
        line = lines[i].strip()
        if line.startswith("(") and line.endswith(")"):
            elements.append(Element(PARENTHETICAL, line))
        elif elements[-1].kind == DIALOGUE:
            elements[-1].text += "\n" + line
        else:
            elements.append(Element(DIALOGUE, line))
        i += 1
    return i


def _cue_name(text: str) -> str:
    return _CUE_EXTENSION.sub("", text.removesuffix("^").strip()).strip()


def _has_lower(text: str) -> bool:
    return any(c.islower() for c in text)


def _looks_like_cue(line: str) -> bool:
    """All capitals (an extension in parentheses may be anything), with a letter in it."""
    name = _cue_name(line)
    return bool(name) and any(c.isalpha() for c in name) and not _has_lower(name) \
        and not _is_transition(line) and len(name) <= 40


def _cue_candidate(name: str) -> bool:
    """A plausible speaker name before a colon: one to four capitalised words."""
    words = name.split()
    return 0 < len(words) <= 4 and all(w[0].isupper() for w in words) \
        and name.strip().lower() not in TITLE_KEYS


def _inline_colon_cue(line: str) -> bool:
    """`NAME: speech` with the name in capitals (title case would catch "Later: he left")."""
    match = _COLON_DIALOGUE.match(line)
    return bool(match) and match.group(1).isupper() and _cue_candidate(match.group(1)) \
        and not _HEADING.match(line)


def _colon_cue(line: str) -> bool:
    return line.endswith(":") and not line.endswith("TO:") and _cue_candidate(line[:-1].strip()) \
        and not _HEADING.match(line)


def _is_transition(line: str) -> bool:
    line = line.strip()
    return line.isupper() and (line.endswith("TO:") or line in _TRANSITION_WORDS)
