"""From the editor's words to an element: "heavy rain blowing left" -> rain, dense, angled.

A small keyword grammar, not a language model: it is instant, works offline, and every
word it understood is visible as a parameter the editor can then change.
"""
from __future__ import annotations

import re

from .elements import Element

# First match wins, so multi-word and specific names come before generic ones.
_KINDS = [
    ("light_leak", r"light[\s-]*leaks?|leaks?|flares?|burn"),
    ("grain", r"grain|grainy|film\s+noise"),
    ("sparks", r"sparks?|embers?|sparkl\w*|fireflies"),
    ("snow", r"snow\w*|flurr\w*|blizzard|sleet"),
    ("rain", r"rain\w*|drizzl\w*|downpour|showers?|storm\w*"),
    ("fog", r"fog\w*|mist\w*|haze|hazy|smoke|smoky|steam"),
    ("dust", r"dust\w*|motes?|pollen|ash|particles|specks?"),
    ("title", r"title|caption|text|words?|credit"),
]

COLOURS = {
    "golden": (1.0, 0.8, 0.4), "gold": (1.0, 0.8, 0.4), "amber": (1.0, 0.65, 0.25),
    "warm": (1.0, 0.6, 0.3), "orange": (1.0, 0.5, 0.15), "red": (1.0, 0.2, 0.15),
    "pink": (1.0, 0.5, 0.7), "magenta": (1.0, 0.2, 0.8), "purple": (0.6, 0.3, 0.9),
    "blue": (0.35, 0.55, 1.0), "cool": (0.7, 0.8, 1.0), "cold": (0.7, 0.8, 1.0),
    "green": (0.4, 1.0, 0.5), "yellow": (1.0, 0.95, 0.4), "white": (1.0, 1.0, 1.0),
    "grey": (0.6, 0.6, 0.6), "gray": (0.6, 0.6, 0.6), "black": (0.0, 0.0, 0.0),
    "silver": (0.85, 0.88, 0.92),
}

_MORE = r"heavy|heavily|dense|thick|lots|lot of|torrential|pouring|intense|strong|blizzard|downpour|storm\w*"
_LESS = r"light|lightly|thin|sparse|few|little|gentle|drizzl\w*|subtle|faint|soft|wispy|fine"
_FAST = r"fast|quick\w*|rapid\w*|driving|whipping|blowing hard|gust\w*|wild|storm\w*|blizzard"
_SLOW = r"slow\w*|lazy|lazily|gentle|gently|drifting|floating|calm"
_BIG = r"big|large|huge|fat|heavy flakes"
_SMALL = r"small|tiny|fine|little"

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def describe(text: str) -> Element:
    """The element a description asks for, with its parameters set from the words.

    Raises:
        ValueError: no element named in the text.
    """
    raw = text.strip()
    quoted = re.search(r"[\"'\u2018\u201c]([^\"'\u2019\u201d]+)[\"'\u2019\u201d]", raw)
    # Quoted words are the title's text: they must not be read as instructions.
    t = (raw[: quoted.start()] + " " + raw[quoted.end():] if quoted else raw).lower()
    kind = next((k for k, pat in _KINDS if re.search(rf"\b(?:{pat})\b", t)), None)
    if kind is None and quoted:
        kind = "title"
    if kind is None:
        raise ValueError(f"no element recognised in {text!r}: try rain, snow, dust, sparks, fog, "
                         "light leak, film grain or a title in quotes")
    e = Element.preset(kind)
    changes: dict = {}
    # "light" names a thing in "light leak" and a place in "in the light", not an amount.
    t = re.sub(r"\blight[\s-]*leaks?\b|\b(?:in|into|through|under|against|catching)\s+(?:the\s+)?(?:\w+\s+)?light\b",
               " ", t)
    has = lambda pat: re.search(rf"\b(?:{pat})\b", t) is not None  # noqa: E731

    if kind == "title":
        changes["text"] = quoted.group(1) if quoted else _title_words(raw)
    if has(_MORE):
        changes["density"] = 0.85
        if kind in ("fog", "grain"):
            changes["opacity"] = min(1.0, e.opacity * 1.4)
    elif has(_LESS):
        changes["density"] = 0.2
        if kind in ("fog", "grain", "light_leak"):
            changes["opacity"] = e.opacity * 0.6
    speed = e.speed
    if has(_FAST):
        speed *= 1.8
    elif has(_SLOW):
        speed *= 0.5
    if speed != e.speed:
        changes["speed"] = speed
    if has(_BIG):
        changes["size"] = 1.8
    elif has(_SMALL) and kind not in ("rain",):
        changes["size"] = 0.6
    direction = _direction(t, kind, e.direction)
    if direction is not None:
        changes["direction"] = direction
    colour = _colour(t)
    if colour is not None:
        changes["colour"] = colour
    layers = re.search(r"\b(\d+|one|two|three|four|five|six)\s+(?:depth\s+)?layers?\b", t)
    if layers:
        changes["layers"] = int(_WORDS.get(layers.group(1), layers.group(1)))
    elif has(r"deep|depth"):
        changes["layers"] = max(e.layers, 4)
    duration = re.search(r"(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?)\b", t)
    if duration:
        changes["duration"] = float(duration.group(1))
    fade = 1.0 if kind == "title" else 0.5
    if has(r"fad\w*\s+in(?:\s+and\s+out)?|fade-in"):
        changes["fade_in"] = fade
    if has(r"fad\w*\s+(?:in\s+and\s+)?out|fade-out"):
        changes["fade_out"] = fade
    if has(r"fading|fades?") and "fade_in" not in changes and "fade_out" not in changes:
        changes["fade_in"] = fade
    if has(r"static|locked|fixed to (?:the )?(?:screen|frame)|screen space"):
        changes["tracked"] = False
    seed = re.search(r"\bseed\s+(\d+)", t)
    if seed:
        changes["seed"] = int(seed.group(1))
    return e.replace(**changes)


def _direction(t: str, kind: str, default: float) -> float | None:
    """Degrees of travel; wind bends falling things, other things simply go that way."""
    left = re.search(r"\b(?:left|leftwards?|westward)\b", t)
    right = re.search(r"\b(?:right|rightwards?|eastward)\b", t)
    up = re.search(r"\b(?:ris\w*|up|upwards?|rising|float\w* up|climb\w*)\b", t)
    down = re.search(r"\b(?:fall\w*|down|downwards?|sink\w*|settl\w*)\b", t)
    if kind in ("rain", "snow"):
        tilt = 25.0 if kind == "rain" else 35.0
        if left:
            return 270.0 - tilt
        if right:
            return 270.0 + tilt
        if up:
            return 90.0
        return None
    if up and left:
        return 135.0
    if up and right:
        return 45.0
    if down and left:
        return 225.0
    if down and right:
        return 315.0
    for found, angle in ((up, 90.0), (down, 270.0), (left, 180.0), (right, 0.0)):
        if found:
            return angle
    return None


def _colour(t: str) -> tuple[float, float, float] | None:
    for name, rgb in COLOURS.items():
        # "light" is also an amount, so "light leak" must not make the colour white-ish.
        if re.search(rf"\b{name}\b", t):
            return rgb
    return None


def _title_words(raw: str) -> str:
    m = re.search(r"\b(?:title|caption|text)\s+(?:saying\s+|reading\s+)?([A-Z][A-Z0-9 ]+)\b", raw)
    return m.group(1).strip() if m else "TITLE"
