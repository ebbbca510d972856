"""Music for an edit: its beats, which become the only frames the proposer cuts on."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from os import PathLike
from pathlib import Path

import numpy as np

# Beat tracking needs neither stereo nor full bandwidth; this is librosa's own default rate.
_ANALYSIS_RATE = 22050


@dataclass
class Music:
    """A music track laid from the edit's first frame.

    Attributes:
        beat_frames: Timeline frames (at ``rate``) of the beats, ascending.
        tempo_bpm: Estimated tempo.
        frames: Length of the music in timeline frames.
    """

    path: Path
    rate: Fraction
    beat_frames: np.ndarray
    tempo_bpm: float
    frames: int
    sample_rate: int = 48000
    channels: int = 2


def music_beats(path: str | PathLike[str], rate: Fraction) -> Music:
    """Beats of a music file (librosa's beat tracker), in frames at ``rate``.

    Raises:
        engine.media.MediaError: If the file cannot be decoded.
    """
    import librosa

    from engine.media import read_audio

    path = Path(path)
    samples = read_audio(path, sample_rate=_ANALYSIS_RATE, channels=1)[0]
    if samples.size == 0:
        return Music(path, Fraction(rate), np.zeros(0, int), 0.0, 0)
    tempo, beats = librosa.beat.beat_track(y=samples, sr=_ANALYSIS_RATE, units="time")
    frames = np.unique(np.round(np.asarray(beats) * float(rate)).astype(int))
    return Music(path, Fraction(rate), frames, float(np.atleast_1d(tempo)[0]),
                 int(round(samples.size / _ANALYSIS_RATE * float(rate))))
