"""A picture of a file's emotion: the curve over time with its shots (matplotlib)."""
from __future__ import annotations

from os import PathLike

import numpy as np

from .labels import LABELS
from .results import EmotionResult

LABEL_COLOURS = dict(zip(LABELS, ("#7fb3d5", "#f5b7b1", "#f7dc6f", "#e67e22", "#8e44ad", "#5d6d7e", "#c0392b",
                                  "#a3a3a3")))


def plot_emotion(result: EmotionResult, output: str | PathLike[str], title: str | None = None) -> None:
    """Write a PNG (or any format matplotlib knows by extension) of ``result``.

    Top: smoothed valence and arousal per frame, the per-shot scores as steps,
    cuts as vertical lines. Bottom: one block per shot coloured by its label.
    """
    # The Figure API needs no GUI backend: safe in workers and on headless machines.
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    fps = float(result.fps)
    t = np.arange(result.frame_count) / fps
    fig = Figure(figsize=(12, 5), dpi=110, layout="constrained")
    ax, strip = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [5, 1]})
    ax.axhline(0, color="#999999", lw=0.6)
    ax.plot(t, result.curve.valence, color="#1f77b4", lw=1.8, label="valence (curve)")
    ax.plot(t, result.curve.arousal, color="#d62728", lw=1.8, label="arousal (curve)")
    for i, s in enumerate(result.shots):
        x0, x1 = s.start_frame / fps, (s.end_frame + 1) / fps
        ax.plot([x0, x1], [s.valence] * 2, color="#1f77b4", lw=3, alpha=0.35,
                label="valence (shot)" if i == 0 else None)
        ax.plot([x0, x1], [s.arousal] * 2, color="#d62728", lw=3, alpha=0.35,
                label="arousal (shot)" if i == 0 else None)
        if i:
            ax.axvline(x0, color="#444444", lw=0.5, ls=":")
        strip.axvspan(x0, x1, color=LABEL_COLOURS.get(s.label, "#cccccc"), alpha=0.35 + 0.65 * s.confidence)
        if x1 - x0 > 0.04 * max(t[-1] if len(t) else 1, 1):
            strip.text((x0 + x1) / 2, 0.5, s.label, ha="center", va="center", fontsize=7)
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("valence  /  arousal")
    ax.legend(loc="upper right", fontsize=7, ncol=4)
    model = result.model if result.agreement is None else f"{result.model}, agreement {result.agreement:.0%}"
    ax.set_title(title or f"{result.path.name}: emotion ({model}; {len(result.shots)} shots"
                 f"{'' if result.has_sound else '; no audio'})", fontsize=10)
    strip.set_yticks([])
    strip.set_xlabel("seconds")
    strip.set_xlim(0, result.frame_count / fps if fps else 1)
    used = [lab for lab in LABELS if any(s.label == lab for s in result.shots)]
    strip.legend(handles=[Patch(color=LABEL_COLOURS[lab], label=lab) for lab in used],
                 loc="upper center", bbox_to_anchor=(0.5, -0.9), ncol=max(1, len(used)), fontsize=7, frameon=False)
    fig.savefig(output)
