"""Generated effect elements: what the editor asked for, as editable parameters."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

KINDS = ("rain", "snow", "dust", "sparks", "fog", "light_leak", "grain", "title")
# Kinds that belong to the lens or the film, not the scene: they do not follow the camera.
SCREEN_SPACE = frozenset({"light_leak", "grain"})


@dataclass
class Element:
    """One element and its parameters; every field is something the editor may adjust.

    Attributes:
        kind: One of ``KINDS``.
        density: 0..1, how much of it (particle count, fog thickness, blob count).
        speed: Frame heights per second for the nearest layer (far layers are slower).
        direction: Degrees of travel on screen: 0 right, 90 up, 180 left, 270 down.
        colour: Straight RGB, 0..1.
        size: Multiplier of the kind's natural size (particle radius, text height).
        layers: Depth layers, far to near: nearer ones are bigger, faster, softer.
        opacity: 0..1 overall.
        duration: Seconds from the shot's start; None for the whole shot.
        seed: Same seed, same picture, frame for frame.
        motion_blur: Shutter open as a fraction of the frame (0.5 is a 180-degree shutter).
        tracked: Move with the shot's camera (lens/film effects default to False).
        text: The words of a title.
        fade_in, fade_out: Seconds of fade at the start and end.
    """

    kind: str
    density: float = 0.5
    speed: float = 0.1
    direction: float = 270.0
    colour: tuple[float, float, float] = (1.0, 1.0, 1.0)
    size: float = 1.0
    layers: int = 3
    opacity: float = 0.8
    duration: float | None = None
    seed: int = 0
    motion_blur: float = 0.5
    tracked: bool = True
    text: str = ""
    fade_in: float = 0.0
    fade_out: float = 0.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown element {self.kind!r}; one of {', '.join(KINDS)}")
        self.colour = tuple(float(c) for c in self.colour)
        self.layers = max(1, int(self.layers))

    @classmethod
    def preset(cls, kind: str, **changes) -> Element:
        """The kind's defaults, with ``changes`` applied."""
        if kind not in KINDS:
            raise ValueError(f"unknown element {kind!r}; one of {', '.join(KINDS)}")
        return cls(kind=kind, **{**PRESETS[kind], **changes})

    def replace(self, **changes) -> Element:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["colour"] = list(self.colour)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> Element:
        names = {f.name for f in fields(cls)}
        return cls(**{k: (tuple(v) if k == "colour" else v) for k, v in data.items() if k in names})


PRESETS: dict[str, dict] = {
    "rain": dict(density=0.5, speed=2.2, direction=265.0, colour=(0.8, 0.85, 0.9), size=1.0,
                 layers=3, opacity=0.55),
    "snow": dict(density=0.5, speed=0.12, direction=270.0, colour=(1.0, 1.0, 1.0), size=1.0,
                 layers=3, opacity=0.9),
    "dust": dict(density=0.4, speed=0.02, direction=80.0, colour=(1.0, 0.95, 0.85), size=1.0,
                 layers=3, opacity=0.7),
    "sparks": dict(density=0.5, speed=0.45, direction=90.0, colour=(1.0, 0.55, 0.15), size=1.0,
                   layers=2, opacity=1.0),
    "fog": dict(density=0.5, speed=0.03, direction=180.0, colour=(0.85, 0.87, 0.9), size=1.0,
                layers=2, opacity=0.6),
    "light_leak": dict(density=0.5, speed=0.08, direction=0.0, colour=(1.0, 0.55, 0.2), size=1.0,
                       layers=1, opacity=0.6, tracked=False),
    "grain": dict(density=0.5, speed=0.0, direction=0.0, colour=(1.0, 1.0, 1.0), size=1.0,
                  layers=1, opacity=0.12, tracked=False, motion_blur=0.0),
    "title": dict(density=0.0, speed=0.0, direction=0.0, colour=(1.0, 1.0, 1.0), size=1.0,
                  layers=1, opacity=1.0, text="TITLE", motion_blur=0.0),
}
