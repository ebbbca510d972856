"""Predicted against actual under cross-validation: how much the model can be trusted, at a glance."""
from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure


class SkillPlot(FigureCanvasQTAgg):
    def __init__(self, parent=None) -> None:
        self.figure = Figure(figsize=(4.2, 3.4), facecolor="#1e1f22", layout="constrained")
        super().__init__(self.figure)
        self.setParent(parent)
        self.axes = self.figure.add_subplot()
        self.points = 0
        self.show_points([], [], "", "")

    def show_points(self, actual: list[float], predicted: list[float], target: str, title: str) -> None:
        ax = self.axes
        ax.clear()
        ax.set_facecolor("#26282c")
        for side in ax.spines.values():
            side.set_color("#888")
        ax.tick_params(colors="#ccc", labelsize=8)
        pairs = [(a, p) for a, p in zip(actual, predicted) if a is not None and p is not None]
        self.points = len(pairs)
        if pairs:
            xs, ys = zip(*pairs)
            lo, hi = min(xs + ys), max(xs + ys)
            pad = (hi - lo) * 0.05 or 1.0
            ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="#777", lw=1, ls="--", label="perfect")
            ax.scatter(xs, ys, s=18, color="#5fb3f9", alpha=0.85, label="a video, held out")
            ax.set_xlim(lo - pad, hi + pad)
            ax.set_ylim(lo - pad, hi + pad)
            ax.legend(fontsize=7, loc="upper left", facecolor="#26282c", labelcolor="#ccc", edgecolor="#555")
        else:
            ax.text(0.5, 0.5, "no model yet", color="#aaa", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlabel(f"actual {target}".strip(), color="#ccc", fontsize=8)
        ax.set_ylabel("predicted (cross-validated)", color="#ccc", fontsize=8)
        ax.set_title(title, color="#ddd", fontsize=9)
        self.draw_idle()
