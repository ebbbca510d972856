"""Renders reach their file whole or not at all (``engine.vfx.writers.ClipWriter``)."""
from __future__ import annotations

import threading
from fractions import Fraction

import pytest

import engine.cli
from engine.atomic import is_temporary
from engine.jobs import Cancelled, drive
from engine.media import probe
from engine.vfx.describe import describe
from engine.vfx.render import render_element


def _render(out, frames, cancel_after=None):
    cancel = threading.Event()

    def progress(fraction, message):
        if cancel_after is not None and fraction >= cancel_after:
            cancel.set()
    return drive(render_element(describe("golden dust"), out, 160, 90, Fraction(24), frames), progress, cancel)


def test_a_cancelled_render_keeps_the_earlier_render_of_that_name(tmp_path, capsys):
    out = tmp_path / "dust.mov"
    assert engine.cli.main(["vfx", "element", "golden dust", "--size", "160x90", "--frames", "6",
                            "--out", str(out)]) == 0
    before = out.read_bytes()
    with pytest.raises(Cancelled):
        _render(out, 48, cancel_after=0.25)  # the editor cancels a longer version part way
    assert out.read_bytes() == before
    assert probe(out).video.frame_count == 6
    assert [p.name for p in tmp_path.iterdir()] == ["dust.mov"]  # no temporary left beside it


def test_a_finished_render_replaces_the_file_and_a_link_stays_a_link(tmp_path):
    real = tmp_path / "renders" / "dust.mov"
    real.parent.mkdir()
    _render(real, 6)
    link = tmp_path / "dust.mov"
    link.symlink_to(real)
    _render(link, 12)
    assert link.is_symlink() and probe(link).video.frame_count == 12
    assert not any(is_temporary(p.name) for p in real.parent.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dust.mov", "renders"]


def test_a_failed_first_render_leaves_nothing(tmp_path):
    out = tmp_path / "dust.mov"
    with pytest.raises(Cancelled):
        _render(out, 48, cancel_after=0.25)
    assert list(tmp_path.iterdir()) == []


def test_a_png_sequence_is_replaced_whole_and_other_files_stay(tmp_path):
    out = tmp_path / "dust"
    _render(out, 6)
    (out / "notes.txt").write_text("the editor's own file")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(Cancelled):
        _render(out, 48, cancel_after=0.25)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no frame of the cancelled one

    _render(out, 3)  # shorter: the earlier render's later frames must not trail it
    assert sorted(p.name for p in out.iterdir()) == ["dust_00000.png", "dust_00001.png", "dust_00002.png",
                                                     "notes.txt"]


def test_a_killed_render_s_frames_are_swept_by_the_next_render(tmp_path):
    import os

    from engine.atomic import temporary_name

    out = tmp_path / "dust"
    out.mkdir()
    killed, running = out / temporary_name("dust"), out / temporary_name("dust")
    for folder in (killed, running):
        folder.mkdir()
        (folder / "dust_00000.png").write_bytes(b"half a render")
    os.utime(killed, (0, 0))  # untouched for long: its process is gone
    _render(out, 2)
    assert sorted(p.name for p in out.iterdir()) == sorted(["dust_00000.png", "dust_00001.png", running.name])
