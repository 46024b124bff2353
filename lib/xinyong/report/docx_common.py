"""What every Word writer shares: an A4 page, a header and a numbered footer, fonts, tables, a legend.

Set as Chinese government documents are set: body text in 仿宋, headings in 黑体 — the East Asian font of
each run is written explicitly (``w:eastAsia``), which Word needs for CJK text; the page is A4. The header
names the document (方案 · 考核期), the footer carries the page number as a Word field (``PAGE``, the
field's begin/instruction/separate/end runs of ECMA-376 §17.16.18), so Word and LibreOffice number the
pages themselves as the document is edited. Only python-docx's public API is used: runs' ``element`` and
``docx.oxml.OxmlElement`` where python-docx has no call of its own (a field, the East Asian font, a header
row that repeats on every page).

A table is written from a data frame whose columns are the headers as printed and whose cells are text
(or ``(text, tone)``: a grade's colour, :func:`xinyong.labels.grade_tone`); a column that says the same in
every row is said once above the table, as a phone shows it (:func:`.tables.same_note`).
"""
from __future__ import annotations

import io
from typing import Any, Iterable, Sequence

import pandas as pd

from ..labels import chinese_number, grade_tone
from .tables import SAME_MIN_ROWS, same_note

BODY_FONT, HEAD_FONT = "仿宋", "黑体"
BODY_PT, TABLE_PT, SMALL_PT = 12, 10.5, 9
# a grade's colour, as on the pages and in the charts (report.css --good/--bad, charts.GRADE_COLOURS)
TONES = {"good": "2E7D4F", "bad": "C0392B", "muted": "59636E", "unsettled": "59636E", "": None}
MARGINS_MM = (20, 18, 20, 18)  # top, right, bottom, left: a report's wide tables need the width


def set_font(run, name: str = BODY_FONT, size: float | None = None, bold: bool | None = None,
             tone: str = "") -> None:
    """``run`` in ``name`` for Latin and East Asian text alike, at ``size`` pt, in a tone's colour."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = name
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    colour = TONES.get(tone)
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)


def _style_font(style, name: str, size: float | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    style.font.name = name
    if size:
        style.font.size = Pt(size)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if style.name.startswith(("Heading", "Title")):
        style.font.color.rgb = RGBColor(0, 0, 0)


def new_document(header: str, margins_mm: Sequence[float] = MARGINS_MM):
    """An A4 document with the body and heading fonts set, ``header`` at the top of every page and the
    page number (a PAGE field, “— 1 —”) at the bottom."""
    from docx import Document
    from docx.shared import Mm

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.right_margin, sec.bottom_margin, sec.left_margin = (Mm(m) for m in margins_mm)
    sec.header_distance = sec.footer_distance = Mm(10)
    _style_font(doc.styles["Normal"], BODY_FONT, BODY_PT)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        _style_font(doc.styles[name], HEAD_FONT)
    set_header(sec, header)
    set_page_footer(sec)
    return doc


def set_header(section, text: str) -> None:
    """``text`` (方案 · 考核期 · 文件) at the top right of every page of ``section``, small and grey."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    set_font(p.add_run(text), BODY_FONT, SMALL_PT, tone="muted")


def add_field(paragraph, instruction: str, shown: str = "1"):
    """A Word field (``PAGE``, ``NUMPAGES``) at the end of ``paragraph``: the begin, instruction,
    separate and end runs; ``shown`` is the text until Word updates it. Returns the runs."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    runs = []
    for kind in ("begin", "instr", "separate", "shown", "end"):
        run = paragraph.add_run(shown if kind == "shown" else None)
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instruction} "
        elif kind != "shown":
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        if kind != "shown":
            run.element.append(el)
        runs.append(run)
    return runs


def set_page_footer(section) -> None:
    """“— N —” centred at the bottom of every page, N a PAGE field, as a government document numbers its pages."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run("— "), BODY_FONT, SMALL_PT)
    for r in add_field(p, "PAGE"):
        set_font(r, BODY_FONT, SMALL_PT)
    set_font(p.add_run(" —"), BODY_FONT, SMALL_PT)


def heading(doc, text: str, level: int = 1) -> None:
    """A heading in 黑体, black; level 0 is the document's title. It stays with what follows it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    h = doc.add_heading(level=level)
    if level == 0:
        h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    h.paragraph_format.keep_with_next = True
    set_font(h.add_run(text), HEAD_FONT, {0: 18, 1: 14, 2: 12}.get(level, 12))


Part = "str | tuple[str, str]"  # text, or (text, tone): tone good | bad | muted | ""


def para(doc, *parts: Any, size: float | None = None, bold: bool = False, tone: str = ""):
    """A paragraph of ``parts``: each a text, or (text, tone) for a part in a tone's colour (bold when bad,
    as the pages set it)."""
    p = doc.add_paragraph()
    for part in parts:
        text, t = (part, tone) if isinstance(part, str) else part
        if text:
            set_font(p.add_run(text), BODY_FONT, size, bold or t == "bad", t)
    return p


def note(doc, text: str):
    """A note under a table or a chart: small and grey."""
    return para(doc, text, size=SMALL_PT, tone="muted")


def picture(doc, png: bytes, width_mm: float = 165, caption: str | None = None) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc.add_picture(io.BytesIO(png), width=Mm(width_mm))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.paragraphs[-1].paragraph_format.keep_with_next = bool(caption)
    if caption:
        note(doc, caption).alignment = WD_ALIGN_PARAGRAPH.CENTER


def _repeat_header(row) -> None:
    """The header row repeats on every printed page (``w:tblHeader`` in the row's properties)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr = next(row.cells[0].paragraphs[0].runs[0].element.iterancestors(qn("w:tr")))
    props = tr.find(qn("w:trPr"))
    if props is None:
        props = OxmlElement("w:trPr")
        tr.insert(0, props)
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    props.append(el)


def _text_tone(value: Any) -> tuple[str, str]:
    if isinstance(value, tuple):
        return str(value[0]), value[1]
    return ("—" if value is None or (isinstance(value, float) and value != value) else str(value)), ""


def table(doc, header: Sequence[str], rows: Iterable[Sequence[Any]], widths_mm: Sequence[float] | None = None,
          say_same: bool = False) -> None:
    """A table with a header row (repeated on every page) in 黑体 and the cells in 仿宋, 10.5 pt. A cell is a
    text or (text, tone). ``say_same``: a column whose cell is the same in every one of at least three rows
    is left out and said once above the table (“各行相同：类型 县直单位”)."""
    from docx.shared import Mm

    rows = [list(r) for r in rows]
    header = list(header)
    if say_same and len(rows) >= SAME_MIN_ROWS:
        same = [j for j in range(len(header))
                if len({_text_tone(r[j]) for r in rows}) == 1 and _text_tone(rows[0][j])[0] not in ("", "—")]
        same = same[:max(0, len(header) - 2)]
        if same:
            note(doc, same_note([(header[j], _text_tone(rows[0][j])[0]) for j in same])).paragraph_format.keep_with_next = True
            keep = [j for j in range(len(header)) if j not in same]
            header, rows = [header[j] for j in keep], [[r[j] for j in keep] for r in rows]
            widths_mm = [widths_mm[j] for j in keep] if widths_mm else None
    # one row's cells at a time (``Table.cell(i, j)`` walks the whole grid on every call: a 200-row table
    # took 30 s)
    t = doc.add_table(rows=0, cols=len(header))
    t.style = "Table Grid"
    for i, row in enumerate([header, *rows]):
        for j, (cell, value) in enumerate(zip(t.add_row().cells, row)):
            text, tone = _text_tone(value)
            set_font(cell.paragraphs[0].add_run(text), HEAD_FONT if i == 0 else BODY_FONT, TABLE_PT,
                     bold=tone == "bad" or None, tone=tone)
            if widths_mm:
                cell.width = Mm(widths_mm[j])
    if header:
        _repeat_header(t.rows[0])


def frame_table(doc, df: pd.DataFrame, widths_mm: Sequence[float] | None = None, say_same: bool = False) -> None:
    """:func:`table` from a frame whose column labels are the printed headers and whose cells are text
    (or (text, tone))."""
    table(doc, [str(c) for c in df.columns], df.itertuples(index=False, name=None), widths_mm, say_same)


def grade_cell(grade: Any, settled: bool = True) -> tuple[str, str]:
    """A grade as a table prints it, in its colour: “良好（未定）” while unknown points could change it."""
    if not isinstance(grade, str) or not grade:
        return ("—", "")
    return (grade + ("" if settled else "（未定）"), grade_tone(grade))


def legend(doc, key: Sequence[tuple[str, str]]) -> None:
    """The key to the grade colours of the table after it (:func:`xinyong.labels.grade_legend`): each
    swatch in its grade's colour, 未定 in grey, as the pages print it."""
    parts: list[Any] = ["颜色："]
    for k, (text, tone) in enumerate(key):
        parts += (["　"] if k else []) + [(text, tone)]
    para(doc, *parts, size=SMALL_PT).paragraph_format.keep_with_next = True


def to_bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


class NumberedHeadings:
    """The numbered level-1 headings 一、二、三 of a Word file, as the page numbers its sections (a CSS
    counter): a section that does not apply is left out and the numbers stay consecutive. ``write(doc,
    text, level)`` sets a heading (:func:`heading` unless a writer has its own look)."""

    def __init__(self, doc, write=None):
        self.doc, self.n, self.write = doc, 0, write or heading

    def __call__(self, text: str) -> None:
        self.n += 1
        self.write(self.doc, f"{chinese_number(self.n)}、{text}", 1)
