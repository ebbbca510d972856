"""Final Draft `.fdx`: screenplay elements to Final Draft's XML and back.

Final Draft keeps a script as a flat list of `<Paragraph Type="...">` elements under
`<Content>`; the types below are its built-in element names. Sections and synopses have no
printed form, so they are not written. Line breaks inside a paragraph become spaces: Final
Draft wraps paragraphs itself.
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree as ET

from engine import xmlsafe
from engine.atomic import atomic_write_bytes
from engine.script import fountain as ft

PARAGRAPH_TYPES = {
    ft.SCENE_HEADING: "Scene Heading",
    ft.ACTION: "Action",
    ft.CHARACTER: "Character",
    ft.PARENTHETICAL: "Parenthetical",
    ft.DIALOGUE: "Dialogue",
    ft.TRANSITION: "Transition",
    ft.CENTERED: "Action",  # with Alignment="Center"
}


def to_fdx(screenplay: ft.Screenplay) -> bytes:
    """The `.fdx` document for `screenplay`, UTF-8 encoded."""
    root = ET.Element("FinalDraft", DocumentType="Script", Template="No", Version="5")
    content = ET.SubElement(root, "Content")
    new_page = False
    for element in screenplay.elements:
        if element.kind == ft.PAGE_BREAK:
            new_page = True
            continue
        kind = PARAGRAPH_TYPES.get(element.kind)
        if kind is None:
            continue
        paragraph = ET.SubElement(content, "Paragraph", Type=kind)
        if element.kind == ft.CENTERED:
            paragraph.set("Alignment", "Center")
        if element.kind == ft.SCENE_HEADING and element.scene_number:
            paragraph.set("Number", element.scene_number)
        if new_page:
            paragraph.set("StartsNewPage", "Yes")
            new_page = False
        text = element.text
        if element.kind == ft.PARENTHETICAL:
            text = "(" + text.strip().removeprefix("(").removesuffix(")").strip() + ")"
        ET.SubElement(paragraph, "Text").text = " ".join(text.split("\n"))
    if screenplay.title_page:
        _title_page(root, screenplay.title_page)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n' + body + "\n").encode("utf-8")


def _title_page(root: ET.Element, page: dict[str, str]) -> None:
    content = ET.SubElement(ET.SubElement(root, "TitlePage"), "Content")
    for key in ("title", "credit", "author", "authors", "source", "draft date", "contact", "copyright"):
        for line in page.get(key, "").split("\n"):
            if line:
                paragraph = ET.SubElement(content, "Paragraph", Type="Action",
                                          Alignment="Left" if key == "contact" else "Center")
                ET.SubElement(paragraph, "Text").text = line.upper() if key == "title" else line


def write_fdx(screenplay: ft.Screenplay, path: Path) -> Path:
    """Write `screenplay` as Final Draft XML at `path`."""
    path = Path(path)
    atomic_write_bytes(path, to_fdx(screenplay))
    return path


def read_fdx(data: bytes | str | Path) -> ft.Screenplay:
    """Screenplay elements from a `.fdx` file (path) or its bytes; unknown paragraph types read as action.

    A file from elsewhere is untrusted: it is read and parsed by :mod:`engine.xmlsafe`
    (regular files only, bounded size, no entities, no external DTD).

    Raises:
        InterchangeError: (a ValueError) if the file cannot be read or is not safe,
            well-formed XML; the message names the file and the problem.
    """
    source = None
    if isinstance(data, Path):
        source, data = data, xmlsafe.read_bytes(data)
    if isinstance(data, str):
        data = data.encode("utf-8")
    root = xmlsafe.parse(data, source)
    kinds = {v: k for k, v in PARAGRAPH_TYPES.items() if k != ft.CENTERED}
    elements = []
    content = root.find("Content")
    for paragraph in ([] if content is None else content.findall("Paragraph")):
        text = "".join(t.text or "" for t in paragraph.findall("Text"))
        if paragraph.get("StartsNewPage") == "Yes":
            elements.append(ft.Element(ft.PAGE_BREAK))
        kind = kinds.get(paragraph.get("Type", ""), ft.ACTION)
        if kind == ft.ACTION and paragraph.get("Alignment") == "Center":
            kind = ft.CENTERED
        elements.append(ft.Element(kind, text, scene_number=paragraph.get("Number")
                                   if kind == ft.SCENE_HEADING else None))
    return ft.Screenplay(elements)
