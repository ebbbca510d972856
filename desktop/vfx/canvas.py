"""The VFX tab's picture: one frame scaled to fit, with overlays in picture pixels.

Overlays (tracked points, the planar region, a garbage matte, a box being dragged) are
kept in the picture's own pixel coordinates and mapped to the widget when painted, so
they stay on the picture whatever the widget's size.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.images import qimage_from_rgb

POINT_COLOUR = QColor(80, 255, 120, 200)
REGION_COLOUR = QColor(240, 198, 116)
GARBAGE_COLOUR = QColor(255, 90, 200)
# A drag shorter than this (widget pixels) is a click, not a box.
MIN_DRAG = 6


def checkerboard(height: int, width: int, square: int = 16) -> np.ndarray:
    """Grey RGB checks (uint8) to show transparency behind a keyed picture."""
    y, x = np.indices((height, width))
    checks = ((y // square + x // square) % 2).astype(np.uint8)
    grey = np.where(checks[..., None] == 1, 102, 153).astype(np.uint8)
    return np.broadcast_to(grey, (height, width, 3)).copy()


class PictureCanvas(QWidget):
    """Shows an RGB frame with overlays; in drawing mode a mouse drag draws a box.

    Signals:
        box_drawn(object): (4, 2) float array, the dragged box's corners in picture pixels
            (clockwise from top-left), emitted on release.
        drag_started(): the user pressed the mouse to draw.
    """

    box_drawn = Signal(object)
    drag_started = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("vfxPicture")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self.setMouseTracking(False)
        self._image: QImage | None = None
        self._size: tuple[int, int] | None = None  # picture (width, height)
        self.message = "Select a shot in the timeline to work on it here."
        self.badge = ""
        self.points = np.zeros((0, 2))
        self.region: np.ndarray | None = None
        self.garbage: np.ndarray | None = None
        self.drawing = False
        self._drag: tuple[QPointF, QPointF] | None = None

    # -- content ---------------------------------------------------------------------------
    def set_image(self, rgb: np.ndarray | None) -> None:
        """Show an (H, W, 3) uint8 picture, or nothing (the message is shown instead)."""
        if rgb is None:
            self._image, self._size = None, None
        else:
            self._image = qimage_from_rgb(rgb)
            self._size = (rgb.shape[1], rgb.shape[0])
        self.update()

    def has_image(self) -> bool:
        return self._image is not None

    def image(self) -> QImage | None:
        return self._image

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    def set_overlays(self, points=None, region=None, garbage=None, badge: str | None = None) -> None:
        self.points = np.zeros((0, 2)) if points is None else np.asarray(points, float).reshape(-1, 2)
        self.region = None if region is None else np.asarray(region, float).reshape(-1, 2)
        self.garbage = None if garbage is None else np.asarray(garbage, float).reshape(-1, 2)
        if badge is not None:
            self.badge = badge
        self.update()

    def set_drawing(self, on: bool) -> None:
        """Let a mouse drag draw a box (cross cursor while on)."""
        self.drawing = on
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    # -- geometry --------------------------------------------------------------------------
    def picture_rect(self) -> QRectF:
        """Where the picture lies in the widget (fitted, aspect kept, centred)."""
        if self._size is None:
            return QRectF()
        w, h = self._size
        scale = min(self.width() / w, self.height() / h)
        dw, dh = w * scale, h * scale
        return QRectF((self.width() - dw) / 2, (self.height() - dh) / 2, dw, dh)

    def to_widget(self, xy) -> QPointF:
        rect = self.picture_rect()
        s = rect.width() / self._size[0]
        return QPointF(rect.x() + float(xy[0]) * s, rect.y() + float(xy[1]) * s)

    def to_picture(self, point: QPointF) -> tuple[float, float]:
        rect = self.picture_rect()
        s = rect.width() / self._size[0]
        x = min(max((point.x() - rect.x()) / s, 0.0), self._size[0])
        y = min(max((point.y() - rect.y()) / s, 0.0), self._size[1])
        return x, y

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(0, 0, 0))
        if self._image is None:
            p.setPen(QColor(138, 138, 138))
            p.drawText(self.rect().adjusted(20, 20, -20, -20),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.drawImage(self.picture_rect(), self._image)
        if self.garbage is not None:
            self._polygon(p, self.garbage, GARBAGE_COLOUR, Qt.PenStyle.DashLine)
        if self.region is not None:
            self._polygon(p, self.region, REGION_COLOUR, Qt.PenStyle.SolidLine)
        if len(self.points):
            pen = QPen(POINT_COLOUR)
            pen.setWidthF(1.5)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            for xy in self.points:
                c = self.to_widget(xy)
                p.drawEllipse(c, 2.5, 2.5)
        if self._drag is not None:
            pen = QPen(QColor(255, 255, 255))
            pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(QColor(255, 255, 255, 30))
            p.drawRect(QRectF(self._drag[0], self._drag[1]).normalized())
        if self.badge:
            self._badge(p, self.badge)

    def _polygon(self, p: QPainter, poly: np.ndarray, colour: QColor, style) -> None:
        pen = QPen(colour)
        pen.setWidthF(2.0)
        pen.setStyle(style)
        p.setPen(pen)
        fill = QColor(colour)
        fill.setAlpha(28)
        p.setBrush(fill)
        p.drawPolygon(QPolygonF([self.to_widget(xy) for xy in poly]))

    def _badge(self, p: QPainter, text: str) -> None:
        metrics = p.fontMetrics()
        rect = self.picture_rect()
        box = QRectF(rect.x() + 8, rect.y() + 8, metrics.horizontalAdvance(text) + 16, metrics.height() + 8)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 170))
        p.drawRoundedRect(box, 4, 4)
        p.setPen(QColor(240, 240, 240))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    # -- drawing a box ---------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if self.drawing and self._image is not None and event.button() == Qt.MouseButton.LeftButton:
            self.drag_started.emit()
            pos = event.position()
            self._drag = (pos, pos)
            self.update()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._drag is not None:
            self._drag = (self._drag[0], event.position())
            self.update()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._drag is None:
            super().mouseReleaseEvent(event)
            return
        a, b = self._drag[0], event.position()
        self._drag = None
        self.update()
        if abs(a.x() - b.x()) < MIN_DRAG or abs(a.y() - b.y()) < MIN_DRAG:
            return
        (x0, y0), (x1, y1) = self.to_picture(a), self.to_picture(b)
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        self.box_drawn.emit(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64))
