"""File paths to and from file URLs: the one place that converts them.

NLE timelines (xmeml ``pathurl``, FCPXML ``src``), OTIO references and project
relinking all convert here.

Premiere wants ``file://localhost/`` and percent-encoding of everything that is not
unreserved; Resolve and FCP want ``file:///``. Paths are encoded byte for byte (UTF-8)
without Unicode normalisation, so an NFD name on macOS comes back as the same bytes.
"""
from __future__ import annotations

import re
import urllib.parse

_DRIVE = re.compile(r"^[A-Za-z]:([\\/]|$)")
_URL_DRIVE = re.compile(r"^/([A-Za-z])(:|%3[aA])(/|$)")
# RFC 3986 unreserved plus "/" stay readable; everything else is escaped.
_SAFE = "/-._~"


def is_windows_path(path: str) -> bool:
    """``C:\\...`` or ``C:/...``, or a UNC ``\\\\server\\share`` path."""
    return bool(_DRIVE.match(path)) or path.startswith("\\\\")


def is_file_url(text: str) -> bool:
    """``file:...`` in any letter case (a plain path is not)."""
    return text.strip().lower().startswith("file:")


def path_to_url(path: str, host: str = "localhost") -> str:
    """A percent-encoded file URL: ``file://localhost/...`` (xmeml) or ``file:///...`` (host="").

    Raises:
        ValueError: If the path is relative.
    """
    if path.startswith("\\\\") or path.startswith("//"):  # UNC share: the server becomes the host
        server, _, rest = path.replace("\\", "/").lstrip("/").partition("/")
        return f"file://{server}/" + urllib.parse.quote(rest, safe=_SAFE, errors="surrogateescape")
    if _DRIVE.match(path):
        drive, rest = path[:2], path[2:].replace("\\", "/")
        return f"file://{host}/{drive}" + urllib.parse.quote(rest, safe=_SAFE, errors="surrogateescape")
    if not path.startswith("/"):
        raise ValueError(f"not an absolute path: {path!r}")
    return f"file://{host}" + urllib.parse.quote(path, safe=_SAFE, errors="surrogateescape")


def url_to_path(url: str) -> str:
    """The path a file URL (any of the forms NLEs write) or a plain path names.

    Windows paths come back as ``C:/dir/file`` (forward slashes), UNC as ``//server/share``.
    """
    text = url.strip()
    if not is_file_url(text):
        return text.replace("\\", "/") if is_windows_path(text) else text
    rest = text[5:]
    host = ""
    if rest.startswith("//"):
        host, slash, rest = rest[2:].partition("/")
        rest = slash + rest
    path = urllib.parse.unquote(rest, errors="surrogateescape")
    if host and host.lower() != "localhost":
        return f"//{host}{path}"
    drive = _URL_DRIVE.match(rest)
    if drive:
        return f"{drive.group(1)}:/" + urllib.parse.unquote(rest[drive.end():], errors="surrogateescape")
    return path


def to_otio_url(path_or_url: str) -> str:
    """The form stored in OTIO references: a ``file:///`` URL (what ``Path.as_uri`` gives)."""
    path = url_to_path(path_or_url)
    try:
        return path_to_url(path, host="")
    except ValueError:
        return path  # relative: keep as written, relinking may still find it by name


def file_name(path_or_url: str) -> str:
    """The last component, whichever separator the source OS used."""
    return re.split(r"[\\/]", url_to_path(path_or_url).rstrip("/\\"))[-1]
