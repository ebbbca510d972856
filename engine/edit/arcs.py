"""Emotional arcs: target curves over the edit's running time.

An arc gives, for each point of the edit (0 = first frame, 1 = last), a target level
on a 0..1 scale and optionally a target valence. Levels are relative: the proposer maps
0 and 1 onto the quietest and most intense material the footage has (see
:meth:`Arc.arousal_targets`), because an arc asks for a shape, and footage that never
gets above 0.6 arousal can still rise.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

Point = tuple[float, float] | tuple[float, float, float]


@dataclass(frozen=True)
class Arc:
    """A target curve.

    Attributes:
        name: "rising", "trailer"... or "custom".
        points: ``(t, level)`` or ``(t, level, valence)``, t ascending in 0..1; the curve
            is linear between them.
        sections: ``(t_start, name)`` of the arc's parts, for explanations.
    """

    name: str
    points: tuple[Point, ...]
    sections: tuple[tuple[float, str], ...] = field(default=((0.0, "whole"),))

    def level(self, t) -> np.ndarray:
        """Target level (0..1) at positions ``t``."""
        ts, levels = zip(*((p[0], p[1]) for p in self.points), strict=True)
        return np.interp(np.asarray(t, float), ts, levels)

    def valence(self, t) -> np.ndarray | None:
        """Target valence at ``t``, or None when the arc does not ask for one."""
        if not all(len(p) > 2 for p in self.points):
            return None
        return np.interp(np.asarray(t, float), [p[0] for p in self.points], [p[2] for p in self.points])

    def section(self, t: float) -> str:
        """Name of the section ``t`` falls in."""
        name = self.sections[0][1]
        for start, label in self.sections:
            if t >= start:
                name = label
        return name

    def arousal_targets(self, t, arousal: np.ndarray) -> np.ndarray:
        """Target arousal at ``t`` for footage whose shots have ``arousal`` values.

        Levels 0 and 1 map to the 5th and 95th percentiles of the footage, so outliers
        do not stretch the scale.
        """
        lo, hi = (np.percentile(arousal, [5, 95]) if len(arousal) else (0.0, 1.0))
        if hi - lo < 0.05:  # footage without contrast: aim at the absolute scale
            lo, hi = 0.0, 1.0
        return lo + self.level(t) * (hi - lo)


ARCS: dict[str, Arc] = {
    "flat": Arc("flat", ((0.0, 0.5), (1.0, 0.5))),
    "rising": Arc("rising", ((0.0, 0.0), (1.0, 1.0)),
                  ((0.0, "quiet start"), (0.34, "build"), (0.67, "high end"))),
    "falling": Arc("falling", ((0.0, 1.0), (1.0, 0.0)),
                   ((0.0, "strong start"), (0.34, "release"), (0.67, "quiet end"))),
    "three-act": Arc("three-act",
                     ((0.0, 0.3), (0.25, 0.4), (0.5, 0.65), (0.6, 0.5), (0.85, 1.0), (1.0, 0.3)),
                     ((0.0, "act I setup"), (0.25, "act II confrontation"), (0.75, "act III climax"),
                      (0.9, "resolution"))),
    "trailer": Arc("trailer",
                   ((0.0, 0.15), (0.3, 0.45), (0.42, 0.3), (0.8, 0.85), (0.93, 1.0), (1.0, 0.45)),
                   ((0.0, "opening"), (0.3, "first turn"), (0.42, "breath"), (0.55, "escalation"),
                    (0.8, "peak"), (0.95, "button"))),
}


def get_arc(spec: str | Sequence[Point] | Arc) -> Arc:
    """An arc from a name, a list of points or a ``"t:level[:valence],..."`` string.

    Raises:
        ValueError: Unknown name or malformed points.
    """
    if isinstance(spec, Arc):
        return spec
    if isinstance(spec, str):
        if spec in ARCS:
            return ARCS[spec]
        if ":" not in spec:
            raise ValueError(f"unknown arc {spec!r} (use {', '.join(ARCS)} or t:level,... points)")
        try:
            spec = [tuple(float(x) for x in part.split(":")) for part in spec.split(",") if part.strip()]
        except ValueError:
            raise ValueError(f"arc points must be numbers like 0:0.2,0.5:0.9,1:0.4, not {spec!r}") from None
    points = [tuple(float(x) for x in p) for p in spec]
    if len(points) < 2 or any(len(p) not in (2, 3) for p in points):
        raise ValueError("a custom arc needs at least two (t, level[, valence]) points")
    points.sort()
    ts = [p[0] for p in points]
    if ts[0] < 0 or ts[-1] > 1:
        raise ValueError("arc positions t must lie in 0..1")
    # Stretch so the curve covers the whole edit even if the user started at 0.1.
    if ts[0] > 0:
        points.insert(0, (0.0, *points[0][1:]))
    if ts[-1] < 1:
        points.append((1.0, *points[-1][1:]))
    if len({len(p) for p in points}) > 1:
        points = [p[:2] for p in points]
    sections = tuple((p[0], f"point {i + 1}") for i, p in enumerate(points[:-1]))
    return Arc("custom", tuple(points), sections)
