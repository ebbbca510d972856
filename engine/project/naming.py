"""Names an editor can tell apart: camera cards repeat ``C0001.MP4``, so a file name alone
is not an identity. Media items are their fingerprints; these are only their labels."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path


def display_names(paths: Iterable[Path]) -> dict[Path, str]:
    """Each path's file name, plus the shortest run of parent folders that sets it apart from
    other paths with the same name: ``clip.mp4 — a/`` and ``clip.mp4 — b/``."""
    paths = list(dict.fromkeys(Path(p) for p in paths))
    by_name: dict[str, list[Path]] = defaultdict(list)
    for path in paths:
        by_name[path.name].append(path)
    names: dict[Path, str] = {}
    for name, group in by_name.items():
        if len(group) == 1:
            names[group[0]] = name
            continue
        depth = 1
        deepest = max(len(p.parent.parts) for p in group)
        while depth < deepest:
            tails = [p.parent.parts[-depth:] for p in group]
            if len(set(tails)) == len(tails):
                break
            depth += 1
        for path in group:
            tail = "/".join(path.parent.parts[-depth:]).lstrip("/")
            names[path] = f"{name} — {tail}/"
    return names


def display_stem(display_name: str) -> str:
    """A display name without the file extension: ``clip — a/`` for ``clip.mp4 — a/``."""
    name, sep, tail = display_name.partition(" — ")
    return Path(name).stem + (sep + tail if sep else "")


def breakdown_names(paths: Iterable[Path]) -> dict[Path, str]:
    """Each file's shot breakdown timeline name: ``"<display name without extension> — shots"``."""
    return {path: f"{display_stem(name)} — shots" for path, name in display_names(paths).items()}


def clean_file_name(text: str) -> str:
    """``text`` as a file name an editor would type: no slashes, colons or doubled spaces
    (``Proposal: Closest to the arc`` → ``Proposal - Closest to the arc``)."""
    text = re.sub(r"/(?=\s|$)", "", text)  # a display name's folder tail: "clip — a/"
    text = re.sub(r"\s*[:/\\|]\s*", " - ", text)
    text = re.sub(r'[<>"?*\x00-\x1f]', "", text)
    text = re.sub(r"\s+", " ", text).strip(" .-")
    return text or "untitled"
