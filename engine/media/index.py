"""Where each frame of a video stream lies in time, built from one pass over its packets."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class FrameIndex:
    """Presentation-order timestamps of the frames a video stream can deliver.

    Frame ``i`` of the stream is the one whose pts is ``pts[i]``: packets are stored in
    decode order, so sorting their pts gives the order in which frames are shown.

    Attributes:
        pts: Sorted pts (stream time base ticks), one per frame, read-only int64.
        keyframes: Sorted frame indices of keyframes, read-only int64; never empty when
            ``pts`` is not (frame 0 is treated as a keyframe so a seek target always exists).
        last_duration: Duration in ticks of the last frame (0 if unknown).
    """

    pts: np.ndarray
    keyframes: np.ndarray
    last_duration: int

    @classmethod
    def build(cls, pts: list[int], keyframe_pts: list[int], last_duration: int) -> FrameIndex:
        """Index from packet pts in any order and the pts of the keyframe packets."""
        ordered = np.unique(np.asarray(pts, dtype=np.int64))
        keys = np.searchsorted(ordered, np.asarray(keyframe_pts, dtype=np.int64)).astype(np.int64)
        if len(ordered):
            keys = np.unique(np.concatenate([[0], keys[keys < len(ordered)]]))
        for array in (ordered, keys):
            array.flags.writeable = False  # shared between readers through the probe cache
        return cls(ordered, keys, last_duration)

    def __len__(self) -> int:
        return len(self.pts)

    def index_of(self, pts: int) -> int:
        """Frame index of an exact pts, or -1 when no frame has that pts."""
        i = int(np.searchsorted(self.pts, pts))
        return i if i < len(self.pts) and self.pts[i] == pts else -1

    def keyframe_before(self, index: int) -> int:
        """Index of the last keyframe at or before frame ``index``."""
        return int(self.keyframes[np.searchsorted(self.keyframes, index, side="right") - 1])

    def keyframe_after(self, index: int) -> int:
        """Index of the first keyframe after frame ``index``, or the frame count."""
        i = int(np.searchsorted(self.keyframes, index, side="right"))
        return int(self.keyframes[i]) if i < len(self.keyframes) else len(self.pts)

    def deltas(self) -> np.ndarray:
        """Ticks between consecutive frames."""
        return np.diff(self.pts)

    def span(self) -> int:
        """Ticks from the first frame's start to the last frame's end."""
        if not len(self.pts):
            return 0
        tail = self.last_duration or (int(np.median(self.deltas())) if len(self.pts) > 1 else 0)
        return int(self.pts[-1] - self.pts[0]) + tail
