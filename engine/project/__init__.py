"""Project file, media references, autosave and the analysis cache.

Nothing here imports Qt: desktop/ subscribes to ``Project.events`` (psygnal).
"""
from engine.project.autosave import Autosaver
from engine.project.cache import AnalysisCache, cached
from engine.project.codec import register_dataclass
from engine.project.fileformat import ProjectError
from engine.project.fingerprint import fingerprint
from engine.project.media_refs import LinkReport, MediaRef
from engine.project.paths import cache_dir, config_dir
from engine.project.project import Project, ProjectEvents, autosave_path_for

__all__ = [
    "AnalysisCache",
    "Autosaver",
    "LinkReport",
    "MediaRef",
    "Project",
    "ProjectError",
    "ProjectEvents",
    "autosave_path_for",
    "cache_dir",
    "cached",
    "config_dir",
    "fingerprint",
    "register_dataclass",
]
