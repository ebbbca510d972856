"""The stored result of tracking one shot, and its JSON form."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from engine.atomic import atomic_write_text

from . import motion

FORMAT_VERSION = 1


@dataclass
class CameraTrack:
    """Per-frame 2D motion of one shot.

    Attributes:
        source: The media file tracked.
        start: File frame index of the shot's first frame; entry ``i`` is frame ``start + i``.
        width, height: Full picture size in pixels; all matrices are in these pixels.
        frame_rate: Exact frames per second.
        homographies: (n, 3, 3), each mapping start-frame coordinates to that frame's.
        models: Model chosen per frame ("identity" for the first, "none" where lost).
        inliers: Points supporting each frame's fit.
        rms: Fit residual per frame, pixels (NaN where not fitted).
        region: Polygon (N, 2) in start-frame pixels for a planar track, else None.
    """

    source: str
    start: int
    width: int
    height: int
    frame_rate: Fraction
    homographies: np.ndarray
    models: list[str] = field(default_factory=list)
    inliers: np.ndarray | None = None
    rms: np.ndarray | None = None
    region: np.ndarray | None = None

    @classmethod
    def from_motions(cls, motions, *, source: str, start: int, width: int, height: int,
                     frame_rate: Fraction, region=None) -> CameraTrack:
        """Build from the ``FrameMotion`` list a tracker produced."""
        return cls(source=source, start=start, width=width, height=height,
                   frame_rate=Fraction(frame_rate),
                   homographies=np.array([m.homography for m in motions], dtype=np.float64),
                   models=[m.model for m in motions],
                   inliers=np.array([m.inliers for m in motions]),
                   rms=np.array([m.rms for m in motions], dtype=np.float64),
                   region=None if region is None else np.asarray(region, dtype=np.float64))

    def __len__(self) -> int:
        return len(self.homographies)

    @property
    def end(self) -> int:
        """File frame index one past the last tracked frame."""
        return self.start + len(self)

    def region_at(self, i: int) -> np.ndarray | None:
        """The planar region's polygon in tracked frame ``i`` (0-based in the shot)."""
        return None if self.region is None else motion.apply(self.homographies[i], self.region)

    def to_dict(self) -> dict:
        """Plain JSON-ready data; ``frames[i].frame`` is the file frame index."""
        rate = self.frame_rate
        frames = []
        for i, h in enumerate(self.homographies):
            entry = {"frame": self.start + i, "homography": _round(h)}
            if self.models:
                entry["model"] = self.models[i]
            if self.inliers is not None:
                entry["inliers"] = int(self.inliers[i])
            if self.rms is not None and np.isfinite(self.rms[i]):
                entry["rms"] = round(float(self.rms[i]), 4)
            if self.region is not None:
                entry["region"] = _round(self.region_at(i))
            frames.append(entry)
        data = {"version": FORMAT_VERSION, "source": self.source, "start": self.start,
                "end": self.end, "width": self.width, "height": self.height,
                "frame_rate": f"{rate.numerator}/{rate.denominator}", "frames": frames}
        if self.region is not None:
            data["region"] = _round(self.region)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> CameraTrack:
        frames = data["frames"]
        return cls(source=data.get("source", ""), start=int(data["start"]),
                   width=int(data["width"]), height=int(data["height"]),
                   frame_rate=Fraction(data["frame_rate"]),
                   homographies=np.array([f["homography"] for f in frames], dtype=np.float64),
                   models=[f.get("model", "") for f in frames],
                   inliers=np.array([f.get("inliers", 0) for f in frames]),
                   rms=np.array([f.get("rms", np.nan) for f in frames], dtype=np.float64),
                   region=None if data.get("region") is None else np.array(data["region"], dtype=np.float64))

    def save_json(self, path: str | Path) -> None:
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1))

    @classmethod
    def load_json(cls, path: str | Path) -> CameraTrack:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _round(a: np.ndarray) -> list:
    # 1e-9 relative is far below a pixel at any picture size and keeps files readable.
    return [[float(f"{v:.10g}") for v in row] for row in np.asarray(a, dtype=np.float64)]
