"""The worker process: runs engine jobs one at a time for the desktop's `ProcessRunner`.

Heavy work runs here rather than in a thread of the GUI process so that nothing it does
(holding the GIL while torch imports, a decoder crashing in native code, a job that hangs)
can freeze or kill the window: the GUI can always terminate this process and start another.
And it never outlives the GUI, however the GUI ends (see `die_with_parent`).

Two one-way pipes, pickled tuples:

    requests (GUI → worker): ("run", job_id, target, args, kwargs) | ("cancel", job_id) | ("stop",)
    events (worker → GUI):   ("event", job_id, Progress | Text | Partial)
                             | ("done", job_id, result) | ("failed", job_id, message)
                             | ("cancelled", job_id) | ("unreadable", None, message)

A thread here listens to the requests all the time, so a cancel reaches a running job at
once; the job itself runs on the main thread.
"""
from __future__ import annotations

import ctypes
import logging
import os
import pickle
import queue
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection

from engine.jobs import Cancelled, execute, failure_message, one_line

log = logging.getLogger(__name__)
PARENT_POLL_S = 0.5  # how often the watchdog checks that the GUI is still there
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
NICENESS = 10  # below the GUI: when the cores are busy, the window is served first


def serve(requests: Connection, events: Connection, parent_pid: int) -> None:
    """Process entry point: run requested jobs until asked to stop or the GUI goes away.

    Never returns: the process ends here.
    """
    die_with_parent(parent_pid)
    yield_cpu_to_gui()
    # Ctrl+C in a terminal reaches the whole process group: the GUI decides, not us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    jobs: queue.Queue = queue.Queue()
    cancels: dict[int, threading.Event] = {}
    threading.Thread(target=_listen, args=(requests, events, jobs, cancels),
                     name="moviola-requests", daemon=True).start()
    while True:
        request = jobs.get()
        if request is None:
            # Nothing here needs the interpreter's teardown, which with torch loaded takes
            # seconds: the GUI waits for this exit when it closes.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        _, job_id, target, args, kwargs = request
        reply = _run(job_id, target, args, kwargs, events, cancels[job_id])
        cancels.pop(job_id, None)
        try:
            events.send(reply)
        except (OSError, EOFError):
            os._exit(0)  # the GUI is gone: nobody to answer
        except Exception as exc:  # the result did not pickle; pickling fails before any byte is sent
            events.send(("failed", job_id, f"its result could not be sent back: {one_line(exc)}"))


def _run(job_id: int, target, args, kwargs, events: Connection, cancel: threading.Event) -> tuple:
    """Run one job; the reply tuple that settles it."""
    from engine.media.errors import MediaError

    def emit(event) -> None:
        try:
            events.send(("event", job_id, event))
        except (OSError, EOFError):
            os._exit(0)  # the GUI is gone: nobody to tell

    try:
        result = execute(target, args, kwargs, emit, cancel)
    except Cancelled:
        return ("cancelled", job_id)
    except Exception as exc:  # the GUI shows one line; the traceback goes to the log
        if not isinstance(exc, MediaError):  # a file's own problem needs no traceback
            log.exception("job %s failed", target)
        return ("failed", job_id, failure_message(exc))
    return ("done", job_id, result)


def _listen(requests: Connection, events: Connection, jobs: queue.Queue,
            cancels: dict[int, threading.Event]) -> None:
    while True:
        try:
            data = requests.recv_bytes()
        except (EOFError, OSError):
            os._exit(0)  # the GUI closed its end without a "stop": it is gone
        try:
            message = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - e.g. an argument whose class is not importable here
            # A job is only sent while the worker is idle, so the unreadable one is the job the
            # GUI is waiting for; the main thread is blocked on the queue and sends nothing now.
            events.send(("unreadable", None, f"the worker could not read the job ({one_line(exc)})"))
            continue
        kind = message[0]
        if kind == "run":
            cancels[message[1]] = threading.Event()
            jobs.put(message)
        elif kind == "cancel":
            event = cancels.get(message[1])
            if event is not None:
                event.set()
        elif kind == "stop":
            jobs.put(None)
            return


def yield_cpu_to_gui() -> None:
    """Run below the GUI's priority: analysis keeps every core busy, and on a machine with few
    of them the window's thread would otherwise wait its turn behind the worker's threads."""
    try:
        if sys.platform == "win32":
            below_normal = 0x00004000
            kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
            kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), below_normal)
        else:
            os.nice(NICENESS)
    except (OSError, AttributeError):
        log.debug("could not lower the worker's priority")


# -- never outlive the GUI -------------------------------------------------------------------

def die_with_parent(parent_pid: int) -> None:
    """End this process when `parent_pid` (the GUI) ends, however it ends.

    On Linux the kernel kills us (PR_SET_PDEATHSIG); everywhere a watchdog thread polls
    for the parent and exits when it is gone. The request pipe's end-of-file (see `_listen`)
    is a third way. The multiprocessing resource tracker the GUI started exits by itself once
    every process holding its pipe, this one included, has ended.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc to speak of: the watchdog still works
            log.debug("prctl(PR_SET_PDEATHSIG) unavailable")
    if not _parent_alive(parent_pid):  # it died before the death signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="moviola-watchdog",
                     daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while _parent_alive(parent_pid):
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def _parent_alive(parent_pid: int) -> bool:
    if sys.platform == "win32":
        return _windows_process_alive(parent_pid)
    # An orphan is adopted by init (or a subreaper): the parent id changes when the GUI dies.
    return os.getppid() == parent_pid


def _windows_process_alive(pid: int) -> bool:
    synchronize, wait_timeout = 0x00100000, 0x102
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(synchronize, False, pid)
    if not handle:
        return False
    try:
        return kernel32.WaitForSingleObject(handle, 0) == wait_timeout
    finally:
        kernel32.CloseHandle(handle)
