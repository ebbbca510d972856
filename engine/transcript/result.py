"""A transcript: segments of words with times in the media file's own seconds (and frames)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Word:
    start: float  # seconds on the file's timeline
    end: float
    word: str  # as the model writes it, with its leading space
    probability: float = 1.0

    @property
    def speakers(self) -> int:
        """How many voices were told apart (0 when none was)."""
        return len({s.speaker for s in self.segments if s.speaker is not None})

    @property
    def text(self) -> str:
        return self.word.strip()


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    speaker: int | None = None  # 0, 1, … by first appearance; None where the voice is not told


@dataclass
class Transcript:
    file: str
    model: str  # what actually ran (the bundled model when a configured one failed)
    language: str
    segments: list[Segment] = field(default_factory=list)
    fps: float | None = None  # the file's video rate, for frame numbers; None for sound only
    duration: float = 0.0  # seconds of sound transcribed
    reason: str | None = None  # why the transcript is empty, worded for the editor
    warnings: list[str] = field(default_factory=list)  # e.g. a configured model that failed

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    @property
    def speakers(self) -> int:
        """How many voices were told apart (0 when none was)."""
        return len({s.speaker for s in self.segments if s.speaker is not None})

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    def frame(self, seconds: float) -> int | None:
        """The frame of the file that shows at `seconds` (None without video)."""
        return None if not self.fps else int(seconds * self.fps + 1e-6)

    def to_dict(self) -> dict[str, Any]:
        """The `--json` form: times in seconds, words with their probability; with video, each
        segment's first and last frame too (frames count from 0 at the file's start)."""
        frames = (lambda s: {"start_frame": self.frame(s.start), "end_frame": self.frame(s.end)}
                  ) if self.fps else (lambda s: {})
        return {"file": self.file, "model": self.model, "language": self.language,
                "segments": [{"start": s.start, "end": s.end, **frames(s), "text": s.text.strip(),
                              **({"speaker": s.speaker} if s.speaker is not None else {}),
                              "words": [asdict(w) for w in s.words]} for s in self.segments],
                "fps": self.fps,
                **({"reason": self.reason} if self.reason else {}),
                **({"warnings": list(self.warnings)} if self.warnings else {})}

    def to_cache(self) -> dict[str, Any]:
        return {**self.to_dict(), "fps": self.fps, "duration": self.duration,
                "reason": self.reason, "warnings": []}

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> Transcript:
        segments = [Segment(s["start"], s["end"], s["text"], tuple(Word(**w) for w in s["words"]),
                            s.get("speaker")) for s in data["segments"]]
        return cls(data["file"], data["model"], data["language"], segments, data.get("fps"),
                   data.get("duration", 0.0), data.get("reason"), list(data.get("warnings") or []))
