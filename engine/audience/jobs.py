"""The Audience tab's jobs, for a worker process: plain arguments in, plain data out.

Models stay on disk between jobs (the worker saves, the GUI reads ``model.json`` for the
table and the plot); timelines travel as OpenTimelineIO JSON; thumbnails as small RGB arrays.
"""
from __future__ import annotations

import json
from os import PathLike
from pathlib import Path

from engine.jobs import Job, scaled

from .model import MODEL_FILE, AudienceModel


def learn_to_folder_job(csv_path: str, target: str, media_dir: str | None, model_dir: str) -> Job[dict]:
    """Learn ``target`` from the export and save the model; returns ``read_model_summary``'s dict
    plus the table's rows (matched or not) and its problems."""
    from .history import learn_job

    learned = yield from scaled(learn_job(csv_path, target, media_dir or None), 0.0, 0.98)
    learned.model.save(model_dir)
    out = read_model_summary(model_dir)
    out["table"] = [{"line": m.row.line, "video": m.row.label, "file": str(m.path) if m.path else "",
                     "reason": m.reason, "actual": m.row.values.get(learned.table.target)} for m in learned.matches]
    out["problems"] = learned.problems
    out["not_understood"] = learned.table.not_understood
    out["matched"] = len(learned.features)
    yield 1.0, learned.model.skill_line()
    return out


def read_model_summary(model_dir: str | PathLike[str]) -> dict:
    """What the tab shows of a saved model, read without LightGBM (plain JSON).

    Raises:
        NoModel: no model in ``model_dir`` (or a damaged one).
    """
    from .model import NoModel

    path = Path(model_dir) / MODEL_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NoModel(f"{model_dir}: no audience model yet") from None
    except (OSError, ValueError) as exc:
        raise NoModel(f"{path}: damaged audience model ({exc})") from None
    return {"target": doc.get("target_label"), "skill": bool(doc.get("skill")), "reason": doc.get("reason", ""),
            "rows": doc.get("rows"), "kind": doc.get("kind"), "cv": doc.get("cv"), "drivers": doc.get("drivers", []),
            "history": doc.get("history", []), "folder": str(model_dir)}


def predict_timelines_job(model_dir: str, documents: list[str]) -> Job[list[dict]]:
    """Predictions for OpenTimelineIO JSON documents; each a ``Prediction.to_json`` dict (with
    ``rank`` when the model has skill) or ``{"file": name, "error": message}``."""
    import opentimelineio as otio

    from .history import timeline_predict_job

    model = AudienceModel.load(model_dir)
    if model.kind is None:
        raise ValueError(f"{model_dir}: {model.reason}")
    timelines = [otio.adapters.read_from_string(d, "otio_json") for d in documents]
    results = yield from timeline_predict_job(timelines, model)
    good = [r for r in results if not isinstance(r, str)]
    ranked = model.rank(good) or []
    rank = {id(p): i for i, p in enumerate(ranked, 1)}
    out = []
    for t, r in zip(timelines, results):
        if isinstance(r, str):
            out.append({"file": t.name, "error": r})
        else:
            out.append(r.to_json() | ({"rank": rank[id(r)]} if id(r) in rank else {}))
    return out


def thumbnails_job(path: str, count: int = 5) -> Job[list[dict]]:
    """Thumbnail candidates of a file or an edit with their images (RGB, 320 wide), best first."""
    from .thumbnails import spans_candidates_job, video_spans_job

    spans = yield from scaled(video_spans_job(path), 0.0, 0.5)
    found = yield from scaled(spans_candidates_job(spans, count), 0.5, 1.0)
    return [c.to_json() | {"why": c.why(), "image": c.image} for c in found]


def export_thumbnails(path: str, frames: list[tuple[str, int]], folder: str) -> list[str]:
    """Full-size PNGs of the chosen (source, frame)s (the tab's Export button)."""
    from .thumbnails import Candidate, export_pngs

    chosen = [Candidate(f, 0.0, 0.0, {}, source=source) for source, f in frames]
    return [str(p) for p in export_pngs(path, chosen, folder)]
