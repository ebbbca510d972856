"""Playback clocks: where the playhead should be now, in (fractional) record frames."""
from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QElapsedTimer


class WallClock:
    """Monotonic time × speed: the clock when there is no sound to follow (no device, muted,
    shuttling). Its drift is the system clock's, far below a frame."""

    def __init__(self) -> None:
        self._timer = QElapsedTimer()
        self._origin = 0.0
        self._speed = 0.0
        self._rate = 24.0

    def start(self, frame: float, speed: float, rate: Fraction) -> None:
        self._origin, self._speed, self._rate = frame, speed, float(rate)
        self._timer.restart()

    def stop(self) -> None:
        self._speed = 0.0

    def position(self) -> float:
        if self._speed == 0.0:
            return self._origin
        return self._origin + self._timer.nsecsElapsed() * 1e-9 * self._rate * self._speed
