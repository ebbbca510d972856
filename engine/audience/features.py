"""What a video is like, in the terms an editor would use: one number per feature.

Every feature is measured on the ``Piece`` s of ``engine.audience.pieces``, i.e. on what the
analysis already cached (shots, per-shot picture/motion/face/sound features, the emotion
curve, a transcript if one was made); NaN marks what cannot be known (no sound, no
transcript), which LightGBM treats as missing and the linear model fills with the median.
"""
from __future__ import annotations

import math

import numpy as np

from .pieces import Video

HOOK_S = 10.0
OPENING_S = 30.0
CURVE_HZ = 10.0  # the emotion curve is resampled to this rate across sources
PEAK_PROMINENCE = 0.06
PEAK_SPACING_S = 2.0

#: name -> (what more of it reads as, what less of it reads as), for explanations.
FEATURES: dict[str, tuple[str, str]] = {
    "length_s": ("longer video", "shorter video"),
    "cuts_per_min_10s": ("faster cutting in the first 10 s", "slower cutting in the first 10 s"),
    "cuts_per_min_30s": ("faster cutting in the first 30 s", "slower cutting in the first 30 s"),
    "cuts_per_min": ("faster cutting overall", "slower cutting overall"),
    "pace_change": ("cutting speeds up after the opening", "cutting slows down after the opening"),
    "arousal_mean": ("more intense overall", "calmer overall"),
    "valence_mean": ("brighter mood", "darker mood"),
    "arousal_slope": ("builds in intensity", "winds down in intensity"),
    "arousal_peaks": ("more emotional peaks", "fewer emotional peaks"),
    "hook_arousal": ("a more intense first 10 s", "a calmer first 10 s"),
    "faces_early": ("more faces on screen early", "fewer faces on screen early"),
    "face_size_early": ("bigger faces early", "smaller faces early"),
    "brightness": ("brighter picture", "darker picture"),
    "contrast": ("more contrast", "less contrast"),
    "colourfulness": ("more colourful picture", "less colourful picture"),
    "warmth": ("warmer colours", "cooler colours"),
    "motion": ("more motion on screen", "less motion on screen"),
    "speech_share": ("more talking", "less talking"),
    "words_per_minute": ("faster talking", "slower talking"),
    "loudness": ("louder sound", "quieter sound"),
    "music_share": ("more music", "less music"),
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)


def describe(name: str, higher: bool) -> str:
    """The editor's words for a feature being above (``higher``) or below the channel's usual."""
    more, less = FEATURES.get(name, (f"higher {name}", f"lower {name}"))
    return more if higher else less


def _cuts_per_min(video: Video, until_s: float) -> float:
    span = min(until_s, video.length_s)
    if span <= 0:
        return math.nan
    cuts = sum(1 for p in video.pieces if p.cut and p.start_s < span)
    return cuts / span * 60.0


def _weighted(video: Video, name: str, until_s: float = math.inf, transform=None) -> float:
    total = weight = 0.0
    for p in video.pieces:
        d = min(p.start_s + p.duration_s, until_s) - p.start_s
        if d <= 0 or name not in p.values:
            continue
        v = p.values[name]
        v = transform(v) if transform is not None else v
        if not math.isfinite(v):
            continue
        total += v * d
        weight += d
    return total / weight if weight > 0 else math.nan


def _curve(video: Video, which: str) -> tuple[np.ndarray, np.ndarray]:
    """The emotion curve across every piece, resampled to ``CURVE_HZ`` (times, values)."""
    times, values = [], []
    for p in video.pieces:
        track = getattr(p, which)
        if len(track) == 0:
            continue
        times.append(p.start_s + np.arange(len(track)) / p.fps)
        values.append(track)
    if not times:
        return np.zeros(0), np.zeros(0)
    t, v = np.concatenate(times), np.concatenate(values)
    grid = np.arange(0.0, max(video.length_s, 1.0 / CURVE_HZ), 1.0 / CURVE_HZ)
    return grid, np.interp(grid, t, v)


def measure(video: Video) -> dict[str, float]:
    """Every feature in ``FEATURE_NAMES`` of one video."""
    from scipy.signal import find_peaks

    f: dict[str, float] = {"length_s": video.length_s}
    f["cuts_per_min_10s"] = _cuts_per_min(video, HOOK_S)
    f["cuts_per_min_30s"] = _cuts_per_min(video, OPENING_S)
    f["cuts_per_min"] = _cuts_per_min(video, math.inf)
    f["pace_change"] = f["cuts_per_min"] - f["cuts_per_min_30s"] if video.length_s > OPENING_S else 0.0

    t, arousal = _curve(video, "arousal")
    _, valence = _curve(video, "valence")
    if len(arousal) >= 2:
        f["arousal_mean"] = float(arousal.mean())
        f["valence_mean"] = float(valence.mean())
        # change over the whole video, per its length: a build and a fade read the same at any length
        f["arousal_slope"] = float(np.polyfit(t / max(t[-1], 1e-6), arousal, 1)[0])
        peaks, _ = find_peaks(arousal, prominence=PEAK_PROMINENCE, distance=max(1, int(PEAK_SPACING_S * CURVE_HZ)))
        f["arousal_peaks"] = len(peaks) / max(video.length_s, 1.0) * 60.0
        f["hook_arousal"] = float(arousal[t < HOOK_S].mean())
    else:
        for name in ("arousal_mean", "valence_mean", "arousal_slope", "arousal_peaks", "hook_arousal"):
            f[name] = math.nan
    f["faces_early"] = _weighted(video, "face_count", HOOK_S, lambda v: float(v > 0))
    f["face_size_early"] = _weighted(video, "face_size", HOOK_S)
    for name in ("brightness", "contrast", "colourfulness", "warmth", "motion"):
        f[name] = _weighted(video, name)
    if video.has_sound:
        f["speech_share"] = _weighted(video, "speech")
        f["loudness"] = _weighted(video, "loudness")
        # per-shot tempo is 0 unless a steady beat plays without speech over it: music
        f["music_share"] = _weighted(video, "tempo", transform=lambda v: float(v > 0))
    else:
        f["speech_share"] = f["loudness"] = f["music_share"] = math.nan
    f["words_per_minute"] = (video.words / video.length_s * 60.0
                             if video.words is not None and video.length_s > 0 else math.nan)
    return {name: float(f[name]) for name in FEATURE_NAMES}


def matrix(rows: list[dict[str, float]]) -> np.ndarray:
    return np.array([[r.get(n, math.nan) for n in FEATURE_NAMES] for r in rows], float).reshape(-1, len(FEATURE_NAMES))
