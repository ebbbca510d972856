"""Cut proposals: the entry point that turns analysed shots into three edits to start from."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from os import PathLike

import numpy as np

from engine.edit.arcs import Arc, get_arc
from engine.edit.audio_edits import AudioEdit, AudioPiece, plan_audio, timecode
from engine.edit.beats import Music, music_beats
from engine.edit.inputs import AnalysedShot
from engine.edit.pacing import Pacing, Slot, beat_grid, free_grid, length_band
from engine.edit.solver import Problem, Weights, solve

# The alternatives: what each one changes against the first, and how it says so.
# (name, pace scale, how strongly it avoids the shots of the earlier alternatives)
_VARIANTS = (
    ("Closest to the arc", 1.0, 0.0),
    ("Other shots, same shape", 1.0, 1.0),
    ("Faster cutting", 0.7, 0.6),
)
_DURATION_WEIGHT = 10.0  # relative duration error; the grid makes it ~0 unless slots are skipped


@dataclass
class Cut:
    """One clip of a proposal.

    Attributes:
        source_start: First source frame (at the shot's rate).
        source_end: Last source frame (inclusive).
        record_start: First timeline frame (at the proposal's rate).
        record_frames: Length in timeline frames.
        section: The arc section this cut serves.
        target_arousal: What the arc asked for here (on the footage's scale).
        reason: Why the clip starts and ends where it does.
    """

    shot: AnalysedShot
    source_start: int
    source_end: int
    record_start: int
    record_frames: int
    section: str
    target_arousal: float
    reason: str

    @property
    def source_frames(self) -> int:
        return self.source_end - self.source_start + 1


@dataclass
class Proposal:
    """One proposed edit.

    Attributes:
        name: What distinguishes it from the other alternatives.
        summary: One or two sentences for the panel.
        rate: Timeline frame rate.
        target_frames: The duration asked for, in timeline frames.
        arc_error: RMS distance between the arc's target arousal and the edit's, per frame.
        costs: The objective's terms for this edit (lower is better).
        sections: One line per arc section: which cuts serve it.
        empty_slots: Places in the pacing grid no shot could fill (the edit is shorter).
        pool: The shots it was chosen from (for feedback and learning).
    """

    name: str
    summary: str
    cuts: list[Cut]
    rate: Fraction
    target_frames: int
    arc: Arc
    arc_error: float
    costs: dict[str, float]
    sections: list[str]
    music: Music | None = None
    empty_slots: int = 0
    pool: list[AnalysedShot] = field(default_factory=list, repr=False)
    audio: list[AudioPiece] = field(default_factory=list)
    audio_edits: list[AudioEdit] = field(default_factory=list)

    @property
    def duration_frames(self) -> int:
        return sum(c.record_frames for c in self.cuts)

    def explanation(self) -> str:
        """The summary, the arc sections and every cut's reason, one per line."""
        lines = [f"{self.name}: {self.summary}", *self.sections]
        for n, c in enumerate(self.cuts, 1):
            lines.append(f"  {n:3d}. {c.shot.path.name} {c.source_start}-{c.source_end} "
                         f"[{c.shot.label}] {c.reason}")
        split = [e for e in self.audio_edits if e.kind != "straight" and e.reason]
        if split:
            lines.append("  sound:")
            lines += [f"    {e.reason}" for e in split]
        return "\n".join(lines)


def propose(shots: Sequence[AnalysedShot], duration_s: float, arc: str | Arc | Sequence = "rising",
            pacing: Pacing | None = None, source_order: bool = True,
            music: Music | str | PathLike[str] | None = None, preference=None,
            weights: Weights | None = None, alternatives: int = 3,
            rate: Fraction | None = None) -> list[Proposal]:
    """Up to ``alternatives`` proposals (3 by default) that differ meaningfully.

    Args:
        shots: Candidates in source order (files in the order given, then frames).
        duration_s: Target duration in seconds.
        arc: Arc name, custom points or an :class:`Arc`.
        pacing: Average shot length and how much it follows the arc.
        source_order: Keep the source order; False lets shots go anywhere.
        music: A music file (or its analysed beats): cuts fall on its beats only.
        preference: A trained ``PreferenceModel`` whose score joins the objective.
        weights: The objective's weights.
        rate: Timeline rate; the first shot's rate by default.

    Raises:
        ValueError: No shots, or a duration that is not positive.
    """
    if not shots:
        raise ValueError("no shots to propose from")
    if duration_s <= 0:
        raise ValueError("target duration must be positive")
    _check_constraints(shots, duration_s, source_order)
    arc = get_arc(arc)
    pacing = pacing or Pacing()
    weights = weights or Weights()
    rate = Fraction(rate or shots[0].rate)
    if music is not None and not isinstance(music, Music):
        music = music_beats(music, rate)
    target = max(1, round(duration_s * rate))
    arousal = np.fromiter((s.arousal for s in shots), float, len(shots))
    pref = preference.shot_scores(shots, arc, pacing, rate) if preference is not None else None

    band = length_band(_usable_timeline_frames(shots, rate), target, max(1, round(pacing.min_shot_s * rate)))

    def attempt(name: str, scale: float, avoid: float) -> tuple[Proposal, list]:
        if music is not None and len(music.beat_frames) >= 2:
            slots = beat_grid(target, rate, arc, pacing, music.beat_frames, scale, band)
        else:
            slots = free_grid(target, rate, arc, pacing, scale, band)
        ts = np.array([s.t for s in slots])
        problem = Problem(
            shots=list(shots), slots=slots, target_arousal=arc.arousal_targets(ts, arousal),
            target_valence=arc.valence(ts), source_order=source_order, timeline_rate=float(rate),
            preference=pref, avoid=(weights.diversity * avoid * seen) if avoid else None, weights=weights)
        picks = solve(problem)
        return _assemble(name, shots, slots, picks, problem, arc, pacing, rate, target, music, arousal), picks

    proposals: list[Proposal] = []
    chosen: list[set[int]] = []
    seen = np.zeros(len(shots))
    for name, scale, avoid in _VARIANTS[:max(1, alternatives)]:
        proposal, picks = attempt(name, scale, avoid)
        used = {p.shot for p in picks if p.shot is not None}
        if chosen and _too_alike(used, chosen):
            # Little footage, or few shots long enough: push harder and change the rhythm.
            for retry_scale in (scale * 0.75, scale * 1.35):
                retry, retry_picks = attempt(name, retry_scale, 4 * max(avoid, 0.5))
                retry_used = {p.shot for p in retry_picks if p.shot is not None}
                if not _too_alike(retry_used, chosen) and retry.empty_slots <= proposal.empty_slots:
                    proposal, picks, used = retry, retry_picks, retry_used
                    break
            else:
                proposal.summary += " The footage allows no edit much different from the one above."
        proposals.append(proposal)
        chosen.append(used)
        seen[list(used)] = 1.0
    return proposals


def _check_constraints(shots: Sequence[AnalysedShot], duration_s: float, source_order: bool) -> None:
    """Requests no edit can satisfy fail with a sentence naming the conflict."""
    both = [s for s in shots if s.must_use and s.excluded]
    if both:
        s = both[0]
        raise ValueError(f"shot {s.index + 1} of {s.path.name} is both required and excluded: "
                         "a proposal cannot keep and leave out the same shot")
    usable = 0.0
    for s in shots:
        u = s.usable()
        if u and not s.excluded:
            usable += (u[1] - u[0] + 1) / float(s.rate)
    # In source order no shot plays twice; in free order repeats may fill, but not nothing.
    if usable < duration_s if source_order else usable <= 0:
        raise ValueError(f"a {duration_s:g} s edit cannot be filled: the usable footage "
                         f"(shots not excluded, transitions left out) lasts only {usable:.1f} s")


def _usable_timeline_frames(shots: Sequence[AnalysedShot], rate: Fraction) -> np.ndarray:
    """Usable length of every shot that may be used, in timeline frames."""
    lengths = []
    for s in shots:
        usable = s.usable()
        if usable and not s.excluded:
            lengths.append((usable[1] - usable[0] + 1) * float(rate) / float(s.rate))
    return np.array(lengths)


def _too_alike(used: set[int], earlier: list[set[int]]) -> bool:
    """Whether an alternative shares half its shots or more with an earlier one."""
    return any(len(used & e) >= 0.5 * max(1, min(len(used), len(e))) for e in earlier)


def _assemble(name, shots, slots: list[Slot], picks, problem: Problem, arc: Arc, pacing: Pacing,
              rate: Fraction, target: int, music: Music | None, arousal: np.ndarray) -> Proposal:
    w = problem.weights
    cuts: list[Cut] = []
    position = 0
    trim_cost = jump_cost = skipped = 0.0
    liked = []
    for pick in picks:
        slot = slots[pick.slot]
        if pick.shot is None:
            skipped += 1
            continue
        shot, trim = shots[pick.shot], pick.trim
        section = arc.section(slot.t)
        out = trim.reason_out
        if music is not None:
            out = f"out on the beat at frame {position + slot.frames}" + (
                f", {trim.reason_out}" if trim.reason_out.startswith(("cut on action", "holds", "ends")) else "")
        out = f"{out} at {timecode(position + slot.frames, rate)}"
        reason = (f"in: {trim.reason_in}; out: {out}; serves {section} "
                  f"(target arousal {problem.target_arousal[pick.slot]:.2f}, shot {shot.arousal:.2f})")
        if pick.jump > 0:
            reason += "; looks like the shot before it from the same source (a jump cut, penalised)"
        cuts.append(Cut(shot, trim.start, trim.end, position, slot.frames, section,
                        float(problem.target_arousal[pick.slot]), reason))
        position += slot.frames
        if problem.preference is not None:
            liked.append(problem.preference[pick.shot])
        trim_cost += w.trim * (1 - trim.score)
        jump_cost += w.jump * pick.jump
    error = arc_error(cuts, arc, arousal)
    desired = np.array([pacing.desired_frames(float(arc.level(s.t)), rate) for s in slots])
    lengths = np.array([s.frames for s in slots], float)
    costs = {
        "arc": w.arc * error ** 2,
        "pacing": w.pacing * float(np.mean(np.log(lengths / desired) ** 2)),
        "duration": _DURATION_WEIGHT * abs(position - target) / target,
        "continuity": jump_cost + w.repeat * (len(cuts) - len({id(c.shot) for c in cuts})),
        "trim": trim_cost,
        "preference": -w.preference * float(np.mean(liked)) if liked else 0.0,
    }
    costs["total"] = sum(costs.values())
    audio, audio_edits = plan_audio(cuts, rate)
    for e in audio_edits:  # the cut whose out-point the sound moved says so
        if e.kind in ("L-cut", "J-cut", "pause") and 0 <= e.after < len(cuts) - 1:
            cuts[e.after].reason += f"; sound: {e.kind}"
    summary = _summary(name, cuts, arc, error, rate, music, skipped)
    splits = sum(e.kind in ("L-cut", "J-cut") for e in audio_edits)
    if splits:
        summary = summary[:-1] + f"; {splits} split edit(s) keep lines whole."
    return Proposal(name, summary, cuts, rate, target, arc, error, costs, _sections(cuts, arc), music,
                    int(skipped), list(shots), audio, audio_edits)


def arc_error(cuts: Sequence[Cut], arc: Arc, footage_arousal: np.ndarray) -> float:
    """RMS distance, frame by frame, between the arc's target arousal and the edit's."""
    total = sum(c.record_frames for c in cuts)
    if total == 0:
        return float("inf")
    t = (np.arange(total) + 0.5) / total
    edit = np.repeat([c.shot.arousal for c in cuts], [c.record_frames for c in cuts])
    return float(np.sqrt(np.mean((edit - arc.arousal_targets(t, footage_arousal)) ** 2)))


def _summary(name, cuts, arc, error, rate, music, skipped) -> str:
    seconds = sum(c.record_frames for c in cuts) / float(rate)
    avg = seconds / max(1, len(cuts))
    on_action = sum("cut on action" in c.reason for c in cuts)
    on_lines = sum("line" in c.reason for c in cuts)
    faces = sum("holds on the face" in c.reason for c in cuts)
    parts = [f"{len(cuts)} shots over {seconds:.1f} s (average {avg:.1f} s) following the {arc.name} arc "
             f"(arc error {error:.3f})"]
    if music is not None:
        parts.append(f"every cut on a beat of {music.path.name} ({music.tempo_bpm:.0f} bpm)")
    detail = [f"{on_action} cuts on action"] if on_action else []
    detail += [f"{faces} holds on faces"] if faces else []
    detail += [f"{on_lines} keep a line whole"] if on_lines else []
    if detail:
        parts.append(", ".join(detail))
    if skipped:
        parts.append(f"{int(skipped)} slot(s) left empty: no usable shot was long enough")
    return "; ".join(parts) + "."


def _sections(cuts: Sequence[Cut], arc: Arc) -> list[str]:
    lines = []
    start = 0
    while start < len(cuts):
        end = start
        while end + 1 < len(cuts) and cuts[end + 1].section == cuts[start].section:
            end += 1
        group = cuts[start:end + 1]
        labels = sorted({c.shot.label for c in group})
        mean = np.mean([c.shot.arousal for c in group])
        aim = np.mean([c.target_arousal for c in group])
        lines.append(f"  {cuts[start].section}: cuts {start + 1}-{end + 1} ({', '.join(labels)}; "
                     f"arousal {mean:.2f} for a target of {aim:.2f})")
        start = end + 1
    return lines
