"""Speech with known words at known times, made with espeak-ng, for the transcript tests."""
from __future__ import annotations

import subprocess
import wave
from collections.abc import Iterable
from pathlib import Path

import numpy as np

RATE = 22050  # espeak-ng's usual output rate; other voices are resampled to it


def speak(text: str, voice: str, folder: Path) -> np.ndarray:
    """One line said by espeak-ng at RATE, its leading silence cut so it starts at sample 0."""
    out = folder / "line.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(out), text], check=True)
    with wave.open(str(out)) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
        if w.getframerate() != RATE:
            samples = np.interp(np.arange(0, samples.size, w.getframerate() / RATE),
                                np.arange(samples.size), samples).astype(np.float32)
    return samples[int(np.argmax(np.abs(samples) > 0.02)):]


def write_wav(path: Path, samples: np.ndarray) -> Path:
    """16-bit mono WAV at RATE."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    return path


def spoken_scene(lines: Iterable[tuple[float, str, str]], seconds: float, path: Path) -> Path:
    """A WAV of `seconds` in which each (start second, voice, words) line begins at its start."""
    sound = np.zeros(int(seconds * RATE), np.float32)
    for start, voice, text in lines:
        line = speak(text, voice, path.parent)
        at = int(start * RATE)
        sound[at:at + line.size] += line[: sound.size - at]
    return write_wav(path, sound)
