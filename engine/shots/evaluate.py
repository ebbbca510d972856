"""Scores detected transitions against ground truth (the truth JSON of shared/media/sequences).

Cuts match within a frame tolerance, gradual transitions match when their spans
overlap; both with greedy one-to-one matching, best candidates first, as
PySceneDetect's benchmark evaluator does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

GRADUAL = ("dissolve", "fade")
CUT_TOLERANCE = 2


@dataclass(frozen=True)
class Counts:
    """True positives, false positives and false negatives of one kind of transition."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        # An empty detection list against an empty truth is perfect, not undefined.
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float(self.fn == 0)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Score:
    """Evaluation of one detector on one or more sequences."""

    cuts: Counts = field(default_factory=Counts)
    gradual: Counts = field(default_factory=Counts)
    typed_right: int = 0
    typed_total: int = 0

    def __add__(self, other: Score) -> Score:
        return Score(self.cuts + other.cuts, self.gradual + other.gradual,
                     self.typed_right + other.typed_right, self.typed_total + other.typed_total)

    @property
    def type_accuracy(self) -> float:
        """Share of located true transitions whose detected type is right."""
        return self.typed_right / self.typed_total if self.typed_total else 1.0


Span = tuple[str, int, int]


def as_spans(transitions: Iterable) -> list[Span]:
    """Normalises dicts, tuples or Transition objects to (type, start, end) tuples."""
    spans = []
    for t in transitions:
        if isinstance(t, dict):
            spans.append((t["type"], int(t["start_frame"]), int(t["end_frame"])))
        elif isinstance(t, (tuple, list)):
            spans.append((str(t[0]), int(t[1]), int(t[2])))
        else:
            spans.append((t.type, int(t.start_frame), int(t.end_frame)))
    return spans


def match_cuts(truth: Sequence[int], found: Sequence[int],
               tolerance: int = CUT_TOLERANCE) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of cut frames, closest pairs first.

    Returns:
        (truth index, found index) pairs.
    """
    pairs = sorted((abs(t - f), i, j) for i, t in enumerate(truth)
                   for j, f in enumerate(found) if abs(t - f) <= tolerance)
    return _greedy(pairs)


def match_spans(truth: Sequence[tuple[int, int]], found: Sequence[tuple[int, int]],
                slack: int = 0) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of inclusive frame spans, largest overlap first.

    Args:
        truth: (start, end) spans of the truth.
        found: (start, end) spans detected.
        slack: frames by which each found span is widened before testing overlap.
    """
    pairs = []
    for i, (ts, te) in enumerate(truth):
        for j, (fs, fe) in enumerate(found):
            overlap = min(te, fe + slack) - max(ts, fs - slack) + 1
            if overlap > 0:
                pairs.append((-overlap, i, j))
    return _greedy(sorted(pairs))


def _greedy(pairs) -> list[tuple[int, int]]:
    used_t, used_f, matched = set(), set(), []
    for _, i, j in pairs:
        if i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
            matched.append((i, j))
    return matched


def evaluate(truth: Iterable, found: Iterable, tolerance: int = CUT_TOLERANCE) -> Score:
    """Scores found transitions against the truth of one sequence.

    Args:
        truth: the truth file's `transitions` (dicts) or (type, start, end) tuples.
        found: detected transitions in any form `as_spans` accepts.
        tolerance: frames a detected cut may be off a true cut.
    """
    truth, found = as_spans(truth), as_spans(found)
    t_cuts = [s for k, s, _ in truth if k == "cut"]
    f_cuts = [s for k, s, _ in found if k == "cut"]
    t_grad = [(s, e) for k, s, e in truth if k in GRADUAL]
    f_grad = [(s, e) for k, s, e in found if k in GRADUAL]

    n_cut = len(match_cuts(t_cuts, f_cuts, tolerance))
    n_grad = len(match_spans(t_grad, f_grad))
    # Type accuracy asks "was this boundary called the right kind?", so locate every
    # true transition with any detection (a cut within the tolerance counts as a span).
    located = match_spans([(s, e) for _, s, e in truth], [(s, e) for _, s, e in found],
                          slack=tolerance)
    right = sum(truth[i][0] == found[j][0] for i, j in located)
    return Score(
        cuts=Counts(n_cut, len(f_cuts) - n_cut, len(t_cuts) - n_cut),
        gradual=Counts(n_grad, len(f_grad) - n_grad, len(t_grad) - n_grad),
        typed_right=right,
        typed_total=len(located),
    )


def same_transitions(a: Iterable, b: Iterable) -> bool:
    """Whether two detections list the same transitions: the same types in the same order,
    cuts on the same frame, and each dissolve or fade overlapping its counterpart (the
    evaluator's own test for a gradual match).

    Where a gradual transition starts and ends is where the many-hot head crosses its
    threshold on a slow ramp, and there the network's context (which frames a window
    around it holds) moves the crossing by a few frames.
    """
    a, b = as_spans(a), as_spans(b)
    if len(a) != len(b):
        return False
    for (kind, start, end), (other, o_start, o_end) in zip(a, b):
        if kind != other:
            return False
        if kind == "cut" and start != o_start:
            return False
        if kind != "cut" and (start > o_end or o_start > end):
            return False
    return True


def largest_end_shift(a: Iterable, b: Iterable) -> int:
    """Most frames by which a transition's start or end differs between two detections of
    the same transitions (see `same_transitions`)."""
    return max((max(abs(s - os_), abs(e - oe)) for (_, s, e), (_, os_, oe) in zip(as_spans(a), as_spans(b))),
               default=0)
