"""Proposal inputs from the engine's analysis: shots, their emotion and their sound."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from os import PathLike
from pathlib import Path

import opentimelineio as otio

from engine.analysis import Analysis, analysis_job
from engine.edit.inputs import AnalysedShot, from_shot_list
from engine.jobs import Job, scaled


def analysed_shots(analysis: Analysis, must_use: Iterable[int] = (),
                   excluded: Iterable[int] = ()) -> list[AnalysedShot]:
    """Every shot of an analysed file with its scores (neutral where emotion is missing)."""
    emotions = [s.to_json() for s in analysis.emotion.shots] if analysis.emotion else None
    return from_shot_list(analysis.path, analysis.shots, emotions, must_use=must_use,
                          excluded=excluded, has_audio=bool(analysis.info.audio))


def proposals_job(paths: Sequence[str | PathLike[str]], duration_s: float, arc: str = "rising",
                  music: str | None = None, source_order: bool = True,
                  alternatives: int = 3, avg_shot_s: float | None = None) -> Job[list[otio.schema.Timeline]]:
    """Analyse (the cache makes this instant for analysed clips), then propose; the
    alternatives come back as OTIO timelines with their explanation in metadata."""
    from engine.edit.output import proposal_timeline
    from engine.edit.pacing import Pacing
    from engine.edit.proposals import propose

    # with music and no length asked for, the beats set the pace
    pacing = Pacing(avg_shot_s=avg_shot_s if avg_shot_s else (None if music else 2.5))
    pool: list[AnalysedShot] = []
    for i, path in enumerate(paths):
        share = 0.8 / max(len(paths), 1)
        analysis = yield from scaled(analysis_job(Path(path)), i * share, (i + 1) * share)
        pool += analysed_shots(analysis)
    yield 0.85, f"choosing cuts from {len(pool)} shots"
    proposals = propose(pool, duration_s, arc, pacing, music=music, source_order=source_order,
                        alternatives=alternatives)
    timelines = []
    for proposal in proposals:
        timeline = proposal_timeline(proposal)
        timeline.metadata.setdefault("moviola", {})["explanation"] = proposal.explanation()
        timelines.append(timeline)
    yield 1.0, f"{len(timelines)} proposals"
    return timelines


def proposals_json_job(*args, **kwargs) -> Job[list[str]]:
    """`proposals_job` for a worker process: OTIO objects do not pickle, their JSON does."""
    timelines = yield from proposals_job(*args, **kwargs)
    return [otio.adapters.write_to_string(t, "otio_json") for t in timelines]


def taste_folder() -> Path:
    """Where the editor's taste model lives (per user)."""
    from engine.settings import config_dir

    return config_dir() / "taste"


def learn_from_timeline_job(timeline_json: str, paths: Sequence[str | PathLike[str]],
                            folder: str | PathLike[str] | None = None, kept: bool = True) -> Job[str]:
    """Learn from an edit the editor kept (an accepted proposal or a finished timeline of the
    same footage: its ranges rank above shots left out) or rejected (they rank below).
    Returns a one-line report."""
    from engine.edit.preference import PreferenceModel

    timeline = otio.adapters.read_from_string(timeline_json, "otio_json")
    pool: list[AnalysedShot] = []
    for i, path in enumerate(paths):
        share = 0.8 / max(len(paths), 1)
        analysis = yield from scaled(analysis_job(Path(path)), i * share, (i + 1) * share)
        pool += analysed_shots(analysis)
    yield 0.85, "learning your taste"
    model = PreferenceModel(Path(folder) if folder else taste_folder())
    added = model.add_finished_timeline(timeline, pool, kept=kept)
    report = model.train()
    return f"learned from {added} {'kept' if kept else 'rejected'} ranges; {report}"
