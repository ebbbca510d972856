"""The viewer: plays the selected clip or timeline, with a transport bar and timecode."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QSizePolicy, QSlider, QStyle, QToolButton,
                               QVBoxLayout, QWidget)

from desktop.images import pixmap_from_rgb
from desktop.playback.controller import PlaybackController
from engine.media import MediaInfo
from engine.playback import Playlist
from engine.timeline.rates import from_timecode, supports_drop_frame, to_timecode


class Viewer(QWidget):
    """Picture area, transport buttons, a scrub bar and a caption (name, frame, timecode)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.playback = PlaybackController(self)
        self.picture = QLabel("Import footage: File ▸ Import, or drop files here")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(320, 180)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setObjectName("viewerPicture")
        self.scrub = QSlider(Qt.Orientation.Horizontal)
        self.scrub.setEnabled(False)
        self.caption = QLabel("")
        self.caption.setObjectName("viewerCaption")
        self.timecode = QLabel("--:--:--:--")
        self.timecode.setObjectName("viewerTimecode")

        transport = QHBoxLayout()
        transport.setContentsMargins(6, 0, 6, 0)
        icons = QStyle.StandardPixmap
        for icon, tip, slot in ((icons.SP_MediaSkipBackward, "Go to start (Home)", self.playback.go_to_start),
                                (icons.SP_MediaSeekBackward, "Shuttle reverse (J)", self.playback.shuttle_reverse),
                                (icons.SP_ArrowLeft, "Step back (←)", lambda: self.playback.step(-1)),
                                (icons.SP_MediaPlay, "Play / pause (Space)", self.playback.toggle),
                                (icons.SP_ArrowRight, "Step forward (→)", lambda: self.playback.step(1)),
                                (icons.SP_MediaSeekForward, "Shuttle forward (L)", self.playback.shuttle_forward),
                                (icons.SP_MediaSkipForward, "Go to end (End)", self.playback.go_to_end)):
            button = QToolButton()
            button.setIcon(self.style().standardIcon(icon))
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            transport.addWidget(button)
            if icon == icons.SP_MediaPlay:
                self.play_button = button
        transport.addSpacing(12)
        transport.addWidget(self.timecode)
        transport.addStretch(1)
        transport.addWidget(self.caption)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.scrub)
        layout.addLayout(transport)

        self._frame: QPixmap | None = None
        self.path: Path | None = None
        self._tc_origin = 0
        self._drop_frame = False
        self.playback.frame_shown.connect(self._on_frame_shown)
        self.playback.position_changed.connect(self._on_position_changed)
        self.playback.state_changed.connect(lambda speed: self.play_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause if speed
                                      else QStyle.StandardPixmap.SP_MediaPlay)))
        self.scrub.valueChanged.connect(self._on_scrub)

    # -- what to show ------------------------------------------------------------------------
    def clear(self) -> None:
        self.playback.close()
        self.path, self._frame = None, None
        self.picture.setText("")
        self.caption.setText("")
        self.scrub.setEnabled(False)

    def show_problem(self, path: Path, message: str) -> None:
        """A clip that cannot be shown: say why, in place of the picture."""
        self.clear()
        self.path = path
        self.picture.setText(f"Cannot show this file\n\n{message}")
        self.caption.setText(str(path))

    def show_clip(self, path: Path, info: MediaInfo) -> None:
        """Load `path` for playback and show its first frame (decoded in the background)."""
        self.path = path
        if info.video is None:
            self.clear()
            self.path = path
            self.picture.setText("Audio only — no picture")
            self.caption.setText(path.name)
            return
        rate = info.video.frame_rate
        self._drop_frame = bool(info.start_timecode and ";" in info.start_timecode)
        self._tc_origin = from_timecode(info.start_timecode, rate) if info.start_timecode else 0
        self.play(Playlist.from_clip(info))

    def play(self, playlist: Playlist, frame: int = 0) -> None:
        """Load any playlist (a clip or a whole timeline) at `frame`."""
        self._frame = None
        self.picture.setText("loading…")
        self.scrub.blockSignals(True)
        self.scrub.setRange(0, max(playlist.length - 1, 0))
        self.scrub.setValue(frame)
        self.scrub.blockSignals(False)
        self.scrub.setEnabled(playlist.length > 0)
        self.playback.load(playlist, frame)

    def frame_pixmap(self) -> QPixmap | None:
        return self._frame

    def timecode_of(self, frame: int) -> str:
        rate = self.playback.rate
        drop = self._drop_frame and supports_drop_frame(rate)
        return to_timecode(self._tc_origin + frame, rate, drop_frame=drop)

    # -- signals -----------------------------------------------------------------------------
    def _on_frame_shown(self, frame: int, image) -> None:
        if image is None:
            self._frame = None
            self.picture.setPixmap(QPixmap())
            self.picture.setText("")
        else:
            self._frame = pixmap_from_rgb(image)
            self._rescale()
        self._on_position_changed(frame)

    def _on_position_changed(self, frame: int) -> None:
        playlist = self.playback.playlist
        if playlist is None:
            return
        self.timecode.setText(self.timecode_of(frame))
        self.caption.setText(f"{playlist.name}   frame {frame} / {playlist.length}   "
                             f"{float(playlist.rate):.3f} fps")
        self.scrub.blockSignals(True)
        self.scrub.setValue(frame)
        self.scrub.blockSignals(False)

    def _on_scrub(self, value: int) -> None:
        self.playback.seek(value)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._frame is not None:
            self.picture.setPixmap(self._frame.scaled(
                self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
