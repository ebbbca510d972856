"""Selects from words: a clip per selection, fillers and long pauses taken out, undone exactly."""
from __future__ import annotations

import pytest

from engine.media import probe
from engine.project import Project
from engine.transcript.result import Word
from engine.transcript.selects import (
    AddToSelects,
    RemoveFillersAndPauses,
    clip_words,
    find_selects,
    kept_pieces,
    words_clips,
)

WORDS = [Word(0.50, 0.80, " I"), Word(0.90, 1.20, " will"), Word(1.40, 1.70, " um,"),
         Word(1.90, 2.20, " fix"), Word(2.30, 2.70, " it."), Word(4.70, 5.10, " Tomorrow.")]


def test_kept_pieces_skip_fillers_and_long_pauses():
    pieces = kept_pieces(WORDS, pause=1.0, handle=0.12)
    assert [[w.text for w in kept] for *_, kept in pieces] == [["I", "will"], ["fix", "it."], ["Tomorrow."]]
    (a0, b0, _), (a1, b1, _), (a2, b2, _) = pieces
    assert a0 == 0.50 and b0 == pytest.approx(1.32)  # up to "um", a handle after "will"
    assert a1 == pytest.approx(1.78)  # "fix" less a handle: after the filler's end
    assert b1 == pytest.approx(2.82) and a2 == pytest.approx(4.58)  # the 2 s pause, less two handles
    assert b2 == 5.10
    # nothing to take out: one piece, the words as they were
    assert [[w.text for w in k] for *_, k in kept_pieces(WORDS[3:5])] == [["fix", "it."]]


def test_remove_fillers_and_pauses_ripples_and_undoes(media):
    project = Project()
    info = probe(media / "sources" / "tears_of_steel_0500.mp4")  # 24 fps, 240 frames, no sound
    clip, sound = words_clips(info, WORDS)
    add = AddToSelects(clip, sound)
    add.apply(project)
    selects = find_selects(project)
    video = selects.tracks[0]
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in video] == [(12, 111)]
    tighten = RemoveFillersAndPauses()
    tighten.apply(project)
    ranges = [(c.source_range.start_time.value, c.source_range.duration.value) for c in video]
    # 0.50-1.32 s, 1.78-2.82 s, 4.58-5.10 s in frames at 24 fps (the clip's head and tail stay)
    assert ranges == [(12, 20), (42, 26), (109, 14)]
    assert [[w.text for w in clip_words(c)] for c in video] == [["I", "will"], ["fix", "it."], ["Tomorrow."]]
    assert len(selects.tracks[1]) == 3  # the sound track (a gap here: no audio) follows the picture
    assert tighten.removed_s == pytest.approx((111 - 60) / 24)
    tighten.revert(project)
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in video] == [(12, 111)]
    tighten.apply(project)  # redo gives the same pieces
    assert len(video) == 3
    with pytest.raises(ValueError, match="no filler word"):
        RemoveFillersAndPauses().apply(project)
    tighten.revert(project)
    add.revert(project)
    assert find_selects(project) is None
