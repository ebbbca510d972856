"""The shot detector's result: shots, typed transitions and the per-frame scores behind them."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

TRANSITION_TYPES = ("cut", "dissolve", "fade")


class Transition(NamedTuple):
    """A join between two shots, frames as in the truth files of shared/media/sequences.

    A cut at N has start = end = N (frame N is the first frame of the new shot); a
    dissolve or fade covers frames [start_frame, end_frame] inclusive.
    """

    type: str
    start_frame: int
    end_frame: int


class Shot(NamedTuple):
    """First and last frame (inclusive) a shot contributes, transition frames included."""

    start_frame: int
    end_frame: int


@dataclass
class ShotList:
    """Shots of one video file.

    Attributes:
        fps: Nominal frame rate.
        frame_count: Frames analysed (fewer than the file claims if decoding failed).
        shots: In order; a shot overlaps its neighbour by a dissolve's frames.
        transitions: ``transitions[i]`` is the incoming transition of ``shots[i + 1]``.
        single: Per-frame probability that a cut follows the frame (network head 1);
            0 where the pre-pass found the picture too still to hold a transition.
        many: Per-frame probability that the frame is part of a transition (head 2).
        warnings: Decode problems met, one line each.
    """

    fps: Fraction
    frame_count: int
    shots: list[Shot]
    transitions: list[Transition]
    single: np.ndarray = field(repr=False)
    many: np.ndarray = field(repr=False)
    warnings: list[str] = field(default_factory=list)

    def incoming(self, shot: int) -> Transition | None:
        """The transition into ``shots[shot]``; None for the first shot."""
        return self.transitions[shot - 1] if shot > 0 else None

    def to_json(self, file: str) -> dict[str, Any]:
        """The CLI's JSON object (documented in the README)."""
        return {
            "file": file,
            "fps": str(self.fps),
            "frame_count": self.frame_count,
            "shots": [s._asdict() for s in self.shots],
            "transitions": [t._asdict() for t in self.transitions],
        }

    def to_cache(self) -> dict[str, Any]:
        """Plain data (JSON types and numpy arrays) for the analysis cache."""
        return {
            "fps": [self.fps.numerator, self.fps.denominator],
            "frame_count": self.frame_count,
            "shots": [list(s) for s in self.shots],
            "transitions": [list(t) for t in self.transitions],
            "single": np.asarray(self.single, np.float32),
            "many": np.asarray(self.many, np.float32),
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> ShotList:
        """Rebuilds a ShotList from ``to_cache`` output."""
        return cls(
            fps=Fraction(*data["fps"]),
            frame_count=int(data["frame_count"]),
            shots=[Shot(int(a), int(b)) for a, b in data["shots"]],
            transitions=[Transition(str(k), int(a), int(b)) for k, a, b in data["transitions"]],
            single=np.asarray(data["single"], np.float32),
            many=np.asarray(data["many"], np.float32),
            warnings=list(data["warnings"]),
        )


def shots_between(transitions: list[Transition], frame_count: int, luma: np.ndarray) -> list[Shot]:
    """Shots delimited by ``transitions`` (sorted, non-overlapping).

    Both shots of a dissolve contribute to its frames, so they share them. A fade
    shows the old shot up to its darkest frame and the new one after it.
    """
    if frame_count <= 0:
        return []
    shots, start = [], 0
    for t in transitions:
        if t.type == "cut":
            last, first = t.start_frame - 1, t.start_frame
        elif t.type == "dissolve":
            last, first = t.end_frame, t.start_frame
        else:
            darkest = t.start_frame + int(np.argmin(luma[t.start_frame:t.end_frame + 1]))
            last, first = darkest, darkest + 1
        shots.append(Shot(start, max(start, last)))
        start = first
    shots.append(Shot(start, frame_count - 1))
    return shots
