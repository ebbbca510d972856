"""Proposal inputs from the engine's analysis: shots, their emotion and their sound."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from pathlib import Path

import opentimelineio as otio

from engine.analysis import Analysis, analysis_job
from engine.analysis.facts import FileFacts
from engine.edit.inputs import AnalysedShot, from_shot_list
from engine.jobs import Job, scaled


def analysed_shots(analysis: Analysis, must_use: Iterable[int] = (),
                   excluded: Iterable[int] = (), facts: FileFacts | None = None) -> list[AnalysedShot]:
    """Every shot of an analysed file with its scores and cut facts, typed all the way
    (neutral where emotion is missing; no speech, peaks or faces where ``facts`` is None)."""
    per_shot = []
    emotions = analysis.emotion.shots if analysis.emotion else [None] * len(analysis.shots.shots)
    for shot, emotion in zip(analysis.shots.shots, emotions, strict=False):
        known: dict = {}
        if emotion is not None:
            known.update(valence=emotion.valence, arousal=emotion.arousal, label=emotion.label,
                         confidence=emotion.confidence, shot_scale=emotion.shot_scale)
        cut = facts.for_shot(int(shot[0]), int(shot[1])) if facts is not None else None
        if cut is not None:
            known.update(speech=cut.speech, motion_peaks=cut.motion_peaks, face_frames=cut.face_frames,
                         face_count=cut.face_count, histogram=cut.histogram)
            if cut.face_scale > 0:
                known["face_scale"] = cut.face_scale
        per_shot.append(known)
    shots = from_shot_list(analysis.path, analysis.shots, per_shot, must_use=must_use,
                           excluded=excluded, has_audio=bool(analysis.info.audio))
    for s in shots:  # how far the file's sound reaches, for split edits
        s.extra["frame_count"] = int(analysis.shots.frame_count)
    return shots


def proposal_pool_job(paths: Sequence[str | PathLike[str]], must_use: Mapping[int, Iterable[int]] | None = None,
                      excluded: Mapping[int, Iterable[int]] | None = None,
                      analyses: Sequence[Analysis | None] | None = None, cache=None) -> Job[list[AnalysedShot]]:
    """The shots of ``paths`` as the proposer sees them: analysis (given, or from the
    cache) plus cut facts (from the cache, measured once when missing). The CLI and the
    app both build their pools here.

    Args:
        must_use, excluded: File index -> shot indices (0-based).
        analyses: Analyses the caller already holds, one per path (None entries are
            analysed, which the cache makes quick for analysed files).
        cache: An ``AnalysisCache``; the user's by default.
    """
    from engine.analysis.facts import facts_job
    from engine.cache.store import AnalysisCache

    cache = cache if cache is not None else AnalysisCache()
    must_use, excluded = must_use or {}, excluded or {}
    pool: list[AnalysedShot] = []
    share = 0.8 / max(len(paths), 1)
    for i, path in enumerate(paths):
        analysis = analyses[i] if analyses is not None and i < len(analyses) else None
        if analysis is None:
            analysis = yield from scaled(analysis_job(Path(path), cache=cache), i * share, (i + 0.6) * share)
        facts = yield from scaled(facts_job(analysis.path, analysis.shots, analysis.info, cache),
                                  (i + 0.6) * share, (i + 1) * share)
        pool += analysed_shots(analysis, must_use.get(i, ()), excluded.get(i, ()), facts)
    return pool


def proposals_job(paths: Sequence[str | PathLike[str]], duration_s: float, arc: str = "rising",
                  music: str | None = None, source_order: bool = True,
                  alternatives: int = 3, avg_shot_s: float | None = None,
                  analyses: Sequence[Analysis | None] | None = None) -> Job[list[otio.schema.Timeline]]:
    """Analyse (the cache makes this instant for analysed clips), then propose; the
    alternatives come back as OTIO timelines with their explanation in metadata."""
    from engine.edit.output import proposal_timeline
    from engine.edit.pacing import Pacing
    from engine.edit.proposals import propose

    # with music and no length asked for, the beats set the pace
    pacing = Pacing(avg_shot_s=avg_shot_s if avg_shot_s else (None if music else 2.5))
    pool = yield from proposal_pool_job(paths, analyses=analyses)
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
                            folder: str | PathLike[str] | None = None, kept: bool = True,
                            analyses: Sequence[Analysis | None] | None = None) -> Job[str]:
    """Learn from an edit the editor kept (an accepted proposal or a finished timeline of the
    same footage: its ranges rank above shots left out) or rejected (they rank below).
    Returns a one-line report."""
    from engine.edit.preference import PreferenceModel

    timeline = otio.adapters.read_from_string(timeline_json, "otio_json")
    pool = yield from proposal_pool_job(paths, analyses=analyses)
    yield 0.85, "learning your taste"
    model = PreferenceModel(Path(folder) if folder else taste_folder())
    added = model.add_finished_timeline(timeline, pool, kept=kept)
    report = model.train()
    # First line in the editor's words (the panel shows it); then the details.
    return (f"Learned from {report.queries} edit choices of yours.\n"
            f"learned from {added} {'kept' if kept else 'rejected'} ranges; {report}")
