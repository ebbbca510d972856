"""The analysis cache: results keyed by a media file's content fingerprint and the analyser's
version, in an embedded SQLite database, so reopening a project is instant and a changed
analyser recomputes. Nothing here knows about projects.
"""
from engine.cache.codec import register_dataclass
from engine.cache.fingerprint import fingerprint
from engine.cache.store import AnalysisCache, cached

__all__ = ["AnalysisCache", "cached", "fingerprint", "register_dataclass"]
