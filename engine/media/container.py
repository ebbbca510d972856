"""Opening a media file with PyAV, turning every failure into a MediaError that says why."""
from __future__ import annotations

import os
import stat
from fractions import Fraction
from pathlib import Path

import av

from .errors import MediaError

NOT_MEDIA = "not a recognised media container"
MOOV_MISSING = "moov atom missing / truncated"

# Top-level box types that mark an ISO base media (MP4/MOV) file; "mdat" first is what a
# camera or ffmpeg writes before the index (moov) at the end.
_ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"styp", b"moof"}
_MAX_BOXES = 10_000


def check_file(path: Path) -> os.stat_result:
    """Stat ``path``, refusing what cannot be a media file before FFmpeg sees it.

    Raises:
        MediaError: missing, unreadable, not a regular file, or empty.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise MediaError(path, "file not found") from None
    except PermissionError:
        raise MediaError(path, "permission denied") from None
    except OSError as exc:
        raise MediaError(path, f"cannot read file ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise MediaError(path, "not a regular file")
    if info.st_size == 0:
        raise MediaError(path, "empty file")
    return info


def open_input(path: Path) -> av.container.InputContainer:
    """Open ``path`` for reading, detecting the container from its content.

    Raises:
        MediaError: missing, empty, unreadable or not a media file.
    """
    info = check_file(path)
    try:
        # metadata_errors="replace": a badly encoded tag must not make the file unreadable.
        return av.open(str(path), metadata_errors="replace")
    except PermissionError:
        raise MediaError(path, "permission denied") from None
    except av.InvalidDataError:
        raise MediaError(path, _why_unreadable(path, info.st_size)) from None
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(path, f"cannot open ({getattr(exc, 'strerror', None) or exc})") from None


def _why_unreadable(path: Path, size: int) -> str:
    """Tell a cut-short MP4/MOV (worth re-copying) from a file that is no media at all."""
    boxes = _top_level_boxes(path, size)
    if not boxes or boxes[0] not in _ISO_BOXES:
        return NOT_MEDIA
    if b"moov" not in boxes or boxes[-1] is None:
        return MOOV_MISSING
    return "MP4/QuickTime index (moov atom) is damaged"


def _top_level_boxes(path: Path, size: int) -> list[bytes | None]:
    """Types of the top-level ISO boxes; a trailing None means a box runs past the end."""
    boxes: list[bytes | None] = []
    try:
        with path.open("rb") as fh:
            offset = 0
            while offset < size and len(boxes) < _MAX_BOXES:
                fh.seek(offset)
                header = fh.read(16)
                if len(header) < 8:
                    boxes.append(None)
                    break
                length = int.from_bytes(header[:4], "big")
                kind = header[4:8]
                if not all(32 <= c < 127 for c in kind):
                    break
                boxes.append(kind)
                if length == 1 and len(header) == 16:
                    length = int.from_bytes(header[8:16], "big")
                elif length == 0:
                    length = size - offset
                if length < 8:
                    break
                offset += length
            if offset > size:
                boxes.append(None)
    except OSError:
        return []
    return boxes


def video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    """The picture stream: the first video stream that is not cover art."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def audio_stream(container: av.container.InputContainer) -> av.audio.stream.AudioStream | None:
    """The sound stream to read: the default-flagged audio stream, else the first."""
    streams = list(container.streams.audio)
    for stream in streams:
        if stream.disposition & av.stream.Disposition.default:
            return stream
    return streams[0] if streams else None


def only_read(container: av.container.InputContainer, keep: av.stream.Stream) -> None:
    """Make the demuxer skip every other stream instead of reading and dropping it."""
    for stream in container.streams:
        if stream.index != keep.index:
            stream.discard = av.stream.Discard.all


def origin_ticks(container: av.container.InputContainer, stream: av.stream.Stream) -> int:
    """Start of the file's timeline (the earliest stream start) in ``stream`` ticks.

    Rounded to a whole tick: the container keeps it in microseconds, and times measured
    from it should be exact multiples of the stream's time base (frame 0 at 0.0, not 4e-7).
    """
    if container.start_time is None or not stream.time_base:
        return 0
    return round(Fraction(container.start_time, av.time_base) / stream.time_base)
