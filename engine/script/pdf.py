"""Screenplay PDF in standard US layout, drawn with matplotlib (the engine may not use Qt).

Layout follows the industry norm: US Letter, Courier 12 pt (10 characters per inch,
6 lines per inch), 1.5" left and 1" right margins, 1" top, 55 lines per page; character
cues at 3.7", parentheticals at 3.1", dialogue at 2.5" (35 characters wide); transitions
flush right; page numbers top right from page 2 on (page 1 is unnumbered, as in every
screenplay). Pagination is plain arithmetic on line counts (`paginate`), so a given script
always breaks the same way: headings are kept with what follows, action is split only with
two lines either side, and dialogue split across pages gets (MORE) / NAME (CONT'D).
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from engine.script import fountain as ft

PAGE_WIDTH, PAGE_HEIGHT = 8.5, 11.0  # inches
TOP_MARGIN = 1.0
LINE_HEIGHT = 1 / 6  # 12 pt Courier: 6 lines per inch
LINES_PER_PAGE = 55
CHAR_WIDTH = 0.1  # 10 characters per inch
LEFT, RIGHT = 1.5, 7.5
FONT_SIZE = 12

# (left edge in inches, width in characters) per element kind.
COLUMNS = {
    ft.SCENE_HEADING: (LEFT, 60),
    ft.ACTION: (LEFT, 60),
    ft.CHARACTER: (3.7, 38),
    ft.PARENTHETICAL: (3.1, 26),
    ft.DIALOGUE: (2.5, 35),
    ft.TRANSITION: (LEFT, 60),
    ft.CENTERED: (LEFT, 60),
}
SPACE_BEFORE = {ft.SCENE_HEADING: 1, ft.ACTION: 1, ft.CHARACTER: 1, ft.TRANSITION: 1, ft.CENTERED: 1}
MORE, CONTD = "(MORE)", "(CONT'D)"


@dataclass
class Line:
    """One printed line: where it starts (inches from the left edge) and its text."""

    x: float
    text: str
    kind: str


@dataclass
class Page:
    number: int
    rows: list[Line | None] = field(default_factory=list)  # None is a blank line


@dataclass
class _Block:
    kind: str
    lines: list[Line]
    space: int
    speaker: str = ""


def paginate(screenplay: ft.Screenplay) -> list[Page]:
    """Break the screenplay's body into pages of at most LINES_PER_PAGE rows."""
    blocks = _blocks(screenplay.elements)
    pages = [Page(1)]

    def rows_left() -> int:
        return LINES_PER_PAGE - len(pages[-1].rows)

    def new_page() -> None:
        pages.append(Page(len(pages) + 1))

    for index, block in enumerate(blocks):
        if block.kind == ft.PAGE_BREAK:
            if pages[-1].rows:
                new_page()
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        lines = block.lines
        first_part = True
        while lines:
            space = block.space if pages[-1].rows and first_part else 0
            need = space + len(lines)
            # A scene heading never ends a page: keep it with two lines of what follows.
            if block.kind == ft.SCENE_HEADING and following and following.kind != ft.PAGE_BREAK:
                need += following.space + min(2, len(following.lines))
            if need <= rows_left():
                pages[-1].rows += [None] * space + lines
                break
            head, rest = _split(block, lines, rows_left() - space)
            if head:
                pages[-1].rows += [None] * space + head
                new_page()
                lines, first_part = rest, False
            elif pages[-1].rows:
                new_page()
            else:  # taller than a page and cannot split: cut it at the page length
                pages[-1].rows += lines[:LINES_PER_PAGE]
                lines = lines[LINES_PER_PAGE:]
                if lines:
                    new_page()
    return pages


def _split(block: _Block, lines: list[Line], room: int) -> tuple[list[Line], list[Line]]:
    """Lines that fit in `room` rows and the rest, or ([], lines) when the block must move whole."""
    if block.kind == ft.ACTION:
        if room >= 2 and len(lines) - room >= 2:
            return lines[:room], lines[room:]
        return [], lines
    if block.kind == ft.CHARACTER:
        room -= 1  # the (MORE) line
        cue_rows = 1 if lines[0].kind == ft.CHARACTER else 0
        cut = room
        while cut > cue_rows and lines[cut - 1].kind == ft.PARENTHETICAL:
            cut -= 1  # a parenthetical belongs with the line it qualifies
        # Prefer breaking after a sentence, looking back a few lines at most.
        for earlier in range(cut, max(cut - 4, cue_rows + 2) - 1, -1):
            if lines[earlier - 1].kind == ft.DIALOGUE and lines[earlier - 1].text.rstrip().endswith(
                    (".", "!", "?", "--", "…")):
                cut = earlier
                break
        if cut - cue_rows >= 2 and len(lines) - cut >= 2:
            more = Line(COLUMNS[ft.CHARACTER][0], MORE, ft.CHARACTER)
            contd = Line(COLUMNS[ft.CHARACTER][0], f"{block.speaker} {CONTD}", ft.CHARACTER)
            return lines[:cut] + [more], [contd] + lines[cut:]
    return [], lines


def _blocks(elements: list[ft.Element]) -> list[_Block]:
    blocks: list[_Block] = []
    for element in elements:
        kind = element.kind
        if kind in (ft.SECTION, ft.SYNOPSIS):
            continue  # outline aids, never printed
        if kind == ft.PAGE_BREAK:
            blocks.append(_Block(kind, [], 0))
            continue
        lines = _lines(element)
        if kind in (ft.PARENTHETICAL, ft.DIALOGUE) and blocks and blocks[-1].kind == ft.CHARACTER:
            blocks[-1].lines += lines
            continue
        speaker = re.sub(r"\s*\((?:CONT'D|CONT’D)\)\s*$", "", element.text.upper()) if kind == ft.CHARACTER else ""
        blocks.append(_Block(kind, lines, SPACE_BEFORE.get(kind, 0), speaker))
    return blocks


def _lines(element: ft.Element) -> list[Line]:
    kind = element.kind
    x, width = COLUMNS[kind]
    text = _plain(element.text)
    if kind == ft.PARENTHETICAL:
        text = "(" + text.strip().removeprefix("(").removesuffix(")").strip() + ")"
    if kind in (ft.SCENE_HEADING, ft.CHARACTER, ft.TRANSITION):
        text = text.upper()
    out = []
    for raw in text.split("\n"):
        wrapped = textwrap.wrap(raw, width, break_on_hyphens=False) or [""]
        for i, piece in enumerate(wrapped):
            if kind == ft.TRANSITION:
                out.append(Line(RIGHT - len(piece) * CHAR_WIDTH, piece, kind))
            elif kind == ft.CENTERED:
                out.append(Line((LEFT + RIGHT) / 2 - len(piece) * CHAR_WIDTH / 2, piece, kind))
            elif kind == ft.PARENTHETICAL and i > 0:
                out.append(Line(x + CHAR_WIDTH, piece, kind))  # hang under the text, not the "("
            else:
                out.append(Line(x, piece, kind))
    return out


def _plain(text: str) -> str:
    """Fountain emphasis markers (*italic*, **bold**, _underline_) removed: printed plain."""
    text = re.sub(r"(\*{1,3}|_)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    return text.replace("\\*", "*").replace("\\_", "_")


def write_pdf(screenplay: ft.Screenplay, path: Path) -> int:
    """Write `screenplay` as a PDF at `path`; returns the number of pages (title page included)."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    pages = paginate(screenplay)
    text = "\n".join(line.text for page in pages for line in page.rows if line)
    text += "\n".join(screenplay.title_page.values())
    # Latin-1 text uses the PDF's own Courier (nothing embedded, exactly the screenplay face);
    # anything else needs an embedded font that has the glyphs.
    core = _encodable(text)
    rc = {"pdf.use14corefonts": core, "font.family": "monospace",
          "font.monospace": ["Courier"] if core else ["DejaVu Sans Mono"], "pdf.fonttype": 42,
          # The core Courier is "Medium" in its metrics file; asking for it avoids a warning.
          "font.weight": "medium" if core else "normal"}
    path = Path(path)
    count = 0
    with matplotlib.rc_context(rc), PdfPages(path, metadata={
            "Title": screenplay.title or path.stem, "Creator": "Moviola", "CreationDate": None}) as pdf:
        if screenplay.title_page:
            figure = Figure(figsize=(PAGE_WIDTH, PAGE_HEIGHT))
            _draw_title_page(figure, screenplay.title_page)
            pdf.savefig(figure)
            count += 1
        for page in pages:
            figure = Figure(figsize=(PAGE_WIDTH, PAGE_HEIGHT))
            if page.number > 1:
                label = f"{page.number}."
                _put(figure, RIGHT - len(label) * CHAR_WIDTH, TOP_MARGIN - 0.5 + LINE_HEIGHT, label)
            for row, line in enumerate(page.rows):
                if line is not None and line.text:
                    _put(figure, line.x, TOP_MARGIN + (row + 1) * LINE_HEIGHT, line.text)
            pdf.savefig(figure)
            count += 1
    return count


def _draw_title_page(figure, page: dict[str, str]) -> None:
    row = 20  # the title sits about a third of the way down
    centre = (LEFT + RIGHT) / 2
    for key, gap in (("title", 2), ("credit", 1), ("author", 1), ("authors", 1), ("source", 2)):
        for line in page.get(key, "").split("\n"):
            if line:
                line = line.upper() if key == "title" else line
                _put(figure, centre - len(line) * CHAR_WIDTH / 2, TOP_MARGIN + row * LINE_HEIGHT, line)
                row += 1
        if page.get(key):
            row += gap
    bottom = [line for key in ("draft date", "contact", "copyright")
              for line in page.get(key, "").split("\n") if line]
    for i, line in enumerate(bottom):
        _put(figure, LEFT, TOP_MARGIN + (LINES_PER_PAGE - len(bottom) + i + 1) * LINE_HEIGHT, line)


def _put(figure, x: float, y_from_top: float, text: str) -> None:
    # Baselines on the 6-lines-per-inch grid; parse_math=False so "$5" is not mathtext.
    figure.text(x / PAGE_WIDTH, 1 - (y_from_top - 0.04) / PAGE_HEIGHT, text, fontsize=FONT_SIZE,
                ha="left", va="baseline", parse_math=False)


def _encodable(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def count_pages(pdf: bytes | Path) -> int:
    """Pages in a PDF, counted from its page objects (`/Type /Page`, not `/Pages`)."""
    data = Path(pdf).read_bytes() if isinstance(pdf, (str, Path)) else pdf
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", data))
