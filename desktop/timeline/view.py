"""The timeline widget: draws a ``TimelineModel`` and writes the editor's input back to it.

One custom scroll area paints everything (no item per shot), only over the frames
a paint event covers, so 5,000 shots scroll and zoom as smoothly as 50.
"""
from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from desktop.images import qimage_from_rgb
from desktop.subscriptions import subscribe

from . import content, paint
from .canvas import END_PADDING, HEADER_WIDTH, Canvas, Row, stack_rows
from .model import ShotIndex, TimelineModel, step_curves, timecode

MAX_SCALE = 48.0  # pixels per frame: a single frame is wide enough to aim at
ZOOM_STEP = 1.5  # per +/- press; Ctrl+wheel doubles every two notches
THUMBNAIL_CACHE = 400  # scaled pixmaps kept; a screen shows a few dozen at most
FIELDS = ("rate", "length", "shots", "transitions", "emotions", "valence", "arousal", "thumbnails",
          "proposal", "timeline", "revision", "waveforms", "playhead", "selected_shot", "in_point",
          "out_point")
MARKER_REACH = 5  # pixels either side of a marker that show its name on hover


class _Fonts:
    """The few fonts the painters use, derived once from the widget's font."""

    def __init__(self, base: QFont) -> None:
        self.small = QFont(base)
        self.small.setPointSizeF(8)
        self.small_bold = QFont(self.small)
        self.small_bold.setBold(True)
        self.bold = QFont(base)
        self.bold.setPointSizeF(9)
        self.bold.setBold(True)
        self.mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.mono.setPointSizeF(8)
        self.mono_bold = QFont(self.mono)
        self.mono_bold.setPointSizeF(9)
        self.mono_bold.setBold(True)


class TimelineView(QAbstractScrollArea):
    """Shots, emotion curve, upper tracks, markers, In/Out and proposal tracks of a ``TimelineModel``.

    What the OTIO timeline holds (``model.proposal``, else ``model.timeline``) is read
    again whenever either, ``revision`` or ``rate`` changes: upper video tracks as lanes,
    timeline markers as flags on the ruler, clip markers as pennants on their track's row.

    Clicking a shot sets ``model.selected_shot``; clicking or dragging on the ruler (or
    the emotion lane) sets ``model.playhead``. Keys: ``+``/``-`` zoom about the playhead,
    ``\\`` zooms to fit; Ctrl+wheel zooms about the mouse, the wheel scrolls.

    Signals:
        scaleChanged(float): Pixels per frame after a zoom.
    """

    scaleChanged = Signal(float)

    def __init__(self, model: TimelineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._scale = 1.0
        self._fit = True  # keep fitting on resize until the editor zooms
        self._scrubbing = False
        self._drawn_playhead = model.playhead
        self._index = ShotIndex([])
        self._transition_bounds = ShotIndex([])
        self._lanes: list[content.Lane] = []  # every lane drawn, above the shots or below
        self._lane_bounds: dict[str, ShotIndex] = {}
        self._marker_rows: content.MarkerRows | None = None  # None: read on next use
        self._rows: list[Row] = stack_rows([])
        self._curves = None
        self._thumbnail_sources: dict[int, np.ndarray] = {}
        self._pixmaps: OrderedDict[tuple[int, int], QPixmap] = OrderedDict()
        self._fonts = _Fonts(self.font())
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setFrameShape(QAbstractScrollArea.Shape.NoFrame)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.horizontalScrollBar().valueChanged.connect(self.viewport().update)
        self._connect(model)
        self._on_shots_changed(model.shots)
        self._on_transitions_changed(model.transitions)
        self._refresh_content()
        self._refresh_curves()
        self._on_thumbnails_changed(model.thumbnails)

    def _connect(self, model: TimelineModel) -> None:
        subscribe(self, ((getattr(model.events, name), getattr(self, f"_on_{name}_changed"))
                         for name in FIELDS))

    # -- geometry ----------------------------------------------------------------------

    @property
    def scale(self) -> float:
        """Pixels per frame."""
        return self._scale

    @property
    def rows(self) -> list[Row]:
        """Rows top to bottom (``ruler``, ``shots``, ``emotion``, then lanes ``V2``… ``A2``)."""
        return list(self._rows)

    def row(self, key: str) -> Row | None:
        return next((r for r in self._rows if r.key == key), None)

    def row_at(self, y: float) -> Row | None:
        return next((r for r in self._rows if r.contains(y)), None)

    def canvas(self, x0: float | None = None, x1: float | None = None) -> Canvas:
        """The frame ↔ x mapping now, covering viewport x in ``[x0, x1]``."""
        width = self.viewport().width()
        cv = Canvas(self._scale, self.horizontalScrollBar().value(), HEADER_WIDTH, width)
        cv.first = cv.frame(max(HEADER_WIDTH, 0 if x0 is None else x0))
        cv.last = cv.frame(width if x1 is None else x1)
        return cv

    def frame_at(self, x: float) -> float:
        return self.canvas().frame(x)

    def x_at(self, frame: float) -> float:
        return self.canvas().x(frame)

    def visible_frames(self) -> tuple[float, float]:
        """First and last frame on screen, inside the timeline."""
        cv = self.canvas()
        return max(cv.first, 0.0), min(cv.last, float(self.frames))

    def shot_at(self, pos: QPointF) -> int | None:
        """The shot under a viewport position in the shots row, or None."""
        row = self.row("shots")
        if pos.x() < HEADER_WIDTH or not row.contains(pos.y()):
            return None
        return self._index.at(self.frame_at(pos.x()))

    @property
    def frames(self) -> int:
        """Frames to lay out: the model's length, or more if shots or clips run past it."""
        ends = [self.model.length]
        if len(self._index):
            ends.append(int(self._index.ends[-1]) + 1)
        ends += [lane.elements[-1].end + 1 for lane in self._lanes if lane.elements]
        return max(ends)

    def sizeHint(self) -> QSize:
        return QSize(960, self._rows[-1].bottom + self.horizontalScrollBar().sizeHint().height() + 1)

    def minimumSizeHint(self) -> QSize:
        return QSize(HEADER_WIDTH + 120, self.sizeHint().height())

    # -- zoom and scroll ---------------------------------------------------------------

    def fit_scale(self) -> float:
        """Pixels per frame at which the whole timeline fits the viewport."""
        room = self.viewport().width() - HEADER_WIDTH - END_PADDING
        return min(max(room, 1) / max(self.frames, 1), MAX_SCALE)

    def set_scale(self, scale: float, anchor_x: float | None = None) -> None:
        """Zooms to ``scale`` pixels per frame, keeping the frame under ``anchor_x`` still."""
        fit = self.fit_scale()
        scale = min(max(scale, fit), MAX_SCALE)
        if anchor_x is None:
            anchor_x = self._zoom_anchor()
        anchor = self.frame_at(anchor_x)
        changed = not math.isclose(scale, self._scale)
        self._scale = scale
        self._fit = math.isclose(scale, fit)
        self._update_scroll_range()
        self.horizontalScrollBar().setValue(round(anchor * scale - (anchor_x - HEADER_WIDTH)))
        self.viewport().update()
        if changed:
            self.scaleChanged.emit(scale)

    def zoom_in(self) -> None:
        self.set_scale(self._scale * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_scale(self._scale / ZOOM_STEP)

    def zoom_to_fit(self) -> None:
        """Shows the whole timeline, and keeps it whole as the window resizes."""
        self.set_scale(self.fit_scale(), HEADER_WIDTH)
        self._fit = True

    def ensure_visible(self, frame: float, margin: float = 0.1) -> None:
        """Scrolls, if needed, so ``frame`` is on screen ``margin`` of a page from the left."""
        first, last = self.canvas().first, self.canvas().last
        if not first <= frame <= last:
            page = self.viewport().width() - HEADER_WIDTH
            self.horizontalScrollBar().setValue(round(frame * self._scale - page * margin))

    def _zoom_anchor(self) -> float:
        # As in Premiere: keys zoom about the playhead when it is on screen.
        x = self.x_at(self.model.playhead)
        if HEADER_WIDTH <= x <= self.viewport().width():
            return x
        return (HEADER_WIDTH + self.viewport().width()) / 2

    def _update_scroll_range(self) -> None:
        bar = self.horizontalScrollBar()
        page = max(self.viewport().width() - HEADER_WIDTH, 1)
        content = self.frames * self._scale + END_PADDING
        bar.setRange(0, max(0, math.ceil(content - page)))
        bar.setPageStep(page)
        bar.setSingleStep(48)

    def _relayout(self) -> None:
        if self._fit:
            self._scale = self.fit_scale()
        self._update_scroll_range()
        self.viewport().update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    # -- painting ----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        # Rect by rect: during playback the dirty region is two thin strips and the
        # header's timecode, whose bounding rect would be most of the width.
        p = QPainter(self.viewport())
        for area in event.region():
            p.setClipRect(area)
            self._paint(p, area)
        p.end()

    def _paint(self, p: QPainter, area: QRect) -> None:
        cv = self.canvas(area.left() - 1, area.right() + 2)
        x0, x1 = area.left(), area.right() + 1
        height = self.viewport().height()
        rows = {r.key: r for r in self._rows}
        model, frames = self.model, self.frames
        paint.paint_rows(p, cv, self._rows, frames, height)
        if x1 > HEADER_WIDTH:
            wide = paint.paint_shots(p, cv, rows["shots"], model, self._index)
            paint.paint_transitions(p, cv, rows["shots"], model, self._index, self._transition_bounds)
            paint.paint_shot_details(p, cv, rows["shots"], model, wide, self._transition_bounds,
                                     self._pixmap, self._fonts)
            paint.paint_selection(p, cv, rows["shots"], self._index, model.selected_shot)
            paint.paint_emotion(p, cv, rows["emotion"], self._curves, max(model.length, 1), x0, x1,
                                self._fonts)
            paint.paint_lanes(p, cv, rows, self._lanes, self._lane_bounds, model.waveforms,
                              max(model.length, 1), x0, x1, self._fonts)
            markers = self._markers()
            paint.paint_clip_markers(p, cv, rows, markers)
            paint.paint_ruler(p, cv, rows["ruler"], model, self._fonts)
            paint.paint_markers(p, cv, rows["ruler"], height, markers)
            paint.paint_playhead(p, cv, rows["ruler"], height, model.playhead)
        if x0 < HEADER_WIDTH:
            lanes = {lane.name: lane for lane in self._lanes}
            paint.paint_headers(p, self._rows, height, model, lanes, self._fonts)

    def _pixmap(self, shot: int, height: int) -> QPixmap | None:
        """The shot's thumbnail scaled to ``height`` once, then reused (LRU)."""
        image = self.model.thumbnails.get(shot)
        if image is None or height < 12:
            return None
        key = (shot, height)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            return pixmap
        ratio = self.devicePixelRatioF()
        scaled = qimage_from_rgb(image).scaledToHeight(
            round(height * ratio), Qt.TransformationMode.SmoothTransformation)
        pixmap = QPixmap.fromImage(scaled)
        pixmap.setDevicePixelRatio(ratio)
        self._pixmaps[key] = pixmap
        if len(self._pixmaps) > THUMBNAIL_CACHE:
            self._pixmaps.popitem(last=False)
        return pixmap

    def _update_strip(self, frame: int) -> None:
        x = round(self.x_at(frame))
        self.viewport().update(QRect(x - 8, 0, 17, self.viewport().height()))

    # -- input -------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        row = self.row_at(pos.y())
        if pos.x() < HEADER_WIDTH or row is None:
            return
        if row.key in ("ruler", "emotion"):
            self._scrubbing = True
            self._scrub_to(pos.x())
        elif row.key == "shots":
            self.model.selected_shot = self.shot_at(pos)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not self._scrubbing:
            return super().mouseMoveEvent(event)
        x = event.position().x()
        # Dragging past an edge pulls the timeline along.
        bar = self.horizontalScrollBar()
        if x > self.viewport().width():
            bar.setValue(bar.value() + round(x - self.viewport().width()))
        elif x < HEADER_WIDTH:
            bar.setValue(bar.value() - round(HEADER_WIDTH - x))
        self._scrub_to(x)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._scrubbing = False
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        shot = self.shot_at(event.position())
        if shot is None:
            return super().mouseDoubleClickEvent(event)
        # Double-clicking a shot parks the playhead on its first frame, ready to play it.
        self.model.selected_shot = shot
        self.model.playhead = int(self._index.starts[shot])

    def _scrub_to(self, x: float) -> None:
        self.model.playhead = self.model.clamp(
            self.frame_at(min(max(x, HEADER_WIDTH), self.viewport().width())))

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            notches = (delta.y() or delta.x()) / 120
            self.set_scale(self._scale * 2 ** (notches / 2), event.position().x())
        else:
            pixels = event.pixelDelta()
            amount = (pixels.x() or pixels.y()) if not pixels.isNull() else (delta.x() or delta.y())
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - amount)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_out()
        elif key == Qt.Key.Key_Backslash:
            self.zoom_to_fit()
        else:
            # Space, J/K/L, arrows… belong to the window's transport shortcuts.
            event.ignore()
            return
        event.accept()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            text = self._tooltip(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def _tooltip(self, pos: QPointF) -> str:
        row = self.row_at(pos.y())
        if row is None or pos.x() < HEADER_WIDTH:
            return ""
        model, frame = self.model, self.frame_at(pos.x())
        near = self._markers().near(row.key, frame, MARKER_REACH / self._scale)
        marks = "\n".join(self._marker_text(m) for m in near)
        if row.key == "ruler":
            return marks or timecode(int(frame), model.rate)
        if marks:
            return marks
        if row.key == "shots":
            shot = self._index.at(frame)
            if shot is None:
                return ""
            start, end = model.shots[shot]
            text = (f"Shot {shot + 1}: {timecode(start, model.rate)} – {timecode(end, model.rate)}"
                    f" ({end - start + 1} frames)")
            score = model.emotions.get(shot)
            if score:
                text += (f"\n{score.label}  confidence {score.confidence:.0%}"
                         f"\nvalence {score.valence:+.2f}  arousal {score.arousal:.2f}")
            return text
        for lane in self._lanes:
            if lane.name == row.key:
                hit = self._lane_bounds[lane.name].at(frame)
                if hit is not None:
                    element = lane.elements[hit]
                    kind = f" ({element.kind})" if element.kind else ""
                    return (f"{lane.title}: {element.name}{kind}\n{timecode(element.start, model.rate)}"
                            f" – {timecode(element.end, model.rate)}")
        return ""

    def _marker_text(self, marker: content.Marker) -> str:
        text = f"{marker.name}  {timecode(marker.frame, self.model.rate)}"
        if marker.comment and marker.comment != marker.name:
            text += f"\n{marker.comment}"
        return text

    # -- model events ------------------------------------------------------------------

    def _on_rate_changed(self, rate) -> None:
        self._refresh_content()  # clip and marker frames depend on the rate

    def _on_length_changed(self, length: int) -> None:
        self._refresh_curves()
        self._relayout()

    def _on_shots_changed(self, shots) -> None:
        self._index = ShotIndex(shots)
        self._pixmaps.clear()
        self._refresh_curves()
        self._relayout()

    def _on_transitions_changed(self, transitions) -> None:
        self._transition_bounds = ShotIndex([(t[1], t[2]) for t in transitions])
        self.viewport().update()

    def _on_emotions_changed(self, emotions) -> None:
        self._refresh_curves()
        self.viewport().update()

    def _on_valence_changed(self, valence) -> None:
        self._refresh_curves()
        self.viewport().update()

    def _on_arousal_changed(self, arousal) -> None:
        self._refresh_curves()
        self.viewport().update()

    def _on_thumbnails_changed(self, thumbnails) -> None:
        # Drop only the pixmaps whose source image was replaced or removed.
        stale = {i for i, image in self._thumbnail_sources.items() if thumbnails.get(i) is not image}
        for key in [k for k in self._pixmaps if k[0] in stale]:
            del self._pixmaps[key]
        self._thumbnail_sources = dict(thumbnails)
        self.viewport().update()

    def _on_proposal_changed(self, proposal) -> None:
        self._refresh_content()

    def _on_timeline_changed(self, timeline) -> None:
        self._refresh_content()

    def _on_revision_changed(self, revision: int) -> None:
        self._refresh_content()

    def _on_waveforms_changed(self, waveforms) -> None:
        self.viewport().update()

    def _on_playhead_changed(self, frame: int) -> None:
        old, self._drawn_playhead = self._drawn_playhead, frame
        cv = self.canvas()
        if not self._scrubbing and not cv.first <= frame <= cv.last:
            self.ensure_visible(frame)  # page along, as NLEs do during playback
        self._update_strip(old)
        self._update_strip(frame)
        self.viewport().update(QRect(0, 0, HEADER_WIDTH, self._rows[0].bottom))

    def _on_selected_shot_changed(self, shot: int | None) -> None:
        if shot is not None and 0 <= shot < len(self._index):
            # Selected elsewhere (inspector, list): bring it into view.
            start, end = int(self._index.starts[shot]), int(self._index.real_ends[shot])
            cv = self.canvas()
            if end < cv.first or start > cv.last:
                self.ensure_visible(start, margin=0.3)
        row = self.row("shots")
        self.viewport().update(QRect(0, row.top, self.viewport().width(), row.height))

    def _on_in_point_changed(self, frame) -> None:
        self._update_ruler()

    def _on_out_point_changed(self, frame) -> None:
        self._update_ruler()

    def _update_ruler(self) -> None:
        # In/Out live on the ruler alone: repaint its strip, not the shots under it.
        self.viewport().update(QRect(0, 0, self.viewport().width(), self._rows[0].bottom))

    def _refresh_content(self) -> None:
        """Reads the shown OTIO timeline again: its lanes, rows and markers."""
        model = self.model
        shown = model.shown_timeline()
        if model.proposal is not None:
            # An edit, not a clip: every track of it, under the (empty) shots.
            above, below = [], content.track_lanes(shown, model.rate)
        else:
            above, below = content.element_tracks(shown, model.rate)[::-1], []
        self._lanes = above + below
        self._lane_bounds = {lane.name: ShotIndex([(e.start, e.end) for e in lane.elements])
                             for lane in self._lanes}
        self._rows = stack_rows(below, above)
        self._marker_rows = None
        self.updateGeometry()
        self._relayout()

    def _markers(self) -> content.MarkerRows:
        """The shown timeline's markers by row, read when first needed after a change.

        Reading a breakdown's marker per shot takes a while at thousands of shots, and
        switching clips changes several fields in a row: only the paint after them reads.
        """
        if self._marker_rows is None:
            keys = {row.key for row in self._rows}
            # A clip marker goes on its track's row; V1 of a clip is the shots row, and a
            # track not drawn (a clip's A1) lends its markers to V1.
            v1 = "V1" if "V1" in keys else "shots"
            self._marker_rows = content.MarkerRows(
                content.markers(self.model.shown_timeline(), self.model.rate),
                lambda track: track if track in keys else v1)
        return self._marker_rows

    def _refresh_curves(self) -> None:
        model = self.model
        if model.valence is None and model.arousal is None:
            self._curves = step_curves(model)
            return
        missing = np.full(max(model.length, 1), np.nan, np.float32)
        self._curves = (model.valence if model.valence is not None else missing,
                        model.arousal if model.arousal is not None else missing)
