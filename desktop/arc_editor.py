"""A small plot of the custom arc whose points the editor drags (matplotlib on Qt)."""
from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QSize, Signal

PICK_RADIUS = 0.06  # in axis units: how near a click must land to grab a point


def parse_points(text: str) -> list[tuple[float, float]]:
    """"t:level, ..." as the engine reads custom arcs (valence, if given, is kept out)."""
    points = []
    for part in text.replace(" ", "").split(","):
        fields = part.split(":")
        if len(fields) >= 2:
            points.append((float(fields[0]), float(fields[1])))
    return sorted(points)


def format_points(points: list[tuple[float, float]]) -> str:
    return ", ".join(f"{t:.2f}:{level:.2f}" for t, level in points)


class ArcEditor(FigureCanvasQTAgg):
    """Drag a point to reshape the arc; `points_changed(text)` gives the engine's form."""

    points_changed = Signal(str)

    def __init__(self, text: str, parent=None) -> None:
        self.figure = Figure(figsize=(4, 1.4), facecolor="#1e1f22", layout="constrained")
        super().__init__(self.figure)
        self.setParent(parent)
        self.setMinimumHeight(90)  # below this the constrained layout has no room for the axes
        self.axes = self.figure.add_subplot()
        self.points = parse_points(text) or [(0.0, 0.3), (1.0, 0.7)]
        self._dragging: int | None = None
        self.mpl_connect("button_press_event", self._on_press)
        self.mpl_connect("motion_notify_event", self._on_motion)
        self.mpl_connect("button_release_event", self._on_release)
        self._draw()

    def sizeHint(self) -> QSize:
        return QSize(240, 110)

    def set_text(self, text: str) -> None:
        try:
            points = parse_points(text)
        except ValueError:
            return  # half-typed: keep the last good curve
        if len(points) >= 2:
            self.points = points
            self._draw()

    def _draw(self) -> None:
        ax = self.axes
        ax.clear()
        ax.set_facecolor("#232428")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.tick_params(colors="#9aa4b2", labelsize=7)
        for spine in ax.spines.values():
            spine.set_color("#55585f")
        ts, levels = zip(*self.points)
        ax.plot(ts, levels, color="#f0c674", lw=1.2)
        ax.plot(ts, levels, "o", color="#f0c674", ms=6)
        ax.set_ylabel("arousal", color="#9aa4b2", fontsize=7)
        self.draw_idle()

    def _on_press(self, event) -> None:
        if event.inaxes is not self.axes or event.xdata is None:
            return
        distances = [abs(t - event.xdata) + abs(level - event.ydata) for t, level in self.points]
        nearest = min(range(len(distances)), key=distances.__getitem__)
        self._dragging = nearest if distances[nearest] < 2 * PICK_RADIUS else None

    def _on_motion(self, event) -> None:
        if self._dragging is None or event.inaxes is not self.axes or event.xdata is None:
            return
        i = self._dragging
        # points keep their order in time; the ends stay at the start and end of the edit
        low = 0.0 if i == 0 else self.points[i - 1][0] + 0.01
        high = 1.0 if i == len(self.points) - 1 else self.points[i + 1][0] - 0.01
        t = 0.0 if i == 0 else 1.0 if i == len(self.points) - 1 else min(max(event.xdata, low), high)
        self.points[i] = (t, min(max(event.ydata, 0.0), 1.0))
        self._draw()

    def _on_release(self, _event) -> None:
        if self._dragging is not None:
            self._dragging = None
            self.points_changed.emit(format_points(self.points))
