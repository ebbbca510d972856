"""Emotion label → colour, shared by every view that shows emotion (Qt-free hex strings).

The palette is Okabe & Ito's (2008), chosen because its eight colours stay apart
under the common colour-vision deficiencies; each label keeps its hue everywhere
(timeline blocks, inspector, plots) so an editor learns it once.
"""
from __future__ import annotations

EMOTION_COLORS: dict[str, str] = {
    "calm": "#009e73",      # bluish green
    "tender": "#cc79a7",    # reddish purple
    "joyful": "#f0e442",    # yellow
    "tense": "#e69f00",     # orange
    "suspense": "#0072b2",  # blue
    "sad": "#56b4e9",       # sky blue
    "action": "#d55e00",    # vermillion
    "neutral": "#a3a3a3",   # light grey: no particular feeling, lighter than the unscored slate
}
# Shots not scored yet: a neutral slate that reads as "no data", not as an emotion.
UNSCORED = "#4b515c"

# In/Out: the range to play, trim or export, in one colour on the ruler and the viewer.
IN_OUT = "#56b4e9"

# OTIO's marker colours as NLEs show them, so a beat marked red here is red in Premiere.
MARKER_COLORS: dict[str, str] = {
    "RED": "#e5484d", "PINK": "#f28cb8", "ORANGE": "#f0932b", "YELLOW": "#f0e442",
    "GREEN": "#5ec26a", "CYAN": "#3fd0d4", "BLUE": "#4a8fe7", "PURPLE": "#a970e0",
    "MAGENTA": "#e055d8", "BLACK": "#2a2a2a", "WHITE": "#f4f4f4",
}
DEFAULT_MARKER = MARKER_COLORS["YELLOW"]

# Placed VFX elements by kind (``engine.timeline.placement`` metadata): hues apart from the
# emotion palette's blocks below them, so an element never reads as a scored shot.
ELEMENT_COLORS: dict[str, str] = {
    "element": "#8f6fd1",     # violet: generated elements (smoke, titles, particles)
    "keyed": "#2fa39a",       # teal: keyed mattes
    "stabilized": "#b08d57",  # bronze: stabilised plates
}
# Clips on an upper track that are not placed elements (titles, overlays).
OTHER_CLIP = "#44648f"


def emotion_color(label: str | None) -> str:
    """The label's colour; the unscored slate for None or an unknown label."""
    return EMOTION_COLORS.get((label or "").lower(), UNSCORED)


def luminance(hex_color: str) -> float:
    """WCAG relative luminance of ``#rrggbb`` (0 black … 1 white)."""
    channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ink_for(hex_color: str) -> str:
    """Text colour with the better contrast on ``hex_color``: near-black or near-white."""
    light = luminance(hex_color)
    # Contrast against #111 vs #f4f4f4, per WCAG's (L1 + 0.05) / (L2 + 0.05).
    return "#111111" if (light + 0.05) / 0.0557 > 0.955 / (light + 0.05) else "#f4f4f4"


def marker_color(name: str | None) -> str:
    """Hex colour of an OTIO ``MarkerColor`` (``"RED"``…); yellow, OTIO's default, otherwise."""
    return MARKER_COLORS.get(str(name or "").upper(), DEFAULT_MARKER)


def element_color(kind: str | None) -> str:
    """The colour of a clip on an upper track: by its VFX kind, else the plain clip blue."""
    return ELEMENT_COLORS.get((kind or "").lower(), OTHER_CLIP)
