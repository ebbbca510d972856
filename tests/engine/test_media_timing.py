"""Frame-rate choice, VFR detection and the frame index, without any media file."""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from engine.media.index import FrameIndex
from engine.media.timing import frame_rate, is_variable, start_timecode


def test_rounded_ntsc_rates_are_made_exact():
    assert frame_rate([Fraction(2997, 100)], None, False) == Fraction(30000, 1001)
    assert frame_rate([Fraction(23976, 1000)], None, False) == Fraction(24000, 1001)
    assert frame_rate([Fraction(24)], None, False) == 24  # 0.1 % away: a different rate


def test_declared_rate_must_agree_with_timestamps():
    # A stray time base declared 90000 fps; the packets are 25 fps apart.
    assert frame_rate([Fraction(90000)], Fraction(25), False) == 25
    assert frame_rate([Fraction(30), Fraction(25)], Fraction(25), False) == 25
    assert frame_rate([Fraction(179, 6)], Fraction(179, 6), False) == Fraction(179, 6)


def test_variable_rate_reports_the_declared_mean():
    assert frame_rate([Fraction(1950, 107), Fraction(30)], Fraction(20), True) == Fraction(1950, 107)


def test_millisecond_rounding_is_not_variable():
    steps = np.array([33, 34, 33, 33, 34, 33] * 20)  # 29.97 fps in Matroska
    assert not is_variable(steps)
    assert is_variable(np.array([33] * 30 + [100] * 10))
    assert not is_variable(np.array([512]))


def test_timecode_tags_in_order_of_trust():
    assert start_timecode({"timecode": "bad"}, {"timecode": "01:00:00;00"}) == "01:00:00;00"
    assert start_timecode({}, {"timecode": "00:59:58:00"}, {"timecode": "10:00:00:00"}) == "00:59:58:00"
    assert start_timecode({}, {}) is None


def test_frame_index_orders_by_presentation_time():
    index = FrameIndex.build(pts=[0, 3000, 1000, 2000, 6000, 4000, 5000], keyframe_pts=[0, 4000], last_duration=1000)
    assert list(index.pts) == [0, 1000, 2000, 3000, 4000, 5000, 6000]
    assert list(index.keyframes) == [0, 4]
    assert (index.index_of(3000), index.index_of(3500)) == (3, -1)
    assert (index.keyframe_before(3), index.keyframe_before(4), index.keyframe_after(4)) == (0, 4, 7)
    assert index.span() == 7000
    assert not index.pts.flags.writeable
