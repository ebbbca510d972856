"""Footage-aware writing: prompts that follow an edit's emotion curve, and markers for the result.

Shots arrive as plain dicts from the emotion analysis, e.g.
`{"start": 0.0, "end": 4.2, "label": "tense", "valence": -0.4, "arousal": 0.7, "faces": 2}`
(seconds; valence/arousal/faces optional). Levels and trends are described relative to the
edit itself (its own peak and trough), so the prompts do not depend on the scale the emotion
model uses. The drafted beats become OpenTimelineIO markers, which travel with the XML export.

When the clip has a transcript (engine.transcript, cached per file fingerprint), what is said
comes too: `spoken_lines` turns it into plain `{"start", "end", "text", "speaker"}` dicts, each
beat quotes the lines spoken within it ("heard: ANNA: "…""), so the prompt and the drafted
text follow the words as well as the pictures.
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
    said: list[str] = field(default_factory=list)  # lines spoken within it ("ANNA: words")

    @property
    def duration(self) -> float:
        return self.end - self.start


def spoken_lines(transcript) -> list[dict]:
    """A transcript (`engine.transcript.Transcript`, or its `to_dict()`) as plain lines in the
    file's seconds: `{"start", "end", "text", "speaker"}`, the speaker "" when none is known.

    Whisper often runs two people's lines into one segment; its word times split them again,
    after a sentence's last word or at a pause, so each line lands in the beat it is said in.
    """
    if transcript is None:
        return []
    segments = transcript.get("segments", []) if isinstance(transcript, Mapping) else transcript.segments
    lines: list[dict] = []
    for segment in segments:
        speaker = str(_field(segment, "speaker") or "")
        words = [(float(_field(w, "start")), float(_field(w, "end")), str(_field(w, "word")).strip())
                 for w in _field(segment, "words") or ()]
        words = [w for w in words if w[2]]
        if not words:  # no word times: the segment is the line
            text = " ".join(str(_field(segment, "text") or "").split())
            if text:
                lines.append({"start": float(_field(segment, "start")),
                              "end": float(_field(segment, "end")), "text": text, "speaker": speaker})
            continue
        current: list[tuple[float, float, str]] = []
        for i, word in enumerate(words):
            current.append(word)
            after = words[i + 1] if i + 1 < len(words) else None
            if after is None or word[2][-1] in ".?!" or after[0] - word[1] > _PAUSE_S:
                lines.append({"start": current[0][0], "end": current[-1][1],
                              "text": " ".join(w[2] for w in current), "speaker": speaker})
                current = []
    return lines


_PAUSE_S = 0.6  # a silence this long between two words ends a line


def _field(item, key: str):
    return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)


def emotion_beats(shots: Iterable[Mapping], mode: str = "outline", max_beats: int = 8,
                  lines: Iterable[Mapping] = ()) -> list[FootageBeat]:
    """Beats along the edit: every shot in "shots" mode, runs of one mood (at most `max_beats`)
    otherwise; each with the `lines` (see `spoken_lines`) whose middle falls inside it."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    beats = [_beat_of(i, shot) for i, shot in enumerate(shots)]
    if mode != "shots":
        beats = _merge_runs(beats)
        while len(beats) > max_beats:  # join the two neighbours whose arousal is closest
            i = min(range(len(beats) - 1), key=lambda k: abs((beats[k].arousal or 0) - (beats[k + 1].arousal or 0)))
            beats[i:i + 2] = [_join(beats[i], beats[i + 1])]
    _mark_trends(beats)
    _attach_lines(beats, list(lines))
    return beats


def _attach_lines(beats: list[FootageBeat], lines: list[Mapping]) -> None:
    for line in lines:
        middle = (float(line["start"]) + float(line["end"])) / 2
        # the beat it is said in; a line in a gap between beats (or past the end) goes to the nearest
        beat = min(beats, key=lambda b: 0 if b.start <= middle < b.end
                   else min(abs(middle - b.start), abs(middle - b.end)), default=None)
        if beat is not None:
            speaker = str(line.get("speaker") or "").strip().upper()
            beat.said.append(f"{speaker}: {line['text']}" if speaker else str(line["text"]))


def footage_prompt(shots: Iterable[Mapping], mode: str = "outline", context: str = "",
                   lines: Iterable[Mapping] = ()) -> str:
    """The whole prompt for a draft that follows the edit, for the writer to read and edit;
    with transcript `lines`, each beat quotes what is said in it."""
    lines = list(lines)
    beats = emotion_beats(list(shots), mode, lines=lines)
    total = beats[-1].end - beats[0].start if beats else 0.0
    head = {"shots": "Shot-by-shot description of the edit",
            "voiceover": "Voice-over for the edit, one passage per beat",
            "outline": "Scene outline following the edit's emotional arc"}[mode]
    out = [f"{head} ({len(beats)} {'shots' if mode == 'shots' else 'beats'}, {_clock(total)}).",
           f"Emotion curve: {curve_summary(beats)}."]
    if lines:
        out.append(f"Dialogue: {len(lines)} spoken line{'s' if len(lines) != 1 else ''} from the "
                   "transcript, quoted where they are heard.")
    if context.strip():
        out.append(f"Context: {context.strip()}")
    out.append("")
    out += [_slot(mode, i, beat) for i, beat in enumerate(beats, start=1)]
    return "\n".join(out) + "\n"


def curve_summary(beats: list[FootageBeat]) -> str:
    """One line describing the arc, e.g. "calm (steady) → tense (rising) → joy (peak)"."""
    return " → ".join(f"{b.label} ({b.trend})" if b.trend else b.label for b in beats) or "no shots"


def draft_from_footage(shots: Iterable[Mapping], lm, mode: str = "outline", *, context: str = "",
                       seed: int = 0, max_new_tokens: int = 40, lines: Iterable[Mapping] = ()
                       ) -> Generator[tuple[float, str], None, list[FootageBeat]]:
    """Write text for every beat (one short completion each); a job returning the beats.

    `lm` has `complete(prompt, ...)` (a `ScriptGenerator`). The prompt grows with the beats
    already written so the text runs on, and quotes the transcript `lines` heard in each beat;
    an unusable completion gets a plain description.
    """
    shots, lines = list(shots), list(lines)
    beats = emotion_beats(shots, mode, lines=lines)
    prompt = footage_prompt(shots, mode, context, lines).rsplit("\n\n", 1)[0] + "\n\n"
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
    text = ", ".join(facts)
    if beat.said:
        text += "; heard: " + " / ".join(f'"{_short(line, 160)}"' for line in beat.said)
    if mode == "shots":
        return f"SHOT {number} ({text}):"
    if mode == "voiceover":
        return f"[Beat {number}: {text}]\nNARRATOR (V.O.)\n"
    return f"Beat {number} ({text}):"


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
    heard = f" Heard: \u201c{_short(beat.said[0], 80)}\u201d" if beat.said else ""
    if mode == "voiceover":
        return f"(Voice-over, {beat.duration:.0f} seconds: {mood}.){heard}"
    return f"{people}; {mood}.{heard}"


def _short(text: str, limit: int = 60) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _clock(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"
