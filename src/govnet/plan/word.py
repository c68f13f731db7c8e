"""plan.docx and the carriers' work orders as Word files, since offices exchange Word files:
made from the very Markdown plan.md holds (parsed by markdown-it, as plan.html is), so the
three versions never say different things. Headings, paragraphs, lists (a task box as ☐),
tables and code blocks are carried over; A4 landscape, since the work orders' tables are wide."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph
from markdown_it import MarkdownIt
from markdown_it.token import Token

BODY_FONT = "宋体"  # SimSun: the body face of Chinese official documents
HEADING_FONT = "黑体"  # SimHei
CODE_FONT = "Consolas"


def _set_font(style: object, east_asian: str, size: float | None = None) -> None:
    font = style.font  # type: ignore[attr-defined]
    if size is not None:
        font.size = Pt(size)
    element = style.element  # type: ignore[attr-defined]
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def _new_document(title: str) -> DocumentObject:
    document = Document()
    document.core_properties.title = title
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    footer = section.footer.paragraphs[0]  # each page names the document and its number
    footer.add_run(f"{title}　第 ")
    page = OxmlElement("w:fldSimple")
    page.set(qn("w:instr"), "PAGE")
    footer.add_run()._r.append(page)
    footer.add_run(" 页")
    _set_font(document.styles["Normal"], BODY_FONT, 10.5)
    for level in (1, 2, 3, 4):
        _set_font(document.styles[f"Heading {level}"], HEADING_FONT)
    return document


def _add_inline(paragraph: Paragraph, token: Token, size: float | None = None) -> None:
    """An inline token's children as runs: bold, italic and code kept; line breaks kept."""
    bold = italic = False
    first = True
    for child in token.children or ():
        if child.type == "strong_open":
            bold = True
        elif child.type == "strong_close":
            bold = False
        elif child.type == "em_open":
            italic = True
        elif child.type == "em_close":
            italic = False
        elif child.type in ("softbreak", "hardbreak"):
            paragraph.add_run().add_break()
        elif child.type in ("text", "code_inline"):
            text = child.content
            if first and text.startswith("[ ] "):  # a task box: - [ ] ...
                text = "☐ " + text[4:]
            elif first and text.startswith("[x] "):
                text = "☑ " + text[4:]
            run = paragraph.add_run(text)
            if bold:  # (only when set: each property adds XML)
                run.bold = True
            if italic:
                run.italic = True
            if child.type == "code_inline":
                run.font.name = CODE_FONT
            if size is not None:
                run.font.size = Pt(size)
        first = False


def _add_table(
    document: DocumentObject, rows: Sequence[tuple[bool, list[Token]]], style: Any
) -> None:
    width = max(len(cells) for _, cells in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = style
    size = 9.0 if width <= 6 else 7.5
    for row, (header, cells) in zip(table.rows, rows, strict=True):
        for cell, inline in zip(row.cells, cells, strict=False):  # (row.cells: once a row)
            paragraph = cell.paragraphs[0]
            _add_inline(paragraph, inline, size)
            if header:
                for run in paragraph.runs:
                    run.bold = True
    document.add_paragraph()


def markdown_to_docx(markdown: str, title: str, path: Path) -> None:
    """Write ``markdown`` (plan.md, a work order) as a Word document at ``path``."""
    tokens = MarkdownIt("commonmark", {"html": False}).enable("table").parse(markdown)
    document = _new_document(title)
    lists: list[str] = []  # the open lists' styles, innermost last
    rows: list[tuple[bool, list[Token]]] = []
    row: list[Token] = []
    in_table = header = False
    heading: int | None = None
    styles: dict[str, str] = {}  # style ids by name, looked up once
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading = min(int(token.tag[1:]), 4)
        elif kind == "heading_close":
            heading = None
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append("List Bullet" if kind == "bullet_list_open" else "List Number")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "table_open":
            in_table, rows = True, []
        elif kind == "table_close":
            _add_table(document, rows, document.styles["Table Grid"])
            in_table = False
        elif kind in ("thead_open", "thead_close"):
            header = kind == "thead_open"
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            rows.append((header, row))
        elif kind == "inline" and in_table:
            row.append(token)
        elif kind == "inline":
            if heading is not None or lists:
                depth = len(lists)
                name = (
                    f"Heading {heading}"
                    if heading is not None
                    else lists[-1] + ("" if depth == 1 else f" {min(depth, 3)}")
                )
                if name not in styles:
                    styles[name] = document.styles[name].style_id
                paragraph = document.add_paragraph()
                # by id: python-docx checks a style object against every style each time
                paragraph._p.style = styles[name]
            else:
                paragraph = document.add_paragraph()
            _add_inline(paragraph, token)
        elif kind in ("fence", "code_block"):
            for line in token.content.rstrip("\n").split("\n"):
                paragraph = document.add_paragraph()
                paragraph.paragraph_format.space_after = Pt(0)
                run = paragraph.add_run(line)
                run.font.name, run.font.size = CODE_FONT, Pt(9)
            document.add_paragraph()
        elif kind == "hr":
            document.add_paragraph("—" * 20)
    document.save(str(path))
