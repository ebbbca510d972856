"""VFX: tracking, stabilisation, keying, generated elements and their renders.

Modules:
    motion       robust 2D motion models (translation / similarity / homography, GRIC choice)
    tracking     corner + pyramidal LK tracker; camera and planar tracks of a shot
    trackdata    ``CameraTrack`` and its JSON form
    blender      the track as a Blender script (animated nodal camera)
    stabilize    smoothing or locking the camera path, warp, crop, jitter measure
    key          green / blue screen keyer
    elements     ``Element``: a generated element's editable parameters
    describe     text description -> ``Element``
    particles, atmosphere, title   the procedural renderers
    render       ``ElementRenderer`` (tracked to the shot), file renders, preview composite
    writers      ProRes 4444 / 422 HQ, H.264 and PNG sequence output
    placement    an element on V2 of an OpenTimelineIO timeline
    jobs         the desktop's long jobs (track, render, steady, key) as worker-process generators
    commands     ``moviola-cli vfx ...``

Names below are imported on first use, so ``import engine.vfx`` stays cheap (the CLI's
``--help`` imports this package).
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "CameraTrack": "trackdata", "Tracker": "tracking", "TrackerSettings": "tracking",
    "track_frames": "tracking", "track_shot": "tracking",
    "blender_script": "blender", "write_blender_script": "blender",
    "StabilizeSettings": "stabilize", "plan": "stabilize", "stabilize_frames": "stabilize",
    "stabilize_shot": "stabilize", "jitter": "stabilize",
    "KeySettings": "key", "key_image": "key", "key_shot": "key",
    "Element": "elements", "KINDS": "elements", "describe": "describe",
    "ElementRenderer": "render", "render_element": "render", "render_for_shot": "render",
    "composite_over": "render", "ClipWriter": "writers", "place_element": "placement",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
