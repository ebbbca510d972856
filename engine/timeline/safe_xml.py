"""Parsing untrusted XML (timelines from other applications) without its known attacks.

No external entities, no DTD loading, no network, no entity expansion, bounded size:
a timeline file with an ``<!ENTITY`` declaration is refused outright, because no NLE
writes one and its only uses here would be XXE or an expansion bomb.
"""
from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from engine.timeline.errors import InterchangeError

# Premiere's largest real exports seen are a few MB; 64 MB leaves room for long features.
MAX_BYTES = 64 * 1024 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False, remove_comments=True,
                           remove_pis=True, collect_ids=False)


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> bytes:
    """The file's bytes, refusing anything over ``limit``.

    Raises:
        InterchangeError: If the file is missing, unreadable, empty or too large.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise InterchangeError(path, f"file is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise InterchangeError(path, "file not found") from None
    except IsADirectoryError:
        raise InterchangeError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise InterchangeError(path, f"cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise InterchangeError(path, f"file is over the {limit / 1e6:.0f} MB limit")
    if not data.strip():
        raise InterchangeError(path, "file is empty")
    return data


def parse(data: bytes, source: str | os.PathLike[str] | None = None) -> etree._Element:
    """Parse XML bytes into the root element.

    Raises:
        InterchangeError: On malformed XML or any entity declaration.
    """
    if len(data) > MAX_BYTES:
        raise InterchangeError(source, f"XML is over the {MAX_BYTES / 1e6:.0f} MB limit")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if "entit" in exc.msg.lower() or "amplification" in exc.msg.lower():
            raise InterchangeError(source, "XML entities refused (possible entity-expansion attack): "
                                           f"{exc.msg}") from None
        raise InterchangeError(source, f"not well-formed XML ({exc.msg})") from None
    if root is None:
        raise InterchangeError(source, "XML has no root element")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise InterchangeError(source, "XML declares entities (refused: possible XXE or entity-expansion attack)")
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise InterchangeError(source, "XML uses undeclared entities (refused)")
    return root


def parse_file(path: str | os.PathLike[str]) -> etree._Element:
    """:func:`read_bytes` then :func:`parse`."""
    return parse(read_bytes(path), path)
