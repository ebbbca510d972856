"""The editor relabels a shot: store the label, retrain the learned model (a short job)."""
from __future__ import annotations

from os import PathLike
from pathlib import Path

from engine.jobs import Job


def relabel_job(path: str | PathLike[str], start_frame: int, end_frame: int, label: str,
                features: dict[str, float]) -> Job[str]:
    """Adds one label and retrains; returns a one-line status for the editor."""
    from engine.affect.learned import MIN_LABELS, LabelStore, retrain
    from engine.cache.fingerprint import fingerprint

    yield 0.0, f"saving label {label!r}"
    store = LabelStore()
    store.add(fingerprint(Path(path)), str(path), start_frame, end_frame, label.strip().lower(), features)
    yield 0.3, "retraining the learned model"
    model = retrain(store)
    count = len(store.entries())
    if model is not None and model.active:
        return f"{count} labels; your model now labels shots (agreement {model.agreement:.0%})"
    return f"{count} labels saved; your model takes over from {MIN_LABELS} labels when it agrees with you more often than chance and the default model do"
