"""The files a batch writes besides the reports: ``summary.json``, ``scores.xlsx``, the run's
``index.html``, the failed-unit pages and the top-level ``index.html`` linking every run.

Every page is self-contained (CSS inline, no script, no network) and Chinese; every user text goes
through jinja2 autoescaping. Every file is written atomically (temporary name, then rename), and only
when its bytes change, so an unchanged run leaves every modification time alone.
"""
from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..labels import GATE_OUTCOME_ZH, STATUS_ZH, UNIT_STATE_ZH, grade_attr, label, num, period_zh, rank_zh, score2
from ..report.tables import label_tables
from ..safe import append
from ..util import atomic_write_bytes
from .model import ERROR_KIND_ZH, BatchSummary, UnitOutcome

TEMPLATES = Path(__file__).parent / "templates"
REPORT_TEMPLATES = Path(__file__).parents[1] / "report" / "templates"
INDEX = "index.html"
RUNS = "runs.html"  # beside the top index: the analysts' view of every run (reports made, failed, updated)
NOTICE = "brief.html"  # a run's 通报 (batch.formats.BRIEF)
SUMMARY = "summary.json"
SCORES = "scores.xlsx"
UNITS_DIR = "units"


@lru_cache(maxsize=1)
def env() -> Environment:
    # report/templates second: the pages include its page.css (a phone's width), one set of rules for all pages
    e = Environment(loader=FileSystemLoader([str(TEMPLATES), str(REPORT_TEMPLATES)]), autoescape=select_autoescape(default=True, default_for_string=True),
                    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    e.filters["num"] = num
    e.filters["s2"] = score2
    e.filters["pz"] = period_zh
    e.filters["when"] = when
    e.filters["tone_attr"] = grade_attr
    return e


def when(iso: str | None) -> str:
    """ISO time as people read it: 2022-04-01 09:30."""
    if not iso:
        return ""
    try:
        return dt.datetime.fromisoformat(str(iso)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(iso)


def render(template: str, **ctx: Any) -> str:
    return label_tables(env().get_template(template).render(**ctx))


def href(*parts: str) -> str:
    """A relative link from path components (each percent-encoded, so any name is a valid URL)."""
    return "/".join(quote(p) for p in parts)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomic write, skipped when the file already holds exactly ``data``. True when written."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data)
    return True


# ---------------------------------------------------------------------------------------------- pages
def problem_rows(problems: Iterable[Any]) -> list[dict]:
    """Intake problems as JSON-ready dicts (a cell value may be a date or a time) with the file's name
    (``file`` too is the name: these rows are published in ``summary.json`` and the failure pages)."""
    from .cache import plain

    out = []
    for p in problems:
        d = plain(p if isinstance(p, dict) else p.as_dict())
        d["file_name"] = d["file"] = Path(d["file"]).name if d.get("file") else ""
        out.append(d)
    return out


def advice(kind: str | None, data_name: str, stem: str) -> list[str]:
    if kind in ("data", "history"):
        return [f"按上表修改数据文件（{data_name}）中该单位的单元格，或用 xinyong validate 逐项检查。",
                "修改后重新运行 xinyong batch：只会重新生成有变化的报告，其他单位的报告会被跳过。",
                "该单位的数据未参与本期计分与排名；总览和其他单位报告中的排名不含该单位。"
                if kind == "data" else "该单位本期数据有效，仍计入其他单位的排名和总览，只是没有生成本单位的报告。"]
    if kind == "notebook":
        return ["报告笔记本在执行中出错；出错的笔记本已保留在同一文件夹，错误信息在出错的单元下方。",
                "修正原因（数据或模板）后重新运行 xinyong batch。"]
    if kind == "kernel":
        return ["计算内核多次启动失败（常见于同时启动很多内核时端口冲突）。直接重新运行 xinyong batch，或减少 --jobs。"]
    return ["重新运行 xinyong batch；若仍失败，加 --debug 运行 xinyong report 单独生成该单位的报告查看详情。"]


def failed_page(s: BatchSummary, u: UnitOutcome, detail: str | None = None, index_href: str = "../index.html") -> str:
    return render("failed.html.j2", id=u.id, name=u.name, scheme=s.scheme, scheme_title=s.scheme_title, period=s.period,
                  kind_zh=ERROR_KIND_ZH.get(u.error_kind or "", "生成报告时出错"), error=u.error or "",
                  problems=problem_rows(u.problems), advice=advice(u.error_kind, Path(s.data).name, u.stem),
                  notebook=quote(Path(u.notebook).name) if u.notebook else None, detail=detail, index_href=index_href)


def overview_failed_page(s: BatchSummary, detail: str | None = None) -> str:
    u = UnitOutcome(id="总览", name="考核总览", kind=None, status="failed", stem="overview", error=s.overview.get("error"),
                    error_kind=s.overview.get("error_kind"), notebook=s.overview.get("notebook"))
    return failed_page(s, u, detail, index_href=INDEX)


def _sort_key(u: UnitOutcome):
    return (u.rank is None, u.rank if u.rank is not None else 0, u.id)


def run_index(s: BatchSummary, has_grades: bool, has_gates: bool, annual_href: str | None = None) -> str:
    rows = []
    for u in sorted(s.units, key=_sort_key):
        d = u.as_dict()
        d["unit_state"] = u.state  # scored | invalid | unreported (d["state"]: the report's)
        d["state"] = "failed" if u.status == "failed" else "ok"
        d["gate_zh"] = label(GATE_OUTCOME_ZH, u.gate_outcome) if u.gate_outcome else None
        d["html"] = href(*u.html.split("/")) if u.html else None
        d["docx"] = href(*u.docx.split("/")) if u.docx else None
        d["pdf"] = href(*u.pdf.split("/")) if u.pdf else None
        rows.append(d)
    failed = [r for r in rows if r["state"] == "failed"]
    ctx = {**s.as_dict(), "data_name": Path(s.data).name,
           "history": [{"period": h["period"], "data_name": Path(h["data"]).name} for h in s.history]}
    ov = s.overview
    ov_href = ov.get("html") if ov.get("status") in ("ok", "skipped", "failed", "empty") else None
    return render("run_index.html.j2", s=ctx, rows=rows, failed=failed, n_ok=len(rows) - len(failed),
                  n_failed=len(failed), has_grades=has_grades, has_gates=has_gates, top_href="../../" + INDEX,
                  overview_href=ov_href, states=s.states, states_zh=UNIT_STATE_ZH,
                  brief_href="brief.html" if ov_href and ov.get("status") not in ("failed", "empty") else None,
                  annual_href=annual_href)


def top_index(out_dir: Path) -> str:
    """The results of every run under ``out_dir``, grouped by scheme: per period the 通报 (HTML, Word, PDF),
    the lowest unit, the vetoed units and the units whose grade is not settled, as the 通报 states them
    (its facts, recorded in the run's ``summary.json``); the overview; the year's pages. How each run went
    (reports made, failed, updated) is on :func:`runs_index`, linked from here."""
    return render("top_index.html.j2", groups=_groups(out_dir), runs_href=RUNS)


def runs_index(out_dir: Path) -> str:
    """The analysts' index of every run under ``out_dir``: units, reports made and failed, the run's own
    index (its unit reports and errors), the overview, when it was last updated."""
    return render("runs_index.html.j2", groups=_groups(out_dir), top_href=INDEX)


def write_top_pages(out_dir: Path) -> None:
    """The top index and the analysts' run index, each written only when it changes."""
    write_if_changed(out_dir / INDEX, top_index(out_dir).encode("utf-8"))
    write_if_changed(out_dir / RUNS, runs_index(out_dir).encode("utf-8"))


def _groups(out_dir: Path) -> list[dict]:
    """Every run under ``out_dir`` (``<scheme>/<period>/summary.json``), grouped by scheme."""
    groups: dict[str, dict] = {}
    for path in sorted(out_dir.glob(f"*/*/{SUMMARY}")):
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        sdir, pdir = path.parent.parent.name, path.parent.name
        g = groups.setdefault(d.get("scheme", sdir), {"scheme": d.get("scheme", sdir),
                                                      "title": d.get("scheme_title") or d.get("scheme", sdir), "runs": [],
                                                      "dir": sdir})
        units = d.get("units") or []
        n_failed = sum(1 for u in units if u.get("status") == "failed")
        ov = d.get("overview") or {}
        notice = ov.get("notice") or {}
        has_notice = (path.parent / NOTICE).is_file() and bool(notice)
        g["runs"].append({"period": d.get("period", pdir), "n_units": len(units), "n_ok": len(units) - n_failed,
                          "notice": {"title": notice.get("title", ""), "lowest": notice.get("lowest", ""),
                                     "vetoed": notice.get("vetoed") or [], "unsettled": notice.get("unsettled") or [],
                                     "href": href(sdir, pdir, NOTICE),
                                     **{fmt: href(sdir, pdir, ov[f"brief_{fmt}"]) for fmt in ("docx", "pdf")
                                        if ov.get(f"brief_{fmt}")}} if has_notice else None,
                          "failed": n_failed, "run_error": d.get("run_error"), "updated": d.get("updated"),
                          "index_href": href(sdir, pdir, INDEX),
                          "overview_href": href(sdir, pdir, *ov["html"].split("/"))
                          if ov.get("status") in ("ok", "skipped", "empty") and ov.get("html") else None})
    out = sorted(groups.values(), key=lambda g: g["scheme"])
    for g in out:
        g["runs"].sort(key=lambda r: str(r["period"]))
        g["annual"] = [{"year": p.stem.removeprefix("annual-"), "href": href(g["dir"], p.name),
                        **{fmt: href(g["dir"], p.with_suffix("." + fmt).name) for fmt in ("docx", "pdf")
                           if p.with_suffix("." + fmt).exists()}}
                       for p in sorted((out_dir / g["dir"]).glob("annual-*.html"))]
    return out


def summary_json(s: BatchSummary) -> bytes:
    return (json.dumps(s.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------- Excel
def scores_xlsx(s: BatchSummary, scheme: Any, result: Any | None, followup: Any = None) -> bytes:
    """Units × items points, totals, grades and ranks; statuses on a second sheet; the follow-up ledger
    (整改台账, :func:`xinyong.report.followup.follow_up_all`) when there is a previous period; what it is
    on the last."""
    from openpyxl import Workbook
    from openpyxl.styles import Border, Font, PatternFill, Side

    from ..intake.template import workbook_bytes

    items = list(scheme.walk_items())
    has_grades = scheme.grades is not None
    has_gates = bool(scheme.gates)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    fail_fill = PatternFill("solid", fgColor="FDECEA")
    thin = Side(style="thin", color="D6DBE1")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)

    fixed = ["排名", "单位编号", "单位名称", "单位类型", "报告状态", "总分", "基础分", "附加分", "未知分"]
    if has_grades:
        fixed += ["等级", "等级已确定"]
    if has_gates:
        fixed += ["否决/认定"]
    fixed += ["名次已确定"]  # 否（2–4）: unknown points could still move the unit between those ranks
    heads = fixed + [f"{it.id} {it.name}（{num(it.max_points)}分{'，附加' if it.bonus else ''}）" for it in items] + ["错误"]
    units = sorted(s.units, key=_sort_key)
    failed_rows: set[int] = set()

    wb = Workbook()
    ws = wb.active
    ws.title = "得分"
    st = wb.create_sheet("状态")
    for sheet, first in ((ws, heads), (st, heads[:5] + heads[len(fixed):-1])):
        _head_row(sheet, first, 48, "D2", bold, head_fill, border)
    for u in units:
        row, pts, sts = _unit_rows(u, result, items, has_grades, has_gates)
        append(ws, row + pts + [u.error])
        append(st, row[:5] + sts)
        if u.status == "failed":
            failed_rows.add(ws.max_row)
    _style_score_sheets(ws, st, len(fixed), len(items), len(heads), failed_rows, border, fail_fill)
    if followup is not None and len(s.history):
        _followup_sheet(wb.create_sheet("整改台账"), followup, s, head_fill, border, bold)
    _info_sheet(wb.create_sheet("说明"), s, followup, bold)
    stamp = None
    try:
        stamp = dt.datetime.fromisoformat(s.updated).replace(tzinfo=None) if s.updated else None
    except ValueError:
        pass
    return workbook_bytes(wb, stamp=stamp)


def _unit_rows(u, result: Any | None, items: list, has_grades: bool, has_gates: bool) -> tuple[list, list, list]:
    """One unit's row of scores.xlsx: (the fixed columns, its points per item, its statuses per item)."""
    ok = result is not None and u.id in result.units.index
    # the rank as every page prints it: a unit a gate's consequence leaves out has no rank (rank_zh)
    place = rank_zh(False, u.rank) if u.ranked is False and u.state != "unreported" else u.rank
    row: list[Any] = [place, u.id, u.name, u.kind,
                      "失败" if u.status == "failed" else "未报送" if u.state == "unreported" else "正常",
                      u.total, None, None, u.unknown_points]
    if ok and u.state != "unreported":
        r = result.units.loc[u.id]
        row[6], row[7] = float(r["base_total"]), float(r["bonus"])
    if has_grades:
        row += [u.grade, None if u.grade_certain is None else ("是" if u.grade_certain else "否")]
    if has_gates:
        row += [label(GATE_OUTCOME_ZH, u.gate_outcome) if u.gate_outcome else None]
    settled = None
    if ok and u.state != "unreported" and u.ranked is not False and "rank_best" in result.units:
        best, worst = int(result.units.at[u.id, "rank_best"]), int(result.units.at[u.id, "rank_worst"])
        settled = "是" if best == worst else f"否（{best}–{worst}）"
    row += [settled]
    pts = [None] * len(items)
    sts = [None] * len(items)
    if ok:
        for k, it in enumerate(items):
            v = result.points.at[u.id, it.id]
            pts[k] = None if v != v else float(v)
            sts[k] = label(STATUS_ZH, str(result.status.at[u.id, it.id]))
    return row, pts, sts


def _style_score_sheets(ws, st, n_fixed: int, n_items: int, n_heads: int, failed_rows: set[int], border,
                        fail_fill) -> None:
    """Borders, number formats, a failed unit's fill and the column widths of the 得分 and 状态 sheets."""
    from openpyxl.utils import get_column_letter

    looks = _Looks(ws.parent, "xinyong 得分")
    for sheet, last in ((ws, n_heads), (st, 5 + n_items)):
        for row in sheet.iter_rows(min_row=2, max_col=last):
            failed = row[0].row in failed_rows
            for c in row:
                points = sheet is ws and (6 <= c.column <= 9 or n_fixed < c.column <= n_fixed + n_items)
                looks.give(c, (failed, points), border=border, number_format="0.00" if points else None,
                           fill=fail_fill if failed else None)
        widths = {1: 6, 2: 14, 3: 22, 4: 10, 5: 9}
        for j in range(1, last + 1):
            sheet.column_dimensions[get_column_letter(j)].width = widths.get(j, 9 if j <= n_fixed else 14)
        if sheet is ws:
            sheet.column_dimensions[get_column_letter(last)].width = 50


def _info_sheet(info, s: BatchSummary, followup: Any, bold) -> None:
    """The 说明 sheet: what the workbook is, from which files, and how to read a blank or a rank range."""
    from openpyxl.styles import Alignment

    lines = [("方案", f"{s.scheme_title}（{s.scheme}）"), ("考核期", s.period), ("数据文件", Path(s.data).name),
             ("往期数据", "；".join(f"{h['period']}：{Path(h['data']).name}" for h in s.history) or "无"),
             ("更新时间", s.updated), ("单位数", len(s.units)),
             ("说明", "“得分”表中条目得分为空白表示该条目未计分（缺少数据、待评审、不适用或无法计算，见“状态”表），"
                    "不是 0 分；“未知分”为这些条目的满分之和，未计入总分。"),
             ("说明", "“名次已确定”为“否（2–4）”时，名次还可能因未知分数变化，括号内为补齐后可能的名次范围；"
                    "“排名”为“不参加排名”的单位因否决等原因不参加排名，列于参加排名的单位之后。"),
             ("说明", "报告状态为“失败”的单位见本期目录 index.html 及 summary.json。")]
    if followup is not None and len(s.history):
        lines.append(("说明", "“整改台账”表列出上一考核期失分的条目及本期情况：已挽回（本期满分）、部分挽回、仍失分、"
                            "扣分增加、未知（本期尚未计分，不是 0 分）、本期不适用。"))
    for k, v in lines:
        append(info, [k, v])
        info.cell(info.max_row, 1).font = bold
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 90
    for row in info.iter_rows():
        row[1].alignment = Alignment(wrap_text=True, vertical="top")


class _Looks:
    """Cell styles by look, as named styles: openpyxl's public way to give many cells one style. Setting
    border, fill and number format on each cell makes openpyxl find the style's id by hashing it at every
    assignment (a Border hashes its four Sides and their colours): about 0.1 ms a cell, most of
    ``scores_xlsx``. A named style is made once per look (from the first cell's font and alignment and the
    given ``attrs``), and assigning its name copies its style array. The quote prefix the safe writer gave a
    text that looks like a formula stays."""

    def __init__(self, wb: Any, prefix: str) -> None:
        self.wb, self.prefix, self.names = wb, prefix, {}

    def give(self, cell: Any, look: Any, **attrs: Any) -> None:
        """Style ``cell`` with ``attrs`` (None: leave that one as it is); ``look`` names the combination."""
        from copy import copy

        from openpyxl.styles import NamedStyle

        name = self.names.get(look)
        if name is None:
            name = f"{self.prefix} {len(self.names) + 1}"
            style = NamedStyle(name=name, font=copy(cell.font), alignment=copy(cell.alignment),
                               border=copy(cell.border), fill=copy(cell.fill), number_format=cell.number_format)
            for k, v in attrs.items():
                if v is not None:
                    setattr(style, k, v)
            self.wb.add_named_style(style)
            self.names[look] = name
        quoted = cell.quotePrefix
        cell.style = name
        if quoted:
            cell.quotePrefix = True


def _head_row(sheet: Any, heads: list[str], height: float, freeze: str, bold: Any, fill: Any, border: Any) -> None:
    """A sheet's first row: the column heads, bold on the header fill, wrapped; panes frozen at ``freeze``."""
    from openpyxl.styles import Alignment

    append(sheet, heads)
    for c in sheet[1]:
        c.font, c.fill, c.border = bold, fill, border
        c.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.row_dimensions[1].height = height
    sheet.freeze_panes = freeze


def _followup_sheet(ws: Any, df: Any, s: BatchSummary, head_fill: Any, border: Any, bold: Any) -> None:
    """One row per unit × item lost in the previous period, with its state now (blank = unknown, not 0)."""
    from openpyxl.utils import get_column_letter

    prev = period_zh(s.history[-1]["period"]) if s.history else "上期"
    heads = ["单位编号", "单位名称", "条目编号", "条目名称", "满分", f"上期得分（{prev}）", "上期失分",
             f"本期得分（{period_zh(s.period)}）", "本期失分", "较上期挽回", "整改情况"]
    _head_row(ws, heads, 36, "C2", bold, head_fill, border)
    for r in df.itertuples(index=False):
        append(ws, [r.unit, r.unit_name, r.item, r.name, r.max if r.max is not None else r.prev_max, r.prev_points,
                   r.prev_lost, r.points, r.lost, r.change, r.state_zh])
    looks = _Looks(ws.parent, "xinyong 整改")
    for row in ws.iter_rows(min_row=2, max_col=len(heads)):
        for c in row:
            points = 5 <= c.column <= 10
            looks.give(c, points, border=border, number_format="0.00" if points else None)
    for j, w in enumerate([14, 22, 26, 36, 8, 14, 10, 14, 10, 12, 12], 1):
        ws.column_dimensions[get_column_letter(j)].width = w
