"""What plays: a clip or a timeline as a list of source segments on a record frame grid."""
from engine.playback.feeder import FrameFeeder, ShownFrame
from engine.playback.playlist import Playlist, Segment

__all__ = ["FrameFeeder", "Playlist", "Segment", "ShownFrame"]
