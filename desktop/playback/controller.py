"""Transport: play, pause, shuttle, step and scrub a playlist, frame-accurately.

The decoder runs in the engine's FrameFeeder thread; a precise timer on the GUI thread asks
the clock which frame is due and shows the newest decoded frame not later than it. Nothing
here waits on decoding.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from desktop.playback.audio import AudioClock, audio_device_available
from desktop.playback.clock import WallClock
from engine.playback import FrameFeeder, Playlist

SHUTTLE_SPEEDS = (1, 2, 4, 8)


class PlaybackController(QObject):
    """Owns the feeder and the clock for one playlist at a time.

    Signals: `frame_shown(record_frame, image or None)` each time the picture changes,
    `position_changed(record_frame)`, `state_changed(speed)` (0 when paused),
    `marks_changed(in_point, out_point)`.
    """

    frame_shown = Signal(int, object)
    position_changed = Signal(int)
    state_changed = Signal(float)
    marks_changed = Signal(object, object)

    def __init__(self, parent: QObject | None = None, width: int = 960) -> None:
        super().__init__(parent)
        self.width = width
        self.playlist: Playlist | None = None
        self.feeder: FrameFeeder | None = None
        self.wall_clock = WallClock()
        # Sound leads at 1x forward when there is a device to play it; else silent playback.
        self.audio_clock = AudioClock(self) if audio_device_available() else None
        self.clock = self.wall_clock
        self.speed = 0.0
        self.position = 0           # the frame on screen
        self.in_point: int | None = None
        self.out_point: int | None = None
        self.frames_shown = 0
        self.frames_dropped = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    # -- loading -----------------------------------------------------------------------------
    def load(self, playlist: Playlist, frame: int = 0) -> None:
        self.pause()
        if self.feeder is not None:
            self.feeder.close()
        self.playlist = playlist
        self.feeder = FrameFeeder(playlist, width=self.width)
        self._has_sound = _has_sound(playlist)
        self.in_point = self.out_point = None
        self.marks_changed.emit(None, None)
        self.seek(frame)

    def close(self) -> None:
        self._timer.stop()
        self.clock.stop()
        if self.feeder is not None:
            self.feeder.close()
            self.feeder = None

    @property
    def rate(self) -> Fraction:
        return self.playlist.rate if self.playlist else Fraction(24)

    @property
    def length(self) -> int:
        return self.playlist.length if self.playlist else 0

    # -- transport ---------------------------------------------------------------------------
    def play(self, speed: float = 1.0) -> None:
        if self.feeder is None or self.length == 0:
            return
        if speed > 0 and self.position >= self.length - 1:
            self.position = 0  # play at the end starts again, as NLEs do
        self.speed = speed
        step = 1 if speed > 0 else -1
        self.feeder.play(self.position, step)
        self.clock.stop()
        if speed == 1.0 and self.audio_clock is not None and self._has_sound:
            self.clock = self.audio_clock
            self.audio_clock.start(self.playlist, self.position, self.rate)
        else:
            self.clock = self.wall_clock
            self.clock.start(self.position, speed, self.rate)
        self._timer.start(max(2, int(500 / (float(self.rate) * abs(speed)))))
        self.state_changed.emit(speed)

    def pause(self) -> None:
        if self.speed == 0:
            return
        self.speed = 0.0
        self.clock.stop()
        self._timer.stop()
        self.state_changed.emit(0.0)
        self.seek(self.position)  # make sure the frame on screen is exactly `position`

    def toggle(self) -> None:
        self.pause() if self.speed else self.play(1.0)

    def shuttle_forward(self) -> None:
        """L: play, then faster with each press; from reverse, back to 1x forward."""
        self.play(_next_speed(self.speed) if self.speed > 0 else 1.0)

    def shuttle_reverse(self) -> None:
        """J: reverse, then faster with each press."""
        self.play(-_next_speed(-self.speed) if self.speed < 0 else -1.0)

    def step(self, frames: int) -> None:
        self.pause()
        self.seek(self.position + frames)

    def seek(self, frame: int) -> None:
        """Show `frame` (clamped); during playback, carry on playing from there."""
        if self.feeder is None:
            return
        frame = max(0, min(int(frame), max(self.length - 1, 0)))
        self.position = frame
        self.position_changed.emit(frame)
        if self.speed:
            self.play(self.speed)
        else:
            self.feeder.still(frame)
            self._timer.start(5)  # poll until the still arrives

    def go_to_start(self) -> None:
        self.seek(0)

    def go_to_end(self) -> None:
        self.seek(self.length - 1)

    def mark_in(self) -> None:
        self.in_point = self.position
        self.marks_changed.emit(self.in_point, self.out_point)

    def mark_out(self) -> None:
        self.out_point = self.position
        self.marks_changed.emit(self.in_point, self.out_point)

    # -- the tick ----------------------------------------------------------------------------
    def _tick(self) -> None:
        if self.speed == 0:
            shown, _ = self.feeder.take(self.position)
            if shown is not None and shown.record_frame == self.position:
                self._timer.stop()
                self._show(shown.record_frame, shown.image)
            return
        due = self.clock.position()
        due = math.floor(due) if self.speed > 0 else math.ceil(due)
        if not 0 <= due < self.length:
            self.position = max(0, min(due, self.length - 1))
            self.pause()
            return
        shown, skipped = self.feeder.take(due)
        if shown is None:
            return
        self.frames_dropped += skipped
        if shown.record_frame != self.position or self.frames_shown == 0:
            self.position = shown.record_frame
            self._show(shown.record_frame, shown.image)
            self.position_changed.emit(shown.record_frame)

    def _show(self, frame: int, image: np.ndarray | None) -> None:
        self.frames_shown += 1
        self.frame_shown.emit(frame, image)


def _has_sound(playlist: Playlist) -> bool:
    """Whether any file of the playlist has sound (probe results are cached by the engine)."""
    from engine.media import MediaError, probe

    for path in {segment.path for segment in playlist.segments}:
        try:
            if probe(path).audio:
                return True
        except MediaError:
            continue
    return False


def _next_speed(current: float) -> float:
    for speed in SHUTTLE_SPEEDS:
        if speed > abs(current):
            return float(speed)
    return float(SHUTTLE_SPEEDS[-1])
