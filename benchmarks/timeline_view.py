"""Repaint time of the timeline view with 5,000 shots, beside an empty timeline's, in one run.

Usage: .venv/bin/python benchmarks/timeline_view.py [--shots N] [--repeat N]
                                                     [--screenshot PATH]

Offscreen. Each figure is the median of N full repaints (``widget.grab()``) of a
1600x330 view at several zoom levels, after one warm-up paint (which converts the
thumbnails it shows; that cold paint is printed too). The table shows a proposal (all
its lanes, a marker on every clip, 200 timeline markers, In/Out); a second part shows a
clip's breakdown (VFX elements on V2, a marker per shot, script beats) and how long
reading its OTIO timeline takes. ``--screenshot`` also saves the view on a real sequence
from ../shared/media/sequences with plausible emotion.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import opentimelineio as otio  # noqa: E402

from desktop.timeline.model import EMOTION_LABELS, ShotEmotion, TimelineModel  # noqa: E402
from engine.timeline import model as otio_model  # noqa: E402
from engine.timeline.rates import rational, time_range  # noqa: E402

SHARED = Path(os.environ.get("MOVIOLA_SHARED", REPO.parent / "shared"))
SIZE = (1600, 330)
# Where each label sits in valence/arousal, so random scores stay plausible.
_CENTRES = {"calm": (0.3, 0.2), "tender": (0.6, 0.3), "joyful": (0.8, 0.7), "tense": (-0.4, 0.75),
            "suspense": (-0.3, 0.6), "sad": (-0.7, 0.25), "action": (0.1, 0.95)}


def plausible_emotions(count: int, rng: np.random.Generator) -> dict[int, ShotEmotion]:
    """Labels that drift as a film's mood does (runs, not noise), with scores near each label."""
    emotions, label = {}, rng.choice(EMOTION_LABELS)
    for shot in range(count):
        if rng.random() < 0.3:
            label = rng.choice(EMOTION_LABELS)
        valence, arousal = _CENTRES[str(label)]
        emotions[shot] = ShotEmotion(str(label), float(np.clip(valence + rng.normal(0, 0.12), -1, 1)),
                                     float(np.clip(arousal + rng.normal(0, 0.08), 0, 1)),
                                     float(rng.uniform(0.45, 0.97)))
    return emotions


def emotion_curves(shots, emotions, length: int, rng: np.random.Generator):
    """Per-frame curves that pass through each shot's score with some texture."""
    centres = np.array([(a + b) / 2 for a, b in shots])
    frames = np.arange(length)
    valence = np.interp(frames, centres, [emotions[i].valence for i in range(len(shots))])
    arousal = np.interp(frames, centres, [emotions[i].arousal for i in range(len(shots))])
    wobble = np.convolve(rng.normal(0, 0.08, length), np.ones(9) / 9, mode="same")
    return (np.clip(valence + wobble, -1, 1).astype(np.float32),
            np.clip(arousal + np.abs(wobble), 0, 1).astype(np.float32))


def proposal_from_shots(shots, names, emotions, rate, music_frames: int,
                        markers=()) -> otio.schema.Timeline:
    """A proposal on V1/A1 cut from the shots, a title on V2 and music on A2.

    Each V1 clip carries a marker at its first frame (as a breakdown's do); ``markers``
    are ``(frame, name, MarkerColor)`` timeline markers.
    """
    timeline = otio.schema.Timeline(name="Proposal 1")
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    a1 = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    position = 0
    for shot, (start, end) in enumerate(shots):
        if start < position:  # a dissolve overlaps the next shot; cut it at its end
            start = position
        if end < start:
            continue
        clip = otio.schema.Clip(name=names[shot], source_range=time_range(start, end - start + 1, rate))
        otio_model.meta(clip)["emotion"] = emotions[shot]._asdict()
        clip.markers.append(otio.schema.Marker(name=f"shot {shot + 1}", color=otio.schema.MarkerColor.BLUE,
                                               marked_range=time_range(start, 1, rate)))
        v1.append(clip)
        a1.append(otio.schema.Clip(name=names[shot], source_range=time_range(start, end - start + 1, rate)))
        position = end + 1
    v2 = otio.schema.Track(name="V2 Titles", kind=otio.schema.TrackKind.Video)
    v2.append(otio.schema.Gap(source_range=time_range(0, round(rate * 2), rate)))
    v2.append(otio.schema.Clip(name="Main title", source_range=time_range(0, round(rate * 5), rate)))
    a2 = otio.schema.Track(name="A2 Music", kind=otio.schema.TrackKind.Audio)
    a2.append(otio.schema.Gap(source_range=time_range(0, round(rate), rate)))
    a2.append(otio.schema.Clip(name="Score — cue 1M1", source_range=time_range(0, music_frames, rate)))
    timeline.tracks.extend([v1, v2, a1, a2])
    timeline.tracks.markers.extend(otio.schema.Marker(name=name, color=color,
                                                      marked_range=time_range(frame, 0, rate))
                                   for frame, name, color in markers)
    timeline.global_start_time = rational(0, rate)
    return timeline


def elements_on_v2(timeline: otio.schema.Timeline, spans, rate) -> None:
    """Placed VFX elements (``engine.timeline.placement`` metadata) on a new V2 above V1."""
    v2 = otio.schema.Track(name="V2", kind=otio.schema.TrackKind.Video)
    position = 0
    for k, (start, length) in enumerate(spans):
        if start > position:
            v2.append(otio.schema.Gap(source_range=time_range(0, start - position, rate)))
        clip = otio.schema.Clip(name=f"Element {k + 1}", source_range=time_range(0, length, rate))
        otio_model.meta(clip)["vfx"] = {"kind": ("element", "keyed", "stabilized")[k % 3]}
        v2.append(clip)
        position = start + length
    timeline.tracks.insert(1, v2)


def synthetic_model(count: int, seed: int = 7) -> TimelineModel:
    """``count`` shots of 1–8 s at 24 fps, every layer filled (thumbnails small, shared)."""
    rng = np.random.default_rng(seed)
    rate = Fraction(24)
    lengths = rng.integers(24, 192, count)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    shots = [(int(s), int(s + n - 1)) for s, n in zip(starts, lengths)]
    length = int(starts[-1] + lengths[-1])
    emotions = plausible_emotions(count, rng)
    valence, arousal = emotion_curves(shots, emotions, length, rng)
    stills = [rng.integers(0, 255, (36, 64, 3), dtype=np.uint8) for _ in range(16)]
    model = TimelineModel(rate=rate, length=length, shots=shots,
                          transitions=[("cut", s, s) for s, _ in shots[1:]], emotions=emotions,
                          valence=valence, arousal=arousal,
                          thumbnails={i: stills[i % len(stills)] for i in range(count)},
                          playhead=length // 3, selected_shot=count // 3,
                          in_point=length // 4, out_point=length // 2)
    beats = [(int(f), f"M{k}", otio.schema.MarkerColor.PINK)
             for k, f in enumerate(sorted(rng.integers(0, length, 200)))]
    model.proposal = model.timeline = proposal_from_shots(
        shots, [f"Shot {i + 1}" for i in range(count)], emotions, rate, length // 2, beats)
    model.waveforms = {"A1": rng.random(length).astype(np.float32),
                       "A2": rng.random(length // 4).astype(np.float32)}
    return model


def clip_model(model: TimelineModel) -> TimelineModel:
    """The same shots shown as a clip: its breakdown (V1 from the proposal's, elements on
    V2 over one shot in ten) instead of a proposal's lanes."""
    timeline = otio.schema.Timeline(name="Clip — shots")
    timeline.tracks.append(model.proposal.video_tracks()[0].deepcopy())
    timeline.tracks.markers.extend(m.deepcopy() for m in model.proposal.tracks.markers)
    elements_on_v2(timeline, [(s, e - s + 1) for s, e in model.shots[::10]], model.rate)
    clip = TimelineModel(rate=model.rate, length=model.length, shots=model.shots,
                         transitions=model.transitions, emotions=model.emotions,
                         valence=model.valence, arousal=model.arousal, thumbnails=model.thumbnails,
                         playhead=model.playhead, in_point=model.in_point, out_point=model.out_point)
    clip.timeline = timeline
    return clip


def sequence_model(name: str = "seq00_24fps") -> TimelineModel:
    """A real sequence: its true shots and transitions, thumbnails and sound from its file."""
    import json

    from engine.media import FrameReader, read_audio

    truth = json.loads((SHARED / "media" / "sequences" / f"{name}.json").read_text())
    rate = Fraction(truth["fps_rational"])
    length = int(truth["frame_count"])
    segments = truth["segments"]
    shots = [(s["start_frame"], s["end_frame"]) for s in segments]
    rng = np.random.default_rng(truth["seed"])
    emotions = plausible_emotions(len(shots), rng)
    valence, arousal = emotion_curves(shots, emotions, length, rng)
    path = SHARED / "media" / "sequences" / truth["file"]
    reader = FrameReader(path, size=(320, 180))
    # Each shot's picture from inside its clean part, past any dissolve.
    thumbnails = {i: reader.read((s["pure_start_frame"] + s["pure_end_frame"]) // 2).image
                  for i, s in enumerate(segments)}
    sound = np.abs(read_audio(path, 48000, 1)[0])
    per_frame = 48000 / float(rate)
    edges = (np.arange(length + 1) * per_frame).astype(np.int64).clip(0, len(sound))
    peaks = np.array([sound[a:b].max() if b > a else 0.0 for a, b in zip(edges[:-1], edges[1:])])
    peaks = (peaks / max(peaks.max(), 1e-6)).astype(np.float32)
    names = [Path(s["source"]).stem for s in segments]
    model = TimelineModel(
        rate=rate, length=length, shots=shots,
        transitions=[(t["type"], t["start_frame"], t["end_frame"]) for t in truth["transitions"]],
        emotions=emotions, valence=valence, arousal=arousal, thumbnails=thumbnails,
        playhead=352, selected_shot=4, in_point=120, out_point=520)
    model.proposal = model.timeline = proposal_from_shots(
        shots, names, emotions, rate, length - 30,
        [(300, "Turn", otio.schema.MarkerColor.YELLOW), (600, "Music in", otio.schema.MarkerColor.PINK)])
    music = np.convolve(rng.random(length), np.ones(5) / 5, mode="same") * 0.7 + 0.1
    model.waveforms = {"A1": peaks, "A2": music.astype(np.float32)}
    return model


def time_grabs(view, repeat: int) -> tuple[float, float]:
    """(cold, median warm) milliseconds for a full repaint via ``grab()``."""
    start = time.perf_counter()
    view.grab()
    cold = (time.perf_counter() - start) * 1000
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        view.grab()
        timings.append((time.perf_counter() - start) * 1000)
    return cold, statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args(argv)

    from desktop.app import create_app
    from desktop.timeline.view import TimelineView

    app = create_app()
    empty = TimelineView(TimelineModel())
    empty.resize(*SIZE)
    empty.show()
    app.processEvents()
    _, baseline = time_grabs(empty, args.repeat)

    build = time.perf_counter()
    model = synthetic_model(args.shots)
    view = TimelineView(model)
    view.resize(*SIZE)
    view.show()
    app.processEvents()
    print(f"model of {args.shots:,} shots, {model.length:,} frames "
          f"(view built in {(time.perf_counter() - build) * 1000:.0f} ms incl. data)")
    print(f"empty timeline repaint: {baseline:.2f} ms  (baseline)")
    print(f"{'zoom':>22} {'cold ms':>9} {'warm ms':>9} {'x empty':>8}")
    levels = [("fit", None), ("0.25 px/frame", 0.25), ("2 px/frame", 2.0), ("8 px/frame", 8.0),
              ("48 px/frame (max)", 48.0)]
    for name, scale in levels:
        if scale is None:
            view.zoom_to_fit()
        else:
            view.set_scale(scale, view.x_at(model.playhead))
        app.processEvents()
        cold, warm = time_grabs(view, args.repeat)
        print(f"{name + f' ({view.scale:.3g})':>22} {cold:9.2f} {warm:9.2f} {warm / baseline:8.1f}")

    # Playback moves the playhead every frame: the view repaints two thin strips only.
    view.set_scale(2.0, view.x_at(model.playhead))
    app.processEvents()
    timings = []
    for _ in range(args.repeat * 5):
        start = time.perf_counter()
        model.playhead += 1
        app.processEvents()  # delivers the pending partial paint, as the event loop would
        timings.append((time.perf_counter() - start) * 1000)
    print(f"playhead step (partial repaint) at 2 px/frame: {statistics.median(timings):.2f} ms")

    # A clip instead: its V1 is the shots row, V2 elements get a lane above it.
    clip = clip_model(model)
    start = time.perf_counter()
    clip_view = TimelineView(clip)
    read = (time.perf_counter() - start) * 1000
    clip_view.resize(*SIZE)
    clip_view.show()
    app.processEvents()
    reads = []
    for _ in range(5):
        start = time.perf_counter()
        clip.revision += 1  # an in-place edit of the OTIO timeline: read it again, repaint
        clip_view.grab()
        reads.append((time.perf_counter() - start) * 1000)
    elements = sum(1 for item in clip.timeline.tracks[1] if isinstance(item, otio.schema.Clip))
    print(f"clip breakdown: {elements} elements on V2, {len(clip.shots):,} clip markers; view built "
          f"in {read:.0f} ms; an edit (revision + read + repaint at fit) {statistics.median(reads):.0f} ms")
    for name, scale in levels[:3]:
        if scale is None:
            clip_view.zoom_to_fit()
        else:
            clip_view.set_scale(scale, clip_view.x_at(clip.playhead))
        app.processEvents()
        cold, warm = time_grabs(clip_view, args.repeat)
        print(f"{'clip ' + name + f' ({clip_view.scale:.3g})':>27} {cold:9.2f} {warm:9.2f} "
              f"{warm / baseline:8.1f}")

    if args.screenshot:
        real = TimelineView(sequence_model())
        real.resize(1400, 330)
        real.show()
        app.processEvents()
        real.zoom_to_fit()
        real.grab().save(str(args.screenshot))
        print(f"screenshot: {args.screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
