"""Footage-aware writing: prompts that follow an edit's emotion curve, and markers for the result.

Shots arrive as plain dicts from the emotion analysis, e.g.
`{"start": 0.0, "end": 4.2, "label": "tense", "valence": -0.4, "arousal": 0.7, "faces": 2}`
(seconds; valence/arousal/faces optional). Levels and trends are described relative to the
edit itself (its own peak and trough), so the prompts do not depend on the scale the emotion
model uses. The drafted beats become OpenTimelineIO markers, which travel with the XML export.
"""
from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Mapping
from dataclasses import asdict, dataclass, field

MODES = ("shots", "voiceover", "outline")
MARKER_KEY = "moviola"

# Marker colours by emotion label, so the markers read like the emotion curve in an NLE.
_COLOURS = {"tense": "RED", "fear": "RED", "angry": "RED", "anger": "RED", "sad": "PURPLE",
            "calm": "BLUE", "neutral": "CYAN", "happy": "YELLOW", "joy": "YELLOW",
            "surprise": "ORANGE", "excited": "ORANGE", "tender": "PINK"}


@dataclass
class FootageBeat:
    """A stretch of the edit (one shot, or neighbouring shots sharing a mood) and its text."""

    start: float
    end: float
    label: str
    shots: list[int] = field(default_factory=list)  # indices into the shot list
    valence: float | None = None
    arousal: float | None = None
    faces: int = 0
    trend: str = ""  # "rising", "falling", "steady", "peak", "lowest"
    text: str = ""

    @property
    def duration(self) -> float:
        return self.end - self.start


def emotion_beats(shots: Iterable[Mapping], mode: str = "outline", max_beats: int = 8) -> list[FootageBeat]:
    """Beats along the edit: every shot in "shots" mode, runs of one mood (at most `max_beats`) otherwise."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    beats = [_beat_of(i, shot) for i, shot in enumerate(shots)]
    if mode != "shots":
        beats = _merge_runs(beats)
        while len(beats) > max_beats:  # join the two neighbours whose arousal is closest
            i = min(range(len(beats) - 1), key=lambda k: abs((beats[k].arousal or 0) - (beats[k + 1].arousal or 0)))
            beats[i:i + 2] = [_join(beats[i], beats[i + 1])]
    _mark_trends(beats)
    return beats


def footage_prompt(shots: Iterable[Mapping], mode: str = "outline", context: str = "") -> str:
    """The whole prompt for a draft that follows the edit, for the writer to read and edit."""
    beats = emotion_beats(list(shots), mode)
    total = beats[-1].end - beats[0].start if beats else 0.0
    head = {"shots": "Shot-by-shot description of the edit",
            "voiceover": "Voice-over for the edit, one passage per beat",
            "outline": "Scene outline following the edit's emotional arc"}[mode]
    lines = [f"{head} ({len(beats)} {'shots' if mode == 'shots' else 'beats'}, {_clock(total)}).",
             f"Emotion curve: {curve_summary(beats)}."]
    if context.strip():
        lines.append(f"Context: {context.strip()}")
    lines.append("")
    lines += [_slot(mode, i, beat) for i, beat in enumerate(beats, start=1)]
    return "\n".join(lines) + "\n"


def curve_summary(beats: list[FootageBeat]) -> str:
    """One line describing the arc, e.g. "calm (steady) → tense (rising) → joy (peak)"."""
    return " → ".join(f"{b.label} ({b.trend})" if b.trend else b.label for b in beats) or "no shots"


def draft_from_footage(shots: Iterable[Mapping], lm, mode: str = "outline", *, context: str = "",
                       seed: int = 0, max_new_tokens: int = 40
                       ) -> Generator[tuple[float, str], None, list[FootageBeat]]:
    """Write text for every beat (one short completion each); a job returning the beats.

    `lm` has `complete(prompt, ...)` (a `ScriptGenerator`). The prompt grows with the beats
    already written so the text runs on; an unusable completion gets a plain description.
    """
    beats = emotion_beats(list(shots), mode)
    prompt = footage_prompt(shots, mode, context).rsplit("\n\n", 1)[0] + "\n\n"
    for i, beat in enumerate(beats, start=1):
        yield (i - 1) / max(len(beats), 1), f"writing {mode} beat {i} of {len(beats)}"
        slot = _slot(mode, i, beat)
        stop = ("\n\n",) if mode == "voiceover" else ("\n",)
        text = lm.complete(prompt + slot, max_new_tokens=max_new_tokens, seed=seed + i, stop=stop)
        beat.text = _usable(text) or _describe(mode, beat)
        prompt += f"{slot} {beat.text}\n" if mode != "voiceover" else f"{slot}{beat.text}\n\n"
    yield 1.0, "done"
    return beats


def beats_to_markers(beats: Iterable[FootageBeat], rate: float = 24.0, mode: str = "outline"):
    """OpenTimelineIO markers on the frame grid of `rate`, text as name and comment."""
    import opentimelineio as otio

    markers = []
    for beat in beats:
        start = round(beat.start * rate)
        length = max(round(beat.end * rate) - start, 1)
        marker = otio.schema.Marker(
            name=_short(beat.text or beat.label), comment=beat.text,
            marked_range=otio.opentime.TimeRange(otio.opentime.RationalTime(start, rate),
                                                 otio.opentime.RationalTime(length, rate)),
            color=_COLOURS.get(beat.label.lower(), "GREEN"),
            metadata={MARKER_KEY: {"script": {"mode": mode, **asdict(beat)}}})
        markers.append(marker)
    return markers


def attach_markers(timeline, beats: Iterable[FootageBeat], mode: str = "outline", rate: float | None = None):
    """Add the beats as markers on the timeline's top-level stack (timeline time); returns them."""
    rate = rate or _timeline_rate(timeline)
    markers = beats_to_markers(beats, rate, mode)
    timeline.tracks.markers.extend(markers)
    return markers


def _timeline_rate(timeline) -> float:
    if timeline.global_start_time is not None:
        return timeline.global_start_time.rate
    for clip in timeline.find_clips():
        return clip.source_range.duration.rate if clip.source_range else clip.duration().rate
    return 24.0


def _beat_of(index: int, shot: Mapping) -> FootageBeat:
    start, end = float(shot["start"]), float(shot["end"])
    if end < start:
        raise ValueError(f"shot {index} ends ({end}) before it starts ({start})")
    return FootageBeat(start, end, str(shot.get("label") or "neutral"), [index],
                       _number(shot.get("valence")), _number(shot.get("arousal")),
                       int(shot.get("faces") or 0))


def _number(value) -> float | None:
    return None if value is None else float(value)


def _merge_runs(beats: list[FootageBeat]) -> list[FootageBeat]:
    merged: list[FootageBeat] = []
    for beat in beats:
        if merged and merged[-1].label == beat.label:
            merged[-1] = _join(merged[-1], beat)
        else:
            merged.append(beat)
    return merged


def _join(a: FootageBeat, b: FootageBeat) -> FootageBeat:
    """Two neighbouring beats as one; numbers weighted by duration, the longer one's label."""
    wa, wb = max(a.duration, 1e-6), max(b.duration, 1e-6)

    def mean(x, y):
        if x is None or y is None:
            return x if y is None else y
        return (x * wa + y * wb) / (wa + wb)

    return FootageBeat(a.start, b.end, a.label if wa >= wb else b.label, a.shots + b.shots,
                       mean(a.valence, b.valence), mean(a.arousal, b.arousal), max(a.faces, b.faces))


def _mark_trends(beats: list[FootageBeat]) -> None:
    values = [b.arousal for b in beats if b.arousal is not None]
    if len(values) < 2:
        return
    top, bottom = max(values), min(values)
    spread = (top - bottom) or 1.0
    previous = None
    for beat in beats:
        if beat.arousal is None:
            continue
        if beat.arousal == top and top > bottom:
            beat.trend = "peak"
        elif beat.arousal == bottom and top > bottom:
            beat.trend = "lowest"
        elif previous is None or abs(beat.arousal - previous) < 0.1 * spread:
            beat.trend = "steady"
        else:
            beat.trend = "rising" if beat.arousal > previous else "falling"
        previous = beat.arousal


def _slot(mode: str, number: int, beat: FootageBeat) -> str:
    """The fixed prefix the model completes for one beat."""
    facts = [f"{_clock(beat.start)}-{_clock(beat.end)}", f"{beat.duration:.1f} s", beat.label]
    if beat.trend:
        facts.append(beat.trend)
    if beat.faces:
        facts.append(f"{beat.faces} face{'s' if beat.faces != 1 else ''}")
    if mode == "shots":
        return f"SHOT {number} ({', '.join(facts)}):"
    if mode == "voiceover":
        return f"[Beat {number}: {', '.join(facts)}]\nNARRATOR (V.O.)\n"
    return f"Beat {number} ({', '.join(facts)}):"


def _usable(text: str) -> str:
    """The completion as one clean passage, or "" when it is mostly not words."""
    text = " ".join(text.split())
    if len(text.split()) < 3:
        return ""
    letters = sum(c.isalpha() or c.isspace() for c in text)
    return text if letters >= 0.85 * len(text) else ""


def _describe(mode: str, beat: FootageBeat) -> str:
    """Plain words for a beat when the model gave nothing usable; the writer rewrites it."""
    people = {0: "No one in frame", 1: "One person in frame"}.get(beat.faces, f"{beat.faces} people in frame")
    mood = f"the mood is {beat.label}" + (f", {beat.trend}" if beat.trend else "")
    if mode == "voiceover":
        return f"(Voice-over, {beat.duration:.0f} seconds: {mood}.)"
    return f"{people}; {mood}."


def _short(text: str, limit: int = 60) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _clock(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"
