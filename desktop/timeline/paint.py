"""QPainter routines for each row, bounded by the frames one paint has to cover.

Every routine bisects or reduces to what is visible, so a paint costs about the
widget's width in pixels, not the number of shots.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QLinearGradient, QPainter, QPen, QPolygonF

from engine.affect.labels import is_uncertain

from . import ruler
from .canvas import HEADER_WIDTH, Canvas, Row, runs
from .colors import EMOTION_COLORS, element_color, emotion_color, ink_for
from .colors import IN_OUT as IN_OUT_HEX
from .content import Element, Lane, MarkerRows
from .model import ShotIndex, TimelineModel, timecode

# The suite's chrome: dark, low-contrast greys so the emotion colours carry the eye.
GAP = QColor("#121315")
BACKGROUND = QColor("#1b1c1f")
ROW = QColor("#26282c")
HEADER = QColor("#2b2d31")
RULER = QColor("#18191b")
TICK = QColor("#7a808a")
TEXT = QColor("#d4d7dc")
TEXT_DIM = QColor("#858b95")
PLAYHEAD = QColor("#ff5a52")
AROUSAL = QColor("#e69f00")
VALENCE = QColor("#9ad3f5")
VIDEO_CLIP = QColor("#44648f")
AUDIO_CLIP = QColor("#2d6552")
IN_OUT_EDGE = QColor(IN_OUT_HEX)
IN_OUT = QColor(IN_OUT_EDGE.red(), IN_OUT_EDGE.green(), IN_OUT_EDGE.blue(), 64)
SHADOW = QColor(0, 0, 0, 150)
HIGHLIGHT = QColor(255, 255, 255, 40)
WAVE = QColor("#8fcdb4")
AXIS = QColor("#3a3d43")
AROUSAL_EDGE = QPen(QColor(230, 159, 0, 235), 0)  # cosmetic: Qt's fast path
VALENCE_PEN = QPen(VALENCE, 0)

TEXT_LINE = 16  # height of a block's caption
BAR = 6  # room under a thumbnail for the confidence bar
UNCERTAIN_ALPHA = 110  # opacity of a low-confidence shot's block (of 255)


@lru_cache(maxsize=256)
def qcolor(hex_color: str) -> QColor:
    return QColor(hex_color)


def with_alpha(color: QColor, alpha: int) -> QColor:
    return QColor(color.red(), color.green(), color.blue(), alpha)


def shot_color(model: TimelineModel, index: int | None) -> QColor:
    score = model.emotions.get(index) if index is not None else None
    return qcolor(emotion_color(score.label if score else None))


# -- backgrounds and headers ----------------------------------------------------------

def paint_rows(p: QPainter, cv: Canvas, rows: list[Row], length: int, height: int) -> None:
    """Row backgrounds, with the area past the last frame left darker to show the end."""
    p.fillRect(0, 0, cv.width, height, BACKGROUND)
    end = int(min(cv.x(length), cv.width))
    for row in rows:
        p.fillRect(0, row.bottom, cv.width, 1, GAP)
        if row.key != "ruler" and end > HEADER_WIDTH:
            p.fillRect(HEADER_WIDTH, row.top, end - HEADER_WIDTH, row.height, ROW)


def paint_headers(p: QPainter, rows: list[Row], height: int, model: TimelineModel,
                  lanes: dict[str, Lane], fonts) -> None:
    """Fixed left column: the playhead's timecode over the lane titles."""
    p.fillRect(0, 0, HEADER_WIDTH, height, HEADER)
    for row in rows:
        p.fillRect(0, row.bottom, HEADER_WIDTH, 1, GAP)
        box = QRectF(8, row.top + 3, HEADER_WIDTH - 12, row.height - 6)
        if row.key == "ruler":
            p.setFont(fonts.mono_bold)
            p.setPen(PLAYHEAD)
            p.drawText(box, Qt.AlignmentFlag.AlignVCenter, timecode(model.playhead, model.rate))
            continue
        p.setFont(fonts.bold)
        p.setPen(TEXT)
        align = Qt.AlignmentFlag.AlignTop if row.height > 30 else Qt.AlignmentFlag.AlignVCenter
        p.drawText(box, align, row.title)
        p.setFont(fonts.small)
        p.setPen(TEXT_DIM)
        if row.key == "shots":
            p.drawText(box.adjusted(0, 17, 0, 0), Qt.AlignmentFlag.AlignTop,
                       f"{len(model.shots):,} shots\n{len(model.emotions):,} scored")
        elif row.key == "emotion":
            _legend(p, box, fonts)
        elif row.key in lanes:
            # "A2 Music" → "Music" beside or under "A2".
            name = lanes[row.key].title.removeprefix(row.key).strip(" -:·")
            title_width = QFontMetrics(fonts.bold).horizontalAdvance(row.title) + 6
            under = row.height > 30
            where = box.adjusted(0, 16, 0, 0) if under else box.adjusted(title_width, 0, 0, 0)
            p.drawText(where, align, QFontMetrics(fonts.small).elidedText(
                name, Qt.TextElideMode.ElideRight, int(where.width())))
    p.fillRect(HEADER_WIDTH - 1, 0, 1, height, GAP)


def _legend(p: QPainter, box: QRectF, fonts) -> None:
    y = box.top() + 22
    p.setPen(QPen(VALENCE, 2))
    p.drawLine(QLineF(box.left(), y, box.left() + 12, y))
    p.fillRect(QRectF(box.left(), y + 9, 12, 7), with_alpha(AROUSAL, 150))
    p.setPen(TEXT_DIM)
    p.drawText(QPointF(box.left() + 17, y + 4), "valence")
    p.drawText(QPointF(box.left() + 17, y + 17), "arousal")


# -- shots ------------------------------------------------------------------------------

def paint_shots(p: QPainter, cv: Canvas, row: Row, model: TimelineModel,
                index: ShotIndex) -> list[tuple[int, int, int, QColor]]:
    """Shot blocks in their label colours; returns the blocks wide enough for details."""
    visible = index.visible(cv.first, cv.last)
    if not visible:
        return []
    top, height = row.top + 3, row.height - 6
    part = slice(visible.start, visible.stop)
    shots, lefts, rights = cv.blocks(index.starts[part], index.real_ends[part] + 1, visible.start)
    wide = []
    for shot, x0, x1 in zip(shots.tolist(), lefts.tolist(), rights.tolist()):
        width = x1 - x0
        gap = 1 if width >= 4 else 0  # a dark seam between blocks that are wide enough
        color = shot_color(model, shot)
        score = model.emotions.get(shot)
        if score is not None and is_uncertain(score.confidence):
            # a guess, not a reading: the label's hue, faded towards the row behind it
            color = with_alpha(color, UNCERTAIN_ALPHA)
        p.fillRect(x0, top, max(width - gap, 1), height, color)
        if width >= 22:
            wide.append((shot, x0, x0 + width - gap, color))
    return wide


def paint_shot_details(p: QPainter, cv: Canvas, row: Row, model: TimelineModel, wide,
                       bounds: ShotIndex, pixmap_for, fonts) -> None:
    """Caption, thumbnail and confidence in the part of each wide block no transition covers."""
    top, height = row.top + 3, row.height - 6
    for shot, x0, x1, color in wide:
        start, end = model.shots[shot]
        for j in bounds.visible(start, end):
            kind, first, last = model.transitions[j]
            if kind == "cut":
                continue
            if first <= start <= last:
                x0 = max(x0, round(cv.x(last + 1)))
            if first <= end <= last:
                x1 = min(x1, round(cv.x(first)))
        if x1 - x0 >= 22:
            _shot_detail(p, QRectF(x0, top, x1 - x0, height), shot, model, color, pixmap_for, fonts)


def _shot_detail(p: QPainter, rect: QRectF, shot: int, model: TimelineModel, color: QColor,
                 pixmap_for, fonts) -> None:
    score = model.emotions.get(shot)
    ink = qcolor(ink_for(color.name()))
    p.save()
    p.setClipRect(rect, Qt.ClipOperation.IntersectClip)
    pixmap = pixmap_for(shot, int(rect.height()) - TEXT_LINE - BAR)
    if pixmap is not None:
        p.fillRect(QRectF(rect.left() + 3, rect.top() + TEXT_LINE - 1,
                          pixmap.width() / pixmap.devicePixelRatio() + 2,
                          pixmap.height() / pixmap.devicePixelRatio() + 2), SHADOW)
        p.drawPixmap(QPointF(rect.left() + 4, rect.top() + TEXT_LINE), pixmap)
    p.setFont(fonts.small_bold)
    p.setPen(ink)
    caption = f"{shot + 1}  {score.label}" if score else f"{shot + 1}"
    text_box = rect.adjusted(5, 1, -4, 0)
    text_box.setHeight(TEXT_LINE - 2)
    p.drawText(text_box, Qt.AlignmentFlag.AlignVCenter,
               QFontMetrics(fonts.small_bold).elidedText(caption, Qt.TextElideMode.ElideRight,
                                                         int(text_box.width())))
    if score is not None:
        # Confidence as a meter along the bottom edge: the hue stays the label's own.
        bar = QRectF(rect.left() + 4, rect.bottom() - 4, rect.width() - 8, 2)
        p.fillRect(bar, with_alpha(ink, 60))
        bar.setWidth(bar.width() * min(max(score.confidence, 0.0), 1.0))
        p.fillRect(bar, with_alpha(ink, 200))
    p.restore()


def paint_transitions(p: QPainter, cv: Canvas, row: Row, model: TimelineModel, index: ShotIndex,
                      bounds: ShotIndex) -> None:
    """Dissolves as a ramp from one shot's colour to the next, fades as a dip to black."""
    top, height = row.top + 3, row.height - 6
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    for j in bounds.visible(cv.first, cv.last):
        kind, start, end = model.transitions[j]
        x0, x1 = cv.x(start), cv.x(end + 1)
        if kind == "cut" or x1 - x0 < 4:
            continue
        before = shot_color(model, index.at(start - 1))
        after = shot_color(model, index.at(end + 1))
        ramp = QLinearGradient(x0, 0, x1, 0)
        ramp.setColorAt(0, before)
        if kind == "fade":
            ramp.setColorAt(0.5, QColor("#050505"))
        ramp.setColorAt(1, after)
        rect = QRectF(x0, top, x1 - x0, height)
        p.fillRect(rect, ramp)
        p.setPen(QPen(QColor(255, 255, 255, 210), 1.4))
        if kind == "fade":
            p.drawPolyline([QPointF(x0, top), QPointF((x0 + x1) / 2, rect.bottom()),
                            QPointF(x1, top)])
        else:
            p.drawLine(QPointF(x0, rect.bottom()), QPointF(x1, top))
        p.setPen(QPen(SHADOW, 1))
        p.drawRect(rect)
    p.restore()


def paint_selection(p: QPainter, cv: Canvas, row: Row, index: ShotIndex, selected: int | None) -> None:
    """A white frame around the selected shot, at least a few pixels wide when zoomed out."""
    if selected is None or not 0 <= selected < len(index):
        return
    x0 = cv.x(int(index.starts[selected]))
    x1 = cv.x(int(index.real_ends[selected]) + 1)
    if x1 - x0 < 5:
        middle = (x0 + x1) / 2
        x0, x1 = middle - 2.5, middle + 2.5
    left, right = round(x0), max(round(x1) - 1, round(x0) + 3)
    top, bottom = row.top + 1, row.bottom - 1
    # Filled frames, not stroked pens: crisp at any zoom and on Qt's fastest path.
    _frame(p, left - 1, top - 1, right + 1, bottom + 1, 4, SHADOW)
    _frame(p, left, top, right, bottom, 2, QColor("#ffffff"))


def _frame(p: QPainter, left: int, top: int, right: int, bottom: int, width: int, color: QColor) -> None:
    p.fillRect(left, top, right - left, width, color)
    p.fillRect(left, bottom - width, right - left, width, color)
    p.fillRect(left, top, width, bottom - top, color)
    p.fillRect(right - width, top, width, bottom - top, color)


# -- emotion curve ----------------------------------------------------------------------

def paint_emotion(p: QPainter, cv: Canvas, row: Row, curves, length: int, x0: int, x1: int,
                  fonts) -> None:
    """Arousal filled up from the floor (0…1); valence as a line about the zero axis (-1…1)."""
    middle = row.top + row.height / 2
    p.fillRect(QRectF(max(x0, HEADER_WIDTH), middle, min(x1, cv.x(length)) - max(x0, HEADER_WIDTH), 1),
               AXIS)
    if curves is None:
        p.setFont(fonts.small)
        p.setPen(TEXT_DIM)
        p.drawText(QRectF(HEADER_WIDTH + 10, row.top, 400, row.height), Qt.AlignmentFlag.AlignVCenter,
                   "Emotion appears here as shots are scored")
        return
    valence, arousal = curves
    p.save()
    floor, span = row.bottom - 3, row.height - 6
    fill = QLinearGradient(0, floor - span, 0, floor)
    fill.setColorAt(0, with_alpha(AROUSAL, 170))
    fill.setColorAt(1, with_alpha(AROUSAL, 35))
    xs, peaks = cv.columns(arousal, length, x0, x1, points=True)
    ys = floor - np.clip(peaks, 0, 1) * span
    for a, b in runs(np.isfinite(peaks)):
        edge = [QPointF(x, y) for x, y in zip(xs[a:b].tolist(), ys[a:b].tolist())]
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fill)
        p.drawPolygon(QPolygonF([QPointF(xs[a] - 0.5, floor), *edge, QPointF(xs[b - 1] + 0.5, floor)]))
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(AROUSAL_EDGE)
        p.drawPolyline(edge)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    xs, means = cv.columns(valence, length, x0, x1, mean=True, points=True)
    ys = middle - np.clip(means, -1, 1) * (row.height / 2 - 4)
    # A wide pen on a long polyline sends Qt through its stroker: 250 ms for 1,600
    # points. Two cosmetic (1 px) lines 0.8 px apart look the same for ~1 ms.
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(VALENCE_PEN)
    for a, b in runs(np.isfinite(means)):
        line = [QPointF(x, y) for x, y in zip(xs[a:b].tolist(), ys[a:b].tolist())]
        p.drawPolyline(line)
        p.translate(0, 0.8)
        p.drawPolyline(line)
        p.translate(0, -0.8)
    p.restore()


# -- lanes: a proposal's tracks, a clip's upper tracks ---------------------------------------

def paint_lanes(p: QPainter, cv: Canvas, rows: dict[str, Row], lanes: list[Lane],
                bounds: dict[str, ShotIndex], waveforms: dict, length: int, x0: int, x1: int,
                fonts) -> None:
    """Clip blocks per lane, named; audio lanes carry their waveform envelope.

    Placed VFX elements take their kind's colour, scored clips their emotion's.
    """
    metrics = QFontMetrics(fonts.small)
    p.setFont(fonts.small)
    for lane in lanes:
        row, index = rows[lane.name], bounds[lane.name]
        top, height = row.top + 2, row.height - 4
        visible = index.visible(cv.first, cv.last)
        part = slice(visible.start, visible.stop)
        clips, lefts, rights = cv.blocks(index.starts[part], index.real_ends[part] + 1, visible.start)
        named = []
        for k, left, right in zip(clips.tolist(), lefts.tolist(), rights.tolist()):
            clip = lane.elements[k]
            fill = AUDIO_CLIP if lane.audio else _element_fill(clip)
            width = right - left - (1 if right - left >= 4 else 0)
            p.fillRect(left, top, max(width, 1), height, fill)
            if width >= 28:
                named.append((clip.name, QRectF(left, top, width, height), fill))
        wave = waveforms.get(lane.name) if lane.audio else None
        if wave is not None and len(index):
            _waveform(p, cv, row, index, *cv.columns(wave, length, x0, x1, points=True))
        for name, rect, fill in named:
            p.fillRect(QRectF(rect.left(), rect.top(), rect.width(), 1), HIGHLIGHT)
            p.setPen(qcolor(ink_for(fill.name())))
            p.drawText(rect.adjusted(4, 1, -4, 0),
                       Qt.AlignmentFlag.AlignTop if lane.audio else Qt.AlignmentFlag.AlignVCenter,
                       metrics.elidedText(name, Qt.TextElideMode.ElideRight, int(rect.width()) - 8))


def _element_fill(element: Element) -> QColor:
    if element.kind:
        return qcolor(element_color(element.kind))
    return qcolor(emotion_color(element.label)) if element.label in EMOTION_COLORS else VIDEO_CLIP


def _waveform(p: QPainter, cv: Canvas, row: Row, index: ShotIndex, xs: np.ndarray,
              peaks: np.ndarray) -> None:
    """The peak envelope mirrored about the lane's centre, only where a clip lies."""
    if len(xs) == 0:
        return
    frames = cv.frame(xs)
    k = np.searchsorted(index.starts, frames, side="right") - 1
    inside = (k >= 0) & (frames < index.real_ends[np.maximum(k, 0)] + 1) & np.isfinite(peaks)
    # Below the clip's name line, as in an NLE's audio track.
    middle, half = row.top + 14 + (row.height - 16) / 2, (row.height - 16) / 2 - 2
    reach = np.clip(np.where(inside, peaks, 0), 0, 1) * half + 0.5
    upper, lower = (middle - reach).tolist(), (middle + reach).tolist()
    columns = xs.tolist()
    if len(xs) > 1 and xs[1] - xs[0] < 1.5:
        # One sample per column: vertical lines: a jagged polygon of thousands of
        # vertices fills ~5x slower in Qt's rasterizer.
        p.setPen(QPen(WAVE, 0))
        keep = np.flatnonzero(inside).tolist()
        p.drawLines([QLineF(columns[i], upper[i], columns[i], lower[i]) for i in keep])
        return
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WAVE)
    # Each clip's sound is its own shape: break the envelope where the clip changes.
    for a, b in _clip_runs(inside, k):
        outline = [QPointF(x, y) for x, y in zip(columns[a:b], upper[a:b])]
        outline += [QPointF(x, y) for x, y in zip(columns[b - 1:a - 1 if a else None:-1],
                                                  lower[b - 1:a - 1 if a else None:-1])]
        p.drawPolygon(QPolygonF(outline))


def _clip_runs(inside: np.ndarray, clip: np.ndarray) -> list[tuple[int, int]]:
    """Runs of ``inside`` further split wherever the clip under the column changes."""
    cuts = np.flatnonzero(clip[1:] != clip[:-1]) + 1
    result = []
    for a, b in runs(inside):
        edges = [a, *cuts[(cuts > a) & (cuts < b)].tolist(), b]
        result += list(zip(edges[:-1], edges[1:]))
    return result


# -- ruler, markers, playhead ------------------------------------------------------------

def paint_ruler(p: QPainter, cv: Canvas, row: Row, model: TimelineModel, fonts) -> None:
    """Timecode ruler: round-timecode majors with labels, minors between, the In/Out band."""
    p.fillRect(0, row.top, cv.width, row.height, RULER)
    bottom = row.bottom
    paint_in_out(p, cv, row, model.in_point, model.out_point)
    if model.length <= 0:
        return
    metrics = QFontMetrics(fonts.mono)
    label_px = metrics.horizontalAdvance("00:00:00:00") + 24
    # Start early enough that a label whose tick is left of the paint still shows.
    first = max(cv.first - label_px / cv.scale, 0)
    last = min(cv.last, model.length)
    p.setFont(fonts.mono)
    for tick in ruler.ticks(first, last, model.rate, cv.scale, label_px):
        x = round(cv.x(tick.frame)) + 0.5
        p.setPen(TICK if tick.major else with_alpha(TICK, 150))
        p.drawLine(QLineF(x, bottom - (11 if tick.major else 4), x, bottom))
        if tick.major:
            p.setPen(TEXT_DIM)
            p.drawText(QPointF(x + 4, row.top + 12), timecode(tick.frame, model.rate))


def paint_in_out(p: QPainter, cv: Canvas, row: Row, in_point: int | None, out_point: int | None) -> None:
    """A translucent band from In to Out (inclusive), and a bracket at each mark that is set.

    With one mark only there is no range yet: its bracket alone shows where it is.
    """
    if in_point is not None and out_point is not None and in_point <= out_point:
        left, right = cv.x(in_point), cv.x(out_point + 1)
        p.fillRect(QRectF(left, row.top, right - left, row.height), IN_OUT)
    # "[" at the In frame's left edge, "]" at the Out frame's right edge, as NLE rulers.
    if in_point is not None:
        _bracket(p, round(cv.x(in_point)), row, 1)
    if out_point is not None:
        _bracket(p, round(cv.x(out_point + 1)) - 2, row, -1)


def _bracket(p: QPainter, x: int, row: Row, facing: int) -> None:
    p.fillRect(x, row.top, 2, row.height, IN_OUT_EDGE)
    tip = x if facing > 0 else x - 4
    p.fillRect(tip, row.top, 6, 2, IN_OUT_EDGE)
    p.fillRect(tip, row.bottom - 2, 6, 2, IN_OUT_EDGE)


def paint_markers(p: QPainter, cv: Canvas, ruler_row: Row, bottom: int, markers: MarkerRows) -> None:
    """Timeline markers as flags on the ruler, with a faint line down through the rows."""
    base = ruler_row.bottom
    lines: dict[str, list[QLineF]] = {}
    flags = []
    for column, marker in _one_per_column(cv, *markers.visible_frames("ruler", cv.first - 1, cv.last + 1)):
        x = column + 0.5
        lines.setdefault(marker.color, []).append(QLineF(x, base, x, bottom))
        flags.append((x, marker.color))
    # Opaque, pre-blended colours in one call per colour: translucent lines cost Qt
    # ~50x more per line on a raster surface, and a long film has hundreds of markers.
    for color, batch in lines.items():
        p.setPen(QPen(_blend(QColor(color), ROW, 0.45), 0))
        p.drawLines(batch)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(SHADOW, 1))
    for x, color in flags:
        p.setBrush(qcolor(color))
        p.drawPolygon(QPolygonF([QPointF(x - 4.5, base - 13), QPointF(x + 4.5, base - 13),
                                 QPointF(x + 4.5, base - 6), QPointF(x, base - 2),
                                 QPointF(x - 4.5, base - 6)]))
    p.restore()


def paint_clip_markers(p: QPainter, cv: Canvas, rows: dict[str, Row], markers: MarkerRows) -> None:
    """Clip markers as small pennants hanging from the top of their track's row.

    Zoomed out, a breakdown has a marker per shot, thousands to a screen; pennants closer
    than half their width would only cover one another, so one per few pixels is drawn.
    """
    for key, row in rows.items():
        if key == "ruler":
            continue
        visible = markers.visible_frames(key, cv.first - 1, cv.last + 1)
        for x, marker in _one_per_column(cv, *visible, spacing=4):
            color = qcolor(marker.color)
            # Filled rects only: hundreds per paint stay on Qt's fastest path.
            p.fillRect(x - 4, row.top, 9, 7, SHADOW)
            p.fillRect(x - 3, row.top, 7, 5, color)
            p.fillRect(x, row.top + 5, 1, 7, color)


def _one_per_column(cv: Canvas, markers: list, frames: np.ndarray,
                    spacing: int = 1) -> list[tuple[int, object]]:
    """``(x, marker)`` for the first marker in each run of ``spacing`` pixel columns.

    ``frames`` are sorted. Drawing one marker per column costs the width, not the count
    of markers, and looks the same.
    """
    if len(frames) == 0:
        return []
    xs = np.round(cv.x(frames)).astype(np.int64)
    buckets = xs // spacing
    keep = np.flatnonzero(np.diff(buckets, prepend=buckets[0] - 1))
    return [(int(xs[k]), markers[k]) for k in keep.tolist()]


def _blend(color: QColor, under: QColor, amount: float) -> QColor:
    mix = lambda a, b: round(a * amount + b * (1 - amount))  # noqa: E731
    return QColor(mix(color.red(), under.red()), mix(color.green(), under.green()),
                  mix(color.blue(), under.blue()))


def paint_playhead(p: QPainter, cv: Canvas, ruler_row: Row, bottom: int, frame: int) -> None:
    """The playhead at its frame's left edge: a head in the ruler and a line through all rows."""
    line = round(cv.x(frame))
    if line < HEADER_WIDTH - 6:
        return
    p.fillRect(line - 1, ruler_row.bottom - 4, 3, bottom, SHADOW)
    p.fillRect(line, ruler_row.bottom - 4, 1, bottom, PLAYHEAD)
    x = line + 0.5
    top = ruler_row.top + 14
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(SHADOW, 1))
    p.setBrush(PLAYHEAD)
    p.drawPolygon(QPolygonF([QPointF(x - 6, top), QPointF(x + 6, top), QPointF(x + 6, top + 6),
                             QPointF(x, ruler_row.bottom - 2), QPointF(x - 6, top + 6)]))
    p.restore()
