"""Reports as Word documents (.docx), for readers who forward, annotate and print them as files.

Set as Chinese government documents are set: body text in 仿宋, headings in 黑体 (the East Asian font of
each run is set explicitly, which Word needs for CJK text), A4. Built with python-docx from the report's
analysis frames (:mod:`.analysis`) — the same numbers the HTML shows — with charts as PNG images. A
missing value is written 未知, never 0.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Iterable

from ..labels import GATE_OUTCOME_ZH, UNIT_STATE_ZH, failed_gates_zh, label, period_zh
from ..labels import score2 as points
from ..util import atomic_write_bytes
from .analysis import OverviewAnalysis
from .load import Run
from .narrative import short_id

BODY_FONT, HEAD_FONT = "仿宋", "黑体"


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

    # one row's cells at a time (``Table.cell(i, j)`` walks the whole grid on every call: a 200-row table
    # took 30 s)
    t = doc.add_table(rows=0, cols=len(header))
    t.style = "Table Grid"
    for i, row in enumerate([header, *rows]):
        for j, (cell, text) in enumerate(zip(t.add_row().cells, row)):
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


def overview_docx(run: Run, as_of=None) -> bytes:
    """The period's ranking as .docx bytes: every unit with total, grade, rank and unknown points, who is
    not scored and why, 预警 at ``as_of`` (default today, as the page), the items lost most."""
    oa = OverviewAnalysis(run)
    rk = oa.ranking()
    silent = run.result.unreported
    doc = _document()
    _heading(doc, f"{run.scheme.title} · {period_zh(run.period)} · 总览", 0)
    _para(doc, f"参评单位 {len(rk)} 个。未知分（缺数据或待评审）不按零分计算，单列于表中。")
    has_grades = run.scheme.grades is not None
    header = ["名次", "单位", "总分"] + (["等级"] if has_grades else []) + ["未知分", "否决/认定"]
    rows = []
    for r in rk.itertuples():
        if r.unit in silent:
            rows.append(["—", str(r.name), "未报送"] + (["—"] if has_grades else []) + [points(r.unknown), "—"])
            continue
        place = (str(r.rank) if r.rank_settled else f"暂列 {r.rank}（{r.rank_best}–{r.rank_worst}）") if r.ranked else "不参加"
        rows.append([place, str(r.name), points(r.total)]
                    + ([r.grade if isinstance(r.grade, str) else "—"] if has_grades else [])
                    + [points(r.unknown) if r.unknown else "—", label(GATE_OUTCOME_ZH, r.gate_outcome) if r.gate_outcome != "fail"
                       else failed_gates_zh(run.scheme.gates, run.result.units.loc[r.unit])])
    _table(doc, header, rows)
    counts = oa.state_counts()
    if counts["invalid"] or counts["unreported"]:  # nobody silently dropped, in Word either
        _heading(doc, "单位情况", 1)
        _para(doc, "本期数据文件共有 " + str(sum(counts.values())) + " 个单位："
              + "，".join(f"{UNIT_STATE_ZH[k]} {n} 个" for k, n in counts.items() if n) + "。")
        roster = oa.roster()
        _table(doc, ["单位", "情况", "说明"],
               [[str(r.name), r.state_zh,
                 "；".join(f"{p['where']}：{p['message']}" for p in r.problems) if r.state == "invalid"
                 else "本期未报送数据，全部条目未知" if r.state == "unreported" else "—"]
                for r in roster.itertuples() if r.state != "scored"], [35, 30, 100])
    _warnings(doc, run, as_of)
    lost = oa.lost_items()
    if len(lost):
        _heading(doc, "失分最多的条目", 1)
        _table(doc, ["条目", "失分合计", "失分单位数", "未知分（不计为失分）"],
               [[f"{short_id(r.item)} {r.name}", points(r.lost), str(r.units_losing), points(r.unknown) if r.unknown else "—"]
                for r in lost.itertuples()], [80, 25, 25, 35])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _warnings(doc, run: Run, as_of=None) -> None:
    """预警 as the overview page has it (:mod:`.warn`, as of today): grades the unknown points can still
    change, and deadlines near with evidence missing while the period is open. Nothing when empty."""
    from .warn import left_zh, warnings, when_zh

    w = warnings(run, as_of)
    if w.empty:
        return
    _heading(doc, "预警", 1)
    _para(doc, f"截至 {when_zh(w.as_of)}。")
    if len(w.grades):
        _para(doc, f"等级尚未确定的单位 {len(w.grades)} 个：未知分全部失去为最坏情况，全部得到为最好情况。")
        _table(doc, ["单位", "最坏情况", "最好情况", "未知分"],
               [[str(r.name), f"{points(r.total)} 分（{r.grade}）" + ("，可能低于合格" if r.below_pass else ""),
                 f"{points(r.best_total)} 分（{r.grade_best}）", points(r.unknown)] for r in w.grades.itertuples()],
               [45, 45, 45, 30])
    if len(w.deadlines):
        _para(doc, f"期限临近（{w.days} 天内）或已过、佐证材料仍缺的条目 {len(w.deadlines)} 项：")
        _table(doc, ["单位", "条目", "期限", "缺少的佐证"],
               [[str(r.name), str(r.item_name),
                 f"{r.deadline or '考核期末'}（{when_zh(r.due)}，{left_zh(r.days_left)}）", str(r.required)]
                for r in w.deadlines.itertuples()], [35, 45, 45, 40])


def write_docx(data: bytes, path: str | os.PathLike) -> Path:
    return atomic_write_bytes(Path(path), data)


def annual_docx(a) -> bytes:
    """The year's summary (:class:`~.annual.Annual`) as .docx bytes: the same verdict, method, ranking with
    each quarter's total, rank and grade, and the units below 合格 as the annual page shows. A quarter a
    unit has no result for is 缺, a year it cannot be computed for is 未知 — never 0."""
    from .annual import quarter_zh

    doc = _document()
    _heading(doc, f"{a.short_title} · {a.year}年度汇总", 0)
    _para(doc, f"{a.scheme_title} · 已有" + "、".join(quarter_zh(p) for p in a.periods)
          + f"的考核结果 · 单位 {len(a.ranking)} 个")
    ranked = a.ranking[a.ranking["rank"].notna()]
    unranked = a.ranking[a.ranking["rank"].isna()]
    _heading(doc, "一、结论", 1)
    if len(ranked):
        top = ranked.iloc[0]
        _para(doc, f"年度第一名：{top['name']}（年度得分 {points(top['figure'])} 分）。")
    if len(a.below):
        _para(doc, f"{a.below['unit'].nunique()} 个单位有季度低于合格或被否决（见第四部分）。", bold=True)
    elif a.has_grades:
        _para(doc, "没有单位在任何季度低于合格。")
    if len(unranked):
        _para(doc, f"{len(unranked)} 个单位缺少季度结果，年度得分未知，未参加年度排名。")
    if a.not_held:
        _para(doc, "、".join(quarter_zh(p) for p in a.not_held)
              + f"尚无考核结果，年度得分只含已有的 {len(a.periods)} 个季度。")
    m = a.method
    _heading(doc, "二、年度得分的算法", 1)
    _para(doc, f"{m.method_zh}。某季度缺少结果的单位，年度得分记为未知（不按零分计），不参加年度排名。")
    if m.reading:
        _para(doc, f"方案未写明之处：{m.question}")
        _para(doc, f"本表采用的理解：{m.chosen_label}" + ("（本次运行改用了这一理解，与方案默认的理解不同）" if m.overridden else "")
              + "。" + (f"理由：{m.why}" if m.why else ""))
        _para(doc, "其他理解：" + "；".join(m.alternatives) + "。")
    else:
        _para(doc, f"方案没有写明年度结果的算法，本表按{m.method_zh}汇总；其他可能的算法：" + "、".join(m.alternatives) + "。")
    _heading(doc, "三、年度排名与各季度结果", 1)
    cells = {(r.unit, r.period): r for r in a.quarters.itertuples(index=False)}
    low = set(zip(a.below["unit"], a.below["period"]))

    def cell(uid: str, p: str) -> str:
        if p in a.not_held:
            return "未知"
        c = cells.get((uid, p))
        if c is None:
            return "缺"
        text = f"{points(c.total)}（{c.rank if c.ranked else '不参加排名'}）"
        if c.grade:
            text += f" {c.grade}" + ("※" if not c.grade_certain else "") + ("·否决" if c.gate == "fail" else "")
        return text + (" ▲低" if (uid, p) in low else "")

    rows = []
    for r in a.ranking.itertuples():
        year = "未知" if r.figure is None or r.figure != r.figure else points(r.figure)
        if r.unknown and r.unknown > 0:
            year += f"（另有未知 {points(r.unknown)} 分）"
        if r.missing:
            year += "（缺" + "、".join(quarter_zh(p) for p in r.missing) + "）"
        rows.append([str(int(r.rank)) if r.rank is not None and r.rank == r.rank else "—", str(r.name)]
                    + [cell(r.unit, p) for p in a.all_periods] + [year])
    _table(doc, ["年度名次", "单位"] + [quarter_zh(p) for p in a.all_periods] + ["年度得分"], rows)
    _para(doc, ("季度格为“总分（该季度名次）等级”；“※”表示该季度还有未知分（缺数据或待评审），等级可能变化；"
                "“▲低”为低于合格或被否决；" if a.has_grades else "季度格为“总分（该季度名次）”；")
          + "“缺”为该单位该季度没有考核结果，不是零分。"
          + ("“未知”为还没有该季度的数据，年度得分只含已有的季度。" if a.not_held else ""), size=9)
    _heading(doc, "四、季度低于合格或被否决的单位", 1)
    if len(a.below):
        _table(doc, ["单位", "季度数", "哪些季度（总分，等级）"],
               [[name, str(len(mine)), "、".join(
                   f"{quarter_zh(b.period)}（{points(b.total)} 分，{'被否决' if b.gate == 'fail' else b.grade}"
                   + (f"；未知分全得可为{b.grade_best}" if not b.grade_certain and b.grade_best else "") + "）"
                   for b in mine.itertuples())] for name, mine in a.below_by_unit()], [40, 20, 105])
    elif a.has_grades:
        _para(doc, "没有单位在任何季度低于合格或被否决。")
    else:
        _para(doc, "方案没有等级，不判定是否合格。")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def empty_overview_docx(scheme, period: str, data_name: str, invalid) -> bytes:
    """The overview of a period in which no unit could be scored, as .docx bytes: what the page says
    (:func:`~.overview.empty_overview_html`) — every unit with its real errors and where they are."""
    from .analysis import invalid_rows

    rows = invalid_rows(invalid)
    doc = _document()
    _heading(doc, f"{scheme.title} · {period_zh(period)} · 总览", 0)
    _heading(doc, "本期没有可评分的单位", 1)
    _para(doc, f"数据文件“{data_name}”中 {len(rows)} 个单位的数据都有错误，因此本期没有计分、排名和图表。"
               "请按下表改正数据文件后重新生成。")
    _table(doc, ["单位", "错误数", "错误及位置（最多列出 5 个）"],
           [[str(r["name"]), str(r["n_problems"]), "；".join(f"{p['where']}：{p['message']}" for p in r["problems"])]
            for r in rows], [35, 15, 115])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
