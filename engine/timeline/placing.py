"""Laying imported events onto an OTIO track in record order, the way every reader must."""
from __future__ import annotations

from collections.abc import Callable

import opentimelineio as otio

from engine.timeline import rates


def fit_after(track: otio.schema.Track, item, start: int, length: int, cursor: int, rate,
              on_overlap: Callable[[], None]) -> tuple[int, int] | None:
    """Make room for `item` at record frame `start` on a track filled up to `cursor`.

    An item starting before `cursor` overlaps the previous one (real NLE files have such
    overlaps with no transition): its head is trimmed and `on_overlap` reports it. A gap up
    to its start is filled. Returns the item's (start, length) as placed, or None when the
    overlap swallows it whole.
    """
    if start < cursor:
        on_overlap()
        trim = cursor - start
        if trim >= length:
            return None
        item.source_range = otio.opentime.TimeRange(
            item.source_range.start_time + rates.rational(trim, rate), rates.rational(length - trim, rate))
        start, length = cursor, length - trim
    if start > cursor:
        track.append(otio.schema.Gap(source_range=rates.time_range(0, start - cursor, rate)))
    return start, length
