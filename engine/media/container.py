"""Opening a media file with PyAV, turning every failure into a MediaError that says why."""
from __future__ import annotations

import os
import re
import stat
from fractions import Fraction
from pathlib import Path

import av
import av.logging

from .errors import MediaError

NOT_MEDIA = "not a recognised media container"
MOOV_MISSING = "moov atom missing / truncated"

#: The largest picture any decoder may produce: 8K DCI is 8192x4320. A one-colour
#: 16000x16000 PNG is under 1 MB on disk and 768 MB decoded, so the limit must hold
#: before a decoder allocates, which FFmpeg's ``max_pixels`` option does.
MAX_SIDE = 8192
MAX_PIXELS = MAX_SIDE * MAX_SIDE
_DECODER_LIMITS = {"max_pixels": str(MAX_PIXELS)}
_SIZE_IN_MESSAGE = re.compile(r"(\d+)\s*x\s*(\d+)")

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
        # The options reach the decoders that avformat_find_stream_info runs on open.
        return av.open(str(path), metadata_errors="replace", options=dict(_DECODER_LIMITS))
    except PermissionError:
        raise MediaError(path, "permission denied") from None
    except av.InvalidDataError:
        raise MediaError(path, _why_unreadable(path, info.st_size)) from None
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(path, f"cannot open ({getattr(exc, 'strerror', None) or exc})") from None


def limit_decoder(codec_context) -> None:
    """Make a decoder refuse pictures over :data:`MAX_PIXELS` (call before it decodes).

    A refused picture fails to decode (``av.ArgumentError``) instead of being allocated,
    also when a stream changes to a huge size mid-way.
    """
    if codec_context is not None:
        codec_context.options = {**codec_context.options, **_DECODER_LIMITS}


def check_picture_size(path: Path, width: int, height: int) -> None:
    """Raise if a picture of ``width`` x ``height`` is over the limit.

    Raises:
        MediaError: ``picture 16000x16000 is larger than the 8192x8192 limit``.
    """
    if width * height > MAX_PIXELS:
        raise MediaError(path, f"picture {width}x{height} is larger than the {MAX_SIDE}x{MAX_SIDE} limit")


def refused_size(codec_context, packet: av.Packet) -> tuple[int, int] | None:
    """The size of the picture a limited decoder refused in ``packet``, or None.

    FFmpeg zeroes the stream's width and height when it refuses a size, and says the
    size only in its log; so this decodes the packet once more in a fresh decoder while
    catching FFmpeg's log messages on this thread, and reads the size from them.
    """
    try:
        decoder = av.CodecContext.create(codec_context.name, "r")
        decoder.extradata = codec_context.extradata
        decoder.thread_count = 1  # FFmpeg then logs on this thread, where Capture listens
        limit_decoder(decoder)
    except (av.FFmpegError, ValueError):
        return None
    before = av.logging.get_level(), av.logging.get_skip_repeated()
    # PyAV ignores FFmpeg's log unless a level is set, and drops a message equal to the
    # previous one (the same file probed twice); Capture keeps this thread's messages
    # out of Python logging. Both settings are restored straight after.
    av.logging.set_level(av.logging.ERROR)
    av.logging.set_skip_repeated(False)
    try:
        with av.logging.Capture(local=True) as messages:
            try:
                decoder.decode(packet)
            except av.FFmpegError:
                pass  # expected: the size is in the captured messages
    finally:
        av.logging.set_level(before[0])
        av.logging.set_skip_repeated(before[1])
    for _level, _name, text in messages:
        found = _SIZE_IN_MESSAGE.search(text)
        if found and int(found.group(1)) * int(found.group(2)) > MAX_PIXELS:
            return int(found.group(1)), int(found.group(2))
    return None


def _why_unreadable(path: Path, size: int) -> str:
    """Tell a cut-short MP4/MOV (worth re-copying) from a file that is no media at all."""
    boxes, _end = _top_level_boxes(path, size)
    if not boxes or boxes[0] not in _ISO_BOXES:
        return NOT_MEDIA
    if b"moov" not in boxes or boxes[-1] is None:
        return MOOV_MISSING
    return "MP4/QuickTime index (moov atom) is damaged"


def expected_size(path: Path, size: int) -> int | None:
    """The file size that the container's own structure states, when it states one.

    MP4/MOV: the end of the last top-level box. Matroska/WebM: the end of the Segment
    element, whose size the muxer writes when it finishes. A file shorter than this was
    cut short (an interrupted copy or download); None when the container does not say.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError:
        return None
    if head[:4] == _EBML_MAGIC:
        return _matroska_end(head)
    boxes, end = _top_level_boxes(path, size)
    if boxes and boxes[0] in _ISO_BOXES:
        return end
    return None


_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_SEGMENT_ID = b"\x18\x53\x80\x67"


def _matroska_end(head: bytes) -> int | None:
    """End offset of the first Segment, from the EBML header and the Segment's size."""
    header = _vint(head, 4)
    if header is None:
        return None
    length, header_size = header
    at = 4 + length + header_size
    if head[at:at + 4] != _SEGMENT_ID:
        return None
    segment = _vint(head, at + 4)
    if segment is None:
        return None
    length, segment_size = segment
    if segment_size == (1 << (7 * length)) - 1:  # all ones: "unknown size" (live or unfinished)
        return None
    return at + 4 + length + segment_size


def _vint(data: bytes, at: int) -> tuple[int, int] | None:
    """(length in bytes, value) of the EBML variable-length integer at ``at``."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None
    value = data[at] & (0xFF >> length)
    for byte in data[at + 1:at + length]:
        value = value << 8 | byte
    return length, value


def _top_level_boxes(path: Path, size: int) -> tuple[list[bytes | None], int]:
    """Types of the top-level ISO boxes and where the last one ends.

    A trailing None in the list means a box runs past the end of the file.
    """
    boxes: list[bytes | None] = []
    offset = 0
    try:
        with path.open("rb") as fh:
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
        return [], 0
    return boxes, offset


def video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    """The picture stream: the first video stream that is not cover art."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def codec_name(stream: av.stream.Stream) -> str:
    """FFmpeg's name for a stream's codec, also when there is no decoder for it.

    (PyAV forwards ``stream.codec`` to the codec context, which is None then.)
    """
    if stream.codec_context is not None:
        return stream.codec_context.name
    return str(getattr(stream, "codec_tag", "") or "").strip("\x00 ") or "unknown"


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
