"""Parsing untrusted XML (timelines, scripts from other applications) without its known attacks.

Every XML reader in the engine (xmeml, FCPXML, Final Draft) parses through this module.
Defences, each of which would be enough against some attack and none of which is
trusted alone:

* Only regular files are read, and at most :data:`MAX_BYTES` of them
  (:func:`engine.untrusted.read_regular_file`): a FIFO or ``/dev/urandom`` named as
  the file cannot hang an import.
* Before the parser sees a byte, the text is scanned and refused if it declares any
  entity (``<!ENTITY``, including parameter entities) or if its DOCTYPE names an
  external file (``SYSTEM`` / ``PUBLIC``). No NLE writes either; their only uses here
  would be reading local files (XXE), hanging on a FIFO, or an expansion bomb.
* The lxml parser loads no DTD, resolves no entity, uses no network, and has a
  resolver that answers every request for an external resource with nothing, so
  libxml2 opens no file but the one it was given.
"""
from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from lxml import etree

from engine.timeline.errors import InterchangeError
from engine.untrusted import UntrustedFileError, read_regular_file

# Premiere's largest real exports seen are a few MB; 64 MB leaves room for long features.
MAX_BYTES = 64 * 1024 * 1024

_ENTITY = re.compile(r"<!ENTITY", re.IGNORECASE)
_EXTERNAL_DOCTYPE = re.compile(r"<!DOCTYPE\s+[^\s\[>]+\s+(SYSTEM|PUBLIC)\b", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
# Byte-order marks and the first four bytes of an unmarked "<?" in UTF-16/32 (XML 1.0, F.1).
_WIDE = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"),
)


class _RefuseAll(etree.Resolver):
    """Answers every request for an external DTD or entity with an empty document."""

    def resolve(self, system_url, public_id, context):
        return self.resolve_string("", context)


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False, dtd_validation=False, attribute_defaults=False,
                             remove_comments=True, remove_pis=True, collect_ids=False)
    parser.resolvers.add(_RefuseAll())
    return parser


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file, refusing anything over ``limit``.

    Raises:
        InterchangeError: If the file is missing, unreadable, not a regular file, empty
            or too large.
    """
    path = Path(path)
    try:
        data = read_regular_file(path, limit)
    except FileNotFoundError:
        raise InterchangeError(path, "file not found") from None
    except UntrustedFileError as exc:
        raise InterchangeError(path, exc.problem) from None
    except OSError as exc:
        raise InterchangeError(path, f"cannot read ({exc.strerror or exc})") from None
    if not data.strip():
        raise InterchangeError(path, "file is empty")
    return data


def check_prolog(data: bytes, source: str | os.PathLike[str] | None = None) -> None:
    """Refuse entity declarations and external DOCTYPEs, whatever the text's encoding.

    The scan reads the text as the parser will (byte-order mark, else the declared
    encoding, else UTF-8), so a stateful encoding cannot hide ``<!ENTITY`` from it.

    Raises:
        InterchangeError: If the document declares an entity, names an external DTD,
            or is in an encoding that Python cannot read or that does not start with
            ``<`` (EBCDIC, unusual UCS-4 byte orders).
    """
    text = _decoded(data, source)
    if not text.lstrip(" \t\r\n").startswith("<"):
        raise InterchangeError(source, "not well-formed XML (does not start with '<')")
    if _ENTITY.search(text):
        raise InterchangeError(source, "XML declares entities (refused: possible XXE or entity-expansion attack)")
    if _EXTERNAL_DOCTYPE.search(text):
        raise InterchangeError(source, "XML DOCTYPE names an external file (refused: possible XXE attack)")


def _decoded(data: bytes, source) -> str:
    """The document as text, decoded the way libxml2 will decode it."""
    encoding = "utf-8"
    for mark, marked in _WIDE:
        if data.startswith(mark):
            encoding = marked
            break
    else:
        declared = _DECLARED_ENCODING.match(data)
        if declared:
            encoding = declared.group(1).decode("ascii")
    try:
        # "replace": malformed bytes are the parser's to report; U+FFFD is never markup.
        # bytes.decode, unlike codecs.decode, accepts only text encodings (no "zlib").
        return data.decode(encoding, "replace")
    except LookupError:
        raise InterchangeError(source, f"XML in unknown encoding {encoding!r}") from None


def parse(data: bytes, source: str | os.PathLike[str] | None = None) -> etree._Element:
    """Parse XML bytes into the root element.

    Raises:
        InterchangeError: On malformed XML, any entity declaration or external DTD.
    """
    if len(data) > MAX_BYTES:
        raise InterchangeError(source, f"XML is over the {MAX_BYTES / 1e6:.0f} MB limit")
    check_prolog(data, source)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        message = " ".join(str(exc.msg).split())
        if "entit" in message.lower() or "amplification" in message.lower():
            raise InterchangeError(source, f"XML entities refused (possible entity-expansion attack): "
                                           f"{message}") from None
        raise InterchangeError(source, f"not well-formed XML ({message})") from None
    if root is None:
        raise InterchangeError(source, "XML has no root element")
    # Belt and braces: the scan above should have refused all of these already.
    docinfo = root.getroottree().docinfo
    dtd = docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise InterchangeError(source, "XML declares entities (refused: possible XXE or entity-expansion attack)")
    if docinfo.system_url or docinfo.public_id:
        raise InterchangeError(source, "XML DOCTYPE names an external file (refused: possible XXE attack)")
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise InterchangeError(source, "XML uses undeclared entities (refused)")
    return root


def parse_file(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> etree._Element:
    """:func:`read_bytes` then :func:`parse`."""
    return parse(read_bytes(path, limit), path)
