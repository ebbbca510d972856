"""Issue #21: .otio files and .moviola projects from elsewhere fail with one clear line.

Before: 50,000-deep nesting crashed the process (SIGSEGV in OpenTimelineIO), 3,000-deep
JSON raised RecursionError, a FIFO named ``*.moviola`` hung, and wrongly typed fields
raised TypeError. Anything that could crash or hang runs in a subprocess.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import opentimelineio as otio
import pytest

from engine.project import Project, ProjectError
from engine.project.fileformat import SCHEMA
from engine.timeline.errors import InterchangeError
from engine.timeline.importers import import_timeline
from engine.untrusted import json_nesting

REPO = Path(__file__).resolve().parents[2]


def _run(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def _timeline_json(metadata: str = "{}") -> str:
    timeline = otio.schema.Timeline(name="cut")
    timeline.tracks.append(otio.schema.Track(name="V1"))
    text = otio.adapters.write_to_string(timeline, "otio_json")
    return text.replace('"metadata": {}', f'"metadata": {metadata}', 1)


def _deep(levels: int, inner: str = "1") -> str:
    return "[" * levels + inner + "]" * levels


def _deep_objects(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def test_nesting_is_measured_outside_strings():
    assert json_nesting(b'{"a": [1, {"b": "[[[[{{{{"}], "c": "\\"]]]"}') == 3
    assert json_nesting(_deep(5000)) == 5000
    assert json_nesting(b"") == 0


# -- .otio ---------------------------------------------------------------------------------

def test_deeply_nested_otio_is_refused_without_crashing(tmp_path):
    path = tmp_path / "deep.otio"
    path.write_text(_timeline_json(f'{{"x": {_deep_objects(50_000)}}}'))
    assert 250_000 < path.stat().st_size < 400_000
    result = _run(f"""
        from engine.timeline.errors import InterchangeError
        from engine.timeline.importers import import_timeline
        try:
            import_timeline({str(path)!r})
        except InterchangeError as exc:
            print(exc)
    """)
    assert result.returncode == 0, f"died with {result.returncode}: {result.stderr[-500:]}"
    assert result.stdout.startswith(str(path)) and "JSON nested 5000" in result.stdout


def test_cli_import_of_deep_otio_says_so_in_one_line(tmp_path):
    path = tmp_path / "deep.otio"
    path.write_text(_timeline_json(f'{{"x": {_deep(50_000)}}}'))
    result = subprocess.run([sys.executable, "-m", "engine.cli", "import", str(path)], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr and "nested" in result.stderr


def test_deep_arrays_cost_no_quadratic_time(tmp_path):
    path = tmp_path / "arrays.otio"
    path.write_text(_timeline_json(f'{{"x": {_deep(20_000)}}}'))  # 40 KB: took 80 s
    started = time.monotonic()
    with pytest.raises(InterchangeError, match="nested"):
        import_timeline(path)
    assert time.monotonic() - started < 5


def test_ordinary_nesting_still_imports(tmp_path):
    path = tmp_path / "ok.otio"
    path.write_text(_timeline_json(f'{{"x": {_deep(100)}}}'))
    assert import_timeline(path).timelines[0].name == "cut"


# -- .moviola ------------------------------------------------------------------------------

def _project(tmp_path: Path, **fields) -> Path:
    doc = {"schema": SCHEMA, "version": 1, "media": [], "settings": {}, "timelines": []}
    doc.update(fields)
    path = tmp_path / "cut.moviola"
    path.write_text(json.dumps(doc))
    return path


BAD_FIELDS = {
    "relative_path_number": ({"media": [{"path": "/a.mov", "relative_path": 5}]}, '"relative_path" is the number 5'),
    "relative_path_list": ({"media": [{"path": "/a.mov", "relative_path": ["a"]}]}, '"relative_path" is a list'),
    "path_nul": ({"media": [{"path": "/a\u0000.mov"}]}, 'unusable "path"'),
    "path_empty": ({"media": [{"path": ""}]}, 'unusable "path"'),
    "path_huge": ({"media": [{"path": "/" + "a" * 5000}]}, 'unusable "path"'),
    "fingerprint_number": ({"media": [{"path": "/a.mov", "fingerprint": 7}]}, '"fingerprint" is the number 7'),
    "size_text": ({"media": [{"path": "/a.mov", "size": "12"}]}, '"size" is text'),
    "size_negative": ({"media": [{"path": "/a.mov", "size": -1}]}, '"size" is the number -1'),
    "size_bool": ({"media": [{"path": "/a.mov", "size": True}]}, '"size" is true/false'),
    "media_entry_text": ({"media": ["/a.mov"]}, 'media entry 0 has no "path"'),
    "settings_list": ({"settings": []}, '"settings" is not an object'),
    "timelines_object": ({"timelines": {}}, '"timelines" is not a list'),
    "timeline_text": ({"timelines": ["{}"]}, "timeline 0 is text"),
    "timeline_number": ({"timelines": [3]}, "timeline 0 is the number 3"),
    "autosave_of_number": ({"autosave_of": 1}, '"autosave_of" is the number 1'),
    "schema_huge": ({"schema": ["x"] * 10_000}, "expected 'moviola.project'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FIELDS))
def test_wrongly_typed_fields_are_a_project_error(tmp_path, case):
    fields, expected = BAD_FIELDS[case]
    path = _project(tmp_path, **fields)
    with pytest.raises(ProjectError) as caught:
        Project.load(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message
    assert len(message) < 300 + len(str(path))


def test_3000_deep_json_is_a_project_error_not_recursion(tmp_path):
    path = _project(tmp_path, settings={"x": "PLACEHOLDER"})
    path.write_text(path.read_text().replace('"PLACEHOLDER"', _deep(3000)))
    with pytest.raises(ProjectError, match="nested 3002 levels"):
        Project.load(path)


def test_huge_number_is_a_project_error(tmp_path):
    path = _project(tmp_path, settings={"x": "PLACEHOLDER"})
    path.write_text(path.read_text().replace('"PLACEHOLDER"', "9" * 10_000))
    with pytest.raises(ProjectError, match="invalid JSON"):
        Project.load(path)


def test_deep_timeline_inside_a_project_cannot_crash_the_loader(tmp_path):
    path = _project(tmp_path)
    doc = json.loads(path.read_text())
    doc["timelines"] = ["PLACEHOLDER"]
    path.write_text(json.dumps(doc).replace('"PLACEHOLDER"', _timeline_json(f'{{"x": {_deep_objects(50_000)}}}')))
    result = _run(f"""
        from engine.project import Project, ProjectError
        try:
            Project.load({str(path)!r})
        except ProjectError as exc:
            print(exc)
    """)
    assert result.returncode == 0, f"died with {result.returncode}: {result.stderr[-500:]}"
    assert result.stdout.startswith(str(path)) and "nested" in result.stdout


def test_deep_timeline_in_a_version_0_project_is_refused(tmp_path):
    path = _project(tmp_path, version=0, timelines=[_timeline_json(f'{{"x": {_deep(5_000)}}}')])
    with pytest.raises(ProjectError, match="nested"):
        Project.load(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")
def test_fifo_named_like_a_project_is_refused_without_hanging(tmp_path):
    path = tmp_path / "cut.moviola"
    os.mkfifo(path)
    result = _run(f"""
        from engine.project import Project, ProjectError
        for target in ({str(path)!r}, "/dev/urandom", {str(tmp_path)!r}):
            try:
                Project.load(target)
            except ProjectError as exc:
                print(exc)
    """, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}: cannot read project file (not a regular file (a device, pipe or socket))"
    assert lines[1].startswith("/dev/urandom: ") and "not a regular file" in lines[1]
    assert lines[2] == f"{tmp_path}: cannot read project file (is a folder, not a file)"


def test_the_project_file_size_is_bounded(tmp_path, monkeypatch):
    from engine.project import fileformat
    monkeypatch.setattr(fileformat, "MAX_BYTES", 1000)
    path = _project(tmp_path, settings={"pad": "x" * 2000})
    with pytest.raises(ProjectError, match="over the"):
        Project.load(path)


# -- found by benchmarks/fuzz.py: valid JSON that crashed OpenTimelineIO's reader ---------------

EXTERNAL = {"OTIO_SCHEMA": "ExternalReference.1", "target_url": "file:///x.mov"}
OTIO_CRASHERS = {
    "repeated_key": '{"a": {}, "a": {"OTIO_SCHEMA": "Clip.2"}}',
    "clip_1_with_media_references": json.dumps(
        {"OTIO_SCHEMA": "Clip.1", "media_references": {"DEFAULT_MEDIA": EXTERNAL}}),
    "schema_version_1e308": json.dumps(
        {"OTIO_SCHEMA": "Clip.1e308", "media_references": {"DEFAULT_MEDIA": {"OTIO_SCHEMA": "ExternalReference.1"}}}),
    "time_with_an_object_field": json.dumps(
        {"OTIO_SCHEMA": "RationalTime.1", "rate": 24, "value": 0, "x": {"OTIO_SCHEMA": "Gap.1"}}),
    "malformed": '{"a": {}, "a": {"OTIO_SCHEMA": "ExternalReference.1"},',
}


@pytest.mark.parametrize("case", sorted(OTIO_CRASHERS))
def test_json_that_crashed_opentimelineio_is_refused_cleanly(tmp_path, case):
    inner = OTIO_CRASHERS[case]
    otio_file = tmp_path / "cut.otio"
    otio_file.write_text(_timeline_json(f'{{"x": {inner}}}') if case != "malformed" else inner)
    project = _project(tmp_path, timelines=["PLACEHOLDER"])
    if case != "malformed":
        project.write_text(project.read_text().replace('"PLACEHOLDER"', _timeline_json(f'{{"x": {inner}}}')))
    result = _run(f"""
        from engine.project import Project, ProjectError
        from engine.timeline.errors import InterchangeError
        from engine.timeline.importers import import_timeline
        try:
            import_timeline({str(otio_file)!r})
        except InterchangeError as exc:
            print(exc)
        try:
            Project.load({str(project)!r})
        except ProjectError as exc:
            print(exc)
    """)
    assert result.returncode == 0, f"died with {result.returncode}: {result.stderr[-800:]}"
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith(str(otio_file)) and lines[1].startswith(str(project))


def test_old_schema_versions_still_read(tmp_path):
    old = {"OTIO_SCHEMA": "Clip.1", "name": "shot", "media_reference": EXTERNAL,
           "source_range": None, "effects": [], "markers": [], "metadata": {}}
    path = tmp_path / "old.otio"
    path.write_text(_timeline_json().replace('"children": []', f'"children": [{json.dumps(old)}]', 1))
    clip = import_timeline(path).timelines[0].find_clips()[0]
    assert clip.name == "shot" and clip.media_reference.target_url == "file:///x.mov"
