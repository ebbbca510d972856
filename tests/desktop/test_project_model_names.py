"""Breakdowns follow their clips' display names when a same-named clip joins the project."""
from __future__ import annotations

import shutil

from desktop.project_model import ProjectModel
from engine.analysis import analysis_job
from engine.jobs import drive


def test_a_breakdown_is_renamed_when_a_same_named_clip_arrives(media, tmp_path):
    a, b = tmp_path / "a" / "clip.mkv", tmp_path / "b" / "clip.mkv"
    for target, source in ((a, "asl_thanks.mkv"), (b, "asl_yes.mkv")):
        target.parent.mkdir()
        shutil.copy(media / "sources" / source, target)
    model = ProjectModel()
    fa = model.add_media(a).fingerprint
    model.apply_analysis(drive(analysis_job(a)))
    assert model.project.breakdown(fa).name == "clip — shots"

    fb = model.add_media(b).fingerprint  # the bin now tells them apart, and so must the timelines
    assert model.project.breakdown(fa).name == "clip — a/ — shots"
    model.apply_analysis(drive(analysis_job(b)))
    assert model.project.breakdown(fb).name == "clip — b/ — shots"
    assert model.project.breakdown(fa).name == "clip — a/ — shots"
