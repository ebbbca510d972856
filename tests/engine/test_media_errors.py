"""MediaError: one line naming the file and the problem, safe to send between processes."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from engine.media import MediaError, probe


def test_message_names_file_and_problem_on_one_line():
    error = MediaError(Path("/footage/day 1/A001 ünï.mov"), "decoder said:\nsomething\n")
    assert str(error) == "A001 ünï.mov: decoder said: something"
    assert error.path == Path("/footage/day 1/A001 ünï.mov")
    assert error.problem == "decoder said: something"


def test_survives_pickling():
    error = pickle.loads(pickle.dumps(MediaError("/x/clip.mp4", "empty file")))
    assert isinstance(error, MediaError)
    assert (str(error), error.path, error.problem) == ("clip.mp4: empty file", Path("/x/clip.mp4"), "empty file")


def test_missing_file(tmp_path):
    with pytest.raises(MediaError) as caught:
        probe(tmp_path / "clip ünïcødé 映画 missing.mp4")
    assert str(caught.value) == "clip ünïcødé 映画 missing.mp4: file not found"


def test_folder_is_not_media(tmp_path):
    with pytest.raises(MediaError) as caught:
        probe(tmp_path)
    assert caught.value.problem == "not a regular file"


def test_open_failures_hide_the_ffmpeg_exception(media):
    with pytest.raises(MediaError) as caught:
        probe(media / "bad/random_bytes.mp4")
    # Raised "from None": a log shows the one line, not a chained PyAV traceback.
    assert caught.value.__suppress_context__
