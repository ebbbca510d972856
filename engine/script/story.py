"""The hierarchical story a writer builds step by step: plain, editable, serialisable data.

After Dramatron (Mirowski et al., CHI 2023): logline → title, characters, beats, locations →
scenes → drafts. Each step in `engine.script.outline` takes a `Story` the writer may have
edited and returns a new one; nothing here knows about models.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from engine.script import fountain as ft

# Beat sheets by name: (act, beat name) in order.
STRUCTURES: dict[str, list[tuple[int, str]]] = {
    "three-act": [(1, "Setup"), (1, "Inciting incident"), (2, "Rising action"), (2, "Midpoint"),
                  (2, "Crisis"), (3, "Climax"), (3, "Resolution")],
    "save-the-cat": [(1, "Opening image"), (1, "Catalyst"), (1, "Debate"), (2, "Break into two"),
                     (2, "Fun and games"), (2, "Midpoint"), (2, "Bad guys close in"),
                     (2, "All is lost"), (3, "Break into three"), (3, "Finale"), (3, "Final image")],
}


@dataclass
class Character:
    name: str
    description: str = ""


@dataclass
class Beat:
    act: int
    name: str
    description: str = ""


@dataclass
class Location:
    name: str  # a scene heading's place, e.g. "INT. LIGHTHOUSE"
    description: str = ""


@dataclass
class Scene:
    heading: str  # "INT. LIGHTHOUSE - NIGHT"
    beat: str = ""
    summary: str = ""
    characters: list[str] = field(default_factory=list)
    draft: str = ""  # Fountain


@dataclass
class Story:
    """Everything the outline steps produce; the writer edits any field between steps."""

    logline: str
    structure: str = "three-act"
    title: str = ""
    characters: list[Character] = field(default_factory=list)
    beats: list[Beat] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    scenes: list[Scene] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Story:
        return cls(logline=data["logline"], structure=data.get("structure", "three-act"),
                   title=data.get("title", ""),
                   characters=[Character(**c) for c in data.get("characters", [])],
                   beats=[Beat(**b) for b in data.get("beats", [])],
                   locations=[Location(**loc) for loc in data.get("locations", [])],
                   scenes=[Scene(**s) for s in data.get("scenes", [])])

    def screenplay(self) -> ft.Screenplay:
        """The drafted scenes as one screenplay with a title page."""
        elements: list[ft.Element] = []
        for scene in self.scenes:
            parsed = ft.parse(scene.draft).elements if scene.draft.strip() else []
            if not parsed or parsed[0].kind != ft.SCENE_HEADING:
                parsed.insert(0, ft.Element(ft.SCENE_HEADING, scene.heading.upper()))
            elements += parsed
        title_page = {"title": self.title or "Untitled", "credit": "Written with Moviola"}
        return ft.Screenplay(elements, title_page)
