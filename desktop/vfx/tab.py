"""The VFX tab: track, steady, key or add a generated element to the selected shot.

Tracking and renders run in the tab's worker process (`desktop.runner.ProcessRunner`
running `engine.vfx.jobs`) with a progress bar and Cancel; their files are named after the
shot and written to the chosen output folder, never over an earlier take. A preview (one
frame of the already-probed shot: the plate, its matte, the steadied frame, the element
over the plate) is short work on one thread of the GUI process (`ThreadRunner`), newest
request first: scrubbing or dragging a slider never waits for a stale picture, nor for a
render.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.runner import Job, ProcessRunner, ThreadRunner
from desktop.vfx.canvas import PictureCanvas, checkerboard
from desktop.vfx.element_form import ElementForm
from desktop.vfx.wheel import guard_wheel
from engine.media import MediaError, MediaInfo

TRACK, STABILIZE, KEY, ELEMENT = range(4)
PAGE_NAMES = ("Track", "Stabilize", "Key", "Element")
# Decoded frames kept for scrubbing back and forth (bytes).
FRAME_CACHE_BYTES = 256 * 1024 * 1024
PREVIEW_DELAY_MS = 120
# On top of the app's dark theme: disabled buttons look disabled, the next step stands out.
STYLE = """
QPushButton { background: #2b2d31; border: 1px solid #3a3c42; border-radius: 3px; padding: 4px 10px; }
QPushButton:hover { background: #34373d; }
QPushButton:disabled { color: #60636a; border-color: #2b2d31; }
QPushButton#primary:enabled { background: #3b5b8c; border-color: #4d74b0; color: white; }
QPushButton#primary:enabled:hover { background: #4768a0; }
"""


# -- background work (no Qt widgets below until VfxTab) ------------------------------------

class FrameSource:
    """The shot's decoded frames; used from the preview thread only, one call at a time."""

    def __init__(self) -> None:
        self._reader = None
        self._path: Path | None = None
        self._cache: OrderedDict[tuple[Path, int], np.ndarray] = OrderedDict()
        self._bytes = 0

    def read(self, path: Path, index: int) -> np.ndarray:
        key = (path, index)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        from engine.media import FrameReader

        if self._path != path:
            self.close()
            self._reader = FrameReader(path)
            self._path = path
        image = self._reader.read(index).image
        self._cache[key] = image
        self._bytes += image.nbytes
        while self._bytes > FRAME_CACHE_BYTES and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._bytes -= old.nbytes
        return image

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._reader, self._path = None, None


class RendererCache:
    """The last ``ElementRenderer`` built (building one lays out every particle)."""

    def __init__(self) -> None:
        self.key = None
        self.renderer = None
        self.lock = threading.Lock()

    def get(self, element, width, height, rate, frames, track):
        from engine.vfx import ElementRenderer

        key = (repr(element.to_dict()), width, height, rate, frames, id(track))
        with self.lock:
            if key != self.key:
                self.renderer = ElementRenderer(element, width, height, rate, frames, track)
                self.key = key
            return self.renderer


def preview_key(plate: np.ndarray, settings, show: str) -> np.ndarray:
    """The key of one frame: "matte" (white = kept) or "keyed" over a checkerboard."""
    from engine.vfx import key_image

    alpha, fg = key_image(plate, settings)
    if show == "matte":
        grey = (alpha * 255 + 0.5).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    back = checkerboard(*alpha.shape).astype(np.float32) / 255.0
    out = fg * alpha[..., None] + back * (1.0 - alpha[..., None])
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)


def preview_stabilized(plate: np.ndarray, warp: np.ndarray) -> np.ndarray:
    import cv2

    h, w = plate.shape[:2]
    return cv2.warpPerspective(plate, warp, (w, h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def preview_element(plate: np.ndarray, renderer, i: int) -> np.ndarray:
    """Frame ``i`` of the element over the plate (the plate alone past the element's end)."""
    from engine.vfx import composite_over

    if not 0 <= i < renderer.frames:
        return plate
    return composite_over(plate, renderer.render(i))


def output_path(folder: Path, source: Path, start: int, end: int, what: str, suffix: str) -> Path:
    """``<clip>_f<start>-<end>_<what><suffix>`` in ``folder``; ``_v2``, ``_v3``... if taken."""
    base = f"{Path(source).stem}_f{start:05d}-{end:05d}_{what}"
    candidate = folder / f"{base}{suffix}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{base}_v{n}{suffix}"
        n += 1
    return candidate


# -- small widgets --------------------------------------------------------------------------

class PathPlot(QWidget):
    """The camera's path over the shot (frame centre, pixels), before and after steadying."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(110)
        self.before: np.ndarray | None = None
        self.after: np.ndarray | None = None
        self.current = 0

    def set_paths(self, before, after, current: int = 0) -> None:
        self.before, self.after, self.current = before, after, current
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(23, 24, 26))
        p.setPen(QColor(120, 120, 120))
        if self.before is None or len(self.before) < 2:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Track the shot to see its camera path")
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        series = [self.before] + ([self.after] if self.after is not None else [])
        allv = np.concatenate([s - s[0] for s in series]).ravel()
        lo, hi = float(allv.min()), float(allv.max())
        span = max(hi - lo, 2.0)
        mid = (hi + lo) / 2
        lo, hi = mid - span * 0.6, mid + span * 0.6
        n = len(self.before)
        left, top, w, h = 4.0, 18.0, self.width() - 8.0, self.height() - 22.0

        def point(i, v):
            return QPointF(left + w * i / max(n - 1, 1), top + h * (1 - (v - lo) / (hi - lo)))

        p.setPen(QColor(150, 150, 150))
        p.drawText(6, 13, "camera path   ")
        x0 = 6 + p.fontMetrics().horizontalAdvance("camera path   ")
        for colour, text in ((QColor(224, 108, 117), "before"), (QColor(152, 195, 121), "after")):
            if text == "after" and self.after is None:
                continue
            p.setPen(colour)
            p.drawText(x0, 13, text)
            x0 += p.fontMetrics().horizontalAdvance(text + "   ")
        p.setPen(QColor(150, 150, 150))
        p.drawText(x0, 13, "(solid: across, dotted: up/down)")
        cursor = point(self.current, lo).x()
        p.setPen(QPen(QColor(240, 198, 116, 120), 1))
        p.drawLine(QPointF(cursor, top), QPointF(cursor, top + h))
        for s, colour in zip(series, (QColor(224, 108, 117), QColor(152, 195, 121))):
            rel = s - s[0]
            for axis, style in ((0, Qt.PenStyle.SolidLine), (1, Qt.PenStyle.DotLine)):
                path = QPainterPath(point(0, rel[0, axis]))
                for i in range(1, n):
                    path.lineTo(point(i, rel[i, axis]))
                pen = QPen(colour, 1.6)
                pen.setStyle(style)
                p.setPen(pen)
                p.drawPath(path)


def _slider(lo: int, hi: int, value: int) -> QSlider:
    s = QSlider(Qt.Orientation.Horizontal)
    s.setRange(lo, hi)
    s.setValue(value)
    return s


def _with_value(slider: QSlider) -> QWidget:
    """A 0..100 slider with its value shown as a percentage beside it."""
    row = QWidget()
    box = QHBoxLayout(row)
    box.setContentsMargins(0, 0, 0, 0)
    label = QLabel(f"{slider.value()}%")
    label.setMinimumWidth(40)
    slider.valueChanged.connect(lambda v: label.setText(f"{v}%"))
    box.addWidget(slider, 1)
    box.addWidget(label)
    return row


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #9aa4b2;")
    return label


# -- the tab --------------------------------------------------------------------------------

class VfxTab(QWidget):
    """Track, stabilise, key or add an element to one shot, preview it and render it.

    Signals:
        element_rendered(dict): on "Add to timeline": ``{"path": source clip, "start": first
            frame, "end": last frame (inclusive), "file": rendered clip or PNG folder,
            "kind": "element" | "keyed" | "stabilized"}``.
        frame_shown(int): a picture (plate or preview) of that file frame is on screen.
    """

    element_rendered = Signal(object)
    frame_shown = Signal(int)

    def __init__(self, parent=None, runner: ProcessRunner | None = None) -> None:
        """`runner`: the worker process for tracking and renders; by default the tab starts
        its own, so a render never waits behind the analysis queue."""
        super().__init__(parent)
        self._owns_runner = runner is None
        self.runner = runner or ProcessRunner(self, name="moviola-vfx")
        self.path: Path | None = None
        self.info: MediaInfo | None = None
        self.start = self.end = 0
        self.track = None
        self.track_points: list[np.ndarray] = []
        self.region: np.ndarray | None = None
        self.garbage: np.ndarray | None = None
        self.plate: np.ndarray | None = None
        self.last_render: dict | None = None
        self.preview_count = 0
        self._generation = 0
        self._frames = FrameSource()
        self._renderers = RendererCache()
        self._previews = ThreadRunner(self, slots=1)  # one decoder, one preview at a time
        self._preview_job: Job | None = None
        self._pending: tuple | None = None
        self._work: Job | None = None
        self._work_what = self._done_what = ""
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh)
        self._build()
        self.setStyleSheet(STYLE)
        guard_wheel(self.pages)  # scrolling the settings never turns a value by accident
        guard_wheel(self.format)
        self._set_enabled(False)

    # ======================================================================================
    # layout
    # ======================================================================================
    def _build(self) -> None:
        self.shot_label = QLabel("No shot selected")
        self.shot_label.setObjectName("panelTitle")
        self.canvas = PictureCanvas()
        self.canvas.box_drawn.connect(self._on_box_drawn)
        self.canvas.drag_started.connect(self._on_drag_started)

        self.slider = _slider(0, 0, 0)
        self.slider.valueChanged.connect(self._on_frame_changed)
        self.back_button, self.next_button = QToolButton(), QToolButton()
        self.back_button.setText("◀")
        self.back_button.setToolTip("Previous frame")
        self.next_button.setText("▶")
        self.next_button.setToolTip("Next frame")
        self.back_button.clicked.connect(lambda: self.slider.setValue(self.slider.value() - 1))
        self.next_button.clicked.connect(lambda: self.slider.setValue(self.slider.value() + 1))
        self.frame_label = QLabel("")
        self.frame_label.setObjectName("viewerCaption")
        scrub = QHBoxLayout()
        scrub.addWidget(self.back_button)
        scrub.addWidget(self.slider, 1)
        scrub.addWidget(self.next_button)
        scrub.addWidget(self.frame_label)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.shot_label)
        lv.addWidget(self.canvas, 1)
        lv.addLayout(scrub)

        self.pages = QTabWidget()
        self.pages.addTab(self._track_page(), "Track")
        self.pages.addTab(self._stabilize_page(), "Stabilize")
        self.pages.addTab(self._key_page(), "Key")
        self.pages.addTab(self._element_page(), "Element")
        self.pages.currentChanged.connect(self._on_page_changed)

        right = QWidget()
        right.setMinimumWidth(360)
        rv = QVBoxLayout(right)
        rv.setContentsMargins(6, 0, 0, 0)
        rv.addWidget(self.pages, 1)
        rv.addWidget(self._output_box())
        rv.addLayout(self._progress_row())
        self.status = QLabel("")
        self.status.setObjectName("vfxStatus")
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        rv.addWidget(self.status)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    def _track_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        self.track_camera = QRadioButton("Whole frame (camera track)")
        self.track_planar = QRadioButton("Planar region: drag a box on the first frame")
        self.track_camera.setChecked(True)
        self.track_mode = QButtonGroup(page)
        self.track_mode.addButton(self.track_camera)
        self.track_mode.addButton(self.track_planar)
        self.track_planar.toggled.connect(self._on_track_mode)
        self.track_model = QComboBox()
        for text, value in (("Automatic (best fit)", "auto"), ("Translation", "translation"),
                            ("Similarity (move, turn, zoom)", "similarity"),
                            ("Perspective (homography)", "homography")):
            self.track_model.addItem(text, value)
        self.track_model.setToolTip("Motion model fitted per frame; automatic picks by fit")
        self.track_button = QPushButton("Track shot")
        self.track_button.setObjectName("primary")
        self.track_button.clicked.connect(self.run_track)
        self.track_info = _hint("Not tracked yet.")
        self.export_json_button = QPushButton("Export track JSON")
        self.export_json_button.setToolTip("Per-frame homographies (first frame → frame k)")
        self.export_json_button.clicked.connect(self.export_json)
        self.export_blender_button = QPushButton("Export Blender script")
        self.export_blender_button.setToolTip("Python for Blender: a camera animated to match the shot")
        self.export_blender_button.clicked.connect(self.export_blender)
        form = QFormLayout()
        form.addRow("Model", self.track_model)
        v.addWidget(self.track_camera)
        v.addWidget(self.track_planar)
        v.addLayout(form)
        v.addWidget(self.track_button)
        v.addWidget(self.track_info)
        exports = QHBoxLayout()
        exports.addWidget(self.export_json_button)
        exports.addWidget(self.export_blender_button)
        v.addLayout(exports)
        v.addWidget(_hint("Tracked elements follow this camera move; 3D artists get it through "
                          "the JSON or Blender exports."))
        v.addStretch(1)
        return page

    def _stabilize_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        self.strength = _slider(0, 100, 50)
        self.strength.setToolTip("0 keeps the move as shot; 100 is a slow, steady glide")
        self.strength_label = QLabel("50%")
        self.lock_off = QCheckBox("Lock-off (hold the frame, as on a tripod)")
        self.crop = QCheckBox("Crop in to hide moving edges")
        self.crop.setChecked(True)
        self.show_stabilized = QCheckBox("Preview steadied picture")
        self.show_stabilized.setChecked(True)
        for w in (self.lock_off, self.crop, self.show_stabilized):
            w.toggled.connect(self._stabilize_changed)
        self.strength.valueChanged.connect(self._stabilize_changed)
        row = QHBoxLayout()
        row.addWidget(QLabel("Strength"))
        row.addWidget(self.strength, 1)
        row.addWidget(self.strength_label)
        self.path_plot = PathPlot()
        self.jitter_label = QLabel("Jitter: track the shot first.")
        self.jitter_label.setWordWrap(True)
        self.stabilize_button = QPushButton("Render steadied shot")
        self.stabilize_button.clicked.connect(self.render_stabilized)
        v.addLayout(row)
        v.addWidget(self.lock_off)
        v.addWidget(self.crop)
        v.addWidget(self.show_stabilized)
        v.addWidget(self.path_plot)
        v.addWidget(self.jitter_label)
        v.addWidget(self.stabilize_button)
        v.addStretch(1)
        return page

    def _key_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        self.screen = QComboBox()
        self.screen.addItem("Green screen", "green")
        self.screen.addItem("Blue screen", "blue")
        self.tolerance, self.softness, self.spill = _slider(0, 100, 35), _slider(0, 100, 30), _slider(0, 100, 100)
        self.tolerance.setToolTip("How far from the screen colour still counts as screen")
        self.softness.setToolTip("Width of the edge between screen and foreground")
        self.spill.setToolTip("How much screen colour bouncing onto the subject is removed")
        form = QFormLayout()
        form.addRow("Screen", self.screen)
        form.addRow("Tolerance", _with_value(self.tolerance))
        form.addRow("Softness", _with_value(self.softness))
        form.addRow("Spill removal", _with_value(self.spill))
        self.key_show_matte = QRadioButton("Matte")
        self.key_show_keyed = QRadioButton("Keyed over checkerboard")
        self.key_show_plate = QRadioButton("Original")
        self.key_show_keyed.setChecked(True)
        self.key_show = QButtonGroup(page)
        shows = QHBoxLayout()
        for b in (self.key_show_keyed, self.key_show_matte, self.key_show_plate):
            self.key_show.addButton(b)
            shows.addWidget(b)
            b.toggled.connect(self._schedule_preview)
        self.garbage_check = QCheckBox("Garbage matte: drag a box around what to keep")
        self.garbage_check.toggled.connect(self._on_garbage_toggled)
        self.clear_garbage = QToolButton()
        self.clear_garbage.setText("Clear")
        self.clear_garbage.clicked.connect(lambda: self._set_garbage(None))
        garbage = QHBoxLayout()
        garbage.addWidget(self.garbage_check, 1)
        garbage.addWidget(self.clear_garbage)
        for w in (self.tolerance, self.softness, self.spill):
            w.valueChanged.connect(self._schedule_preview)
        self.screen.currentIndexChanged.connect(self._schedule_preview)
        self.key_button = QPushButton("Render keyed clip + matte")
        self.key_button.clicked.connect(self.render_key)
        v.addLayout(form)
        v.addWidget(QLabel("Show"))
        v.addLayout(shows)
        v.addLayout(garbage)
        v.addWidget(self.key_button)
        v.addStretch(1)
        return page

    def _element_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        self.description = QLineEdit()
        self.description.setPlaceholderText("Describe it: heavy rain blowing left, title 'NIGHTFALL' fading in…")
        self.description.returnPressed.connect(self.apply_description)
        self.describe_button = QPushButton("Describe")
        self.describe_button.setToolTip("Turn the words into an element and its settings below")
        self.describe_button.clicked.connect(self.apply_description)
        row = QHBoxLayout()
        row.addWidget(self.description, 1)
        row.addWidget(self.describe_button)
        self.form = ElementForm()
        self.form.changed.connect(self._on_element_changed)
        self.element_preview = QCheckBox("Preview over the plate")
        self.element_preview.setChecked(True)
        self.element_preview.toggled.connect(self._schedule_preview)
        self.show_track = QCheckBox("Show tracked points")
        self.show_track.setToolTip("Draw the camera track's points (and planar region) over the preview")
        self.show_track.toggled.connect(self._update_overlays)
        self.element_track_info = _hint("")
        self.render_button = QPushButton("Render element")
        self.render_button.setObjectName("primary")
        self.render_button.clicked.connect(self.render_element)
        v.addLayout(row)
        v.addWidget(self.form)
        v.addWidget(self.element_preview)
        v.addWidget(self.show_track)
        v.addWidget(self.element_track_info)
        v.addWidget(self.render_button)
        v.addStretch(1)
        return page

    def _output_box(self) -> QGroupBox:
        box = QGroupBox("Output")
        form = QFormLayout(box)
        self.output_edit = QLineEdit(self._default_output())
        self.output_edit.setToolTip("Renders and exports are written here, named after the shot")
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose the output folder")
        browse.clicked.connect(self._browse_output)
        folder = QHBoxLayout()
        folder.addWidget(self.output_edit, 1)
        folder.addWidget(browse)
        self.format = QComboBox()
        self.format.addItem("QuickTime ProRes (.mov)", ".mov")
        self.format.addItem("PNG sequence (folder)", "")
        self.format.setToolTip("Elements and keys: ProRes 4444 with alpha; steadied shots: ProRes 422 HQ")
        form.addRow("Folder", folder)
        form.addRow("Format", self.format)
        return box

    def _progress_row(self) -> QHBoxLayout:
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.add_button = QPushButton("Add to timeline")
        self.add_button.setToolTip("Place the last render on V2 above this shot")
        self.add_button.setObjectName("primary")
        self.add_button.setEnabled(False)
        self.add_button.clicked.connect(self.add_to_timeline)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.add_button)
        return row

    @staticmethod
    def _default_output() -> str:
        movies = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
        return str(Path(movies or Path.home()) / "Moviola VFX")

    # ======================================================================================
    # public API
    # ======================================================================================
    def set_shot(self, path: Path, info: MediaInfo, start: int, end: int) -> None:
        """Work on frames ``start..end`` (inclusive) of ``path``; shows the first frame."""
        self.cancel()
        self._generation += 1
        self.path, self.info = Path(path), info
        self.track, self.track_points, self.region, self.garbage = None, [], None, None
        self.last_render, self.plate = None, None
        self.add_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.canvas.set_image(None)
        self.canvas.set_overlays()
        self._message("")
        v = info.video if info is not None else None
        if v is None:
            self.shot_label.setText(f"{self.path.name}: audio only")
            self.canvas.set_message("This clip has no picture to work on.")
            self._set_enabled(False)
            return
        last = max(v.frame_count - 1, 0)
        self.start = int(min(max(start, 0), last))
        self.end = int(min(max(end, self.start), last))
        n = self.end - self.start + 1
        self.shot_label.setText(
            f"{self.path.name}   frames {self.start}–{self.end} ({n})   "
            f"{v.width}×{v.height}   {float(v.frame_rate):.3g} fps")
        self.canvas.set_message("loading…")
        self._set_enabled(True)
        self.slider.blockSignals(True)
        self.slider.setRange(self.start, self.end)
        self.slider.setValue(self.start)
        self.slider.blockSignals(False)
        self._update_track_info()
        self._update_frame_label()
        self.refresh()

    def current_frame(self) -> int:
        return self.slider.value()

    def set_frame(self, frame: int) -> None:
        self.slider.setValue(frame)

    def set_output_folder(self, folder: Path) -> None:
        self.output_edit.setText(str(folder))

    def output_folder(self) -> Path:
        return Path(self.output_edit.text().strip() or self._default_output()).expanduser()

    def busy(self) -> bool:
        """A track or render is running."""
        return self._work is not None

    def shutdown(self) -> None:
        """Stop background work and close the decoder (call before the app quits)."""
        self.cancel()
        if self._owns_runner:
            self.runner.shutdown()
        self._pending = None
        self._previews.shutdown(10.0)  # waits for the preview thread, which reads the decoder
        self._frames.close()

    # ======================================================================================
    # picture and previews
    # ======================================================================================
    def refresh(self) -> None:
        """Show the current frame in the current page's mode (newest request wins)."""
        if self.path is None or self.info is None or self.info.video is None:
            return
        k = self.slider.value()
        self._pending = (self._generation, k, self._preview_step())
        self._next_preview()

    def _schedule_preview(self, *_args) -> None:
        self._preview_timer.start()

    def _preview_step(self):
        """A function (plate, k) -> picture for the current mode, on captured settings."""
        page = self.pages.currentIndex()
        if page == KEY and not self.key_show_plate.isChecked():
            settings = self._key_settings()
            show = "matte" if self.key_show_matte.isChecked() else "keyed"
            return lambda plate, k: preview_key(plate, settings, show)
        if page == STABILIZE and self.track is not None and self.show_stabilized.isChecked():
            from engine.vfx import plan

            warps = plan(self.track, self._stabilize_settings()).warps
            start = self.track.start
            return lambda plate, k: preview_stabilized(plate, warps[k - start])
        if page == ELEMENT and self.element_preview.isChecked():
            try:
                element = self.form.element()
            except ValueError as exc:
                self._message(str(exc), error=True)
                return None
            v = self.info.video
            track = self._track_for_render()
            cache, start, n = self._renderers, self.start, self.end - self.start + 1
            return lambda plate, k: preview_element(
                plate, cache.get(element, v.width, v.height, v.frame_rate, n, track), k - start)
        return None

    def _next_preview(self) -> None:
        if self._preview_job is not None or self._pending is None:
            return
        generation, k, step = self._pending
        self._pending = None
        frames, path = self._frames, self.path

        def work():
            try:
                plate = frames.read(path, k)
                return generation, k, plate, (step(plate, k) if step else plate)
            except ValueError as exc:
                raise MediaError(path, str(exc)) from exc

        job = self._previews.submit(work)
        job.finished.connect(self._on_preview_done)
        job.failed.connect(self._on_preview_failed)
        self._preview_job = job

    def _on_preview_done(self, result) -> None:
        self._preview_job = None
        generation, k, plate, shown = result
        if generation == self._generation:
            if k == self.slider.value():
                self.plate = plate
            self.canvas.set_image(shown)
            self.preview_count += 1
            self._update_overlays()
            if self.status.property("kind") == "preview-error":
                self._message("")
            self.frame_shown.emit(k)
        self._next_preview()

    def _on_preview_failed(self, message: str) -> None:
        self._preview_job = None
        self._message(message, error=True)
        self.status.setProperty("kind", "preview-error")
        self.canvas.set_message(message)
        self._next_preview()

    def _update_overlays(self, *_args) -> None:
        page = self.pages.currentIndex()
        k = self.slider.value()
        i = k - self.start
        points = region = garbage = None
        if self.track is not None and page in (TRACK, ELEMENT) and 0 <= i < len(self.track):
            if page == TRACK or self.show_track.isChecked():
                points = self.track_points[i] if i < len(self.track_points) else None
                region = self.track.region_at(i)
        elif page == TRACK and self.region is not None and i == 0:
            region = self.region
        if page == KEY and self.garbage is not None:
            garbage = self.garbage
        self.canvas.set_overlays(points, region, garbage, self._badge(page))

    def _badge(self, page: int) -> str:
        if page == KEY:
            if self.key_show_plate.isChecked():
                return "ORIGINAL"
            return "MATTE" if self.key_show_matte.isChecked() else "KEYED"
        if page == STABILIZE:
            return "STEADIED" if (self.track is not None and self.show_stabilized.isChecked()) else "ORIGINAL"
        if page == ELEMENT and self.element_preview.isChecked():
            try:
                e = self.form.element()
            except ValueError:
                return ""
            name = self.form.editors["kind"].currentText()
            follows = " · tracked" if self._track_for_render() is not None and e.tracked else ""
            return f"{name.upper()} PREVIEW{follows}"
        if page == TRACK and self.track is not None:
            i = self.slider.value() - self.start
            if 0 <= i < len(self.track):
                return f"{len(self.track_points[i])} tracked points · {self.track.models[i]} fit"
        return ""

    # ======================================================================================
    # reactions
    # ======================================================================================
    def _on_frame_changed(self, _value: int) -> None:
        self._update_frame_label()
        if self.pages.currentIndex() == STABILIZE:
            self._update_stabilize_info()
        self.refresh()

    def _update_frame_label(self) -> None:
        if self.info is None or self.info.video is None:
            self.frame_label.setText("")
            return
        from engine.timeline.rates import to_timecode

        k = self.slider.value()
        tc = to_timecode(k, self.info.video.frame_rate)
        self.frame_label.setText(f"{tc}  frame {k}  ({k - self.start + 1}/{self.end - self.start + 1})")

    def _on_page_changed(self, page: int) -> None:
        self.canvas.set_drawing(self._drawing_allowed())
        if page == STABILIZE:
            self._update_stabilize_info()
        if page == ELEMENT:
            self._update_track_info()
        self.refresh()

    def _drawing_allowed(self) -> bool:
        page = self.pages.currentIndex()
        return ((page == TRACK and self.track_planar.isChecked())
                or (page == KEY and self.garbage_check.isChecked()))

    def _on_track_mode(self, planar: bool) -> None:
        self.canvas.set_drawing(self._drawing_allowed())
        if planar:
            self.slider.setValue(self.start)
            if self.region is None:
                self._message("Drag a box around a flat surface on the first frame.")
        else:
            self.region = None
        self._update_overlays()

    def _on_garbage_toggled(self, on: bool) -> None:
        self.canvas.set_drawing(self._drawing_allowed())
        if not on:
            self._set_garbage(None)
        else:
            self._message("Drag a box around what to keep; everything outside it is removed.")

    def _on_drag_started(self) -> None:
        if self.pages.currentIndex() == TRACK and self.slider.value() != self.start:
            self.slider.setValue(self.start)

    def _on_box_drawn(self, box: np.ndarray) -> None:
        page = self.pages.currentIndex()
        if page == TRACK:
            self.set_region(box)
        elif page == KEY:
            self._set_garbage(box)

    def set_region(self, polygon) -> None:
        """The planar region (start-frame pixels) the next track follows; None: whole frame."""
        self.region = None if polygon is None else np.asarray(polygon, np.float64).reshape(-1, 2)
        if self.region is not None and not self.track_planar.isChecked():
            self.track_planar.blockSignals(True)
            self.track_planar.setChecked(True)
            self.track_planar.blockSignals(False)
            self.canvas.set_drawing(self._drawing_allowed())
        if self.region is not None:
            self._message("Region set: click Track shot to follow it through the shot.")
        self._update_overlays()

    def _set_garbage(self, box) -> None:
        self.garbage = None if box is None else np.asarray(box, np.float64)
        self._update_overlays()
        self._schedule_preview()

    def _stabilize_changed(self, *_args) -> None:
        self.strength_label.setText(f"{self.strength.value()}%")
        self.strength.setEnabled(not self.lock_off.isChecked())
        self._update_stabilize_info()
        self._schedule_preview()

    def _update_stabilize_info(self) -> None:
        if self.track is None:
            self.path_plot.set_paths(None, None)
            self.jitter_label.setText("Track the shot (Track tab) to preview the steadied picture; "
                                      "Render tracks it first if you have not.")
            return
        from engine.vfx import jitter, plan
        from engine.vfx.motion import apply

        t = self.track
        stab = plan(t, self._stabilize_settings())
        centre = np.array([[t.width / 2, t.height / 2]])
        before = np.array([apply(h, centre)[0] for h in t.homographies])
        after_h = np.array([w @ h for w, h in zip(stab.warps, t.homographies)])
        after = np.array([apply(h, centre)[0] for h in after_h])
        fps = float(t.frame_rate)
        j0 = jitter(t.homographies, t.width, t.height, fps)
        j1 = jitter(after_h, t.width, t.height, fps)
        self.path_plot.set_paths(before, after, self.slider.value() - t.start)
        crop = "" if stab.crop_scale >= 0.999 else f"; crops to {stab.crop_scale:.0%} of the frame"
        self.jitter_label.setText(f"Jitter: {j0:.2f} px before → {j1:.2f} px after (predicted){crop}. "
                                  "The render measures it again on the result.")

    def _on_element_changed(self) -> None:
        self._update_track_info()
        self._schedule_preview()
        self._update_overlays()

    def apply_description(self) -> None:
        """Read the description field into the element form."""
        from engine.vfx.describe import describe

        text = self.description.text().strip()
        if not text:
            self._message("Type what you want, e.g. “heavy rain blowing left”.", error=True)
            return
        try:
            element = describe(text)
        except ValueError as exc:
            self._message(str(exc), error=True)
            return
        self.form.set_element(element)
        self._message(f"Understood: {self.form.editors['kind'].currentText()}; adjust below.")
        self._on_element_changed()
        self.refresh()

    def _browse_output(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Output folder", str(self.output_folder()))
        if folder:
            self.output_edit.setText(folder)

    # ======================================================================================
    # settings from the controls
    # ======================================================================================
    def _key_settings(self):
        from engine.vfx import KeySettings

        return KeySettings(screen=self.screen.currentData(), tolerance=self.tolerance.value() / 100,
                           softness=self.softness.value() / 100, spill=self.spill.value() / 100,
                           garbage=[] if self.garbage is None else [self.garbage.tolist()])

    def _stabilize_settings(self):
        from engine.vfx import StabilizeSettings

        return StabilizeSettings(strength=self.strength.value() / 100, lock=self.lock_off.isChecked(),
                                 crop=self.crop.isChecked())

    def _tracker_settings(self):
        from engine.vfx import TrackerSettings

        return TrackerSettings(model=self.track_model.currentData())

    def _track_for_render(self):
        """The track if it covers exactly this shot (else renders track the shot themselves)."""
        t = self.track
        if t is not None and t.start == self.start and len(t) == self.end - self.start + 1:
            return t
        return None

    def _update_track_info(self) -> None:
        t = self.track
        if t is None:
            self.track_info.setText("Not tracked yet.")
        else:
            lost = sum(1 for m in t.models if m == "none")
            kind = "Planar region" if t.region is not None else "Camera"
            models = sorted({m for m in t.models[1:] if m not in ("none", "identity")}) or ["identity"]
            rms = np.nanmean(t.rms[1:]) if t.rms is not None and len(t.rms) > 1 else float("nan")
            text = (f"{kind} track: {len(t)} frames, model {', '.join(models)}, "
                    f"fit {rms:.2f} px RMS" if np.isfinite(rms) else f"{kind} track: {len(t)} frames")
            if lost:
                text += f"; lost on {lost} frame(s), held the last move there"
            self.track_info.setText(text + ".")
        self.export_json_button.setEnabled(t is not None)
        self.export_blender_button.setEnabled(t is not None)
        try:
            e = self.form.element()
        except ValueError:
            return
        from engine.vfx.elements import SCREEN_SPACE

        if e.kind in SCREEN_SPACE or not e.tracked:
            self.element_track_info.setText("Fixed to the frame: does not follow the camera.")
        elif t is None:
            self.element_track_info.setText("Follows the camera once tracked: the preview is untracked; "
                                            "Render tracks the shot first (or use Track).")
        else:
            self.element_track_info.setText(f"Follows the camera track ({len(t)} frames).")

    # ======================================================================================
    # long jobs: track and renders
    # ======================================================================================
    def run_track(self) -> None:
        if not self._ready():
            return
        region = self.region if self.track_planar.isChecked() else None
        if self.track_planar.isChecked() and region is None:
            self._message("Drag a box on the first frame first, or choose Whole frame.", error=True)
            return
        self._start_work("Tracking", "engine.vfx.jobs:track_job", (self.path, self.start, self.end + 1,
                         self._tracker_settings(), region), self._on_tracked)

    def render_element(self) -> None:
        if not self._ready():
            return
        try:
            element = self.form.element()
        except ValueError as exc:
            self._message(str(exc), error=True)
            return
        out = self._output(element.kind, self.format.currentData())
        if out is None:
            return
        self._start_work(f"Rendering {self.form.editors['kind'].currentText()}",
                         "engine.vfx.jobs:element_job",
                         (element, self.path, out, self.start, self.end + 1, self._track_for_render(),
                          self._tracker_settings()),
                         lambda report: self._on_rendered("element", Path(report.output),
                                                          f"{report.frames} frames"))

    def render_stabilized(self) -> None:
        if not self._ready():
            return
        out = self._output("steadied", self.format.currentData())
        if out is None:
            return

        def done(report):
            self._on_rendered("stabilized", Path(report.output),
                              f"jitter {report.jitter_before:.2f} → {report.jitter_after:.2f} px "
                              f"({report.reduction:.0%} less, measured)")
            self.jitter_label.setText(f"Rendered: jitter {report.jitter_before:.2f} px → "
                                      f"{report.jitter_after:.2f} px, {report.reduction:.0%} less (measured).")
        self._start_work("Steadying", "engine.vfx.jobs:stabilize_job",
                         (self.path, out, self.start, self.end + 1, self._stabilize_settings(),
                          self._track_for_render(), self._tracker_settings()), done)

    def render_key(self) -> None:
        if not self._ready():
            return
        suffix = self.format.currentData()
        out = self._output("keyed", suffix)
        matte = self._output("matte", suffix)
        if out is None or matte is None:
            return
        self._start_work("Keying", "engine.vfx.jobs:key_job",
                         (self.path, out, matte, self.start, self.end + 1, self._key_settings()),
                         lambda report: self._on_rendered("keyed", Path(report.output),
                                                          f"matte {Path(report.matte).name}"))

    def cancel(self) -> None:
        """Stop the running track or render (its partial file is removed by the engine)."""
        if self._work is not None:
            self._work.cancel()
            self.progress.setFormat("cancelling…")

    def add_to_timeline(self) -> None:
        if self.last_render is not None:
            self.element_rendered.emit(dict(self.last_render))
            self._message(f"Sent {self.last_render['file'].name} to the timeline (V2).")

    def export_json(self) -> Path | None:
        if self.track is None:
            return None
        out = self._output("track", ".json")
        if out is None:
            return None
        try:
            self.track.save_json(out)
        except OSError as exc:
            self._message(f"Cannot write {out.name}: {exc.strerror or exc}", error=True)
            return None
        self._message(f"Saved {out}")
        return out

    def export_blender(self) -> Path | None:
        if self.track is None:
            return None
        from engine.vfx import write_blender_script

        out = self._output("camera_blender", ".py")
        if out is None:
            return None
        try:
            write_blender_script(self.track, out)
        except OSError as exc:
            self._message(f"Cannot write {out.name}: {exc.strerror or exc}", error=True)
            return None
        self._message(f"Saved {out}  (run it in Blender: Scripting ▸ Open ▸ Run)")
        return out

    # -- helpers -----------------------------------------------------------------------------
    def _ready(self) -> bool:
        if self.path is None:
            self._message("Select a shot in the timeline first.", error=True)
            return False
        if self._work is not None:
            self._message(f"{self._work_what} is still running: wait or cancel it.", error=True)
            return False
        return True

    def _output(self, what: str, suffix: str) -> Path | None:
        folder = self.output_folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._message(f"Cannot use output folder {folder}: {exc.strerror or exc}", error=True)
            return None
        return output_path(folder, self.path, self.start, self.end, what, suffix)

    def _start_work(self, what: str, target: str, args: tuple, on_done) -> None:
        """Run the engine job `target` in the worker process; `on_done(result)` if it finishes."""
        generation = self._generation
        job = self.runner.submit(target, *args)
        job.progress.connect(self._on_work_progress)
        job.finished.connect(lambda result: self._on_work_finished(generation, result, on_done))
        job.failed.connect(lambda message: self._on_work_ended(f"{what} failed: {message}", True))
        job.cancelled.connect(lambda: self._on_work_ended(f"{what} cancelled.", False))
        self._work, self._work_what, self._done_what = job, what, what
        self.progress.setValue(0)
        self.progress.setFormat(f"{what}… %p%")
        self.cancel_button.setEnabled(True)
        self._set_buttons(False)
        self._message(f"{what}…")

    def _on_work_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(round(1000 * max(0.0, min(fraction, 1.0)))))

    def _on_work_finished(self, generation: int, result, on_done) -> None:
        self._end_work()
        self.progress.setValue(1000)
        self.progress.setFormat(f"{self._done_what}: done")
        if generation == self._generation:
            on_done(result)

    def _on_work_ended(self, message: str, error: bool) -> None:
        self._end_work()
        self.progress.setValue(0)
        self.progress.setFormat("cancelled" if not error else "failed")
        self._message(message, error=error)

    def _end_work(self) -> None:
        self._work = None
        self.cancel_button.setEnabled(False)
        self._set_buttons(True)

    def _on_tracked(self, result) -> None:
        self.track, self.track_points = result
        self._renderers.key = None
        n = len(self.track)
        self._update_track_info()
        self._message(f"Tracked {n} frames: the points follow the picture; "
                      "tracked elements now move with it.")
        self.refresh()

    def _on_rendered(self, kind: str, file: Path, detail: str) -> None:
        self.last_render = {"path": self.path, "start": self.start, "end": self.end,
                            "file": file, "kind": kind}
        self.add_button.setEnabled(True)
        self._message(f"Rendered {file.name} ({detail}). Add to timeline puts it on V2.")

    def _message(self, text: str, error: bool = False) -> None:
        line = " ".join(str(text).split())
        self.status.setProperty("kind", "error" if error else "info")
        self.status.setStyleSheet("color: #e06c75;" if error else "color: #b8b8b8;")
        self.status.setText(line)
        self.status.setToolTip(line)

    def _set_enabled(self, on: bool) -> None:
        for w in (self.slider, self.back_button, self.next_button, self.pages):
            w.setEnabled(on)
        self._set_buttons(on)

    def _set_buttons(self, on: bool) -> None:
        on = on and self.path is not None and self._work is None
        for w in (self.track_button, self.render_button, self.stabilize_button, self.key_button):
            w.setEnabled(on)
        self.export_json_button.setEnabled(on and self.track is not None)
        self.export_blender_button.setEnabled(on and self.track is not None)
