"""Final Draft and PDF exports of known screenplays."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from engine.script import export, read_fdx, to_fdx
from engine.script import fountain as ft
from engine.script.pdf import LINES_PER_PAGE, count_pages, paginate, write_pdf
from tests.engine.test_script_fountain import KNOWN


def test_fdx_is_xml_with_final_draft_paragraph_types():
    root = ET.fromstring(to_fdx(ft.parse(KNOWN)))
    assert root.tag == "FinalDraft" and root.get("DocumentType") == "Script"
    types = [p.get("Type") for p in root.find("Content").findall("Paragraph")]
    assert types == ["Scene Heading", "Action", "Character", "Parenthetical", "Dialogue",
                     "Character", "Dialogue", "Transition", "Scene Heading", "Action", "Transition"]
    paragraphs = root.find("Content").findall("Paragraph")
    assert paragraphs[0].get("Number") == "1"
    assert paragraphs[4].find("Text").text == "Who's there? Show yourself."
    assert paragraphs[9].get("Alignment") == "Center"
    assert paragraphs[10].get("StartsNewPage") == "Yes"  # the === before FADE OUT.
    title = [p.find("Text").text for p in root.find("TitlePage/Content")]
    assert title == ["THE KEEPER", "written by", "A. Writer"]


def test_fdx_reads_back():
    play = ft.parse(KNOWN)
    back = read_fdx(to_fdx(play))
    assert [e.kind for e in back.elements] == [e.kind for e in play.elements]


def sixty_lines_of_action() -> ft.Screenplay:
    # 60 one-line paragraphs, one blank line between: 28 fit a 55-line page (1 + 27 * 2).
    return ft.parse("\n\n".join(f"Action line number {i}." for i in range(60)))


def test_pagination_of_a_known_script():
    pages = paginate(sixty_lines_of_action())
    assert [len(p.rows) for p in pages] == [55, 55, 7]
    assert all(len(p.rows) <= LINES_PER_PAGE for p in pages)


def test_pdf_page_count_of_a_known_script(tmp_path):
    play = sixty_lines_of_action()
    assert write_pdf(play, tmp_path / "a.pdf") == 3
    assert count_pages(tmp_path / "a.pdf") == 3
    play.title_page = {"title": "Sixty Lines", "author": "Moviola"}
    assert write_pdf(play, tmp_path / "b.pdf") == 4  # the title page is a page of its own
    data = (tmp_path / "b.pdf").read_bytes()
    assert count_pages(data) == 4 and b"/BaseFont /Courier" in data


def test_long_dialogue_breaks_with_more_and_contd():
    speech = "\n".join(f"Sentence {i} of a long speech." for i in range(70))
    pages = paginate(ft.parse(f"INT. HALL - DAY\n\nMARA\n(quietly)\n{speech}"))
    assert len(pages) == 2
    first, second = ([r.text for r in p.rows if r] for p in pages)
    assert first[-1] == "(MORE)" and second[0] == "MARA (CONT'D)"
    assert len(pages[0].rows) == LINES_PER_PAGE


def test_scene_heading_never_ends_a_page():
    filler = "\n\n".join(f"Line {i}." for i in range(27))  # rows 1..53
    pages = paginate(ft.parse(f"{filler}\n\nINT. ATTIC - NIGHT\n\nDust."))
    assert [r.text for r in pages[1].rows if r][0] == "INT. ATTIC - NIGHT"


def test_export_picks_the_format_from_the_suffix(tmp_path):
    play = ft.parse(KNOWN)
    assert export(play, tmp_path / "k.fountain").read_text(encoding="utf-8") == ft.normalise(KNOWN)
    assert ET.parse(export(play, tmp_path / "k.fdx")).getroot().tag == "FinalDraft"
    assert count_pages(export(play, tmp_path / "k.pdf")) == 3  # title page, page 1, page after ===


def test_pdf_with_text_beyond_latin1_embeds_a_font(tmp_path):
    play = ft.parse("INT. KAWIARNIA - NIGHT\n\nŁucja waits. Ελένη reads.")
    assert write_pdf(play, tmp_path / "u.pdf") == 1
    assert b"/BaseFont /Courier" not in (tmp_path / "u.pdf").read_bytes()
