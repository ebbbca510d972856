"""Issue #21: imported XML opens no file but itself, and nothing can make an import hang.

Every hostile file is generated here. Anything that could hang runs in a subprocess with
a timeout, so a regression fails the test instead of freezing the run.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine import xmlsafe
from engine.script.fdx import read_fdx
from engine.timeline.errors import InterchangeError
from engine.timeline.importers import import_timeline

REPO = Path(__file__).resolve().parents[2]
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def _one_clean_line(result: subprocess.CompletedProcess, path: Path, problem: str) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert str(path) in lines[0] and problem in lines[0], lines[0]


@pytest.fixture
def fifo(tmp_path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs FIFOs (POSIX)")
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@needs_fifo
def test_doctype_naming_a_fifo_is_refused_not_opened(tmp_path, fifo):
    path = _write(tmp_path / "cut.xml", f"""
        <?xml version="1.0"?>
        <!DOCTYPE xmeml SYSTEM "{fifo}">
        <xmeml version="4"><sequence><name>s</name></sequence></xmeml>""")
    _one_clean_line(_cli("import", str(path)), path, "external file")


@needs_fifo
def test_parameter_entities_on_a_device_or_fifo_are_refused(tmp_path, fifo):
    for target in ("/dev/urandom", str(fifo), "file:///etc/passwd"):
        path = _write(tmp_path / "cut.xml", f"""
            <?xml version="1.0"?>
            <!DOCTYPE xmeml [<!ENTITY % p SYSTEM "{target}"> %p;]>
            <xmeml version="4"><sequence><name>s</name></sequence></xmeml>""")
        _one_clean_line(_cli("import", str(path)), path, "entities")


@needs_fifo
def test_a_fifo_or_device_given_as_the_file_is_refused(tmp_path, fifo):
    named = tmp_path / "cut.xml"
    named.symlink_to(fifo)  # the name says XML; only the file type tells
    _one_clean_line(_cli("import", str(named)), named, "not a regular file")
    _one_clean_line(_cli("import", "/dev/urandom"), Path("/dev/urandom"), "not a regular file")


@needs_fifo
def test_the_parser_itself_opens_no_external_file(tmp_path, fifo):
    # Below the prolog scan: even if it missed something, libxml2 must not open the
    # FIFO (which would block forever) nor read the secret.
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    code = textwrap.dedent(f"""
        from lxml import etree
        from engine import xmlsafe
        for data in [b'<!DOCTYPE x SYSTEM "{fifo}"><x/>',
                     b'<!DOCTYPE x [<!ENTITY % p SYSTEM "{fifo}"> %p;]><x/>',
                     b'<!DOCTYPE x [<!ENTITY e SYSTEM "{secret.as_uri()}">]><x>&e;</x>',
                     b'<!DOCTYPE x [<!ENTITY % p SYSTEM "{secret}"> %p;]><x/>']:
            try:
                root = etree.fromstring(data, xmlsafe._parser())
            except etree.XMLSyntaxError:
                continue
            assert b"SECRET" not in etree.tostring(root), etree.tostring(root)
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-7"])
def test_entities_are_found_in_any_encoding(tmp_path, encoding):
    text = (f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n'
            '<!DOCTYPE xmeml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
            '<xmeml version="4"><sequence><name>&secret;</name></sequence></xmeml>')
    path = tmp_path / "cut.xml"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(InterchangeError, match="entities|encoding|well-formed") as caught:
        import_timeline(path)
    assert str(path) in str(caught.value)


def test_ebcdic_is_refused():
    with pytest.raises(InterchangeError, match="well-formed"):
        xmlsafe.parse('<?xml version="1.0" encoding="IBM037"?><x/>'.encode("cp037"), "x.xml")


def test_final_draft_reader_uses_the_hardened_parser(tmp_path):
    path = tmp_path / "script.fdx"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE FinalDraft SYSTEM "/dev/urandom">\n'
                    '<FinalDraft><Content/></FinalDraft>')
    with pytest.raises(InterchangeError, match="external file") as caught:
        read_fdx(path)
    assert str(path) in str(caught.value)
    with pytest.raises(InterchangeError, match="not a regular file"):
        read_fdx(Path("/dev/zero"))


def test_final_draft_reader_reads_through_the_hardened_parser(monkeypatch):
    seen = []
    original = xmlsafe.parse
    monkeypatch.setattr(xmlsafe, "parse", lambda data, source=None: seen.append(data) or original(data, source))
    play = read_fdx(b'<FinalDraft><Content><Paragraph Type="Action"><Text>Hi</Text></Paragraph></Content>'
                    b'</FinalDraft>')
    assert seen and [e.text for e in play.elements] == ["Hi"]


def test_every_xml_reader_goes_through_xmlsafe():
    # One hardened parser: no engine module parses XML any other way.
    offenders = []
    for path in (REPO / "engine").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "xmlsafe.py":
            continue
        for needle in ("etree.fromstring", "etree.parse(", "etree.XML(", "etree.iterparse", "ET.fromstring",
                       "ET.parse(", "xml.dom", "xml.sax", "minidom"):
            if needle in text:
                offenders.append(f"{path.relative_to(REPO)}: {needle}")
    assert offenders == []


def test_xmeml_without_a_sequence_has_nothing_to_import(tmp_path):
    path = _write(tmp_path / "bin.xml", """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE xmeml>
        <xmeml version="4"><bin><name>Footage</name><children/></bin></xmeml>""")
    _one_clean_line(_cli("import", str(path)), path, "nothing to import")


def test_impossible_values_in_a_timeline_are_one_clear_line(tmp_path):
    # Found by benchmarks/fuzz.py: a negative timebase escaped as a bare ValueError.
    path = _write(tmp_path / "cut.xml", """
        <?xml version="1.0" encoding="UTF-8"?>
        <xmeml version="4"><sequence><name>s</name><rate><timebase>-1</timebase><ntsc>TRUE</ntsc></rate>
        <timecode><rate><timebase>-1</timebase><ntsc>TRUE</ntsc></rate><frame>10</frame></timecode>
        <media/></sequence></xmeml>""")
    with pytest.raises(InterchangeError) as caught:
        import_timeline(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: invalid FCP7 XML") and "\n" not in message
