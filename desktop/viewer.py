"""The viewer: plays the selected clip or timeline, with a transport bar and timecode."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap, QRegion
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.images import pixmap_from_rgb
from desktop.playback.controller import PlaybackController
from desktop.timeline.colors import IN_OUT
from engine.media import MediaInfo
from engine.playback import Playlist
from engine.timeline.rates import from_timecode, supports_drop_frame, to_timecode


class MarkedSlider(QSlider):
    """A horizontal scrub bar that shows the In/Out range on its groove, as NLE viewers do.

    The band spans the handle positions of In and Out; with one mark set, only its
    bracket shows. The handle is drawn last, so the band never hides it.
    """

    BAND_HEIGHT = 10

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._marks: tuple[int | None, int | None] = (None, None)

    @property
    def marks(self) -> tuple[int | None, int | None]:
        """``(in_point, out_point)`` as drawn."""
        return self._marks

    def set_marks(self, in_point: int | None, out_point: int | None) -> None:
        marks = (None if in_point is None else int(in_point), None if out_point is None else int(out_point))
        if marks != self._marks:
            self._marks = marks
            self.update()

    def x_of(self, value: int) -> float:
        """x of the handle's centre when the slider is at ``value``."""
        option = self._option()
        groove = self._rect(option, QStyle.SubControl.SC_SliderGroove)
        handle = self._rect(option, QStyle.SubControl.SC_SliderHandle)
        span = max(groove.width() - handle.width(), 0)
        offset = QStyle.sliderPositionFromValue(self.minimum(), self.maximum(), int(value), span,
                                                option.upsideDown)
        return groove.left() + handle.width() / 2 + offset

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._marks == (None, None):
            return
        # Over the groove, around the handle: the style sheet's slider paints its whole
        # background with each part, so the band cannot go between groove and handle.
        option = self._option()
        painter = QPainter(self)
        painter.setClipRegion(QRegion(self.rect()) - QRegion(
            self._rect(option, QStyle.SubControl.SC_SliderHandle)))
        self._paint_marks(painter, option)
        painter.end()

    def _paint_marks(self, painter: QPainter, option: QStyleOptionSlider) -> None:
        in_point, out_point = self._marks
        if in_point is None and out_point is None:
            return
        edge = QColor(IN_OUT)
        groove = self._rect(option, QStyle.SubControl.SC_SliderGroove)
        top = groove.center().y() - self.BAND_HEIGHT / 2
        if in_point is not None and out_point is not None and in_point <= out_point:
            left, right = self.x_of(in_point), self.x_of(out_point)
            band = QColor(edge)
            band.setAlpha(110)
            painter.fillRect(QRectF(left, top, max(right - left, 2), self.BAND_HEIGHT), band)
        for mark, facing in ((in_point, 1), (out_point, -1)):
            if mark is None:
                continue
            x = round(self.x_of(mark)) - (0 if facing > 0 else 1)
            painter.fillRect(QRectF(x, top - 2, 2, self.BAND_HEIGHT + 4), edge)
            painter.fillRect(QRectF(x if facing > 0 else x - 3, top - 2, 5, 2), edge)

    def _option(self) -> QStyleOptionSlider:
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        return option

    def _rect(self, option: QStyleOptionSlider, control: QStyle.SubControl):
        return self.style().subControlRect(QStyle.ComplexControl.CC_Slider, option, control, self)


class ElidedLabel(QLabel):
    """A one-line label that shortens its text in the middle (``tears_of…mp4  frame 10 / 240``)
    instead of widening the viewer, which would squeeze the bin."""

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        hint.setWidth(0)
        return hint

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle, self.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.rect(), int(self.alignment()), text)


class Viewer(QWidget):
    """Picture area, transport buttons, a scrub bar and a caption (name, frame, timecode).

    The scrub bar shows the In/Out range: the playback's own marks (I/O keys) as they
    change, or any the window sets with :meth:`set_marks`.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.playback = PlaybackController(self)
        self.picture = QLabel("Import footage: File ▸ Import, or drop files here")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(320, 180)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setObjectName("viewerPicture")
        self.scrub = MarkedSlider()
        self.scrub.setEnabled(False)
        self.caption = ElidedLabel("")
        self.caption.setObjectName("viewerCaption")
        # a long file name must not widen the viewer: that squeezed the bin to its thumbnails
        self.caption.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
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
        transport.addWidget(self.caption, 1)

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
        self.playback.marks_changed.connect(self.set_marks)
        self.playback.state_changed.connect(lambda speed: self.play_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause if speed
                                      else QStyle.StandardPixmap.SP_MediaPlay)))
        self.scrub.valueChanged.connect(self._on_scrub)

    # -- what to show ------------------------------------------------------------------------
    def set_marks(self, in_point: int | None, out_point: int | None) -> None:
        """Show In/Out (frames of the loaded playlist; None for a mark not set) on the scrub bar."""
        self.scrub.set_marks(in_point, out_point)

    def clear(self) -> None:
        self.playback.close()
        self.set_marks(None, None)
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
