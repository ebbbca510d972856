"""The project: its file, media references, autosave, and the editor's edits and merges.

Nothing here imports Qt: desktop/ subscribes to ``Project.events`` (psygnal). The analysis
cache lives in :mod:`engine.cache`, per-user folders and settings in :mod:`engine.settings`.
"""
from engine.project.autosave import Autosaver
from engine.project.fileformat import ProjectError
from engine.project.media_refs import LinkReport, MediaRef
from engine.project.project import Project, ProjectEvents, autosave_path_for

__all__ = [
    "Autosaver",
    "LinkReport",
    "MediaRef",
    "Project",
    "ProjectError",
    "ProjectEvents",
    "autosave_path_for",
]
