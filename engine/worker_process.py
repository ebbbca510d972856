"""A child process that runs engine jobs one at a time and reports through queues.

Analysis runs here rather than in a thread of the GUI process so that nothing it does (long
stretches holding the GIL while importing torch, a decoder crash) can freeze or kill the
window. Messages are plain tuples:

    requests: (job_id, "module:function", args, kwargs) or None to stop
    events:   ("progress", job_id, fraction, message) | ("done", job_id, result)
              | ("failed", job_id, message) | ("cancelled", job_id)
"""
from __future__ import annotations

import importlib
import logging
import traceback

from engine.jobs import Cancelled, drive

log = logging.getLogger(__name__)


def resolve(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def serve(requests, events, cancel) -> None:
    """Process entry point: run requests until a None arrives."""
    from engine.media import MediaError

    while True:
        request = requests.get()
        if request is None:
            return
        job_id, target, args, kwargs = request
        cancel.clear()
        try:
            job = resolve(target)(*args, **kwargs)
            result = drive(job, lambda f, m, j=job_id: events.put(("progress", j, f, m)), cancel)
        except Cancelled:
            events.put(("cancelled", job_id))
        except MediaError as exc:
            events.put(("failed", job_id, str(exc)))
        except Exception as exc:  # the parent shows one line; the details go to the log
            log.error("job %s failed:\n%s", target, traceback.format_exc())
            events.put(("failed", job_id, f"unexpected error: {exc}"))
        else:
            events.put(("done", job_id, result))
