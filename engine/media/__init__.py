"""Media layer: probe files, decode video frames and audio samples (PyAV only)."""
from .audio import iter_audio, read_audio
from .errors import MediaError
from .frames import Frame, FrameReader, iter_frames, read_frame
from .probe import AudioStreamInfo, MediaInfo, VideoStreamInfo, probe

__all__ = [
    "AudioStreamInfo",
    "Frame",
    "FrameReader",
    "MediaError",
    "MediaInfo",
    "VideoStreamInfo",
    "iter_audio",
    "iter_frames",
    "probe",
    "read_audio",
    "read_frame",
]
