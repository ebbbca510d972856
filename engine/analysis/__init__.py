"""Analysis of one media file: every analyser the engine has, as one long job.

The file is decoded once: each frame the shot detector decodes at 48x27 is also made
at the picture analysers' size and measured on the way (``PictureMeter``), and the
emotion features and the proposer's cut facts (``facts``) are read from those
measurements once the shots are known. The sound is decoded once too: the emotion
features' decode feeds the cut facts' voice activity (``SpeechListener``) at its rate.
Transcription still decodes the sound on its own (it runs per clip, outside this job).

Stages report progress on one 0..1 scale; each stage's result is cached by the stage itself,
so re-analysing a file the cache knows costs no decoding.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from engine.jobs import Job, scaled
from engine.media import MediaError, MediaInfo, probe

if TYPE_CHECKING:  # the GUI imports this module for the type; the analysers load in the job
    from engine.affect.results import EmotionResult
    from engine.shots import ShotList


@dataclass
class Analysis:
    """What the engine found in one file."""

    path: Path
    info: MediaInfo
    shots: ShotList
    emotion: EmotionResult | None = None
    warnings: list[str] = field(default_factory=list)


def analysis_job(path: str | PathLike[str], **shot_options) -> Job[Analysis]:
    """Probe, shots, then per-shot emotion and the proposer's cut facts (into the cache);
    yields (fraction, message).

    Raises:
        MediaError: the file is unreadable or has no picture.
    """
    from engine.affect.emotion import emotion_job
    from engine.affect.features import analysis_size
    from engine.affect.picture_meter import PictureMeter
    from engine.shots import shots_job

    from .facts import SpeechListener, facts_cached, facts_job

    path = Path(path)
    yield 0.0, f"probing {path.name}"
    info = probe(path)
    if info.video is None:
        raise MediaError(path, "no video stream")
    frames = PictureMeter(info.video.frame_rate or 24, analysis_size(info.video.width, info.video.height),
                          info.video.frame_count or 0)
    try:
        shots = yield from scaled(shots_job(path, feed=frames, **shot_options), 0.02, 0.8)
        frames.warnings.extend(shots.warnings)  # a damaged decode is not cached by either
        shared = {k: v for k, v in shot_options.items() if k in ("cache", "device")}
        cache = {k: v for k, v in shot_options.items() if k == "cache"}
        with_facts = cache.get("cache", True) is not None  # the facts are kept, for the proposer, only there
        # The features' sound decode feeds the facts' voice activity too: one audio decode.
        # Not when the facts are kept already (the features alone re-measured, after an upgrade).
        listen = with_facts and info.audio and not facts_cached(path, shots, **cache)
        speech = SpeechListener(shots.fps or 24, shots.frame_count) if listen else None
        emotion = yield from scaled(emotion_job(path, shots, info, frames=frames, sound_tap=speech, **shared),
                                    0.8, 0.93)
        problems = []
        if with_facts:
            try:
                yield from scaled(facts_job(path, shots, info, frames=frames, speech=speech, **cache), 0.93, 1.0)
            except MediaError as exc:  # the picture's analysis stands; proposals will say it again
                problems.append(f"cut facts not measured: {exc.problem}")
    finally:
        frames.close()
    # Per-frame feature tracks stay in the cache; what travels on is light to unpickle.
    emotion = dataclasses.replace(emotion, features=None)
    warnings = list(dict.fromkeys([*info.warnings, *shots.warnings, *emotion.warnings, *problems]))
    return Analysis(path, info, shots, emotion, warnings)
