"""The formatted screenplay preview: the PDF's own page layout, drawn as monospaced text.

Lines come from `engine.script.pdf.paginate`, so the preview breaks pages and places every
element exactly where the exported PDF will: action at the 1.5" margin, dialogue at 2.5",
parentheticals at 3.1", character cues at 3.7", transitions flush right (10 characters per
inch, so inches become columns).
"""
from __future__ import annotations

import html

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QTextBrowser

from engine.script import fountain as ft
from engine.script.pdf import CHAR_WIDTH, LEFT, paginate

PAGE_COLUMNS = 62  # the 6" text block, plus room for a page number
_STYLE = {ft.SCENE_HEADING: "font-weight:bold;", ft.CHARACTER: "", ft.TRANSITION: "",
          ft.PARENTHETICAL: "color:#444;"}


def column(x: float) -> int:
    """Inches from the page's left edge to a column of the text block."""
    return max(0, round((x - LEFT) / CHAR_WIDTH))


def render_lines(screenplay: ft.Screenplay) -> list[list[str]]:
    """Each page's rows as plain text, indented to the printed columns (blank rows kept)."""
    pages = []
    for page in paginate(screenplay):
        rows = []
        for line in page.rows:
            rows.append("" if line is None else " " * column(line.x) + line.text)
        pages.append(rows)
    return pages


def render_html(screenplay: ft.Screenplay) -> str:
    """Pages as HTML on a paper-coloured background, page numbers top right."""
    parts = []
    title = screenplay.title_page
    if title.get("title"):
        head = [html.escape(title["title"].upper())]
        for key in ("credit", "author", "authors"):
            if title.get(key):
                head.append(html.escape(title[key]))
        parts.append("<p align='center' style='margin:8px 0 18px 0;'><b>" + head[0] + "</b><br>"
                     + "<br>".join(head[1:]) + "</p>")
    for page in paginate(screenplay):
        rows = []
        if page.number > 1:
            label = f"{page.number}."
            rows.append(" " * (PAGE_COLUMNS - len(label) - 2) + label)
            rows.append("")
        for line in page.rows:
            if line is None or not line.text:
                rows.append("")
                continue
            text = html.escape(line.text)
            style = _STYLE.get(line.kind, "")
            if style:
                text = f"<span style='{style}'>{text}</span>"
            rows.append(" " * column(line.x) + text)
        parts.append("<pre style='margin:0;'>" + "\n".join(rows) + "</pre>")
        parts.append("<p align='center' style='color:#8a8578; margin:10px 0;'>"
                     + "&#8212; " * 3 + f"end of page {page.number}" + " &#8212;" * 3 + "</p>")
    if not parts:
        return ("<p style='color:#8a8578;'>The formatted page appears here: accept a variant, "
                "draft scenes from the outline, or type Fountain in the document.</p>")
    return "".join(parts)


class ScreenplayPreview(QTextBrowser):
    """Read-only, paper-white, Courier: what a writer expects a script page to look like."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("scriptPreview")
        self.setOpenLinks(False)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setFamilies(["Courier Prime", "Courier New", "Courier", "Liberation Mono",
                          "DejaVu Sans Mono", font.family()])
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        font.setPointSizeF(9.5)
        self.setFont(font)
        self.setStyleSheet("QTextBrowser#scriptPreview { background: #f3f0e7; color: #151515;"
                           " border: 1px solid #3a3c42; padding: 10px 14px; }")
        self.document().setDefaultFont(font)
        self.show_screenplay(ft.Screenplay())

    def show_screenplay(self, screenplay: ft.Screenplay) -> None:
        bar = self.verticalScrollBar()
        position = bar.value()
        self.setHtml(render_html(screenplay))
        bar.setValue(position)

    def show_fountain(self, text: str) -> None:
        self.show_screenplay(ft.parse(text))
