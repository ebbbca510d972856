"""The viewer: shows a frame of the selected clip (playback comes with the timeline)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop import workers
from desktop.images import pixmap_from_rgb
from engine.media import MediaInfo
from engine.media.thumbnail import thumbnail

DISPLAY_WIDTH = 1280  # decoded once at this width; the label scales it to the widget


class Viewer(QWidget):
    """Picture area plus a caption with the clip's name, frame and timecode."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.picture = QLabel("Import footage: File ▸ Import, or drop files here")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(320, 180)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setObjectName("viewerPicture")
        self.caption = QLabel("")
        self.caption.setObjectName("viewerCaption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.caption)
        self._frame: QPixmap | None = None
        self._job: workers.Job | None = None
        self.path: Path | None = None

    def clear(self) -> None:
        if self._job is not None:
            self._job.cancel()
        self.path, self._frame = None, None
        self.picture.setText("")
        self.caption.setText("")

    def show_problem(self, path: Path, message: str) -> None:
        """A clip that cannot be shown: say why, in place of the picture."""
        self.clear()
        self.path = path
        self.picture.setText(f"Cannot show this file\n\n{message}")
        self.caption.setText(str(path))

    def show_clip(self, path: Path, info: MediaInfo) -> None:
        """Decode frame 0 of `path` in the background and show it."""
        self.path = path
        if self._job is not None:
            self._job.cancel()
        if info.video is None:
            self._frame = None
            self.picture.setText("Audio only — no picture")
            self.caption.setText(path.name)
            return
        self.caption.setText(f"{path.name}  —  loading…")
        width = min(DISPLAY_WIDTH, info.video.width)
        job = workers.Job(thumbnail, path, width, 0, info)
        job.signals.finished.connect(lambda image, p=path, i=info: self._on_frame(p, i, image))
        job.signals.failed.connect(lambda message, p=path: self._on_failed(p, message))
        self._job = workers.start(job)

    def _on_frame(self, path: Path, info: MediaInfo, image) -> None:
        if path != self.path:
            return  # a newer selection won
        self._frame = pixmap_from_rgb(image)
        self._rescale()
        v = info.video
        tc = f"  TC {info.start_timecode}" if info.start_timecode else ""
        self.caption.setText(f"{path.name}   frame 0 / {v.frame_count}{tc}   "
                             f"{v.width}x{v.height} @ {float(v.frame_rate):.3f} fps")

    def _on_failed(self, path: Path, message: str) -> None:
        if path == self.path:
            self._frame = None
            self.picture.setText(message)

    def frame_pixmap(self) -> QPixmap | None:
        return self._frame

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._frame is not None:
            self.picture.setPixmap(self._frame.scaled(
                self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
