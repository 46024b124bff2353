"""Reports as Word documents (.docx), for readers who forward, annotate and print them as files.

Set as Chinese government documents are set: body text in 仿宋, headings in 黑体 (the East Asian font of
each run is set explicitly, which Word needs for CJK text), A4. Built with python-docx from the scored
run — the same numbers the HTML shows — with charts as PNG images. A missing value is written 未知,
never 0.
"""
from __future__ import annotations

import io
import math
import os
import re
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from ..scoring.result import STATUS_ZH
from ..util import atomic_write_bytes
from .load import Run
from .narrative import short_id

BODY_FONT, HEAD_FONT = "仿宋", "黑体"
QUARTERS = {"1": "第一季度", "2": "第二季度", "3": "第三季度", "4": "第四季度"}
UNKNOWN = ("missing_input", "pending_judgement", "undefined")
GATE_KIND_ZH = {"veto": "一票否决", "qualification": "认定条件"}


def period_zh(period: str) -> str:
    """2022Q2 → 2022年第二季度; 2019 → 2019年度; 2022-03 → 2022年3月; anything else as written."""
    p = str(period)
    if m := re.fullmatch(r"(\d{4})[Qq]([1-4])", p):
        return f"{m[1]}年{QUARTERS[m[2]]}"
    if re.fullmatch(r"\d{4}", p):
        return f"{p}年度"
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", p):
        return f"{m[1]}年{int(m[2])}月"
    return p


def points(x: Any) -> str:
    """Points as a person writes them: two decimals; a missing value is 未知."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return "未知"
    return f"{float(x):.2f}"


def _font(run, name: str, size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold


def _document():
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(22)
    sec.top_margin = sec.bottom_margin = Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    for level in (1, 2):
        st = doc.styles[f"Heading {level}"]
        st.font.name = HEAD_FONT
        st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), HEAD_FONT)
    return doc


def _heading(doc, text: str, level: int) -> None:
    from docx.shared import RGBColor

    h = doc.add_heading(level=level)
    r = h.add_run(text)
    _font(r, HEAD_FONT, 18 if level == 0 else 14 if level == 1 else 12)
    r.font.color.rgb = RGBColor(0, 0, 0)


def _para(doc, text: str, bold: bool = False, size: float | None = None) -> None:
    r = doc.add_paragraph().add_run(text)
    _font(r, BODY_FONT, size, bold)


def _table(doc, header: list[str], rows: Iterable[list[str]], widths_mm: list[float] | None = None) -> None:
    from docx.shared import Mm

    rows = list(rows)
    t = doc.add_table(rows=1 + len(rows), cols=len(header))
    t.style = "Table Grid"
    for i, row in enumerate([header] + rows):
        for j, text in enumerate(row):
            cell = t.cell(i, j)
            cell.text = ""
            r = cell.paragraphs[0].add_run(str(text))
            _font(r, HEAD_FONT if i == 0 else BODY_FONT, 10.5, None)
            if widths_mm:
                cell.width = Mm(widths_mm[j])
    _repeat_header(t.rows[0])


def _repeat_header(row) -> None:
    """The header row repeats on every printed page (w:tblHeader)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def _png(img_html: str) -> bytes | None:
    import base64

    m = re.search(r'src="data:image/png;base64,([^"]+)"', img_html)
    return base64.b64decode(m[1]) if m else None


def _verdict(run: Run, unit: str) -> list[str]:
    row = run.result.units.loc[unit]
    sch = run.scheme
    lines = []
    total = f"总分 {points(row['total'])} 分"
    parts = [f"满分 {sch.base_max:g} 分"]
    if sch.bonus_max:
        parts = [f"基础分 {points(row['base_total'])} 分", f"附加分 {points(row['bonus'])} 分", f"满分 {sch.base_max:g} 分"]
    lines.append(f"{total}（{'，'.join(parts)}）。")
    gate = str(row.get("gate_outcome", "none"))
    kinds = "、".join(dict.fromkeys(GATE_KIND_ZH[g.kind] for g in sch.gates)) or "否决条件"
    if gate == "fail":
        lines.append(f"{kinds}未通过：排在全部通过的单位之后。")
    elif gate == "unknown":
        lines.append(f"{kinds}尚无法判定（缺少数据）。")
    elif gate == "pass":
        lines.append(f"{kinds}：通过。")
    if sch.grades is not None and isinstance(row.get("grade"), str):
        g = f"等级：{row['grade']}"
        if not bool(row.get("grade_certain", True)):
            g += f"（尚有 {points(row['unknown_points'])} 分未知，全部补齐最高可为{row.get('grade_if_all_known_full')}）"
        lines.append(g + "。")
    lines.append(f"在 {int(row['n_units'])} 个参评单位中排名第 {int(row['rank'])}。")
    if float(row["unknown_points"]) > 0:
        lines.append(f"仍有 {points(row['unknown_points'])} 分因缺数据或待评审而未知，未按零分计算。")
    return lines


def unit_docx(run: Run, unit: str) -> bytes:
    """One unit's report as .docx bytes: verdict, chart of the parts, every item with its computation."""
    from docx.shared import Mm

    from .charts import section_bars
    from .fonts import setup_fonts

    unit = run.unit_id(unit)
    row = run.result.units.loc[unit]
    items = run.result.unit_items(unit)
    doc = _document()
    _heading(doc, str(row["unit_name"]), 0)
    _para(doc, f"{run.scheme.title} · {period_zh(run.period)}")
    _heading(doc, "一、结论", 1)
    for line in _verdict(run, unit):
        _para(doc, line)

    _heading(doc, "二、各部分得分", 1)
    secs = items.groupby("section", sort=False)
    known = items[items["status"] == "scored"].groupby("section", sort=False)["points"].sum()
    unknown = items[items["status"].isin(UNKNOWN)].groupby("section", sort=False)["max"].sum()
    maxima = secs["max"].sum()
    labels = [str(s) for s in maxima.index]
    setup_fonts()
    png = _png(section_bars(labels, [float(known.get(s, 0.0)) for s in maxima.index],
                            [float(unknown.get(s, 0.0)) for s in maxima.index], [float(m) for m in maxima],
                            f"{row['unit_name']}：各部分得分与满分"))
    if png:
        doc.add_picture(io.BytesIO(png), width=Mm(160))
    _table(doc, ["部分", "得分", "未知分", "满分"],
           [[s, points(known.get(s, 0.0)), points(unknown.get(s, 0.0)) if unknown.get(s, 0.0) else "—",
             f"{float(maxima[s]):g}"] for s in maxima.index], [80, 25, 25, 25])

    _heading(doc, "三、逐项得分", 1)
    rows = []
    for it in items.itertuples():
        pts = "未知" if it.status in UNKNOWN else "—" if it.status == "not_applicable" else points(it.points)
        rows.append([short_id(it.item), it.name,
                     f"{float(it.max):g}", pts, STATUS_ZH.get(it.status, it.status), it.computation])
    _table(doc, ["编号", "条目", "满分", "得分", "状态", "计算过程"], rows, [14, 48, 12, 14, 18, 60])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def overview_docx(run: Run) -> bytes:
    """The period's ranking as .docx bytes: every unit with total, grade, rank and unknown points."""
    u = run.result.units.sort_values(["rank", "unit_name"])
    doc = _document()
    _heading(doc, f"{run.scheme.title} · {period_zh(run.period)} · 总览", 0)
    _para(doc, f"参评单位 {len(u)} 个。未知分（缺数据或待评审）不按零分计算，单列于表中。")
    has_grades = run.scheme.grades is not None
    header = ["名次", "单位", "总分"] + (["等级"] if has_grades else []) + ["未知分", "否决/认定"]
    gate_zh = {"pass": "通过", "fail": "未通过", "unknown": "尚无法判定", "none": "—"}
    rows = []
    for uid, r in u.iterrows():
        rows.append([str(int(r["rank"])), str(r["unit_name"]), points(r["total"])]
                    + ([str(r["grade"]) if isinstance(r["grade"], str) else "—"] if has_grades else [])
                    + [points(r["unknown_points"]) if float(r["unknown_points"]) else "—",
                       gate_zh.get(str(r["gate_outcome"]), str(r["gate_outcome"]))])
    _table(doc, header, rows)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_docx(data: bytes, path: str | os.PathLike) -> Path:
    return atomic_write_bytes(Path(path), data)
