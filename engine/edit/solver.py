"""Beam search that fills a grid of slots with trimmed shots.

Each slot has a target (arc level, length); the cost of putting shot i in slot k is
computed for all shots at once with numpy, so a step costs O(n) per beam entry and a
whole proposal O(slots * beam * n): linear in the number of shots for a fixed target
duration. Only the few best shots per entry are trimmed and checked for jump cuts,
which are the pairwise (and Python-level) parts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.edit.inputs import AnalysedShot
from engine.edit.pacing import Slot
from engine.edit.trim import Trim, best_trim

INF = float("inf")
_DRIFT_SLACK = 0.15  # how far ahead of the edit the footage may run before it costs


@dataclass(frozen=True)
class Weights:
    """How much each part of the objective counts (costs; lower is better).

    Attributes:
        arc: Squared distance between a shot's arousal and the arc's target.
        valence: Squared valence distance, for arcs that give valence.
        trim: (1 - trim quality): cuts off action, faces cut short, shot edges.
        pacing: Squared log ratio between the grid's lengths and the pacing's wish.
        jump: A cut between two shots that look alike (a jump cut).
        repeat: Using a shot a second time (free order only).
        preference: The learned taste score (standardised) lowers the cost.
        face_hold: A face in a slot shorter than two seconds.
        diversity: A shot an earlier alternative already used.
        skip: A slot nothing could fill (shortens the edit).
        drift: Source order: running ahead of the edit through the footage (squared
            excess of the shot's place in the source over the slot's place in the edit),
            which would leave too little to choose from for the end of the arc.
    """

    arc: float = 1.0
    valence: float = 0.25
    trim: float = 0.12
    pacing: float = 0.5
    jump: float = 0.4
    repeat: float = 2.0
    preference: float = 0.08
    face_hold: float = 0.05
    diversity: float = 0.25
    skip: float = 5.0
    drift: float = 2.0


@dataclass
class Problem:
    """Everything the search needs, as arrays over the shots.

    Attributes:
        shots: Candidates, in source order (files in the order given, then frames).
        slots: The grid to fill.
        target_arousal: Per slot.
        target_valence: Per slot, or None when the arc does not ask for valence.
        source_order: Keep the shots' order; else any order.
        preference: Standardised taste score per shot (higher = preferred), or None.
        avoid: Per shot: cost added because earlier alternatives used it.
        timeline_rate: Frames per second of the slots.
    """

    shots: list[AnalysedShot]
    slots: list[Slot]
    target_arousal: np.ndarray
    target_valence: np.ndarray | None
    source_order: bool
    timeline_rate: float
    preference: np.ndarray | None = None
    avoid: np.ndarray | None = None
    weights: Weights = field(default_factory=Weights)
    beam: int = 8
    branch: int = 6


@dataclass
class Pick:
    """One slot's choice: shot index into ``Problem.shots`` and its trim (None = skipped)."""

    slot: int
    shot: int | None
    trim: Trim | None
    cost: float
    jump: float = 0.0


class _Arrays:
    """Per-shot arrays built once per problem."""

    def __init__(self, p: Problem):
        shots = p.shots
        n = len(shots)
        self.arousal = np.fromiter((s.arousal for s in shots), float, n)
        self.valence = np.fromiter((s.valence for s in shots), float, n)
        self.face = np.fromiter((s.face_scale if s.face_count or s.face_frames else 0.0 for s in shots), float, n)
        # Source frames per timeline frame, so clips at other rates fill slots exactly in time.
        self.ratio = np.fromiter((float(s.rate) / p.timeline_rate for s in shots), float, n)
        usable = np.zeros(n)
        for i, s in enumerate(shots):
            u = s.usable()
            usable[i] = (u[1] - u[0] + 1) if u else 0
        self.usable_tl = np.floor(usable / self.ratio)
        self.excluded = np.fromiter((s.excluded for s in shots), bool, n)
        self.must = np.flatnonzero(np.fromiter((s.must_use and not s.excluded for s in shots), bool, n))
        self.place = (np.arange(n) + 0.5) / n  # where each shot sits in the footage, 0..1
        self.hist = _unit_rows([s.histogram for s in shots])
        # Source order: how many must-use shots lie after each index, and the next one.
        is_must = np.zeros(n + 1, int)
        is_must[self.must] = 1
        self.must_after = np.cumsum(is_must[::-1])[::-1][1:]  # count with index > i
        # next_must[j + 1]: the first must-use index after j (n when none is left).
        found = np.searchsorted(self.must, np.arange(n + 1))
        self.next_must = np.append(self.must, n)[found]


def _unit_rows(vectors) -> np.ndarray | None:
    dims = {np.asarray(v).size for v in vectors if v is not None}
    if len(dims) != 1:
        return None
    d = dims.pop()
    h = np.zeros((len(vectors), d), np.float32)
    for i, v in enumerate(vectors):
        if v is not None:
            h[i] = np.asarray(v, np.float32).ravel()
    norms = np.linalg.norm(h, axis=1, keepdims=True)
    return h / np.where(norms > 0, norms, 1)


@dataclass
class _Entry:
    cost: float
    last: int  # -1 before the first shot
    used: frozenset
    pick: Pick | None
    parent: _Entry | None


def solve(p: Problem) -> list[Pick]:
    """The cheapest fill of ``p.slots`` the beam finds; one Pick per slot."""
    a = _Arrays(p)
    w = p.weights
    n, k_count = len(p.shots), len(p.slots)
    trims: dict[tuple[int, int], Trim | None] = {}
    latest = _latest_feasible(a, p) if p.source_order else None
    beam = [_Entry(0.0, -1, frozenset(), None, None)]
    for k, slot in enumerate(p.slots):
        base = _slot_costs(a, p, k, slot)
        left = k_count - k  # slots from this one to the end
        grown: dict[tuple, _Entry] = {}
        for entry in beam:
            for i, cost in _choices(a, p, base, entry, left, latest[k] if latest is not None else n - 1):
                src_len = max(1, round(slot.frames * a.ratio[i]))
                key = (i, src_len)
                if key not in trims:
                    trims[key] = best_trim(p.shots[i], src_len)
                trim = trims[key]
                if trim is None:
                    continue
                jump = _jump(a, p, entry.last, i)
                total = entry.cost + cost + w.trim * (1 - trim.score) + w.jump * jump
                state = (i, entry.used | {i}) if not p.source_order else (i,)
                if state not in grown or grown[state].cost > total:
                    grown[state] = _Entry(total, i, entry.used | {i} if not p.source_order else entry.used,
                                          Pick(k, i, trim, cost, jump), entry)
        if not grown:  # nothing fits this slot from any entry: leave it empty
            grown = {(e.last, e.used, id(e)): _Entry(e.cost + w.skip, e.last, e.used, Pick(k, None, None, w.skip), e)
                     for e in beam}
        beam = sorted(grown.values(), key=lambda e: e.cost)[: p.beam]
    return _path(_finished(beam, a, p))


def _finished(beam: list[_Entry], a: _Arrays, p: Problem) -> _Entry:
    # Prefer entries that contain every must-use shot; the beam keeps them when it can.
    must = set(a.must.tolist())
    complete = [e for e in beam if must <= _used_along(e)]
    return (complete or beam)[0]


def _used_along(entry: _Entry) -> set[int]:
    used = set()
    while entry is not None and entry.pick is not None:
        if entry.pick.shot is not None:
            used.add(entry.pick.shot)
        entry = entry.parent
    return used


def _path(entry: _Entry) -> list[Pick]:
    picks = []
    while entry.pick is not None:
        picks.append(entry.pick)
        entry = entry.parent
    return picks[::-1]


def _slot_costs(a: _Arrays, p: Problem, k: int, slot: Slot) -> np.ndarray:
    """Cost of every shot in slot k, before trims and jump cuts; inf where it cannot go."""
    w = p.weights
    cost = w.arc * (a.arousal - p.target_arousal[k]) ** 2
    if p.target_valence is not None:
        cost += w.valence * (a.valence - p.target_valence[k]) ** 2
    seconds = slot.frames / p.timeline_rate
    if seconds < 2.0:
        cost += w.face_hold * a.face * (1 - seconds / 2.0)
    if p.preference is not None:
        cost -= w.preference * p.preference
    if p.avoid is not None:
        cost += p.avoid
    if p.source_order:
        ahead = np.maximum(0.0, a.place - slot.t - _DRIFT_SLACK)
        cost += w.drift * ahead ** 2
    cost[(a.usable_tl < slot.frames) | a.excluded] = INF
    return cost


def _choices(a: _Arrays, p: Problem, base: np.ndarray, entry: _Entry, left: int, latest: int):
    """The ``branch`` cheapest allowed shots for an entry: (index, cost) pairs."""
    if p.source_order:
        # Order and must-use rules make the allowed shots one interval [lo, hi]:
        # after the last shot, not past the next must-use, and early enough that the
        # must-use shots after it still fit in the slots left.
        lo = entry.last + 1
        hi = min(int(a.next_must[entry.last + 1]), latest)
        if len(a.must):
            room = np.flatnonzero(a.must_after <= left - 1)
            lo = max(lo, int(room[0]) if len(room) else a.must[-1])
        if hi < lo:
            return []
        window = base[lo: hi + 1]
        offset = lo
    else:
        window = base.copy()
        used = np.fromiter(entry.used, int, len(entry.used))
        if len(used):
            window[used] += p.weights.repeat
        missing = [m for m in a.must.tolist() if m not in entry.used]
        if missing and len(missing) >= left:
            only = np.full(len(window), INF)
            only[missing] = window[missing]
            window = only
        offset = 0
    m = min(p.branch, len(window))
    if m == 0:
        return []
    best = np.argpartition(window, m - 1)[:m] if m < len(window) else np.arange(len(window))
    return [(int(i) + offset, float(window[i])) for i in best if np.isfinite(window[i])]


def _jump(a: _Arrays, p: Problem, last: int, i: int) -> float:
    """0..1: how much a cut from shot ``last`` to shot ``i`` looks like a jump cut."""
    if last < 0:
        return 0.0
    if last == i:
        return 1.0  # the same shot again, straight after itself
    if a.hist is None or p.shots[last].path != p.shots[i].path:
        return 0.0  # a jump cut is two set-ups of one source that look alike
    similarity = float(a.hist[last] @ a.hist[i])
    # Different set-ups of one scene share a palette (cosine 0.8-0.9); only near
    # duplicates of the frame read as a jump.
    return max(0.0, (similarity - 0.9) / 0.1)


def _latest_feasible(a: _Arrays, p: Problem) -> list[int]:
    """Source order: the last shot slot k may take so the later slots can still be filled."""
    n = len(p.shots)
    latest = [n - 1] * len(p.slots)
    bound = n  # exclusive
    for k in range(len(p.slots) - 1, -1, -1):
        ok = np.flatnonzero((a.usable_tl[:bound] >= p.slots[k].frames) & ~a.excluded[:bound])
        if len(ok) == 0:
            break  # cannot be filled in order: let the search skip slots instead
        latest[k] = int(ok[-1])
        bound = latest[k]
    return latest
