"""The assessor's review workbook (评审表): written from a period workbook, filled by an
assessor, read back and merged into the period workbook's 评审 sheet.

:func:`build_review` lists, per unit, the judgement items that apply to its kind (from the compiled
plan, with their caps) prefilled with the points and reasons the period workbook already holds, and,
on a second sheet, the items whose required evidence (the scheme item's ``evidence``) has no row in the
证据 sheet yet. :func:`apply_review` reads the filled workbook with the 评审 sheet's own reader
(:func:`~.sheets.judge.read_judge`, so a judgement without a reason, points above the cap, an unknown
unit or item are refused exactly as in a period workbook, located by file, sheet, row and column) and,
when nothing is wrong, writes the judgements into the period workbook's 评审 sheet (新增 or 更新 rows,
with who judged and when). One error anywhere and nothing is written.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, Protection

from ..errors import InputError, Problem, XinyongError
from ..safe import editable, put
from ..scheme.model import Scheme
from ..scheme.values import is_blank, judge_col, why_col
from ..scoring.plan import Plan, compile
from .cells import parse_date, text
from .grid import Grid
from .problems import Log
from .read import IntakeResult, read_inputs, refuse_formulas_and_merges
from .sheets import ReadContext, read_judge, read_readme
from .sources import open_source
from .template import BOLD, HEADER_FILL, JUDGE_COLUMNS, head_cells, JUDGE_OPTIONAL, META_PERIOD, META_SCHEME, SHEET_JUDGE, \
    SHEET_README, points_validation, save_workbook, slots_for

SHEET_MISSING = "缺少佐证"
META_DATA = "数据文件"
# the review sheet: the 评审 sheet's columns, the unit's name and the evidence state for the assessor,
# and who judged when; read by the 评审 sheet's reader with these headers known
REVIEW_COLUMNS = {"unit_id": JUDGE_COLUMNS["unit_id"], "unit_name": ("单位名称", "unit_name"),
                  "item": JUDGE_COLUMNS["item"], "name": JUDGE_COLUMNS["name"], "max": JUDGE_COLUMNS["max"],
                  "evidence": ("佐证材料情况", "evidence"), "points": JUDGE_COLUMNS["points"],
                  "why": JUDGE_COLUMNS["why"], **JUDGE_OPTIONAL}
FILLED = ("points", "why", "assessor", "reviewed")  # the columns an assessor fills; the others are locked
MISSING_HEADS = ("单位编号", "单位名称", "条目编号", "条目名称", "满分", "要求的佐证材料", "责任单位", "完成时限")

README_LINES = [
    "评审说明",
    "1. “评审”表每行是一个单位的一个酌情评分条目：请填写得分（0 到满分）、理由、评审人和评审日期（如 2022-07-05）。",
    "2. 没有理由的得分不予采用：只要有一行有得分而没有理由，整份评审表都会被退回，并指出文件、工作表、行和列。",
    "3. 数据文件中已有的得分和理由已预先填入，可以修改。得分留空的行不改动数据文件：没有得分的条目仍为待评审，报告中显示为“未知”，不按零分计算。",
    "4. 单位、条目、满分和“佐证材料情况”由程序填写，已锁定；“佐证材料情况”说明该单位是否已登记方案要求的佐证材料。",
    "5. “缺少佐证”表列出方案要求佐证材料、但该单位尚未登记任何材料的条目（含按规则计分的条目），供核查和催报，不写回数据文件。",
    "6. 不要使用公式，不要合并单元格。",
    "7. 填好后运行：xinyong review --apply 本文件.xlsx --data 数据文件.xlsx（可加 -o 另存为新文件）。"
    "程序逐项检查，有任何错误都不写入，并列出每处错误的位置。",
]


# ------------------------------------------------------------------------------------------ what is missing
def not_applicable(plan: Plan, item_id: str, unit_kind: str) -> bool:
    vr = plan.rules[item_id].variant_rules.get(unit_kind or "")
    return vr is not None and vr.mode == "not_applicable"


def missing_evidence(plan: Plan, units: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """Unit × item where the scheme requires evidence and the 证据 sheet has no row for it.

    ``units``: index unit id, columns unit_name, unit_kind. Columns: unit_id, unit_name, item, name,
    max, required, responsible, deadline — in unit order, then document order."""
    have = set(zip(evidence["unit_id"].astype(str), evidence["item"].astype(str))) if len(evidence) else set()
    rows = []
    items = [it for it in plan.scheme.walk_items() if it.evidence]
    for uid, u in units.iterrows():
        kind = "" if pd.isna(u["unit_kind"]) else str(u["unit_kind"])
        for it in items:
            if (str(uid), it.id) in have or not_applicable(plan, it.id, kind):
                continue
            rows.append({"unit_id": str(uid), "unit_name": str(u["unit_name"]), "item": it.id, "name": it.name,
                         "max": float(it.max_points), "required": it.evidence, "responsible": "、".join(it.responsible),
                         "deadline": it.deadline or ""})
    return pd.DataFrame(rows, columns=["unit_id", "unit_name", "item", "name", "max", "required", "responsible",
                                       "deadline"])


def _reviewable(data: IntakeResult) -> pd.DataFrame:
    """The units an assessor reviews: every unit of the period workbook but those that did not report."""
    gone = set(getattr(data, "unreported", ()) or ())
    fr = data.frame
    return fr.loc[[u for u in fr.index if u not in gone], ["unit_name", "unit_kind"]]


# ------------------------------------------------------------------------------------------ writing
@dataclass(frozen=True)
class ReviewWritten:
    path: Path
    n_units: int
    n_rows: int  # judgement rows
    n_pending: int  # of them, without points yet
    n_missing: int  # unit × item rows of the 缺少佐证 sheet


def build_review(scheme: Scheme, data: IntakeResult, period: str, data_name: str = "",
                 plan: Plan | None = None) -> tuple[Workbook, ReviewWritten]:
    plan = plan or compile(scheme)
    units = _reviewable(data)
    ev = data.evidence
    have: dict[tuple[str, str], list[str]] = {}
    for e in ev.itertuples():
        have.setdefault((str(e.unit_id), str(e.item)), []).append(str(e.title))
    required = {it.id: it.evidence for it in scheme.walk_items()}
    wb = Workbook()
    _readme(wb.active, scheme, period, data_name)
    ws = wb.create_sheet(SHEET_JUDGE)
    keys = list(REVIEW_COLUMNS)
    head_cells(ws, [v[0] for v in REVIEW_COLUMNS.values()])
    ws.freeze_panes = "C2"
    r, n_pending, by_cap = 1, 0, {}
    unlocked = Protection(locked=False)
    for uid, u in units.iterrows():
        kind = "" if pd.isna(u["unit_kind"]) else str(u["unit_kind"])
        for s in slots_for(plan.judge_slots, kind).values():
            r += 1
            pts, why = _existing(data, str(uid), s.item)
            n_pending += pts is None
            titles = have.get((str(uid), s.item), [])
            if titles:
                state = f"已登记 {len(titles)} 份：" + "；".join(f"《{t}》" for t in titles)
            elif required.get(s.item):
                state = f"未登记（方案要求：{required[s.item]}）"
            else:
                state = "方案未要求"
            name = s.name + (f"（仅在解读 {s.only_under} 时使用）" if s.only_under else "")
            vals = {"unit_id": str(uid), "unit_name": str(u["unit_name"]), "item": s.item, "name": name,
                    "max": s.cap, "evidence": state, "points": pts, "why": why}
            for j, k in enumerate(keys, 1):
                c = put(ws, r, j, vals.get(k))
                if k in FILLED:
                    c.protection = unlocked
                if k in ("name", "evidence", "why"):
                    c.alignment = Alignment(wrap_text=True, vertical="top")
                if k == "reviewed":
                    c.number_format = "yyyy-mm-dd"
            by_cap.setdefault(s.cap, []).append(f"{_col(keys, 'points')}{r}")
    points_validation(ws, by_cap)
    for k, w in zip(keys, (12, 22, 18, 36, 7, 40, 8, 50, 10, 12)):
        ws.column_dimensions[_col(keys, k)].width = w
    _protect(ws)
    miss = missing_evidence(plan, units, ev)
    wm = wb.create_sheet(SHEET_MISSING)
    head_cells(wm, MISSING_HEADS)
    for i, m in enumerate(miss.itertuples(index=False), 2):
        for j, v in enumerate((m.unit_id, m.unit_name, m.item, m.name, m.max, m.required, m.responsible, m.deadline), 1):
            put(wm, i, j, v).alignment = Alignment(wrap_text=j in (4, 6), vertical="top")
    for col, w in zip("ABCDEFGH", (12, 22, 18, 36, 7, 50, 20, 14)):
        wm.column_dimensions[col].width = w
    wm.freeze_panes = "C2"
    _protect(wm)
    return wb, ReviewWritten(Path(), len(units), r - 1, n_pending, len(miss))


def _col(keys: list[str], key: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(keys.index(key) + 1)


def _protect(ws: Any) -> None:
    """Lock what the program wrote (no password: a guard against slips, not a security measure); columns
    may still be resized, rows filtered and sorted."""
    p = ws.protection
    p.sheet = True
    p.formatColumns = p.formatRows = p.autoFilter = p.sort = False
    ws.auto_filter.ref = ws.dimensions


def _readme(ws: Any, scheme: Scheme, period: str, data_name: str) -> None:
    ws.title = SHEET_README
    put(ws, 1, 1, f"《{scheme.title}》评审表").font = Font(bold=True, size=14)
    for r, (k, v) in enumerate(((META_SCHEME, scheme.id), (META_PERIOD, period), (META_DATA, data_name)), 2):
        put(ws, r, 1, k).font = BOLD
        put(ws, r, 2, v)
    for k, line in enumerate(README_LINES, 6):
        put(ws, k, 1, line).font = BOLD if k == 6 else Font()
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 40


def write_review(scheme: Scheme | str, data: str | os.PathLike, path: str | os.PathLike,
                 period: str | None = None) -> ReviewWritten:
    """Write the review workbook for the period workbook ``data`` to ``path`` (atomically).

    Raises :class:`InputError` when ``data`` cannot be read at all or is for another period."""
    from ..scheme import load_scheme

    s = load_scheme(scheme) if not isinstance(scheme, Scheme) else scheme
    data = Path(data)
    res = read_inputs(s, data)
    if not len(res.frame):
        raise InputError(f"数据文件 {data.name} 中没有可评审的单位", f"no units in {data}",
                         problems=list(res.problems), file=str(data))
    _same_period(res, period, data)
    wb, info = build_review(s, res, str(period or res.period or ""), data.name)
    out = save_workbook(wb, path)
    return ReviewWritten(out, info.n_units, info.n_rows, info.n_pending, info.n_missing)


def _same_period(res: IntakeResult, period: str | None, data: Path) -> None:
    if period and res.period and str(res.period) != str(period):
        raise InputError(f"文件 {data.name} 的考核期为“{res.period}”，与要求的“{period}”不一致",
                         f"{data}: workbook period {res.period!r} != requested {period!r}", file=str(data))


# ------------------------------------------------------------------------------------------ reading back
def review_scheme_id(path: str | os.PathLike) -> str | None:
    """The scheme id a review workbook's 说明 sheet names (None when it names none or cannot be read)."""
    path = Path(path)
    if not path.is_file():
        return None
    src = open_source(path, path.read_bytes(), Log(str(path)), sheets=(SHEET_README,))
    g = src.grids.get(SHEET_README)
    for i in range(1, min(g.n_rows, 30) + 1) if g is not None else ():
        if text(g.value(i, 1)) == META_SCHEME and text(g.value(i, 2)):
            return text(g.value(i, 2))
    return None


@dataclass(frozen=True)
class Judgement:
    """One assessor's entry accepted from a review workbook."""

    unit_id: str
    item: str
    name: str
    cap: float
    points: float
    why: str
    assessor: str | None
    reviewed: str | None  # ISO date
    row: int  # the review sheet's row


@dataclass
class ReviewRead:
    """A review workbook read against its period workbook."""

    file: str
    period: str | None
    judgements: list[Judgement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def read_review(scheme: Scheme, path: str | os.PathLike, data: IntakeResult, plan: Plan | None = None) -> ReviewRead:
    """Read a filled review workbook; its units and their kinds are the period workbook's (``data``)."""
    path = Path(path)
    log = Log(str(path))
    ctx = ReadContext(scheme, log)
    ctx.units = {str(u): {"unit_name": r["unit_name"], "unit_kind": "" if pd.isna(r["unit_kind"]) else str(r["unit_kind"]),
                          "row": None} for u, r in data.frame.iterrows()}
    out = ReviewRead(str(path), None)
    if not path.is_file() or path.stat().st_size == 0:
        log.error("评审表不存在或为空", f"no such file or empty: {path}", value=str(path), expected="xinyong review 写出的 .xlsx")
        out.problems = log.problems
        return out
    src = open_source(path, path.read_bytes(), log)
    if src.kind != "xlsx":
        log.error("评审表应为 Excel 工作簿（.xlsx）", f"not a workbook: {src.kind}", value=path.name,
                  expected="xinyong review 写出的 .xlsx")
    grids = src.grids
    if SHEET_README in grids:
        read_readme(ctx, grids[SHEET_README])
    out.period = ctx.period
    if ctx.period and data.period and str(ctx.period) != str(data.period):
        log.error(f"评审表的考核期为“{ctx.period}”，数据文件的考核期为“{data.period}”", "review period differs from the data's",
                  sheet=SHEET_README, value=ctx.period, expected=str(data.period))
    g = grids.get(SHEET_JUDGE)
    if g is None and src.kind == "xlsx":
        log.error(f"缺少工作表“{SHEET_JUDGE}”", f"missing sheet {SHEET_JUDGE!r}", sheet=SHEET_JUDGE,
                  value="、".join(str(k) for k in grids), expected=f"工作表“{SHEET_JUDGE}”")
    if g is not None:
        refuse_formulas_and_merges(log, g)
        read_judge(ctx, g, REVIEW_COLUMNS)
        alias = {h: k for k, hs in REVIEW_COLUMNS.items() for h in hs}
        cols = {alias[text(v)]: j for j, v in enumerate(g.rows[0] if g.rows else (), 1) if text(v) in alias}
        gone = set(getattr(data, "unreported", ()) or ())
        slots = (plan or compile(scheme)).judge_slots
        for (uid, item), (x, why) in ctx.judge.items():
            row = ctx.judge_at[(uid, item)]
            if uid in gone:
                log.error(f"单位“{uid}”本期未报送，不能录入评审得分", "unit did not report", sheet=g.name, row=row,
                          col=cols.get("unit_id"), unit=uid, value=uid, expected="已报送的单位")
                continue
            who = text(g.value(row, cols["assessor"])) if "assessor" in cols else ""
            when, ok = parse_date(g.value(row, cols["reviewed"])) if "reviewed" in cols else (None, True)
            if not ok:
                log.error("评审日期无法识别", "unreadable review date", sheet=g.name, row=row, col=cols["reviewed"],
                          unit=uid, input=item, value=g.value(row, cols["reviewed"]), expected="日期，如 2022-07-05")
                continue
            if not who and _existing(data, uid, item) != (x, why):  # a new or changed judgement names its assessor
                log.note(f"条目 {item} 没有填写评审人", "no assessor named", sheet=g.name, row=row,
                         col=cols.get("assessor"), unit=uid, input=item, value=None, expected="评审人姓名")
            slot = slots_for(slots, ctx.units[uid]["unit_kind"])[item]
            out.judgements.append(Judgement(uid, item, slot.name, slot.cap, x, why, who or None, when, row))
    out.problems = log.problems
    return out


def _existing(data: IntakeResult, uid: str, item: str) -> tuple[float | None, str | None]:
    """(points, reason) the period workbook holds for ``uid`` × ``item``."""
    fr = data.frame
    pts = fr.at[uid, judge_col(item)] if judge_col(item) in fr.columns and uid in fr.index else None
    why = fr.at[uid, why_col(item)] if why_col(item) in fr.columns and uid in fr.index else None
    return (None if pts is None or pd.isna(pts) else float(pts), None if why is None or pd.isna(why) else str(why))


# ------------------------------------------------------------------------------------------ merging
@dataclass(frozen=True)
class Change:
    unit_id: str
    item: str
    name: str
    before: tuple[float | None, str | None]  # (points, reason) in the period workbook before
    after: tuple[float, str]


@dataclass
class ReviewApplied:
    path: Path  # the period workbook written
    judgements: list[Judgement]
    changes: list[Change]  # new or changed entries (unchanged ones are not listed)
    problems: list[Problem]  # notes of the review workbook (errors stop before anything is written)


def apply_review(scheme: Scheme | str, review: str | os.PathLike, data: str | os.PathLike,
                 output: str | os.PathLike | None = None) -> ReviewApplied:
    """Merge the judgements of the filled review workbook ``review`` into the period workbook ``data``'s
    评审 sheet, written to ``output`` (default: ``data`` itself, replaced atomically).

    Raises :class:`InputError` listing every problem, located in the review workbook, when any is an
    error; nothing is written then."""
    from ..scheme import load_scheme

    s = load_scheme(scheme) if not isinstance(scheme, Scheme) else scheme
    data = Path(data)
    res = read_inputs(s, data)
    if not len(res.frame):
        raise InputError(f"数据文件 {data.name} 中没有单位", f"no units in {data}", problems=list(res.problems),
                         file=str(data))
    got = read_review(s, review, res)
    if got.errors:
        raise InputError(f"评审表 {Path(review).name} 有 {len(got.errors)} 处错误，未写入任何得分",
                         f"{len(got.errors)} errors in {review}; nothing written", problems=got.problems,
                         file=str(review), total=len(got.errors))
    raw = data.read_bytes()
    wb = editable(raw)
    if SHEET_JUDGE not in wb.sheetnames:
        raise InputError(f"数据文件 {data.name} 没有“{SHEET_JUDGE}”工作表", f"{data} has no {SHEET_JUDGE} sheet",
                         file=str(data), sheet=SHEET_JUDGE)
    # where each judgement goes, read from the file (the openpyxl workbook is only written: walking its
    # rows would create empty cells)
    g = open_source(data, raw, Log(str(data)), sheets=(SHEET_JUDGE,)).grids.get(SHEET_JUDGE) or Grid(SHEET_JUDGE, [])
    ws = wb[SHEET_JUDGE]
    cols = _judge_columns(ws, g)
    at: dict[tuple[str, str], int] = {}
    for r in range(2, g.n_rows + 1):
        key = (text(g.value(r, cols["unit_id"])), text(g.value(r, cols["item"])))
        if key[0] and key[1]:
            at.setdefault(key, r)
    changes = []
    last = max((r for r in range(1, g.n_rows + 1) if any(not is_blank(v) for v in g.rows[r - 1])), default=1)
    for jg in got.judgements:
        key = (jg.unit_id, jg.item)
        r = at.get(key)
        if r is None:
            last += 1
            r = at[key] = last
            put(ws, r, cols["unit_id"], jg.unit_id)
            put(ws, r, cols["item"], jg.item)
        before = _existing(res, jg.unit_id, jg.item)
        if before != (jg.points, jg.why):
            changes.append(Change(jg.unit_id, jg.item, jg.name, before, (jg.points, jg.why)))
        if is_blank(g.value(r, cols["name"])):
            put(ws, r, cols["name"], jg.name)
        if is_blank(g.value(r, cols["max"])):
            put(ws, r, cols["max"], jg.cap)
        put(ws, r, cols["points"], jg.points)
        put(ws, r, cols["why"], jg.why)
        put(ws, r, cols["assessor"], jg.assessor)
        c = put(ws, r, cols["reviewed"], dt.date.fromisoformat(jg.reviewed) if jg.reviewed and len(jg.reviewed) == 10
                else jg.reviewed)
        c.number_format = "yyyy-mm-dd"
    out = save_workbook(wb, Path(output) if output else data)
    _check_merged(s, out, got.judgements)
    return ReviewApplied(out, got.judgements, changes, [p for p in got.problems if p.severity != "error"])


def _judge_columns(ws: Any, g: Grid) -> dict[str, int]:
    """Column key -> column of the period workbook's 评审 sheet (its header ``g``'s first row); the
    columns it lacks are written into ``ws``'s header after its last one."""
    known = {**JUDGE_COLUMNS, **JUDGE_OPTIONAL}
    alias = {h: k for k, hs in known.items() for h in hs}
    head = list(g.rows[0]) if g.n_rows else []
    cols = {alias[text(v)]: j for j, v in enumerate(head, 1) if text(v) in alias}
    last = max([j for j, v in enumerate(head, 1) if not is_blank(v)] or [0])
    for k in ("unit_id", "item", "name", "max", "points", "why", "assessor", "reviewed"):
        if k not in cols:  # a sheet without the optional columns gets them, after the last one
            last += 1
            c = put(ws, 1, last, known[k][0])
            c.font, c.fill = BOLD, HEADER_FILL
            cols[k] = last
    return cols


def _check_merged(s: Scheme, path: Path, judgements: list[Judgement]) -> None:
    """The written workbook, read back as a report reads it, holds every judgement (a failure here is a
    bug of this module, never of the assessor's workbook)."""
    back = read_inputs(s, path)
    fr = back.frame
    lost = [j for j in judgements if judge_col(j.item) not in fr.columns or j.unit_id not in fr.index
            or not abs(float(fr.at[j.unit_id, judge_col(j.item)]) - j.points) <= 1e-9]
    if lost:
        raise XinyongError(f"写入后复核失败：{len(lost)} 个评审得分没有读回，请保留评审表并报告此问题",
                           f"merged workbook {path} lost {[(j.unit_id, j.item) for j in lost]}", file=str(path))
