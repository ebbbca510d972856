"""Sound features: EBU R128 loudness, loudness range, onsets, tempo, speech, silence.

The sound is decoded once, in chunks, at 48 kHz stereo and reduced on the fly to
10 ms hops (``SoundTrack``): K-weighted power per channel for loudness, and from
a short spectrum per hop the energy, the share of it in the speech band and a
spectral-flux onset envelope. Everything per shot or per frame is then cheap
arithmetic on those hop arrays, so a feature film's sound never sits in memory.

Loudness follows ITU-R BS.1770-4 / EBU R128 (K-weighting filters from
``pyloudnorm``, 400 ms blocks every 100 ms, absolute gate -70 LUFS, relative
gate -10 LU); loudness range follows EBU Tech 3342 (3 s short-term blocks,
-20 LU relative gate, 10th to 95th percentile). Speech presence is a
voice-activity heuristic: most energy in the 300-3400 Hz band and the 4-8 dB
syllabic rise and fall of the level that speech has and sustained music lacks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks, lfilter

SAMPLE_RATE = 48000
CHANNELS = 2
HOP = 480  # 10 ms
HOPS_PER_SECOND = SAMPLE_RATE // HOP
FFT_SIZE = 1024
#: Loudness reported for silence and for files without sound (the R128 absolute gate).
FLOOR_LUFS = -70.0
SILENCE_DBFS = -50.0
SPEECH_BAND = (300.0, 3400.0)
# Tempo: beats between 0.3 s and 1.0 s apart (200 to 60 BPM), judged over at least 6 s.
TEMPO_LAGS = (30, 100)
TEMPO_WINDOW_S = 6.0
# An autocorrelation peak this high (relative to lag 0) means a steady beat.
BEAT_CLARITY = 0.25


@dataclass
class SoundTrack:
    """Hop-level summary of a file's sound (100 hops a second from the timeline's start).

    Attributes:
        power: (channels, n) mean square of the K-weighted signal per hop.
        energy_db: (n,) unweighted mono level per hop in dBFS.
        speech_band: (n,) share of the hop's energy between 300 and 3400 Hz.
        flux: (n,) spectral-flux onset strength.
    """

    power: np.ndarray
    energy_db: np.ndarray
    speech_band: np.ndarray
    flux: np.ndarray

    def __len__(self) -> int:
        return len(self.energy_db)

    def to_cache(self) -> dict:
        return {"power": self.power.astype(np.float32), "energy_db": self.energy_db.astype(np.float32),
                "speech_band": self.speech_band.astype(np.float32), "flux": self.flux.astype(np.float32)}

    @classmethod
    def from_cache(cls, data: dict) -> SoundTrack:
        return cls(*(np.asarray(data[k], np.float64) for k in ("power", "energy_db", "speech_band", "flux")))


class SoundAnalyser:
    """Turns chunks of (channels, n) float32 samples at 48 kHz into a ``SoundTrack``."""

    def __init__(self):
        from pyloudnorm import Meter

        # pyloudnorm's K-weighting stages (high shelf, then high pass), run with
        # carried filter state so that chunk edges leave no trace.
        self._stages = [(f.b, f.a) for f in Meter(SAMPLE_RATE)._filters.values()]
        self._state = None
        self._k_rest = np.zeros((CHANNELS, 0))
        self._mono_tail = np.zeros(FFT_SIZE - HOP)
        self._window = np.hanning(FFT_SIZE)
        freqs = np.fft.rfftfreq(FFT_SIZE, 1 / SAMPLE_RATE)
        self._band = (freqs >= SPEECH_BAND[0]) & (freqs <= SPEECH_BAND[1])
        self._audible = (freqs >= 60) & (freqs <= 8000)
        self._prev_spec = None
        self._parts: dict[str, list[np.ndarray]] = {k: [] for k in ("power", "energy_db", "speech_band", "flux")}

    def push(self, chunk: np.ndarray) -> None:
        """Add the next chunk of samples."""
        x = np.asarray(chunk, np.float64)
        if x.shape[0] != CHANNELS:
            raise ValueError(f"expected {CHANNELS} channels, got {x.shape[0]}")
        if self._state is None:
            self._state = [np.zeros((CHANNELS, len(a) - 1)) for _, a in self._stages]
        k = x
        for i, (b, a) in enumerate(self._stages):
            k, self._state[i] = lfilter(b, a, k, axis=1, zi=self._state[i])
        k = np.concatenate([self._k_rest, k], axis=1)
        n = k.shape[1] // HOP
        self._parts["power"].append((k[:, : n * HOP] ** 2).reshape(CHANNELS, n, HOP).mean(axis=2))
        self._k_rest = k[:, n * HOP:]
        self._spectra(np.concatenate([self._mono_tail, x.mean(axis=0)]))

    def _spectra(self, mono: np.ndarray) -> None:
        n = (len(mono) - (FFT_SIZE - HOP)) // HOP
        if n <= 0:
            self._mono_tail = mono
            return
        idx = np.arange(FFT_SIZE)[None, :] + HOP * np.arange(n)[:, None]
        frames = mono[idx]
        self._mono_tail = mono[n * HOP:]
        spec = np.abs(np.fft.rfft(frames * self._window, axis=1)) ** 2
        total = spec[:, self._audible].sum(axis=1)
        self._parts["speech_band"].append(spec[:, self._band].sum(axis=1) / np.maximum(total, 1e-12))
        # The level of the hop itself (its central 10 ms), not of the whole window.
        centre = frames[:, (FFT_SIZE - HOP) // 2:(FFT_SIZE + HOP) // 2]
        self._parts["energy_db"].append(10 * np.log10(np.mean(centre ** 2, axis=1) + 1e-12))
        logspec = np.log1p(1e4 * spec)
        prev = logspec[:1] if self._prev_spec is None else self._prev_spec
        diff = np.diff(np.concatenate([prev, logspec]), axis=0)
        self._parts["flux"].append(np.maximum(diff, 0).mean(axis=1))
        self._prev_spec = logspec[-1:]

    def finish(self) -> SoundTrack:
        """The hop arrays, all cut to the same length."""
        parts = {k: (np.concatenate(v, axis=-1) if v else np.zeros((CHANNELS, 0) if k == "power" else 0))
                 for k, v in self._parts.items()}
        n = min(parts["power"].shape[1], len(parts["energy_db"]))
        return SoundTrack(parts["power"][:, :n], parts["energy_db"][:n], parts["speech_band"][:n], parts["flux"][:n])


def analyse_sound(chunks) -> SoundTrack:
    """A ``SoundTrack`` from an iterable of (2, n) float32 chunks at 48 kHz."""
    analyser = SoundAnalyser()
    for chunk in chunks:
        analyser.push(chunk)
    return analyser.finish()


# -- loudness -------------------------------------------------------------------------


def _block_loudness(track: SoundTrack, block_hops: int, step_hops: int, lo: int, hi: int) -> np.ndarray:
    """LUFS of blocks of ``block_hops`` every ``step_hops`` starting inside [lo, hi - block)."""
    power = track.power.sum(axis=0)  # channel weights are 1.0 for L and R
    lo, hi = max(0, lo), min(len(power), hi)
    if hi - lo < block_hops:
        # Shorter than one block: measure one block centred on the span instead.
        centre = (lo + hi) // 2
        lo = max(0, min(centre - block_hops // 2, len(power) - block_hops))
        hi = min(len(power), lo + block_hops)
        if hi - lo < 1:
            return np.zeros(0)
    cum = np.concatenate([[0.0], np.cumsum(power[lo:hi])])
    starts = np.arange(0, max(1, hi - lo - block_hops + 1), step_hops)
    ends = np.minimum(starts + block_hops, hi - lo)
    mean_square = (cum[ends] - cum[starts]) / np.maximum(ends - starts, 1)
    return -0.691 + 10 * np.log10(np.maximum(mean_square, 1e-20))


def integrated_loudness(track: SoundTrack, lo: int, hi: int) -> float:
    """BS.1770-4 gated loudness of hops [lo, hi) in LUFS; ``FLOOR_LUFS`` for silence."""
    blocks = _block_loudness(track, 40, 10, lo, hi)
    blocks = blocks[blocks > FLOOR_LUFS]
    if len(blocks) == 0:
        return FLOOR_LUFS
    relative = 10 * np.log10(np.mean(10 ** (blocks / 10))) - 10.0
    gated = blocks[blocks > relative]
    return float(max(FLOOR_LUFS, 10 * np.log10(np.mean(10 ** (gated / 10)))))


def loudness_range(track: SoundTrack, lo: int, hi: int) -> float:
    """EBU Tech 3342 loudness range (LU) of hops [lo, hi), widened to at least 6 s.

    A range needs a spread of 3 s short-term values; a two-second shot has one,
    so the window grows around the shot's centre to hold enough.
    """
    need = int(TEMPO_WINDOW_S * HOPS_PER_SECOND)
    if hi - lo < need:
        centre = (lo + hi) // 2
        lo, hi = centre - need // 2, centre + need // 2
    blocks = _block_loudness(track, 300, 10, lo, hi)
    blocks = blocks[blocks > FLOOR_LUFS]
    if len(blocks) == 0:
        return 0.0
    relative = 10 * np.log10(np.mean(10 ** (blocks / 10))) - 20.0
    gated = blocks[blocks >= relative]
    return float(np.percentile(gated, 95) - np.percentile(gated, 10))


def momentary_loudness(track: SoundTrack, times: np.ndarray) -> np.ndarray:
    """Momentary loudness (400 ms block centred on each time, in seconds), LUFS, floored."""
    power = track.power.sum(axis=0)
    cum = np.concatenate([[0.0], np.cumsum(power)])
    centre = np.round(np.asarray(times, float) * HOPS_PER_SECOND).astype(int)
    lo = np.clip(centre - 20, 0, len(power))
    hi = np.clip(centre + 20, 0, len(power))
    ms = (cum[hi] - cum[lo]) / np.maximum(hi - lo, 1)
    lufs = -0.691 + 10 * np.log10(np.maximum(ms, 1e-20))
    return np.maximum(lufs, FLOOR_LUFS)


# -- rhythm and voice --------------------------------------------------------------------


def onsets(track: SoundTrack) -> np.ndarray:
    """Hop indices of sound onsets: flux peaks well above their local median."""
    flux = track.flux
    if len(flux) < 3:
        return np.zeros(0, int)
    from scipy.ndimage import maximum_filter1d, median_filter

    size = 2 * HOPS_PER_SECOND + 1
    local = median_filter(flux, size=size, mode="nearest")
    spread = median_filter(np.abs(flux - local), size=size, mode="nearest")
    top = maximum_filter1d(flux, size=size, mode="nearest")
    # Far above the local noise of the envelope (6 MADs: steady noise never gets
    # there) and within reach of the strongest onset nearby (so a drum's tail is
    # not counted again).
    height = local + np.maximum(6 * spread, 0.2 * (top - local)) + 0.02
    peaks, _ = find_peaks(flux, height=height, distance=5)
    # An onset in silence is a codec artefact or a click, not an event.
    return peaks[track.energy_db[peaks] > SILENCE_DBFS]


def speech_hops(track: SoundTrack) -> np.ndarray:
    """Boolean per hop: voice-like sound (speech band dominant, syllabic level changes)."""
    e = track.energy_db
    if len(e) == 0:
        return np.zeros(0, bool)
    from scipy.ndimage import uniform_filter1d

    # Level fluctuation over ~0.5 s: speech alternates syllables and gaps 4-5 times a second.
    mean = uniform_filter1d(e, 50, mode="nearest")
    std = np.sqrt(np.maximum(uniform_filter1d(e ** 2, 50, mode="nearest") - mean ** 2, 0))
    band = uniform_filter1d(track.speech_band, 10, mode="nearest")
    return (e > SILENCE_DBFS) & (band > 0.6) & (std > 4.0)


def tempo(track: SoundTrack, lo: int, hi: int) -> tuple[float, float]:
    """(BPM, beat clarity) of hops [lo, hi), widened to ``TEMPO_WINDOW_S``; BPM 0 without a beat."""
    need = int(TEMPO_WINDOW_S * HOPS_PER_SECOND)
    if hi - lo < need:
        centre = (lo + hi) // 2
        lo, hi = centre - need // 2, centre + need // 2
    lo, hi = max(0, lo), min(len(track.flux), hi)
    env = track.flux[lo:hi] - track.flux[lo:hi].mean()
    if len(env) < 2 * TEMPO_LAGS[1] or not np.any(env):
        return 0.0, 0.0
    spectrum = np.fft.rfft(env, 2 * len(env))
    ac = np.fft.irfft(np.abs(spectrum) ** 2)[: TEMPO_LAGS[1] + 2]
    if ac[0] <= 0:
        return 0.0, 0.0
    ac = ac / ac[0]
    lags = np.arange(TEMPO_LAGS[0], TEMPO_LAGS[1] + 1)
    # A one-octave log-normal prior around 120 BPM picks the beat rather than its
    # subdivision when both correlate (the usual tempo-octave ambiguity).
    prior = np.exp(-0.5 * np.log2(60.0 * HOPS_PER_SECOND / lags / 120.0) ** 2)
    lag = int(lags[np.argmax(ac[lags] * prior)])
    clarity = float(ac[lag])
    if clarity < BEAT_CLARITY:
        return 0.0, clarity
    # Parabolic interpolation: a 10 ms hop alone would quantise 120 BPM to +-2 BPM.
    a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    return float(60.0 * HOPS_PER_SECOND / (lag + shift)), clarity


def shot_sound(track: SoundTrack, t0: float, t1: float, onset_hops: np.ndarray,
               speech: np.ndarray) -> dict[str, float]:
    """Sound features of the span [t0, t1) seconds.

    Returns:
        loudness (LUFS), loudness_range (LU), onset_rate (per second), tempo (BPM,
        0 where no steady beat or where speech dominates), speech and silence
        (fractions of the span).
    """
    lo = int(round(t0 * HOPS_PER_SECOND))
    hi = max(lo + 1, int(round(t1 * HOPS_PER_SECOND)))
    span = slice(max(0, lo), max(0, min(hi, len(track))))
    seconds = max((hi - lo) / HOPS_PER_SECOND, 1e-3)
    n_onsets = int(np.count_nonzero((onset_hops >= lo) & (onset_hops < hi)))
    speech_share = float(speech[span].mean()) if speech[span].size else 0.0
    silence = float((track.energy_db[span] <= SILENCE_DBFS).mean()) if track.energy_db[span].size else 1.0
    bpm, _ = tempo(track, lo, hi)
    if speech_share > 0.4 or silence > 0.8:
        bpm = 0.0  # a beat under speech or in near silence is not music
    return {
        "loudness": integrated_loudness(track, lo, hi),
        "loudness_range": loudness_range(track, lo, hi),
        "onset_rate": n_onsets / seconds,
        "tempo": bpm,
        "speech": speech_share,
        "silence": silence,
    }
