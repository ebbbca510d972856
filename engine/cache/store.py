"""Analysis results keyed by media fingerprint and analyser version, in embedded SQLite.

Design notes:

* One row per (fingerprint, analyser) holds the version that computed it. Asking for
  another version misses, and the next ``put`` replaces the stale row, so the cache
  does not accumulate results of analysers long gone.
* Values are serialised by :mod:`engine.cache.codec` (JSON + ``.npz``, never pickle).
* The cache is disposable. Any damage (garbage bytes, truncation, a foreign or older
  schema) is met by moving the file aside as ``<name>.corrupt-<timestamp>`` and
  starting afresh, with a logged warning. Other failures (disk full, lock timeouts,
  unwritable folder) are logged and turn into misses / dropped writes. Callers never
  see an exception from the storage, only ``TypeError`` for unstorable values.
* One connection per cache object, guarded by a lock: SQLite serialises writers
  anyway, and a single connection can be closed before the file is moved aside
  (Windows refuses to rename an open file). Other processes open their own
  connection; WAL mode and a busy timeout let them share the file safely.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from engine.cache import codec
from engine.cache.fingerprint import fingerprint as file_fingerprint
from engine.settings import cache_dir

log = logging.getLogger(__name__)

DEFAULT_FILENAME = "analysis.sqlite"
#: "MVOL": marks the file as ours, so a foreign SQLite file is never mistaken for a cache.
APPLICATION_ID = 0x4D564F4C
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE results (
    fingerprint TEXT NOT NULL,
    analyser    TEXT NOT NULL,
    version     TEXT NOT NULL,
    payload     TEXT NOT NULL,
    arrays      BLOB,
    created     REAL NOT NULL,
    PRIMARY KEY (fingerprint, analyser)
);
"""
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26

_T = TypeVar("_T")

# Warnings already given by this process: a cache that fails (locked, read-only, full disk)
# fails on every operation, and one line per operation buried the log.
_warned: set[str] = set()
_warned_lock = threading.Lock()
_MAX_REMEMBERED = 1000


def _warn_once(message: str, *args: object) -> None:
    """Log a warning, unless this process has already logged exactly the same one."""
    text = message % args if args else message
    with _warned_lock:
        if text in _warned:
            return
        if len(_warned) < _MAX_REMEMBERED:
            _warned.add(text)
    log.warning("%s", text)


class _Damaged(Exception):
    """The database file is not a usable cache and must be rebuilt."""


class AnalysisCache:
    """Persistent store of analysis results; safe to share between threads and processes.

    Args:
        path: Database file; defaults to ``cache_dir() / "analysis.sqlite"``.
            ``":memory:"`` gives a private, non-persistent cache.
        timeout: Seconds to wait for another process's write lock before giving up
            on one operation.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, timeout: float = 10.0):
        self._memory = path == ":memory:"
        self.path = Path(path) if path is not None else cache_dir() / DEFAULT_FILENAME
        self.timeout = timeout
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._conn_pid = 0
        self._disabled = False

    def get(self, fingerprint: str, analyser: str, version: str | int) -> Any | None:
        """Return the value stored for this media, analyser and version, or None.

        Versions are compared as text (``1`` and ``"1"`` are the same version).
        """
        row = self._run(
            lambda c: c.execute(
                "SELECT payload, arrays FROM results "
                "WHERE fingerprint = ? AND analyser = ? AND version = ?",
                (fingerprint, analyser, str(version)),
            ).fetchone(),
            what="read",
        )
        if row is None:
            return None
        try:
            return codec.decode(row[0], row[1])
        except codec.CodecError as exc:
            _warn_once("ignoring cached %s result for %s: %s", analyser, fingerprint, exc)
            return None

    def put(self, fingerprint: str, analyser: str, version: str | int, value: Any) -> None:
        """Store a value, replacing any result of another version of the same analyser.

        ``None`` cannot be stored: :meth:`get` uses it to mean "not cached".

        Raises:
            TypeError: If the value (or something inside it) cannot be serialised.
        """
        if value is None:
            raise TypeError("None cannot be cached: get() returns None for a miss")
        payload, arrays = codec.encode(value)

        def write(conn: sqlite3.Connection) -> None:
            with conn:  # one transaction: a crash leaves the old row or the new one
                conn.execute(
                    "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                    (fingerprint, analyser, str(version), payload, arrays, time.time()),
                )

        self._run(write, what="write")

    def discard(self, fingerprint: str, analyser: str | None = None) -> None:
        """Forget the results for one media file (of one analyser, or of all)."""
        if analyser is None:
            sql, args = "DELETE FROM results WHERE fingerprint = ?", (fingerprint,)
        else:
            sql, args = "DELETE FROM results WHERE fingerprint = ? AND analyser = ?", (fingerprint, analyser)

        def delete(conn: sqlite3.Connection) -> None:
            with conn:
                conn.execute(sql, args)

        self._run(delete, what="delete")

    def close(self) -> None:
        """Close the connection; the cache reopens by itself if used again."""
        with self._lock:
            if self._conn is not None and self._conn_pid == os.getpid():
                try:
                    self._conn.close()
                except sqlite3.Error:
                    pass
            self._conn = None

    def __enter__(self) -> AnalysisCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- storage ---------------------------------------------------------------------

    def _run(self, operation: Callable[[sqlite3.Connection], _T], *, what: str) -> _T | None:
        """Run ``operation`` on the connection, rebuilding a damaged file once."""
        with self._lock:
            for attempt in (1, 2):
                if self._disabled:
                    return None
                try:
                    return operation(self._connection())
                except (sqlite3.DatabaseError, _Damaged) as exc:
                    if attempt == 2 or not _is_damage(exc):
                        _warn_once("analysis cache %s: %s failed: %s", self.path, what, exc)
                        return None
                    self._move_aside(exc)
                except OSError as exc:  # e.g. the cache folder cannot be created
                    _warn_once("analysis cache %s unavailable, caching is off: %s", self.path, exc)
                    self._disabled = True
                    return None
            return None

    def _connection(self) -> sqlite3.Connection:
        # A connection inherited through fork() must never be used by the child:
        # two processes on one SQLite handle is a documented way to corrupt the file.
        if self._conn is not None and self._conn_pid == os.getpid():
            return self._conn
        self._conn = None
        if not self._memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            ":memory:" if self._memory else self.path,
            timeout=self.timeout,
            isolation_level="DEFERRED",
            check_same_thread=False,  # guarded by self._lock
        )
        try:
            _prepare(conn)
        except BaseException:
            conn.close()
            raise
        self._conn, self._conn_pid = conn, os.getpid()
        return conn

    def _move_aside(self, reason: BaseException) -> None:
        self.close()
        if self._memory:
            return
        stamp = time.strftime("%Y%m%dT%H%M%S") + f"{time.time() % 1:.6f}"[1:]
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, target)
            # A stale WAL beside a fresh database could be replayed into it: move it too.
            for suffix in ("-wal", "-shm", "-journal"):
                sidecar = Path(f"{self.path}{suffix}")
                if sidecar.exists():
                    os.replace(sidecar, f"{target}{suffix}")
        except FileNotFoundError:
            pass  # another process moved it first
        except OSError as exc:
            _warn_once("analysis cache %s is damaged (%s) and cannot be moved aside (%s); caching is off",
                        self.path, reason, exc)
            self._disabled = True
            return
        _warn_once("analysis cache %s was unusable (%s); moved it to %s and started a new one",
                    self.path, reason, target.name)


def _prepare(conn: sqlite3.Connection) -> None:
    """Set up a fresh connection and check that the file holds our schema."""
    # The first statement reads the header: garbage fails here with SQLITE_NOTADB.
    conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable enough for a cache in WAL mode and much faster than FULL.
    conn.execute("PRAGMA synchronous=NORMAL")
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if app_id == 0 and version == 0:
        with conn:
            conn.execute("BEGIN IMMEDIATE")  # another process may be creating it right now
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables == 0:
                conn.execute(_SCHEMA)  # not executescript(): it would commit our lock away
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    if app_id != APPLICATION_ID or version != SCHEMA_VERSION:
        raise _Damaged(f"not a Moviola cache of schema {SCHEMA_VERSION} "
                       f"(application_id={app_id:#x}, user_version={version})")
    try:
        conn.execute("SELECT fingerprint, analyser, version, payload, arrays, created FROM results LIMIT 0")
    except sqlite3.OperationalError as exc:
        raise _Damaged(f"results table is not as expected: {exc}") from exc


def _is_damage(exc: BaseException) -> bool:
    if isinstance(exc, _Damaged):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and (code & 0xFF) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def cached(
    cache: AnalysisCache,
    path: str | os.PathLike[str],
    analyser: str,
    version: str | int,
    compute: Callable[[Path], _T],
) -> _T:
    """Return ``compute(path)``, from the cache when this content was analysed before.

    Args:
        cache: Where results live.
        path: The media file; its content fingerprint is the key.
        analyser: Name of the analysis (e.g. ``"shots"``).
        version: The analyser's version; bump it whenever its output would change.
        compute: Does the work when the cache misses; a ``None`` result is returned
            but not stored.

    Raises:
        OSError: If the media file cannot be read for fingerprinting.
    """
    media = Path(path)
    key = file_fingerprint(media)
    hit = cache.get(key, analyser, version)
    if hit is not None:
        return hit
    value = compute(media)
    if value is not None:
        cache.put(key, analyser, version, value)
    return value
