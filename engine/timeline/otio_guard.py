"""What OpenTimelineIO's JSON reader cannot be given, checked before it is.

OpenTimelineIO 0.18 crashes the process (SIGSEGV), not raises, on some documents that
are valid JSON: a ``Clip.1`` object that already holds ``media_references`` (the 1 to 2
upgrade overwrites it while its objects are still referenced), a time value
(``RationalTime.1``, ``TimeRange.1``, ``TimeTransform.1``) with an extra field that
holds an object, and schema names such as ``Clip.1e308``, which it reads as version 1. Anything read from a file (an imported
``.otio``, a timeline embedded in a ``.moviola`` project) passes :func:`check_schemas`
first. The fuzz benchmark (``benchmarks/fuzz.py``) is how these were found.
"""
from __future__ import annotations

import os
import re
from typing import Any

import opentimelineio as otio

from engine.untrusted import UntrustedFileError

_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[0-9]{1,4}$")
# Fields that an upgrade function writes: an object of an older version must not have
# them already (OTIO's upgrade does not expect them, and Clip's crashes).
# Time values are plain structs in OTIO: their fields are fixed, and an extra one holding
# an object crashes the reader.
_VALUE_FIELDS = {
    "RationalTime": {"OTIO_SCHEMA", "rate", "value"},
    "TimeRange": {"OTIO_SCHEMA", "start_time", "duration"},
    "TimeTransform": {"OTIO_SCHEMA", "offset", "scale", "rate"},
}
_UPGRADE_WRITES = {
    "Clip": ("media_references", "active_media_reference_key"),
    "Marker": ("marked_range",),
}


def check_schemas(path: str | os.PathLike[str], document: Any) -> None:
    """Refuse ``OTIO_SCHEMA`` tags that OpenTimelineIO would misread or crash on.

    Args:
        document: Parsed JSON (dicts, lists, scalars), nested a bounded number of levels
            (:func:`engine.untrusted.load_json`).

    Raises:
        UntrustedFileError: Naming the first offending schema tag.
    """
    current = otio.core.type_version_map()
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        pending.extend(node.values())
        tag = node.get("OTIO_SCHEMA")
        if tag is None:
            continue
        if not isinstance(tag, str) or not _SCHEMA.match(tag):
            raise UntrustedFileError(path, f"malformed OTIO_SCHEMA {str(tag)[:40]!r}")
        name, version = tag.rsplit(".", 1)
        extra = set(node) - _VALUE_FIELDS.get(name, set(node))
        if extra:
            raise UntrustedFileError(path, f"{tag} value with the unknown field {sorted(extra)[0][:40]!r}")
        if int(version) < current.get(name, 0):
            clash = [key for key in _UPGRADE_WRITES.get(name, ()) if key in node]
            if clash:
                raise UntrustedFileError(path, f"{tag} object with the newer field {clash[0]!r}")
