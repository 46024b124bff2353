"""Reports as Word documents (.docx), for readers who forward, annotate and print them as files.

Set as Chinese government documents are set: body text in 仿宋, headings in 黑体 (the East Asian font of
each run is set explicitly, which Word needs for CJK text), A4. Built with python-docx from the report's
analysis frames (:mod:`.analysis`) — the same numbers the HTML shows — with charts as PNG images. A
missing value is written 未知, never 0.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import pandas as pd

from ..labels import (GATE_OUTCOME_ZH, delta2, failed_gates_zh, grade_tone, label, move_zh, pct, period_zh,
                      score2)
from ..util import atomic_write_bytes
from .analysis import GRADES_NOTE, roster_sentence, units_line
from .docx_common import (HEAD_FONT, NumberedHeadings, frame_table, grade_cell, heading, legend, new_document, note, para, picture,
                          set_font, table, to_bytes)
from .load import Run
from .narrative import short_id

BODY_FONT = "仿宋"


# The unit report's writer (report/unit_docx.py) builds on these; the text they set goes through the shared
# helpers (report/docx_common.py).
def _font(run, name: str, size: float | None = None, bold: bool | None = None) -> None:
    set_font(run, name, size, bold)


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
    table(doc, header, rows, widths_mm)


def _overview_title(doc, scheme, period: str, units: str) -> None:
    """The overview's title and its header table (依据文件, 考核期, 参加单位), as the page's header."""
    from .narrative import citation, clause

    from docx.enum.text import WD_ALIGN_PARAGRAPH

    heading(doc, scheme.title, 0)
    para(doc, f"{period_zh(period)} · 考核评估总览").alignment = WD_ALIGN_PARAGRAPH.CENTER
    src = scheme.source
    basis = citation(scheme) + (f"（第 {src.line} 行：“{clause(src.quote)}”）" if src.quote and src.line
                                else f"（“{clause(src.quote)}”）" if src.quote else "")
    for label_, text in (("依据文件", basis), ("考核期", period_zh(period) if period else "（未注明）"), ("参加单位", units)):
        para(doc, (label_ + "：", "muted"), text)


def overview_docx(run: Run, as_of=None) -> bytes:
    """The overview of a period as .docx bytes, section by section as the page (:class:`.overview.Overview`)
    has them, with the same sentences (:class:`.analysis.OverviewAnalysis`, :mod:`.warn`, :mod:`.review`):
    排名 (and 待评审), 单位情况, 预警 at ``as_of`` (default today, as the page), 等级分布, 各部分得分率,
    环比变化, 否决与认定条件, 跨单位比较 (复现信息, folded on the page, is not printed there either). A
    missing value is 未知 or —, never 0."""
    from .fonts import setup_fonts
    from .overview import Overview

    setup_fonts()
    ov = Overview(run)
    oa, sch = ov.analysis, run.scheme
    short = sch.short_title or sch.title
    doc = new_document(f"{short} · {period_zh(run.period)} · 考核评估总览")
    _overview_title(doc, sch, run.period, units_line(oa.state_counts()))
    section = NumberedHeadings(doc)
    key = _ranking(doc, run, ov, section)
    _roster(doc, oa, section)
    _warnings(doc, run, as_of, section)
    _grade_distribution(doc, run, oa, key, section)
    section("各部分得分率")
    picture(doc, ov.heat_map_png(), 170, oa.heat_caption())
    _movement(doc, run, oa, section)
    _gate_failures(doc, run, oa, section)
    _comparison(doc, run, section)
    return to_bytes(doc)


def _ranking(doc, run: Run, ov, section) -> list:
    """排名: the note, the grade key, the table (a column only where the scheme has it), then 待评审.
    Returns the grade key (the grade table repeats it)."""
    oa, sch, res = ov.analysis, run.scheme, run.result
    section("排名")
    note(doc, oa.ranking_note())
    key = ov.legend()
    if key:
        legend(doc, key)
    has_grades, prev = sch.grades is not None, run.previous()
    rows = []
    for r in oa.ranking().itertuples():
        silent = r.unit in res.unreported
        rows.append([oa.place(r), str(r.name), str(r.kind), "未报送" if silent else score2(r.total)]
                    + (["—" if silent else score2(r.base), "—" if silent else score2(r.bonus)] if sch.bonus_max > 0 else [])
                    + [score2(r.unknown) if r.unknown else "—"]
                    + ([grade_cell(r.grade, r.grade_certain)] if has_grades else [])
                    + ([label(GATE_OUTCOME_ZH, r.gate_outcome) if r.gate_outcome != "fail"
                        else failed_gates_zh(sch.gates, res.units.loc[r.unit])] if sch.gates else [])
                    + ([delta2(r.delta), move_zh(r.rank_move)] if prev else []))
    table(doc, ["名次", "单位", "类型", "总分"] + (["基础分", "附加分"] if sch.bonus_max > 0 else []) + ["未知"]
          + (["等级"] if has_grades else []) + (["否决/认定"] if sch.gates else [])
          + (["较上期", "名次变化"] if prev else []), rows, say_same=True)
    _review(doc, run)
    return key


def _roster(doc, oa, section) -> None:
    """单位情况: the roster's sentence, the units not scored and why, and the 报送情况 sheet when there is one."""
    section("单位情况")
    counts = oa.state_counts()
    para(doc, roster_sentence(counts))
    roster = oa.roster()
    others = roster[roster["state"] != "scored"]
    if len(others):
        table(doc, ["单位", "情况", "说明"],
              [[str(r.name), (r.state_zh, "bad"), _roster_detail(r)] for r in others.itertuples()], [40, 28, 106])
    rc = oa.receipts()
    if rc is not None:
        heading(doc, "报送情况", 2)
        table(doc, ["单位", "报送状态", "收到时间", "错误数", "问题摘要"],
              [[str(r["name"]), r.get("status") or "—", _when(r.get("received")) or "—",
                "—" if r.get("n_errors") is None or r.get("n_errors") != r.get("n_errors") else str(int(r["n_errors"])),
                r.get("summary") or "—"] for r in rc.to_dict("records")])


def _grade_distribution(doc, run: Run, oa, key, section) -> None:
    """等级分布: the bars and the table of each grade, or the sentence that the scheme has none."""
    from . import charts

    section("等级分布")
    grades = oa.grades()
    if grades is None:
        para(doc, "本方案未规定等级划分。")
        return
    counts_ = grades.set_index("label")["n"].astype(int)
    picture(doc, charts.grade_bars(counts_, f"{period_zh(run.period)}等级分布"), 120, "各等级单位数")
    table(doc, ["等级", "单位数", "占比", "其中等级未定"],
          [[grade_cell(g.label), str(g.n), f"{pct(g.share)}%", str(g.uncertain)] for g in grades.itertuples()],
          [40, 30, 30, 40])
    note(doc, GRADES_NOTE)
    if key:
        legend(doc, key)


def _movement(doc, run: Run, oa, section) -> None:
    """环比变化, when there is a previous period: the trend chart and each unit's change."""
    from . import charts

    if run.previous() is None:
        return
    section("环比变化")
    note(doc, oa.movement_note())
    trend = oa.trend()
    if len(trend) >= 2:
        picture(doc, charts.trend_line(trend["period"].tolist(), trend["top"].tolist(), trend["median"].tolist(),
                                       "各期最高分与中位数", "最高分"), 140, "各考核期最高分与中位数")
    table(doc, ["单位", "本期总分", "变化", "本期名次", "名次变化"],
          [[str(r.name), score2(r.total), delta2(r.delta), str(r.rank), move_zh(r.rank_move)]
           for r in oa.movement().itertuples()], [70, 25, 25, 25, 25])


def _gate_failures(doc, run: Run, oa, section) -> None:
    """否决与认定条件, when the scheme has gates: how many failed each, and every unit × condition not passed."""
    if not run.scheme.gates:
        return
    section("否决与认定条件")
    para(doc, oa.gate_summary())
    fails = oa.gate_failures()
    if len(fails):
        table(doc, ["单位", "条件", "内容", "判定"],
              [[str(r.name), short_id(r.condition), str(r.cond_name), (label(GATE_OUTCOME_ZH, r.outcome), "bad")]
               for r in fails.itertuples()], [40, 16, 90, 28])
    else:
        para(doc, "全部单位的全部条件均已通过。")


def _comparison(doc, run: Run, section) -> None:
    """跨单位比较, when the scheme asks for one: the table as readers get it."""
    from .sections import comparison_rows, reader_comparison

    cmp_ = reader_comparison(run)
    if cmp_ is not None:
        section("跨单位比较")
        note(doc, "按方案规定的比较方式，把各单位放在一起比较。")
        frame_table(doc, pd.DataFrame(comparison_rows(cmp_), columns=[str(c) for c in cmp_.reset_index().columns]))


def _when(iso) -> str | None:
    from .overview import _when as when

    return when(iso)


def _roster_detail(r) -> str:
    """The 说明 of a unit not scored: each error where it is, or why it has no data."""
    if r.state == "unreported":
        return "本期未报送数据，全部条目未知"
    parts = []
    for p in r.problems:
        text = (f"{p['where']}：" if p.get("where") else "") + str(p["message"])
        if p.get("value") is not None:
            text += f"（填写的是“{p['value']}”" + (f"，应为{p['expected']}" if p.get("expected") else "") + "）"
        elif p.get("expected"):
            text += f"（应为{p['expected']}）"
        parts.append(text)
    if r.n_problems > len(r.problems):
        parts.append(f"另有 {r.n_problems - len(r.problems)} 处，见该单位的说明页")
    return f"{r.n_problems} 处错误：" + "；".join(parts)


def _review(doc, run: Run) -> None:
    """待评审 under the ranking, as the page has it; nothing for a scheme without judgement items."""
    from .review import awaiting_review, has_judgement, review_sentence

    if not has_judgement(run):
        return
    waiting = awaiting_review(run)
    heading(doc, "待评审", 2)
    note(doc, review_sentence(waiting, run.scheme.grades is not None))
    if len(waiting):
        table(doc, ["单位", "待评审条目数", "未知分", "待评审条目", "缺佐证条目数"],
              [[str(r.name), str(r.n_pending), score2(r.points), "、".join(r.items), str(r.n_missing_evidence)]
               for r in waiting.itertuples()], [36, 22, 20, 74, 22])


def _warnings(doc, run: Run, as_of, section) -> None:
    """预警 as the overview page has it (:mod:`.warn`, as of today): grades the unknown points can still
    change, and deadlines near with evidence missing while the period is open. Nothing when empty."""
    from .warn import left_zh, warnings

    w = warnings(run, as_of)
    if w.empty:
        return
    section("预警")
    if w.open_note():
        note(doc, w.open_note())
    if len(w.grades):
        heading(doc, w.grades_heading(), 2)
        said, alarm = w.grades_sentence()
        para(doc, said, (alarm, "bad"))
        table(doc, ["单位", "未知分", "最坏情况（未知分全失）", "最好情况（未知分全得）"],
              [[str(r.name), score2(r.unknown), (f"{score2(r.total)} 分，{r.grade}", "bad" if r.below_pass else ""),
                f"{score2(r.best_total)} 分，{r.grade_best}"] for r in w.grades.itertuples()], [50, 22, 51, 51])
    items = w.by_item()
    if len(items):
        heading(doc, w.deadlines_heading(), 2)
        para(doc, w.deadlines_sentence())
        table(doc, ["条目", "期限", "距期限", "还缺的佐证材料", "尚缺材料的单位"],
              [[str(r.item_name), w.deadline_text(r), (left_zh(r.days_left), "bad" if r.days_left < 0 else ""),
                str(r.required), w.units_text(r)] for r in items.itertuples()], [36, 34, 22, 40, 42])


def write_docx(data: bytes, path: str | os.PathLike) -> Path:
    return atomic_write_bytes(Path(path), data)


def annual_docx(a) -> bytes:
    """The year's summary (:class:`~.annual.Annual`) as .docx bytes, as the annual page has it and in its
    words: the verdict, how the year's figure is computed, the ranking with each quarter's total, rank and
    grade, and the units below 合格. A quarter a unit has no result for is 缺, a year it cannot be computed
    for is 未知 — never 0."""
    from .annual import quarter_zh

    doc = new_document(f"{a.short_title} · {a.year}年度汇总")
    heading(doc, f"{a.short_title} · {a.year}年度汇总", 0)
    note(doc, a.subtitle())
    para(doc, *[(text, tone) for text, tone in a.verdict()], bold=False)
    for lab, text, small in a.method_lines():
        if small:
            note(doc, (f"{lab}：" if lab else "") + text)
        else:
            p = para(doc)
            set_font(p.add_run(f"{lab}："), HEAD_FONT, None)
            set_font(p.add_run(text))
    heading(doc, "年度排名与各季度结果", 1)
    key = a.legend()
    if key:
        legend(doc, key)
    cells = {(r.unit, r.period): r for r in a.quarters.itertuples(index=False)}
    low = set(zip(a.below["unit"], a.below["period"]))

    def cell(uid: str, p: str):
        if p in a.not_held:
            return ("未知", "muted")
        c = cells.get((uid, p))
        if c is None:
            return ("缺", "muted")
        text = f"{score2(c.total)}（{c.rank if c.ranked else '不参加排名'}）" + (f" {a.grade_text(c)}" if c.grade else "")
        return (text, "bad" if (uid, p) in low else grade_tone(c.grade) if c.grade else "")

    rows = []
    for r in a.ranking.itertuples():
        year = "未知" if r.figure is None or r.figure != r.figure else score2(r.figure)
        notes = a.year_notes(r)
        rows.append([str(int(r.rank)) if r.rank is not None and r.rank == r.rank else "—", str(r.name)]
                    + [cell(r.unit, p) for p in a.all_periods] + [year + (f"（{'，'.join(notes)}）" if notes else "")])
    table(doc, ["年度名次", "单位"] + [quarter_zh(p) for p in a.all_periods]
          + ["年度得分"], rows)
    note(doc, a.table_note())
    heading(doc, "季度低于合格或被否决的单位", 1)
    if len(a.below):
        table(doc, ["单位", "季度数", "哪些季度（总分，等级）"],
              [[name, str(len(mine)), a.below_text(mine)] for name, mine in a.below_by_unit()], [42, 18, 114])
    else:
        para(doc, a.none_below())
    return to_bytes(doc)


def empty_overview_docx(scheme, period: str, data_name: str, invalid) -> bytes:
    """The overview of a period in which no unit could be scored, as .docx bytes: what the page says
    (:func:`~.overview.empty_overview_html`) — every unit with its real errors and where they are."""
    import pandas as pd

    from .analysis import ROSTER_COLUMNS, invalid_rows, state_counts

    rows = invalid_rows(invalid)
    counts = state_counts(pd.DataFrame(rows, columns=ROSTER_COLUMNS))
    short = scheme.short_title or scheme.title
    doc = new_document(f"{short} · {period_zh(period)} · 考核评估总览")
    _overview_title(doc, scheme, period, units_line(counts))
    heading(doc, "本期没有可评分的单位", 1)
    para(doc, f"数据文件“{data_name}”中 {len(rows)} 个单位的数据都有错误，因此本期没有计分、排名和图表。"
              "请按下表改正数据文件后重新生成。")
    heading(doc, "单位情况", 1)
    para(doc, roster_sentence(counts))
    frame = pd.DataFrame(rows, columns=ROSTER_COLUMNS)
    table(doc, ["单位", "情况", "说明"], [[str(r.name), (r.state_zh, "bad"), _roster_detail(r)] for r in frame.itertuples()],
          [40, 28, 106])
    return to_bytes(doc)
