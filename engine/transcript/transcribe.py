"""The transcription job: decode the sound at 16 kHz mono with our reader, run Whisper with
word timestamps, and keep the result in the analysis cache per file and model."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from os import PathLike
from pathlib import Path

import numpy as np

from engine.jobs import Job, Partial, drive
from engine.media import MediaError, probe
from engine.media.audio import iter_audio

from . import model as models
from .result import Segment, Transcript, Word

ANALYSER = "transcript"
#: Bump whenever the transcript of the same file and model would change.
VERSION = "3"  # 3: segments carry a speaker
RATE = 16000  # what Whisper listens at
# Peak below this (about -60 dBFS) is taken for silence: Whisper invents words in silence.
SILENCE_PEAK = 1e-3
_DEFAULT_CACHE = object()


def transcribe_job(path: str | PathLike[str], model: str | None = None, language: str | None = None,
                   cache=_DEFAULT_CACHE, only_cached: bool = False) -> Job[Transcript | None]:
    """Transcribes the speech of one media file; yields progress and each segment as a `Partial`.

    Args:
        path: The media file (video with sound, or sound only).
        model: A local faster-whisper model folder; None for the settings' choice, '' for the
            bundled tiny.en. One that will not load falls back to the bundled model, with a
            warning in the result.
        language: A language code ("en", "fr"); None to detect it (English-only models say "en").
        cache: An `AnalysisCache`; the user's cache by default, None for no caching.
        only_cached: return the cached transcript, or None without transcribing.

    Returns:
        The `Transcript`; empty with a `reason` for a file without sound or with silence only.

    Raises:
        MediaError: the file cannot be read, or its sound cannot be decoded.
    """
    path = Path(path)
    info = probe(path)  # MediaError naming the file when it is not media at all
    fps = float(info.video.frame_rate) if info.video is not None and info.video.frame_rate else None
    if not info.audio:
        yield 1.0, f"{path.name}: no audio stream"
        return Transcript(str(path), "", language or "", fps=fps, reason="no audio stream")

    yield 0.0, f"{path.name}: loading the speech model"
    loaded = models.load(model)
    warnings = [loaded.warning] if loaded.warning else []
    if loaded.english_only:
        if language and language != "en":
            warnings.append(f"{loaded.name} only knows English; transcribed as English")
        language = "en"
    if cache is _DEFAULT_CACHE:
        from engine.cache.store import AnalysisCache

        cache = AnalysisCache()
    key = None
    analyser = f"{ANALYSER}:{loaded.name}:{language or 'auto'}"
    if cache is not None:
        from engine.cache.fingerprint import fingerprint

        key = fingerprint(path)
        hit = cache.get(key, analyser, VERSION)
        if hit is not None:
            yield 1.0, f"{path.name}: transcript from the cache"
            result = Transcript.from_cache(hit)
            # the cache is keyed by content: a copy or a moved file is this file, by this name
            result.file, result.warnings = str(path), warnings
            return result
    if only_cached:
        return None

    sound = yield from _decode(path, info.duration or 0.0)
    duration = sound.size / RATE
    if sound.size == 0 or float(np.abs(sound).max()) < SILENCE_PEAK:
        result = Transcript(str(path), loaded.name, language or "", fps=fps, duration=duration,
                            reason="no speech: the sound is silent", warnings=warnings)
        if cache is not None:
            cache.put(key, analyser, VERSION, result.to_cache())
        return result

    yield 0.2, f"{path.name}: listening"
    segments_iter, detected = loaded.model.transcribe(
        sound, language=language, word_timestamps=True, beam_size=5,
        # Silero VAD (its weights ship in the faster-whisper wheel) skips the silences,
        # where Whisper would otherwise hallucinate words; keep short pauses inside speech.
        vad_filter=True, vad_parameters={"min_silence_duration_ms": 500},
        condition_on_previous_text=False)
    segments: list[Segment] = []
    previous_end = 0.0
    for s in segments_iter:  # decoding happens as this is iterated: one yield per segment
        words = []
        for w in s.words or []:
            start = w.start
            if previous_end == 0.0 or w.start - previous_end > 0.25:  # after a pause
                start = speech_onset(sound, w.start, w.end, previous_end)
            words.append(Word(round(float(start), 3), round(float(w.end), 3), w.word,
                              round(float(w.probability), 4)))
            previous_end = w.end
        start = words[0].start if words else s.start
        segment = Segment(round(float(start), 3), round(float(s.end), 3), s.text.strip(), tuple(words))
        segments.append(segment)
        yield Partial(segment)
        yield 0.2 + 0.8 * min(s.end / max(duration, 1e-6), 0.99), f"{path.name}: {s.end:.0f} of {duration:.0f} s"
    if len(segments) > 1:
        yield 0.99, f"{path.name}: telling the voices apart"
        from .speakers import speaker_ids

        ids = speaker_ids(sound, [(s.start, s.end) for s in segments])
        segments = [dataclasses.replace(s, speaker=i) for s, i in zip(segments, ids, strict=True)]
    elif segments:
        segments = [dataclasses.replace(segments[0], speaker=0)]
    result = Transcript(str(path), loaded.name, detected.language or language or "", segments, fps,
                        duration, None if segments else "no speech found", warnings)
    if cache is not None:
        cache.put(key, analyser, VERSION, result.to_cache())
    yield 1.0, f"{path.name}: {len(result.words)} words"
    return result


def cached_transcript_job(path: str | PathLike[str], model: str | None = None,
                          language: str | None = None) -> Job[Transcript | None]:
    """The transcript already in the cache for `path` and this model, or None (quick: the app
    asks for it whenever a clip is shown)."""
    return transcribe_job(path, model, language, only_cached=True)


def cached_transcript(path: str | PathLike[str], cache=_DEFAULT_CACHE, key: str | None = None) -> Transcript | None:
    """The transcript the cache holds for `path` from the settings' model (else the bundled
    one), without loading any model; None when there is none. `key`: the file's fingerprint,
    when the caller has it."""
    if cache is _DEFAULT_CACHE:
        from engine.cache.store import AnalysisCache

        cache = AnalysisCache()
    if cache is None:
        return None
    if key is None:
        from engine.cache.fingerprint import fingerprint

        key = fingerprint(Path(path))
    names = [str(Path(c).expanduser()) for c in [models.configured_model()] if c] + [models.BUNDLED]
    for name in names:
        for language in ("en", "auto"):
            hit = cache.get(key, f"{ANALYSER}:{name}:{language}", VERSION)
            if hit is not None:
                result = Transcript.from_cache(hit)
                result.file = str(path)  # keyed by content: a copy is this file
                return result
    return None


def transcribe(path: str | PathLike[str], progress: Callable[[float, str], None] | None = None,
               cancel=None, **options) -> Transcript:
    """Blocking form of `transcribe_job`; raises `engine.jobs.Cancelled` when ``cancel`` is set."""
    return drive(transcribe_job(path, **options), progress, cancel)


def speech_onset(sound: np.ndarray, start: float, end: float, floor_from: float = 0.0) -> float:
    """Where the sound of a word that follows a pause really begins, in seconds.

    Whisper puts such a word's start at the edge of the voice-activity window, which the VAD
    pads by a few hundred milliseconds: an editor cutting on it would keep a breath of room
    tone. The start moves forward to the first 10 ms where the level rises to a tenth of the
    word's loudest, never past the word's middle.
    """
    hop = RATE // 100
    a, b = int(start * RATE), int(min(end, sound.size / RATE) * RATE)
    if b - a < 4 * hop:
        return start
    frames = sound[a:b - (b - a) % hop].reshape(-1, hop)
    level = np.sqrt((frames ** 2).mean(axis=1))
    # the room tone before the word sets the floor, so noise is not taken for speech
    quiet = sound[int(floor_from * RATE):a]
    noise = float(np.sqrt((quiet[-RATE // 2:] ** 2).mean())) if quiet.size >= hop else 0.0
    threshold = max(0.1 * float(level.max()), 3 * noise, 1e-3)
    above = np.flatnonzero(level >= threshold)
    if above.size == 0:
        return start
    onset = start + above[0] * hop / RATE
    return min(onset, (start + end) / 2)


def _decode(path: Path, duration: float) -> Job[np.ndarray]:
    """All the sound as 16 kHz mono float32 (progress 0..0.2), in the file's own time."""
    parts: list[np.ndarray] = []
    done = 0.0
    try:
        for chunk in iter_audio(path, RATE, 1, chunk_seconds=30.0):
            parts.append(chunk[0])
            done += chunk.shape[1] / RATE
            yield 0.2 * min(done / max(duration, 1e-6), 1.0), f"{path.name}: decoding sound"
    except MediaError:
        raise
    except Exception as exc:  # noqa: BLE001 - a decoder failing any other way is still this file's fault
        raise MediaError(path, f"sound cannot be decoded ({exc})") from exc
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)
