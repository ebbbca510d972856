"""Learning from a history as one job: read the export, match media, analyse, learn.

``learn_job`` is a generator (``engine.jobs``): it yields progress while each matched
video is analysed (cached, so a second run costs no decoding) and returns a ``Learned``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np

from engine.jobs import Job, failure_message, scaled

from .features import FEATURE_NAMES, matrix, measure
from .matching import Match, match_rows
from .model import AudienceModel, learn
from .pieces import AnalysedSources, video_job
from .table import HistoryTable, read_history


@dataclass
class Learned:
    """Everything the learn command and the Audience tab show."""

    table: HistoryTable
    matches: list[Match]
    features: dict[int, dict[str, float]]  # CSV line -> features, for matched, analysed rows
    model: AudienceModel
    problems: list[str] = field(default_factory=list)  # the table's and the analysis's

    @property
    def unmatched(self) -> list[Match]:
        return [m for m in self.matches if m.path is None]

    def to_json(self) -> dict:
        s = self.model.summary()
        return {"rows": len(self.table.rows), "matched": len(self.features), "target": s["target"],
                "cv": None if s["cv"] is None else {k: s["cv"][k] for k in ("spearman", "mae", "baseline_mae")}
                | {"model": s["model"], "lightgbm_mae": s["cv"]["lightgbm_mae"],
                   "linear_mae": s["cv"]["linear_mae"]},
                "skill": s["skill"], "reason": s["reason"], "drivers": s["drivers"],
                "not_understood": self.table.not_understood,
                "unmatched": [{"line": m.row.line, "video": m.row.label, "reason": m.reason} for m in self.unmatched],
                "problems": self.problems}


def analyse_job(matches: list[Match], sources: AnalysedSources) -> Job[tuple[dict, list[str]]]:
    """Features of each matched row; a row whose media cannot be analysed becomes unmatched."""

    features: dict[int, dict[str, float]] = {}
    problems: list[str] = []
    todo = [m for m in matches if m.path is not None]
    for i, m in enumerate(todo):
        yield i / max(len(todo), 1), f"analysing {m.path.name} ({i + 1} of {len(todo)})"
        try:
            video = yield from scaled(video_job(m.path, sources), i / len(todo), (i + 1) / len(todo))
        except Exception as exc:  # noqa: BLE001 - one video an analyser fails on must not end a history
            m.reason, m.path = f"cannot analyse: {failure_message(exc)}", None
            problems.append(f"line {m.row.line} ({m.row.label!r}): {m.reason}")
            continue
        features[m.row.line] = measure(video)
    return features, problems


def learn_job(csv_path: str | PathLike[str], target: str, media_dir: str | PathLike[str] | None = None,
              sources: AnalysedSources | None = None, seed: int = 0) -> Job[Learned]:
    """Read, match, analyse and learn ``target``; yields (fraction, message).

    Raises:
        AudienceError: the table cannot be used (empty, no target column).
    """
    csv_path = Path(csv_path)
    yield 0.0, f"reading {csv_path.name}"
    table = read_history(csv_path, target)
    matches = match_rows(table.rows, csv_path, media_dir)
    sources = sources or AnalysedSources()
    features, problems = yield from scaled(analyse_job(matches, sources), 0.02, 0.9)
    yield 0.9, f"learning {target} from {len(features)} videos"
    learned_rows = [m for m in matches if m.path is not None and m.row.line in features]
    X = matrix([features[m.row.line] for m in learned_rows])
    y = np.array([m.row.values[table.target] for m in learned_rows], float)
    history = [{"line": m.row.line, "name": m.row.label, "file": str(m.path), "actual": float(y[i]),
                "features": features[m.row.line]} for i, m in enumerate(learned_rows)]
    label = next((h for h, c in table.columns.items() if c == table.target), target)
    model = learn(X, y, table.target, label, history, seed=seed)
    yield 1.0, model.skill_line()
    return Learned(table, matches, features, model, list(table.problems) + problems)


def predict_job(items: list[str], model: AudienceModel, sources: AnalysedSources | None = None) -> Job[list]:
    """A ``Prediction`` (or the problem, as a string) per file, .otio or PROJECT:TIMELINE."""
    from engine.media import MediaError

    sources = sources or AnalysedSources()
    out = []
    for i, item in enumerate(items):
        try:
            video = yield from scaled(video_job(item, sources), i / len(items), (i + 1) / len(items))
        except Exception as exc:  # noqa: BLE001 - reported per item, the others are still predicted
            message = failure_message(exc)
            out.append(message if str(item) in message or isinstance(exc, MediaError) else f"{item}: {message}")
            continue
        out.append(model.predict(measure(video), str(item)))
    return out


def timeline_predict_job(timelines, model: AudienceModel, sources: AnalysedSources | None = None) -> Job[list]:
    """Predictions for OpenTimelineIO timelines in memory (a project's timelines, proposals)."""

    from .pieces import edit_video_job

    sources = sources or AnalysedSources()
    out = []
    for i, tl in enumerate(timelines):
        try:
            video = yield from scaled(edit_video_job(tl, sources), i / len(timelines), (i + 1) / len(timelines))
        except Exception as exc:  # noqa: BLE001 - reported per timeline, the others are still predicted
            out.append(f"{tl.name}: {failure_message(exc)}")
            continue
        out.append(model.predict(measure(video), tl.name))
    return out


def nan_to_none(features: dict[str, float]) -> dict[str, float | None]:
    return {k: (round(v, 4) if math.isfinite(v) else None) for k, v in features.items() if k in FEATURE_NAMES}
