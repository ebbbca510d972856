"""Speaker turns: which segments one voice says, told apart by a simple voice-change detector.

Each segment gets a voice print: its median pitch (in semitones) and its mean cepstrum (12
mel-frequency cepstral coefficients: the shape of the vocal tract more than the words).
Segments are clustered (average linkage) and two clusters stay apart only when their prints
differ by more than `SPLIT`, so one narrator stays one speaker. Plain numpy and scipy: the
librosa equivalents spend 10-16 s compiling on their first call, longer than a short take's
transcription.

It tells apart voices that differ in pitch or timbre (a man and a woman, two espeak voices);
two similar voices may read as one, and a segment where both speak goes to the louder.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RATE = 16000
WINDOW, HOP, FFT = 400, 160, 512  # 25 ms frames every 10 ms
PITCH_WINDOW = 640  # 40 ms: two periods of an 50 Hz voice
FMIN, FMAX = 60.0, 400.0
MIN_VOICED_S = 0.4  # less voiced sound than this and a segment's voice is not told
PITCH_SCALE = 4.0  # semitones that count as much as...
CEPSTRUM_SCALE = 6.0  # ...this distance between mean cepstra
SPLIT = 3.0  # prints further apart than this (in those units) are different voices


def _frames(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    if x.size < size:
        return np.zeros((0, size), np.float32)
    count = 1 + (x.size - size) // hop
    index = np.arange(size)[None, :] + hop * np.arange(count)[:, None]
    return x[index]


def _mel_filters(bands: int = 40) -> np.ndarray:
    def mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    edges = 700.0 * (10 ** (np.linspace(mel(50.0), mel(RATE / 2), bands + 2) / 2595.0) - 1.0)
    bins = np.fft.rfftfreq(FFT, 1.0 / RATE)
    filters = np.zeros((bands, bins.size))
    for i in range(bands):
        low, mid, high = edges[i:i + 3]
        filters[i] = np.clip(np.minimum((bins - low) / (mid - low), (high - bins) / (high - mid)), 0, None)
    return filters


_MEL = _mel_filters()


def voice_print(x: np.ndarray) -> np.ndarray | None:
    """(median pitch in semitones above 55 Hz, 12 cepstral coefficients) of a stretch of 16 kHz
    sound, from its voiced frames; None when too little of it is voiced."""
    from scipy.fft import dct

    frames = _frames(x, WINDOW, HOP) * np.hanning(WINDOW)
    if frames.shape[0] == 0:
        return None
    power = np.abs(np.fft.rfft(frames, FFT)) ** 2
    energy = power.sum(axis=1)
    loud = energy > 0.05 * energy.max()
    cepstra = dct(np.log(power @ _MEL.T + 1e-10), type=2, norm="ortho", axis=1)[:, 1:13]

    pitched = _frames(x, PITCH_WINDOW, HOP)
    pitched = pitched - pitched.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(pitched, 2 * PITCH_WINDOW)
    ac = np.fft.irfft(np.abs(spectrum) ** 2)[:, :PITCH_WINDOW]
    lo, hi = int(RATE / FMAX), int(RATE / FMIN)
    lags = lo + np.argmax(ac[:, lo:hi], axis=1)
    strength = ac[np.arange(ac.shape[0]), lags] / np.maximum(ac[:, 0], 1e-12)
    n = min(len(lags), len(loud))
    voiced = (strength[:n] > 0.45) & loud[:n]
    if voiced.sum() * HOP / RATE < MIN_VOICED_S:
        return None
    pitch = 12 * np.log2(np.median(RATE / lags[:n][voiced]) / 55.0)
    return np.concatenate([[pitch / PITCH_SCALE], cepstra[:n][voiced].mean(axis=0) / CEPSTRUM_SCALE])


def speaker_ids(sound: np.ndarray, spans: Sequence[tuple[float, float]]) -> list[int | None]:
    """A speaker number (0, 1, …, in order of first appearance) for each (start, end) span of
    `sound` (16 kHz mono); None where the span holds too little voice to tell."""
    prints = [voice_print(sound[int(a * RATE):int(b * RATE)]) for a, b in spans]
    known = [i for i, p in enumerate(prints) if p is not None]
    ids: list[int | None] = [None] * len(spans)
    if len(known) == 1:
        ids[known[0]] = 0
    if len(known) < 2:
        return ids
    from scipy.cluster.hierarchy import fcluster, linkage

    points = np.stack([prints[i] for i in known])
    labels = fcluster(linkage(points, method="average"), t=SPLIT, criterion="distance")
    order: dict[int, int] = {}
    for i, label in zip(known, labels, strict=True):
        ids[i] = order.setdefault(int(label), len(order))
    return ids


def distances(sound: np.ndarray, spans: Sequence[tuple[float, float]]) -> np.ndarray:
    """The print distances between spans (for tuning `SPLIT`; NaN where a print is missing)."""
    prints = [voice_print(sound[int(a * RATE):int(b * RATE)]) for a, b in spans]
    n = len(prints)
    out = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            if prints[i] is not None and prints[j] is not None:
                out[i, j] = float(np.linalg.norm(prints[i] - prints[j]))
    return out
