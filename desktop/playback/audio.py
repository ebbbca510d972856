"""Sound as the master clock: QAudioSink plays the playlist's sound and its consumed-sample
count tells where the picture should be. Used at 1x forward when an audio device exists;
otherwise (no device, shuttling) playback is silent on the wall clock."""
from __future__ import annotations

import logging
import queue
import threading
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QObject, QTimer
from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QMediaDevices

from engine.playback import Playlist
from engine.playback.sound import playlist_sound

log = logging.getLogger(__name__)
SAMPLE_RATE = 48000
CHANNELS = 2
QUEUE_CHUNKS = 20   # 100 ms chunks: two seconds decoded ahead at most
PUSH_MS = 10


def audio_device_available() -> bool:
    return not QMediaDevices.defaultAudioOutput().isNull()


class AudioClock(QObject):
    """Plays sound from a record frame; `position()` is derived from what the device played."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        fmt = QAudioFormat()
        fmt.setSampleRate(SAMPLE_RATE)
        fmt.setChannelCount(CHANNELS)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Float)
        self._sink = QAudioSink(QMediaDevices.defaultAudioOutput(), fmt, self)
        self._device = None
        self._queue: queue.Queue[bytes | None] = queue.Queue(QUEUE_CHUNKS)
        self._pending = b""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._origin = 0.0
        self._rate = 24.0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._push)

    def start(self, playlist: Playlist, frame: float, rate: Fraction) -> None:
        self.stop()
        self._origin, self._rate = frame, float(rate)
        self._stop = threading.Event()
        self._queue = queue.Queue(QUEUE_CHUNKS)
        self._thread = threading.Thread(target=self._decode, args=(playlist, int(frame), self._stop, self._queue),
                                        name="moviola-sound", daemon=True)
        self._thread.start()
        self._device = self._sink.start()
        self._timer.start(PUSH_MS)

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()
        self._sink.stop()
        self._device, self._pending = None, b""

    def position(self) -> float:
        if self._sink.state() == QAudio.State.StoppedState:
            return self._origin
        return self._origin + self._sink.processedUSecs() * 1e-6 * self._rate

    @staticmethod
    def _decode(playlist, frame, stop, out) -> None:  # sound thread
        try:
            for chunk in playlist_sound(playlist, frame, SAMPLE_RATE, CHANNELS):
                data = np.ascontiguousarray(chunk.T, dtype=np.float32).tobytes()  # interleave
                while not stop.is_set():
                    try:
                        out.put(data, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except Exception:  # sound must never take playback down: picture carries on
            log.exception("sound decoding stopped")
        out.put(None)

    def _push(self) -> None:  # GUI thread: never blocks, writes what the device can take
        if self._device is None:
            return
        free = self._sink.bytesFree()
        while len(self._pending) < free:
            try:
                data = self._queue.get_nowait()
            except queue.Empty:
                break
            if data is None:
                break
            self._pending += data
        if self._pending and free:
            written = self._device.write(self._pending[:free])
            self._pending = self._pending[max(written, 0):]
