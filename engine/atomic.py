"""The one way engine code writes a whole file: a crash leaves either the old content or the new.

Every writer in the engine (project save and autosave, exports, pipeline outputs,
settings) goes through :func:`atomic_write_bytes`, so all of them

* write beside the target and rename, never leaving half a file;
* follow a symbolic link to the real file, so the link stays a link;
* give a new file the permissions the umask allows (0644 under umask 022), like
  any program's ``open()``, and keep the permissions of a file they replace;
* name their temporaries ``.<name>.moviola-tmp-<random>``, so that temporaries
  orphaned by a killed process can be recognised and swept away later.
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
import time
from pathlib import Path

#: Marks our temporaries: ``.<target name>.moviola-tmp-<12 hex digits>``.
TEMP_MARK = ".moviola-tmp-"
#: A temporary older than this is an orphan: no save takes a minute to write.
STALE_AFTER_S = 60.0
_OURS = re.compile(r"^\..*" + re.escape(TEMP_MARK) + r"[0-9a-f]{12}$", re.DOTALL)
# What Moviola before the mark wrote: ".<name>.<12 hex digits>.tmp".
_OURS_BEFORE = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$", re.DOTALL)
# Room left for the mark and the random part within a 255-byte file name.
_NAME_BYTES = 200


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably.

    The data goes to a temporary file in the same folder (``os.replace`` is only atomic
    within one file system), is flushed and fsynced, then renamed over ``path``; the
    folder is fsynced last so the rename itself survives a power cut. If anything
    fails, the temporary file is removed and ``path`` is untouched. A ``path`` that is
    a symbolic link is written through: the file it points to is replaced.

    Raises:
        OSError: If the file cannot be written or replaced; its ``filename`` is
            ``path``, never the temporary's name.
    """
    target = Path(os.path.realpath(path))
    folder = target.parent
    sweep_stale_temporaries(folder)
    temp = folder / temporary_name(target.name)
    try:
        # os.open with 0o666 lets the umask decide the permissions, as for any new file;
        # mkstemp would force 0o600 and silently hide exports from colleagues.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        try:
            _write_and_sync(fd, data)
            with contextlib.suppress(OSError):
                shutil.copymode(target, temp)  # keep the permissions of the file we replace
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError as exc:
        raise _naming(exc, path) from None
    _fsync_dir(folder)


def _naming(exc: OSError, path) -> OSError:
    """The same error about the file the caller asked for: the temporary means nothing to an editor."""
    try:
        return OSError(exc.errno, exc.strerror or str(exc), os.fspath(path))  # errno picks the subclass
    except TypeError:  # a subclass with another signature (BlockingIOError): keep it as it is
        return exc


def _write_and_sync(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` and make it durable; closes ``fd``."""
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def temporary_name(name: str) -> str:
    """The name of a temporary for the file ``name``: ``.<name>.moviola-tmp-<random>``."""
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) > _NAME_BYTES:
        name = encoded[:_NAME_BYTES].decode("utf-8", "ignore")
    return f".{name}{TEMP_MARK}{secrets.token_hex(6)}"


def is_temporary(name: str) -> bool:
    """Whether a file name is one of our temporaries (this version's or an earlier one's)."""
    return bool(_OURS.match(name) or _OURS_BEFORE.match(name))


def sweep_stale_temporaries(folder: str | os.PathLike[str], older_than_s: float = STALE_AFTER_S) -> int:
    """Remove our temporaries in ``folder`` that a killed process left behind.

    Only regular files and folders (a PNG-sequence render's, ``engine.vfx.writers``) named
    by :func:`temporary_name` (or by earlier Moviola versions) and last modified more than
    ``older_than_s`` seconds ago are removed, so a save or render in progress in another
    process is never disturbed (a render's folder changes with every frame). Never raises:
    a folder that cannot be listed, or a file that cannot be removed, is skipped.

    Returns:
        How many were removed.
    """
    removed = 0
    limit = time.time() - older_than_s
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(".") or not is_temporary(entry.name):
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if info.st_mtime >= limit:
                continue
            if stat.S_ISREG(info.st_mode):
                os.unlink(entry.path)
                removed += 1
            elif stat.S_ISDIR(info.st_mode):  # not a link: lstat above
                shutil.rmtree(entry.path)
                removed += 1
    return removed


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
