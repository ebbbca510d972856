"""Target vs achieved arc of a proposal, drawn with matplotlib inside the proposals panel."""
from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QSize

from engine.edit.arc_curve import arc_points


class ArcPlot(FigureCanvasQTAgg):
    """Step curves of the arousal each cut aimed for and the arousal its shot has."""

    def __init__(self, parent=None) -> None:
        self.figure = Figure(figsize=(4, 1.6), facecolor="#1e1f22", layout="constrained")
        super().__init__(self.figure)
        self.setParent(parent)
        self.setMinimumHeight(90)  # below this the constrained layout has no room for the axes
        self.axes = self.figure.add_subplot()
        self.show_timeline(None)

    def sizeHint(self) -> QSize:  # the figure's inch size would widen the dock it sits in
        return QSize(240, 130)

    def show_timeline(self, timeline) -> None:
        ax = self.axes
        ax.clear()
        ax.set_facecolor("#232428")
        for spine in ax.spines.values():
            spine.set_color("#55585f")
        ax.tick_params(colors="#9aa4b2", labelsize=7)
        ax.set_ylim(0, 1)
        ax.set_ylabel("arousal", color="#9aa4b2", fontsize=7)
        if timeline is not None:
            seconds, target, achieved = arc_points(timeline)
            if seconds:
                ax.step(seconds, target, where="post", color="#f0c674", lw=1.2, label="target arc")
                ax.step(seconds, achieved, where="post", color="#56b4e9", lw=1.2, label="this edit")
                ax.legend(fontsize=7, facecolor="#232428", edgecolor="#55585f", labelcolor="#d8d8d8",
                          loc="upper left")
                ax.set_xlim(0, seconds[-1])
        self.draw_idle()
