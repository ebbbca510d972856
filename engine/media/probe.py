"""What a media file holds: container, streams, exact frame rate and count, timecode."""
from __future__ import annotations

import functools
from dataclasses import dataclass, fields, is_dataclass
from fractions import Fraction
from os import PathLike
from pathlib import Path

import av

from . import container as _container
from .errors import MediaError
from .index import FrameIndex
from .timing import frame_rate, is_variable, start_timecode

# Packets decoded at most to find the first picture (its display matrix gives the rotation).
_FIRST_FRAME_PACKETS = 64
# Frames at the end of a cut-short file left out of frame-rate measurements: B-frames
# stored after the cut leave gaps this far back in presentation order.
_CUT_TAIL = 16


@dataclass(frozen=True)
class VideoStreamInfo:
    """The picture stream.

    Attributes:
        rotation: Counter-clockwise degrees (0, 90, 180, 270) the picture must be turned
            for display, as ffprobe's display-matrix ``rotation``; frames are stored unturned.
        frame_rate: Exact nominal rate; for variable-rate video the mean rate.
        is_vfr: Frame spacing varies (read times from ``Frame.time``, not index / rate).
        frame_count: Frames that can actually be delivered (a truncated file counts
            what is there, not what its index promised).
        duration: Seconds from the first frame's start to the last frame's end.
        start_time: Seconds from the start of the file's timeline to the first frame.
    """

    index: int
    codec: str
    width: int
    height: int
    pix_fmt: str
    rotation: int
    frame_rate: Fraction
    is_vfr: bool
    frame_count: int
    duration: float
    profile: str | None
    start_time: float = 0.0


@dataclass(frozen=True)
class AudioStreamInfo:
    """One sound stream; ``duration`` is None when the container does not say."""

    index: int
    codec: str
    channels: int
    sample_rate: int
    layout: str
    duration: float | None


@dataclass(frozen=True)
class MediaInfo:
    """Everything ``probe`` learnt about a file.

    Attributes:
        container: FFmpeg's format name, as ffprobe's ``format_name``.
        duration: Seconds; for a truncated file the part that can be read.
        start_timecode: e.g. ``01:00:00;00`` (';' marks drop-frame), or None.
        warnings: One line each, for the editor: truncation, damage, missing decoders.
    """

    path: Path
    container: str
    duration: float
    size_bytes: int
    video: VideoStreamInfo | None
    audio: tuple[AudioStreamInfo, ...]
    start_timecode: str | None
    warnings: tuple[str, ...]

    def to_dict(self) -> dict:
        """JSON-ready dictionary; fractions become ``"24000/1001"``, paths strings."""
        return _jsonable(self)


def probe(path: str | PathLike[str]) -> MediaInfo:
    """Describe a media file.

    Reads the container header and every video packet header (no picture decoding
    beyond the first frame), so frame counts are exact and a truncated file is noticed.

    Raises:
        MediaError: the file is missing, empty, not media, or has no audio or video.
    """
    return probe_with_index(path)[0]


def probe_with_index(path: str | PathLike[str]) -> tuple[MediaInfo, FrameIndex | None]:
    """``probe`` plus the frame index that readers seek with (None without video).

    Results are cached per file path, size and modification time.
    """
    path = Path(path)
    stat = _container.check_file(path)
    return _inspect(path.absolute(), stat.st_size, stat.st_mtime_ns)


def clear_cache() -> None:
    """Forget cached probe results (for benchmarks that must measure a cold open)."""
    _inspect.cache_clear()


@functools.lru_cache(maxsize=16)
def _inspect(path: Path, size: int, _mtime_ns: int) -> tuple[MediaInfo, FrameIndex | None]:
    with _container.open_input(path) as source:
        video = _container.video_stream(source)
        if video is None and not source.streams.audio:
            raise MediaError(path, "no audio or video stream")
        audio = tuple(_audio_info(s) for s in source.streams.audio)
        duration = source.duration / av.time_base if source.duration else 0.0
        timecode = start_timecode(
            *(s.metadata for s in source.streams.data), *(s.metadata for s in source.streams.video),
            source.metadata,
        )
        index, video_info, warnings = None, None, []
        if video is not None:
            if video.codec_context is not None:
                _container.check_picture_size(path, video.codec_context.width, video.codec_context.height)
            stated = _container.expected_size(path, size)
            index, video_info, warnings, truncated = _video_info(path, source, video, duration, size, stated)
            video_end = video_info.start_time + video_info.duration
            # A truncated file lasts as long as what can be read; otherwise the last
            # frame's own duration may reach a little past the container's figure.
            duration = video_end if truncated else max(duration, video_end)
        if not duration:
            duration = max([video_info.duration if video_info else 0.0]
                           + [a.duration or 0.0 for a in audio])
        info = MediaInfo(
            path=path, container=source.format.name, duration=duration, size_bytes=size,
            video=video_info, audio=audio, start_timecode=timecode, warnings=tuple(warnings),
        )
    return info, index


def _video_info(path: Path, source, stream, container_duration: float, file_size: int,
                stated_size: int | None):
    """Scan the video packets once; returns (index, VideoStreamInfo, warnings, truncated).

    Raises:
        MediaError: No frame can be decoded, or the picture is over the size limit.
    """
    scan = _VideoScan(source, stream, file_size)
    index = scan.index
    if scan.pix_fmt is None and scan.refused is not None:
        size = _container.refused_size(stream.codec_context, scan.refused)
        if size is not None:
            _container.check_picture_size(path, *size)
    if not len(index) or scan.undecodable:
        raise MediaError(path, "no decodable video frames")
    tb = stream.time_base or Fraction(1, 1)
    warnings = scan.warnings
    duration = float(index.span() * tb)
    advertised = _stream_seconds(stream)
    # The container says the file is longer than it is: it was cut short.
    ends_early = stated_size is not None and stated_size > file_size
    # Certain: the container's index lists frames that are not in the file. Near
    # certain: the stream's own header says it lasts well over a second longer.
    truncated = (
        scan.truncated
        or stream.frames > scan.demuxed
        or (advertised is not None and advertised - duration > max(1.0, 0.05 * advertised))
    )

    deltas = index.deltas()
    if truncated or ends_early:
        # Frames shown before the cut but stored after it (B-frames) are missing from
        # the last group of pictures: their gaps say nothing about the frame rate.
        deltas = deltas[:-_CUT_TAIL] if len(deltas) > 2 * _CUT_TAIL else deltas[:0]
    variable = is_variable(deltas)
    measured = Fraction(int(deltas.sum()), len(deltas)) * tb if len(deltas) else None
    declared = [stream.average_rate, stream.guessed_rate] if variable else [stream.guessed_rate, stream.average_rate]
    rate = frame_rate(declared, 1 / measured if measured else None, variable)
    start = float((int(index.pts[0]) - _container.origin_ticks(source, stream)) * tb) if len(index) else 0.0

    if truncated:
        warnings.insert(0, f"truncated at ~{duration:.1f} s of {advertised or container_duration:.1f} s")
    elif ends_early:
        truncated = True
        missing = (stated_size - file_size) / stated_size
        warnings.insert(0, f"file ends early: {missing:.0%} of its data is missing; video read up to "
                           f"~{start + duration:.1f} s of {advertised or container_duration:.1f} s")
    elif advertised is None and container_duration - (start + duration) > max(2.0, 0.1 * container_duration):
        # Only the whole file's duration to go by, and sound may legitimately run on.
        warnings.append(
            f"video ends at ~{start + duration:.1f} s of {container_duration:.1f} s; the file may be truncated"
        )

    cc = stream.codec_context
    info = VideoStreamInfo(
        index=stream.index,
        codec=_container.codec_name(stream),
        width=cc.width if cc else 0,
        height=cc.height if cc else 0,
        pix_fmt=scan.pix_fmt or (cc.pix_fmt if cc else None) or "",
        rotation=scan.rotation,
        frame_rate=rate,
        is_vfr=variable,
        frame_count=len(index),
        duration=duration,
        profile=stream.profile,
        start_time=start,
    )
    return index, info, warnings, truncated


class _VideoScan:
    """The pts and keyframes of every video frame, and the first picture.

    Normally one demux pass over the video packets. Intra-only video in MP4/MOV (ProRes,
    DNxHD masters: tens of GB an hour) is read from the container's sample index instead,
    which is exact for it (no reordering, so pts = index timestamp) and reads no picture data.
    """

    def __init__(self, source, stream, file_size: int):
        self.warnings: list[str] = []
        self.truncated = False
        self.demuxed = 0  # packets in the file, including those the decoder will discard
        self.rotation = 0
        self.pix_fmt: str | None = None
        self.refused: av.Packet | None = None  # held a picture over the size limit
        self.undecodable = False  # every packet went to the decoder, and no picture came out
        self._stream = stream
        self._decode_left = _FIRST_FRAME_PACKETS if stream.codec_context else 0
        if not stream.codec_context:
            self.warnings.append(f"no decoder for video codec '{_container.codec_name(stream)}'")
        _container.limit_decoder(stream.codec_context)
        _container.only_read(source, stream)
        if self._has_exact_index(source, stream):
            self.index = self._from_sample_index(stream, file_size)
            self._scan_packets(source, stream, until_first_picture=True)
        else:
            self.index = self._scan_packets(source, stream, until_first_picture=False)
        if self._decode_left:  # short file: the decoder holds its first picture until drained
            self._first_picture(None)
            self.undecodable = self.pix_fmt is None and bool(stream.codec_context)
        if self.pix_fmt is None and stream.codec_context:
            self.warnings.append("first frame could not be decoded")

    @staticmethod
    def _has_exact_index(source, stream) -> bool:
        return (
            source.format.name.startswith("mov,")
            and stream.codec_context is not None
            and stream.codec_context.codec.intra_only
            and 0 < stream.frames == len(stream.index_entries)
        )

    def _from_sample_index(self, stream, file_size: int) -> FrameIndex:
        # Samples whose bytes lie past the end of the file were cut off.
        present = [e for e in stream.index_entries if e.pos + e.size <= file_size]
        self.demuxed = len(present)
        shown = [e.timestamp for e in present if not e.is_discard]
        return FrameIndex.build(shown, shown, 0)

    def _scan_packets(self, source, stream, until_first_picture: bool) -> FrameIndex | None:
        pts: list[int] = []
        keys: list[int] = []
        last = (None, 0)  # (pts, duration) of the latest frame in presentation order
        untimed = 0
        corrupt = False
        try:
            for packet in source.demux(stream):
                if not packet.size:  # the empty packet PyAV appends to flush decoders
                    continue
                if self._decode_left:
                    self._first_picture(packet)
                if until_first_picture:
                    if self._decode_left:
                        continue
                    return None
                self.demuxed += 1
                if packet.is_discard:  # dropped by the decoder (edit lists)
                    continue
                ts = packet.pts if packet.pts is not None else packet.dts
                if ts is None:
                    untimed += 1
                    continue
                corrupt = packet.is_corrupt
                pts.append(ts)
                if packet.is_keyframe:
                    keys.append(ts)
                if last[0] is None or ts > last[0]:
                    last = (ts, packet.duration or 0)
        except av.FFmpegError as exc:
            self.truncated = True
            self.warnings.append(f"read error after {len(pts)} frames: {exc.strerror or exc}")
        if corrupt:
            # A partial last packet is where the file was cut; it decodes to nothing.
            self.truncated = True
            dropped = pts.pop()
            if keys and keys[-1] == dropped:
                keys.pop()
            if last[0] == dropped:
                last = (max(pts), 0) if pts else (None, 0)
        if untimed:
            self.warnings.append(f"{untimed} video packets carry no timestamp and are not counted")
        return FrameIndex.build(pts, keys, last[1])

    def _first_picture(self, packet) -> None:
        self._decode_left -= 1
        try:
            frames = self._stream.decode(packet)
        except av.ArgumentError:
            # What a decoder limited to MAX_PIXELS raises for a bigger picture.
            if self.refused is None and packet is not None:
                self.refused = packet
            return
        except av.FFmpegError:
            return
        if frames:
            self.rotation = round(frames[0].rotation) % 360
            self.pix_fmt = frames[0].format.name
            self._decode_left = 0


def _audio_info(stream) -> AudioStreamInfo:
    cc = stream.codec_context
    return AudioStreamInfo(
        index=stream.index,
        codec=_container.codec_name(stream),
        channels=cc.channels if cc else 0,
        sample_rate=cc.sample_rate if cc else 0,
        layout=cc.layout.name if cc else "",
        duration=_stream_seconds(stream),
    )


def _stream_seconds(stream) -> float | None:
    """A stream's own duration: header field, else Matroska's DURATION tag."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = stream.metadata.get("DURATION", "")
    try:
        hours, minutes, seconds = tag.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def _jsonable(value):
    if is_dataclass(value):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value
