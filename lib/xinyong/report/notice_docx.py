"""The 通报 as a Word document an office edits, numbers and sends: the basic 公文 layout of GB/T 9704.

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; body 仿宋_GB2312 三号 (16 pt) on a fixed
28 pt line (22 lines a page); the title 方正小标宋简体 二号 (22 pt) centred; 一级标题 黑体, 二级标题
楷体_GB2312; the page number “— N —” in the footer as a PAGE field; 落款 right-aligned. Everything is a
real paragraph or a real table: the office fills in the 文号, changes a sentence, adds a seal.

What it prints is :func:`xinyong.report.notice.notice` — the same figures and sentences as the HTML page.
Built with python-docx's public API; the two things it has no call for (the East Asian font of a run and a
field) are set on the run's XML element (``Run.element``, an lxml element), as python-docx documents.
"""
from __future__ import annotations

import datetime as dt
import io
from typing import Any

from .docx_common import set_font
from .load import Run
from .notice import Notice, NoticeOptions, notice

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEAD_FONT = "黑体"
SUB_FONT = "楷体_GB2312"
BODY_PT, TITLE_PT, TABLE_PT, NOTE_PT, PAGE_PT = 16, 22, 12, 12, 14
LINE_PT = 28  # GB/T 9704: 22 lines of 三号 on the 225 mm text block
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}


def _para(doc: Any, parts: list[tuple[str, str]], size: float = BODY_PT, align: str = "justify", indent: bool = True,
          line: float | None = LINE_PT, before: float = 0) -> Any:
    """A paragraph of runs ``(text, font)``, first line indented two characters as a 公文's body is."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                     "right": WD_ALIGN_PARAGRAPH.RIGHT, "left": WD_ALIGN_PARAGRAPH.LEFT}[align]
    fmt.first_line_indent = Pt(size * 2) if indent else None
    fmt.space_before, fmt.space_after = Pt(before), Pt(0)
    if line:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
    for text, font in parts:
        set_font(p.add_run(text), font, size, False)
    return p


def _page_number(section: Any) -> None:
    """“— N —” centred in the footer, N a PAGE field (``w:fldSimple``), so Word numbers every page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0]
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run("— "), "宋体", PAGE_PT, False)
    anchor = p.add_run()
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    field.append(inner)
    anchor.element.addnext(field)
    set_font(p.add_run(" —"), "宋体", PAGE_PT, False)


def _width(text: str) -> float:
    """A line's width in characters of the body's size: a Chinese character 1, a digit or Latin letter ½."""
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in text)


def _document() -> Any:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    sec.footer_distance = Mm(20)  # the page number 7 mm under the text block's last line, as GB/T 9704 sets it
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _page_number(sec)
    return doc


def _ranking(doc: Any, n: Notice) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    heads = ["排名", "单位", n.score_head] + (["等级"] if n.has_grades else []) + (["较上期"] if n.has_change else [])
    widths = {"排名": 30, "单位": 62, "等级": 28, "较上期": 20}
    rest = 156 - sum(widths[h] for h in heads if h in widths)
    t = doc.add_table(rows=0, cols=len(heads))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    red, grey, green = RGBColor(0xC0, 0x39, 0x2B), RGBColor(0x70, 0x70, 0x70), RGBColor(0x2E, 0x7D, 0x4F)
    lines = [[(h, HEAD_FONT, None) for h in heads]]
    for r in n.rows:
        cells = [[(r.place + r.place_range, BODY_FONT, None)],
                 [(r.name, BODY_FONT, red if r.tone == "bad" or r.mark else None)]
                 + ([(r.mark, BODY_FONT, red)] if r.mark else []),
                 [(r.score, BODY_FONT, None)]]
        if n.has_grades:
            tone = {"bad": red, "good": green}.get(r.tone)
            cells.append([(r.grade, BODY_FONT, tone)] + ([] if r.grade_settled else [("（未定）", BODY_FONT, grey)]))
        if n.has_change:
            cells.append([(r.change, BODY_FONT, green if r.direction > 0 else red if r.direction < 0 else None)])
        lines.append(cells)
    for i, row in enumerate(lines):
        cells = t.add_row().cells
        for j, (cell, parts) in enumerate(zip(cells, row)):
            cell.width = Mm(widths.get(heads[j], rest))
            p = cell.paragraphs[0]
            p.paragraph_format.alignment = (WD_ALIGN_PARAGRAPH.CENTER if i == 0 or heads[j] == "等级"
                                            else WD_ALIGN_PARAGRAPH.LEFT if heads[j] == "单位" else WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.space_after = Pt(0)
            for text, font, colour in ([parts] if i == 0 else parts):
                run = p.add_run(text)
                set_font(run, font, TABLE_PT, False)
                if colour is not None:
                    run.font.color.rgb = colour
            if i == 0 and j == 0:  # the header row repeats on every page the table runs onto
                tr = p.runs[0].element.getparent().getparent().getparent()
                flag = OxmlElement("w:tblHeader")
                flag.set(qn("w:val"), "true")
                tr.get_or_add_trPr().append(flag)


def notice_docx(run: Run, options: NoticeOptions | None = None, today: dt.date | None = None) -> bytes:
    """The 通报 of ``run`` as .docx bytes (:mod:`xinyong.report.notice` says what; this module, how)."""
    n = notice(run, options, today)
    doc = _document()
    _para(doc, [(n.title, TITLE_FONT)], size=TITLE_PT, align="center", indent=False, line=36)
    _para(doc, [(n.number, BODY_FONT)], align="center", indent=False)
    _para(doc, [("", BODY_FONT)], indent=False)
    _para(doc, [(f"{n.to}：", BODY_FONT)], indent=False)
    _para(doc, [(n.lead, BODY_FONT)])
    _para(doc, [("一、总体情况", HEAD_FONT)])
    for text in n.overall:
        _para(doc, [(text, BODY_FONT)])
    _para(doc, [("二、排名", HEAD_FONT)])
    _ranking(doc, n)
    for text in n.ranking_notes:
        _para(doc, [(text, BODY_FONT)], size=NOTE_PT, indent=False, line=None)
    _para(doc, [("三、存在问题", HEAD_FONT)])
    _para(doc, [("（一）共性问题", SUB_FONT)])
    _para(doc, [("".join(n.common), BODY_FONT)])
    _para(doc, [("（二）个性问题", SUB_FONT)])
    for name, text in n.individual:
        _para(doc, ([(f"{name}：", HEAD_FONT)] if name else []) + [(text, BODY_FONT)])
    _para(doc, [("四、下一步工作", HEAD_FONT)])
    for lead, text in n.next_steps:
        _para(doc, [(lead, SUB_FONT), (text, BODY_FONT)])
    _para(doc, [("", BODY_FONT)], indent=False)
    _para(doc, [("", BODY_FONT)], indent=False)
    # 落款 as GB/T 9704 7.3.5.2 sets it without a seal: the office 右空二字, the date under it starting two
    # characters further right; a date longer than the office stays 右空二字 and the office moves left
    from docx.shared import Pt

    issuer_w, date_w = _width(n.issuer), _width(n.date)
    issuer_right = 2.0
    date_right = issuer_right + issuer_w - 2 - date_w  # the date's first character 2 right of the office's
    if date_right < 2:
        date_right, issuer_right = 2.0, 2 + date_w + 2 - issuer_w
    for text, right in ((n.issuer, issuer_right), (n.date, date_right)):
        p = _para(doc, [(text, BODY_FONT)], align="right", indent=False)
        p.paragraph_format.right_indent = Pt(BODY_PT * right)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
