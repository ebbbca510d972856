"""Mutation fuzzing of every reader of untrusted files, counting crashes, hangs and memory.

Usage: ``.venv/bin/python benchmarks/fuzz.py [--seconds 120] [--seed N] [--jobs 1]
[--timeout 20] [--memory-mb 3072] [--save DIR] [--kinds media,nle,otio,project,fdx]``

Seeds are real files: clips from ``../shared/media/sources`` and ``formats``, the NLE
exports in ``../shared/nle`` (FCP7 XML, FCPXML, EDL), and files made here from them:
``.otio`` timelines, a ``.moviola`` project saved by :class:`engine.project.Project`,
and a Final Draft script. Each input is a seeded random mutant of a seed (bit and byte
flips, interesting integers, truncation, splicing two seeds, inserted bytes, and for
text formats hostile tokens: entity declarations, deep nesting, extreme numbers).

Each mutant goes to the matching entry point in a worker process: ``probe`` and reading
a few frames (forward and by seeking), ``import_timeline``, ``read_fdx``,
``Project.load``. Workers run under an address-space cap (RLIMIT_AS) and a per-input
timeout; a worker that dies or stops answering is replaced. Outcomes:

* clean: one of our one-line errors (MediaError, ProjectError, InterchangeError);
* crash: any other exception, a multi-line message, or the worker killed by a signal;
* hang: no answer within the timeout.

Peak RSS is the largest VmHWM any worker reported. Crashes and hangs are saved (with the
traceback) under ``--save`` for replay; the exit status is 1 when there are any.

(atheris installs here, but it fuzzes in-process with libFuzzer, where one crash ends the
run; counting crashes, hangs and memory needs the process boundary used here.)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOVIOLA_SHARED", REPO.parent / "shared"))

MEDIA_SEEDS = ["sources/asl_thanks.mkv", "sources/asl_yes.mkv", "formats/hevc_hvc1.mp4", "formats/vp9_opus.webm",
               "formats/h264_29.97fps_timecode_df.mov", "bad/one_frame.mp4", "bad/vfr.mp4", "bad/tiny_16x16.mp4"]
NLE_MAX_BYTES = 80_000  # the big real exports would only slow the mutation loop down

INTERESTING_INTS = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 16000]
TEXT_TOKENS = [
    '<!DOCTYPE x SYSTEM "/dev/urandom">', '<!ENTITY % p SYSTEM "/dev/zero"> %p;', "&lol;", "<![CDATA[", "]]>",
    "\x00", "\ufeff", "\udced\udca0\udc80", "-1", "0", "1e308", "-1e308", "NaN", "Infinity", "99999999999999999999999",
    "18446744073709551616", "24000/0", "0/0", "file:///etc/passwd", "file://server/share/%00x", "%ZZ",
    "../../../../etc/passwd", "C:\\\\x", '"', "'", "<", ">", "&", "{", "}", "[", "]", ",", ":", "null", "true",
    '{"OTIO_SCHEMA": "Timeline.1"}', '{"OTIO_SCHEMA": "Clip.2"}', '{"OTIO_SCHEMA": "RationalTime.1", "rate": 0}',
    "01:00:00:00", "99:99:99:99", "00:00:00;00", "*", "FCM: DROP FRAME", "\r\n", "\t",
]
CLEAN = {"MediaError", "ProjectError", "InterchangeError"}
HISTORY = 8  # inputs kept per worker, saved beside a crash that may depend on them
MAX_GROWTH = 4_000_000  # bytes one duplication may add: bigger inputs only slow the run down
SLOW_S = 2.0  # an input that takes longer is listed (and kept): a sign of super-linear work


# -- seeds -----------------------------------------------------------------------------------

def make_seeds(folder: Path) -> dict[str, list[Path]]:
    """Real seed files by kind; the .otio, .moviola and .fdx seeds are written here."""
    sys.path.insert(0, str(REPO))
    import opentimelineio as otio

    from engine.project import Project
    from engine.script import fountain, to_fdx
    from engine.timeline.importers import import_timeline

    folder.mkdir(parents=True, exist_ok=True)
    seeds: dict[str, list[Path]] = defaultdict(list)
    for name in MEDIA_SEEDS:
        if (SHARED / "media" / name).is_file():
            seeds["media"].append(SHARED / "media" / name)
    nle = sorted(p for p in (SHARED / "nle").glob("*") if p.suffix in (".xml", ".fcpxml", ".edl"))
    seeds["nle"] = [p for p in nle if p.stat().st_size <= NLE_MAX_BYTES]
    timelines = []
    for path in seeds["nle"]:
        try:
            timelines += import_timeline(path, rate=24).timelines
        except Exception:  # noqa: BLE001 - a seed that does not import is just not used
            continue
    for i, timeline in enumerate(t for t in timelines if t.find_clips()):
        if i >= 4:
            break
        target = folder / f"seed{i}.otio"
        target.write_text(otio.adapters.write_to_string(timeline, "otio_json"), encoding="utf-8")
        seeds["otio"].append(target)
    media = folder / "media"
    media.mkdir()
    project = Project()
    project.add_media(shutil.copy(SHARED / "media" / "sources" / "asl_thanks.mkv", media / "thanks.mkv"))
    project.timelines = timelines[:2]
    project.settings["analysis"] = {"threshold": 0.5, "labels": ["calm", "tense"]}
    seeds["project"].append(project.save(folder / "seed.moviola"))
    script = fountain.parse("Title: Seed\n\nINT. ROOM - DAY\n\nA line.\n\nBOB\n(quietly)\nHello.\n\n> CUT TO:\n")
    (folder / "seed.fdx").write_bytes(to_fdx(script))
    seeds["fdx"].append(folder / "seed.fdx")
    return dict(seeds)


# -- mutations -------------------------------------------------------------------------------

def mutate(rng: random.Random, data: bytes, kind: str, others: list[bytes]) -> bytes:
    """One to four stacked random mutations of ``data``."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        if kind in ("otio", "project") and rng.random() < 0.5:
            out = bytearray(_json_mutation(rng, bytes(out)))
        elif kind != "media" and choice < 0.45:
            out = bytearray(_text_mutation(rng, bytes(out)))
        elif choice < 0.6:
            _flip(rng, out, header=kind == "media")
        elif choice < 0.72:
            _interesting_int(rng, out)
        elif choice < 0.8 and len(out) > 16:
            del out[rng.randrange(len(out) // 2, len(out)):]  # truncation: most real damage is a cut
        elif choice < 0.9 and others:
            other = rng.choice(others)
            cut, at = rng.randrange(len(out) or 1), rng.randrange(len(other) or 1)
            out = out[:cut] + other[at:at + rng.randint(1, 4096)] + out[cut:]
        else:
            at = rng.randrange(len(out) + 1)
            out[at:at] = rng.randbytes(rng.choice([1, 4, 64, 1024]))
    return bytes(out)


JSON_VALUES = [None, True, 0, -1, 1e308, -1e308, 2**64, "", "x" * 1000, [], {}, [None], {"OTIO_SCHEMA": "Clip.2"},
               {"OTIO_SCHEMA": "RationalTime.1", "rate": 0, "value": 1}, {"OTIO_SCHEMA": "Nope.1"},
               {"OTIO_SCHEMA": "ExternalReference.1", "target_url": "file:///dev/zero"}]


def _json_mutation(rng: random.Random, data: bytes) -> bytes:
    """A structural change to valid JSON: schema versions, swapped subtrees, wrong types."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):  # not JSON (any more), or nested too deep to edit
        return data
    nodes, pending = [], [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            nodes.append(node)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    if not nodes:
        return data
    node = rng.choice(nodes)
    key = rng.choice(list(node)) if node else "x"
    choice = rng.random()
    if choice < 0.3 and "OTIO_SCHEMA" in node:
        name = str(node["OTIO_SCHEMA"]).split(".")[0]
        if rng.random() < 0.3:
            name = rng.choice(["Clip", "Marker", "Track", "Stack", "Timeline", "Gap", "Transition",
                               "ExternalReference", "ImageSequenceReference", "LinearTimeWarp", "FreezeFrame"])
        node["OTIO_SCHEMA"] = f"{name}.{rng.choice(['0', '1', '2', '3', '1e308', '-1', ''])}"
    elif choice < 0.55:
        node[key] = rng.choice(JSON_VALUES)
    elif choice < 0.75:
        other = rng.choice(nodes)
        node[key] = json.loads(json.dumps(other))  # a copy of another subtree
    elif choice < 0.9:
        node.pop(key, None)
    else:
        node[rng.choice(["media_references", "media_reference", "marked_range", "range", "children",
                         "source_range", "available_range", "effects", "markers", "time_scalar"])] = (
            json.loads(json.dumps(rng.choice(nodes))))
    return json.dumps(document).encode("utf-8")


def _flip(rng: random.Random, out: bytearray, header: bool) -> None:
    if not out:
        return
    for _ in range(rng.choice([1, 2, 8, 32])):
        # Container headers decide most of what a demuxer does: aim there more often.
        limit = min(len(out), 4096) if header and rng.random() < 0.6 else len(out)
        at = rng.randrange(limit)
        out[at] ^= 1 << rng.randrange(8) if rng.random() < 0.7 else rng.randrange(256)


def _interesting_int(rng: random.Random, out: bytearray) -> None:
    if len(out) < 8:
        return
    value = rng.choice(INTERESTING_INTS)
    width = rng.choice([1, 2, 4, 8])
    at = rng.randrange(len(out) - width)
    out[at:at + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, rng.choice(["big", "little"]))


def _text_mutation(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "surrogateescape")
    choice = rng.random()
    if choice < 0.35:  # a hostile token somewhere
        at = rng.randrange(len(text) + 1)
        text = text[:at] + rng.choice(TEXT_TOKENS) + text[at:]
    elif choice < 0.55:  # a number made extreme
        numbers = list(re.finditer(r"-?\d+(\.\d+)?", text))
        if numbers:
            hit = rng.choice(numbers)
            text = text[:hit.start()] + rng.choice(["0", "-1", "1e308", "99999999999999999999", "-0", "2147483648",
                                                    "NaN", "0.000000001"]) + text[hit.end():]
    elif choice < 0.7:  # deep nesting
        depth = rng.choice([10, 300, 3000, 50_000])
        at = rng.randrange(len(text) + 1)
        opener, closer = rng.choice([("[", "]"), ('{"a":', "}"), ("<a>", "</a>")])
        text = text[:at] + opener * depth + "1" + closer * depth + text[at:]
    elif choice < 0.85:  # a line or element duplicated many times
        lines = text.splitlines(keepends=True)
        if lines:
            at = rng.randrange(len(lines))
            times = min(rng.choice([2, 100, 2000]), max(2, MAX_GROWTH // max(len(lines[at]), 1)))
            lines[at:at] = [lines[at]] * times
            text = "".join(lines)
    else:  # a span removed
        if text:
            start = rng.randrange(len(text))
            text = text[:start] + text[start + rng.randint(1, 200):]
    return text.encode("utf-8", "surrogateescape")


# -- the worker ------------------------------------------------------------------------------

SUFFIX = {"media": "", "otio": ".otio", "project": ".moviola", "fdx": ".fdx"}


def worker(memory_mb: int) -> None:
    """Read ``{"kind", "path"}`` lines from stdin, answer one JSON line each."""
    import faulthandler
    import resource
    import traceback

    faulthandler.enable()  # a signal death leaves its Python stack on stderr (the worker log)
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.path.insert(0, str(REPO))
    from engine.media import FrameReader, probe
    from engine.project import Project
    from engine.script.fdx import read_fdx
    from engine.timeline.importers import import_timeline

    def media(path: Path) -> None:
        info = probe(path)
        if info.video is None:
            return
        with FrameReader(path, size=(64, 36)) as reader:
            for _ in reader.frames(0, 3):
                pass
            count = info.video.frame_count
            if count > 3:
                reader.read(count - 1)  # a seek to the end
                reader.read(count // 2)

    entry = {"media": media, "nle": lambda p: import_timeline(p, rate=24), "otio": import_timeline,
             "project": Project.load, "fdx": read_fdx}
    print(json.dumps({"ready": True}), flush=True)  # imports done: timing starts with the inputs
    for line in sys.stdin:
        job = json.loads(line)
        try:
            entry[job["kind"]](Path(job["path"]))
            outcome, detail = "ok", ""
        except BaseException as exc:  # noqa: BLE001 - classifying everything is the point
            name = type(exc).__name__
            message = str(exc)
            if name in CLEAN and "\n" not in message:
                outcome, detail = "clean", message[:300]
            else:
                outcome, detail = "crash", "".join(traceback.format_exception(exc))[-3000:]
        print(json.dumps({"outcome": outcome, "detail": detail, **_memory()}), flush=True)


def _memory() -> dict:
    """Peak resident and virtual memory of this process, MB (VmHWM, VmPeak; Linux only)."""
    status = Path("/proc/self/status").read_text() if Path("/proc/self/status").exists() else ""
    return {key: int(found.group(1)) // 1024 if (found := re.search(rf"{field}:\s+(\d+) kB", status)) else 0
            for key, field in (("rss_mb", "VmHWM"), ("vm_mb", "VmPeak"))}


@dataclass
class Worker:
    memory_mb: int
    log: Path
    process: subprocess.Popen = field(init=False)
    #: (kind, bytes) of the inputs this process handled, newest last: a crash may need them.
    history: deque = field(default_factory=lambda: deque(maxlen=HISTORY))

    def __post_init__(self) -> None:
        self.start()

    def start(self) -> None:
        self.history.clear()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, __file__, "--worker", "--memory-mb", str(self.memory_mb)], cwd=REPO,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        self.process.stdout.readline()  # "ready" (or nothing, if it died: the first input says so)

    def run(self, kind: str, path: Path, timeout: float) -> dict:
        try:
            self.process.stdin.write(json.dumps({"kind": kind, "path": str(path)}) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return self._died()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.process.kill()
            self.process.wait()
            self.start()
            return {"outcome": "hang", "detail": f"no answer in {timeout:.0f} s", "rss_mb": 0}
        line = self.process.stdout.readline()
        if not line:
            return self._died()
        return json.loads(line)

    def _died(self) -> dict:
        code = self.process.wait()
        stack = self.log.read_text(errors="replace")[-3000:]
        self.start()
        return {"outcome": "crash", "detail": f"{stack}\nworker died (exit status {code})", "rss_mb": 0}

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


# -- the run ---------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="how long to fuzz (120)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds one input may take (20)")
    parser.add_argument("--memory-mb", type=int, default=3072, help="address-space cap per worker (3072)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (1)")
    parser.add_argument("--kinds", default="media,nle,otio,project,fdx", help="which readers to fuzz")
    parser.add_argument("--save", type=Path, help="folder for crashing and hanging inputs")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.memory_mb)
        return 0

    rng = random.Random(args.seed)
    scratch = Path(tempfile.mkdtemp(prefix="moviola-fuzz-"))
    save = args.save or scratch / "findings"
    try:
        seeds = make_seeds(scratch / "seeds")
    except FileNotFoundError as exc:
        raise SystemExit(f"fuzz.py: seed files missing ({exc}); set MOVIOLA_SHARED") from None
    kinds = [k for k in args.kinds.split(",") if seeds.get(k)]
    data = {k: [p.read_bytes() for p in seeds[k]] for k in kinds}
    print("seeds: " + ", ".join(f"{len(seeds[k])} {k}" for k in kinds), flush=True)

    workers = [Worker(args.memory_mb, scratch / f"worker{i}.log") for i in range(max(1, args.jobs))]
    counts: dict[str, Counter] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    peak, peak_vm, started, n = 0, 0, time.monotonic(), 0
    slow: list[tuple[float, str, str]] = []
    try:
        while time.monotonic() - started < args.seconds:
            worker_ = workers[n % len(workers)]
            kind = kinds[n % len(kinds)]
            index = rng.randrange(len(data[kind]))
            source = seeds[kind][index]
            mutant = mutate(rng, data[kind][index], kind, data[kind])
            path = scratch / f"input{n}{SUFFIX.get(kind) or source.suffix}"
            path.write_bytes(mutant)
            before = list(worker_.history)
            worker_.history.append((kind, path.suffix, mutant))
            began = time.monotonic()
            result = worker_.run(kind, path, args.timeout)
            took = time.monotonic() - began
            outcome = result["outcome"]
            if took > SLOW_S and outcome != "hang":
                save.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, save / f"{kind}-slow-{n}{path.suffix}")
                slow.append((took, f"{kind}-slow-{n}{path.suffix}", result["outcome"]))
            counts[kind][outcome] += 1
            peak = max(peak, result["rss_mb"])
            peak_vm = max(peak_vm, result.get("vm_mb", 0))
            if outcome in ("crash", "hang"):
                save.mkdir(parents=True, exist_ok=True)
                kept = save / f"{kind}-{outcome}-{n}{path.suffix}"
                shutil.copy(path, kept)
                kept.with_name(kept.name + ".txt").write_text(f"seed {source}\n{result['detail']}\n")
                if "worker died" in result["detail"]:  # maybe a state that earlier inputs left
                    for age, (was, suffix, earlier) in enumerate(reversed(before), 1):
                        (save / f"{kind}-{outcome}-{n}.before-{age}-{was}{suffix}").write_bytes(earlier)
                examples[outcome].append(f"{kept.name}: {result['detail'].strip().splitlines()[-1][:200]}")
            path.unlink()
            n += 1
    finally:
        for worker_ in workers:
            worker_.stop()

    elapsed = time.monotonic() - started
    total = sum(counts.values(), Counter())
    print(f"\n{n} inputs in {elapsed:.0f} s ({n / elapsed:.1f}/s), seed {args.seed}, "
          f"timeout {args.timeout:.0f} s, memory cap {args.memory_mb} MB")
    print(f"{'kind':<9}{'inputs':>8}{'ok':>8}{'clean':>8}{'crashes':>9}{'hangs':>7}")
    for kind in kinds + ["all"]:
        c = total if kind == "all" else counts[kind]
        print(f"{kind:<9}{sum(c.values()):>8}{c['ok']:>8}{c['clean']:>8}{c['crash']:>9}{c['hang']:>7}")
    print(f"peak RSS of a worker: {peak} MB (virtual: {peak_vm} MB)")
    print(f"inputs over {SLOW_S:.0f} s: {len(slow)}"
          + "".join(f"\n  slow: {name} {took:.1f} s ({outcome})" for took, name, outcome in sorted(slow)[-5:]))
    for outcome in ("crash", "hang"):
        for line in examples[outcome][:20]:
            print(f"  {outcome}: {line}")
    if any(examples.values()) or slow:
        print(f"inputs kept in {save}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if total["crash"] or total["hang"] else 0


if __name__ == "__main__":
    sys.exit(main())
