"""Transcripts: offline speech-to-text with word timestamps (faster-whisper on the bundled
Whisper tiny.en, or a local model folder), captions made from them, and script-to-take matching.
"""
from engine.transcript.result import Segment, Transcript, Word

__all__ = ["Segment", "Transcript", "Word"]
