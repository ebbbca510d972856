"""``moviola-cli analyze --ray``: the analyze command, fanned out over a Ray cluster.

The analyze command belongs to `engine.affect.commands`; this module, registered after it,
adds folders (``--recursive``) and ``--ray`` to it. Without ``--ray`` the command runs as it
always did; with it, the output has the same shape and order, and one stderr line names the
cluster and its workers.
"""
from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path


def register(subparsers) -> None:
    """Extend ``analyze`` (registered by `engine.affect.commands`) with folders and ``--ray``."""
    analyze = subparsers.choices.get("analyze")
    if analyze is None:
        return
    analyze.add_argument("--recursive", action="store_true",
                         help="look for media in the sub-folders of each FOLDER too")
    analyze.add_argument("--ray", metavar="ADDRESS",
                         help="analyse on a Ray cluster: local, local:N (start N workers here, stop "
                              "them after) or ray://HOST:PORT")
    analyze.add_argument("--ray-path-map", metavar="CALLER=WORKER",
                         help="where cluster workers see this machine's media, e.g. "
                              "/Volumes/Dailies=/mnt/dailies (default: the setting)")
    analyze.add_argument("--ray-inline-mb", type=float, metavar="MB",
                         help="send files up to this size through Ray's object store, for workers "
                              "that cannot see the path (default: the setting; 0: never)")
    analyze.set_defaults(func=functools.partial(_cmd_analyze, analyze.get_default("func")))


def expand(names: list[str], recursive: bool) -> list[str]:
    """Files as given; a folder's media files in name order (its sub-folders' with `recursive`)."""
    from engine.resources import MEDIA_SUFFIXES

    files: list[str] = []
    for name in names:
        folder = Path(name)
        if not folder.is_dir():
            files.append(name)
            continue
        found = folder.rglob("*") if recursive else folder.iterdir()
        files += sorted(str(p) for p in found if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES
                        and not p.name.startswith("."))
    return files


def _cmd_analyze(plain, args: argparse.Namespace) -> int:
    args.files = expand(args.files, args.recursive)
    if not args.files:
        print("moviola-cli: no media files found", file=sys.stderr)
        return 1
    if not args.ray:
        return plain(args)
    return _analyze_on_cluster(args)


def _analyze_on_cluster(args: argparse.Namespace) -> int:
    from engine.affect.commands import _table
    from engine.batch import each_file
    from engine.cluster.address import ClusterAddressError, PathMap, parse_address
    from engine.cluster.run import cluster_job
    from engine.cluster.session import ClusterSession, ClusterUnavailable
    from engine.jobs import Partial, Progress, run
    from engine.media import MediaError
    from engine.settings import load

    settings = load()
    try:
        address = parse_address(args.ray)
        path_map = PathMap.parse(args.ray_path_map if args.ray_path_map is not None
                                 else settings.cluster_path_map)
        inline_mb = args.ray_inline_mb if args.ray_inline_mb is not None else float(
            settings.cluster_inline_mb or 0)
    except (ClusterAddressError, ValueError) as exc:
        print(f"moviola-cli: {exc}", file=sys.stderr)
        return 2
    session = ClusterSession(address)
    try:
        session.__enter__()
    except ClusterUnavailable as exc:
        print(f"moviola-cli: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"moviola-cli: analysing {len(args.files)} file(s) on {session.describe()}",
              file=sys.stderr, flush=True)
        cache = None if args.no_cache else _user_cache()
        job = cluster_job(args.files, cache=cache, path_map=path_map, inline_limit=int(inline_mb * 1e6))

        def show(event) -> None:
            if isinstance(event, Progress) and not args.json:
                print(f"[{event.fraction:6.1%}] {event.message}", file=sys.stderr, flush=True)
            elif isinstance(event, Partial) and hasattr(event.value, "attempt"):
                started = event.value
                again = f", attempt {started.attempt}" if started.attempt > 1 else ""
                print(f"moviola-cli: {started.path.name} on {started.host} (node {started.node[:8]}{again})",
                      file=sys.stderr, flush=True)
        try:
            outcomes = run(job, show)
        except KeyboardInterrupt:
            job.close()  # cancels what still runs; finished files are already in the cache
            print("moviola-cli: interrupted: the files still running were cancelled; "
                  "finished ones are in the cache", file=sys.stderr)
            return 130
    finally:
        session.close()

    by_name = dict(zip(args.files, outcomes))

    def compute(name: str):
        outcome = by_name[name]
        if not outcome.ok:
            prefix = f"{outcome.path.name}: "
            problem = outcome.problem or outcome.error.removeprefix(prefix)
            raise MediaError(name, problem)
        return outcome.result.emotion

    return each_file(args.files, compute, lambda name, result: result.to_json(name),
                     lambda _name, result: _table(result), args.json)


def _user_cache():
    from engine.cache.store import AnalysisCache

    return AnalysisCache()
