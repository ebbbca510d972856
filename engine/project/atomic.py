"""Replace a file so that a crash leaves either the old content or the new, never a mix."""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably.

    The data goes to a temporary file in the same folder (``os.replace`` is only atomic
    within one file system), is flushed and fsynced, then renamed over ``path``; the
    folder is fsynced last so the rename itself survives a power cut. If anything
    fails, the temporary file is removed and ``path`` is untouched.

    Raises:
        OSError: If the file cannot be written or replaced.
    """
    target = Path(path)
    folder = target.parent
    temp = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
    # os.open with 0o666 lets the umask decide the permissions, as for any new file;
    # mkstemp would force 0o600 and silently hide project files from colleagues.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(OSError):
            shutil.copymode(target, temp)  # keep the permissions of the file we replace
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    # Windows cannot open a folder for fsync (and NTFS journals renames anyway);
    # some network file systems refuse too. Neither is worth failing a save for.
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
