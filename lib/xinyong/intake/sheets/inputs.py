"""The 输入 sheet (or a wide CSV): one row per unit, one column per input id, plus judge:/why: columns.

In a workbook the units come from the 单位 sheet and this sheet must agree with it; a CSV names its
units itself (unit_name, unit_kind columns).
"""
from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from ...scheme.values import BLANK, JUDGE, WHY, Coerced, checked, coerce, is_blank, is_percent
from ..cells import suggest, text, texts
from ..problems import col_letter
from ..sources import Cell, Grid
from ..template import INPUT_FIRST_DATA_ROW, UNIT_ID_HEADER, UNIT_ID_LABEL, UNIT_ID_RANGE
from .context import ReadContext

META = ("unit_name", "unit_kind")
_NUMBERS = {float, int, type(None)}
_TEXTS = {str, type(None)}
_FLOATS = {float}


def _columns(ctx: ReadContext, g: Grid, header: list[str], id_col: int) -> tuple[dict[int, str], dict[str, int]]:
    """Column number -> input id / unit_name / unit_kind / judge:… / why:…, and the reverse."""
    log, sheet = ctx.log, g.name
    choices = {i: i for i in ctx.cat}
    choices.update({spec.label: i for i, spec in ctx.cat.items()})
    cols: dict[int, str] = {}
    seen: dict[str, int] = {}
    for j, h in enumerate(header, 1):
        if j == id_col:
            continue
        if not h:
            if any(not is_blank(v) for v in g.column(j, list(range(2, g.n_rows + 1)))):
                log.error("该列有数据但第 1 行没有输入编号", "data in a column without an input id", sheet=sheet,
                          row=1, col=j, expected="输入编号")
            continue
        if h in seen:
            log.error(f"输入列“{h}”重复（{col_letter(seen[h])} 列已有）", f"duplicate column {h!r}", sheet=sheet,
                      row=1, col=j, input=h, value=h, expected="每个输入一列")
            continue
        ok = h in ctx.cat or h in META
        if h.startswith((JUDGE, WHY)):
            item = h.split(":", 1)[1]
            ok = item in ctx.judge_ids
            if not ok:
                near = suggest(item, {i: i for i in ctx.judge_ids})
                log.error(f"未知的评审条目“{item}”" + (f"（是否为“{near}”？）" if near else ""),
                          f"unknown judgement item in column {h!r}", sheet=sheet, row=1, col=j, input=h,
                          value=h, expected="酌情评分条目编号：" + "、".join(ctx.judge_ids))
                continue
        if not ok:
            near = suggest(h, choices)
            log.error(f"未知的输入列“{h}”" + (f"（是否为“{near}”？）" if near else ""),
                      f"unknown input column {h!r}" + (f"; did you mean {near!r}?" if near else ""),
                      sheet=sheet, row=1, col=j, input=h, value=h,
                      expected=f"本方案的输入编号（共 {len(ctx.cat)} 个，见 xinyong inputs {ctx.s.id}）")
            continue
        seen[h] = j
        cols[j] = h
    return cols, seen


def _read_cell(v: Any, spec: Any, pct_cell: bool) -> Coerced | None:
    """One cell of an input, read as :func:`coerce` reads it; None for a blank (NaN, nothing to say)."""
    kind_v = type(v)
    if (kind_v is float or kind_v is int) and spec.type != "bool" and not pct_cell:
        # a plain number: exactly what coerce() does with it, without its type dispatch
        x = float(v)
        return None if x != x else checked(x, spec)
    if is_blank(v):
        return None
    return coerce(v, spec, "0%" if pct_cell else "General")


def _columns_at_once(g: Grid, data_rows: list[int], numbers: list, pct_cells: set) -> tuple[list[np.ndarray], set[int]]:
    """Per input column, the value of every data row (NaN when blank or refused), and the positions of the
    rows holding a cell that is not plainly accepted: refused, noted, percent-formatted, or of a type
    other than blank, number or text. Those rows go through the per-cell reading, so every problem is
    found, worded and ordered as before. Numbers are checked vectorised (:func:`checked`'s rules); a text
    is read once per distinct text (:func:`coerce` depends on nothing else), and a column of texts is
    mapped to its values in C."""
    n = len(data_rows)
    unusual: set[int] = set()
    pct_cols = {j for _, j in pct_cells}
    out = []
    for j, h, spec, pct, _ in numbers:
        col = g.column(j, data_rows, exact=spec.type == "bool")
        if j in pct_cols:
            unusual.update(k for k, i in enumerate(data_rows) if (i, j) in pct_cells)
        if isinstance(col, np.ndarray):  # numbers only, NaN for blank (a sheet read by calamine): no ints
            kinds, col = _FLOATS, col.copy()
        else:
            kinds = set(map(type, col))
        if spec.type != "bool" and kinds <= _NUMBERS and \
                (int not in kinds or all(abs(v) < 2 ** 53 for v in col if type(v) is int)):
            got = np.array(col, dtype=float)  # None is NaN
            known = ~np.isnan(got)
            bad = known & ~np.isfinite(got)
            if spec.type == "integer":
                bad |= known & ~bad & (got != np.floor(got))
            if spec.min is not None:
                bad |= known & (got < spec.min)
            if spec.max is not None:
                bad |= known & (got > spec.max)
            unusual.update(np.flatnonzero(bad).tolist())
            got[bad] = np.nan
            out.append(got)
            continue
        if kinds <= _TEXTS:
            # each distinct text read once; the column mapped to values by a dict lookup per cell (in C)
            value_of: dict[Any, float] = {None: np.nan}
            odd: set[str] = set()
            for v in set(col):
                if v is None:
                    continue
                got_ = _read_cell(v, spec, False) or BLANK
                if got_.error or got_.note:
                    odd.add(v)
                    value_of[v] = np.nan
                else:
                    value_of[v] = got_.value
            x = np.fromiter(map(value_of.__getitem__, col), dtype=float, count=n)
            if odd:
                unusual.update(k for k, v in enumerate(col) if v in odd)
            out.append(x)
            continue
        x = np.full(n, np.nan)
        seen: dict[str, Coerced] = {}
        for k, v in enumerate(col):
            if v is None:
                continue
            t = type(v)
            if t is str:
                got_ = seen.get(v)
                if got_ is None:
                    got_ = seen[v] = _read_cell(v, spec, False) or BLANK
            elif t is float or t is int:
                got_ = _read_cell(v, spec, False) or BLANK
            else:
                unusual.add(k)
                continue
            if got_.error or got_.note:
                unusual.add(k)
            else:
                x[k] = got_.value
        out.append(x)
    return out, unusual


def _first_data_row(g: Grid, id_col: int) -> int:
    """The template's label and range rows under the header are not data."""
    if text(g.value(2, id_col)) == UNIT_ID_LABEL:
        return 4 if text(g.value(3, id_col)) == UNIT_ID_RANGE else 3
    return INPUT_FIRST_DATA_ROW if g.name is not None else 2


def read_inputs_sheet(ctx: ReadContext, g: Grid, units_sheet: bool) -> None:
    """The 输入 sheet ``g`` (or a CSV, when not ``units_sheet``) into ``ctx``: the values a column at a
    time, the rows that need it read cell by cell, every problem logged at its cell."""
    log, sheet = ctx.log, g.name
    if not g.rows:
        log.error("输入表为空", "the inputs sheet is empty", sheet=sheet, row=1,
                  expected="第 1 行为输入编号（unit_id 及各输入）")
        return
    header = [text(g.value(1, j)) for j in range(1, g.width + 1)]
    id_col = next((j for j, h in enumerate(header, 1) if h in (UNIT_ID_HEADER, UNIT_ID_LABEL)), None)
    if id_col is None:
        log.error("缺少单位编号列（第 1 行应有 unit_id）", "no unit_id column in the header row", sheet=sheet, row=1,
                  col=1, value=header[0] if header else None, expected=UNIT_ID_HEADER)
        return
    cols, seen = _columns(ctx, g, header, id_col)
    absent = [i for i in ctx.cat if i not in seen]
    if absent and len(absent) < len(ctx.cat):
        log.note(f"缺少 {len(absent)} 个输入列，这些输入按缺失处理：" + "、".join(absent[:20]) + ("…" if len(absent) > 20 else ""),
                 f"{len(absent)} input columns absent (treated as missing)", sheet=sheet, row=1,
                 value=None, expected="、".join(absent))
    _InputsSheet(ctx, g, units_sheet, id_col, cols, seen).read()


class _InputsSheet:
    """One 输入 sheet past its header: the columns planned once, then the values, then the notes."""

    def __init__(self, ctx: ReadContext, g: Grid, units_sheet: bool, id_col: int, cols: dict[int, str],
                 seen: dict[str, int]):
        self.ctx, self.g, self.units_sheet, self.id_col, self.seen = ctx, g, units_sheet, id_col, seen
        # per column, once: what it holds (0 unit name/kind, 1 judgement, 2 input), its spec and range text
        plan = [(j, h, 0 if h in META else 1 if h.startswith((JUDGE, WHY)) else 2, ctx.cat.get(h)) for j, h in cols.items()]
        self.plan = [(j, h, kind, spec, spec is not None and is_percent(spec),
                      spec.range_text() if spec is not None else None) for j, h, kind, spec in plan]
        self.numbers = [(j, h, spec, pct, expected) for j, h, what, spec, pct, expected in self.plan if what == 2]
        self.others = [e for e in self.plan if e[2] != 2]
        self.data_rows = list(g.row_numbers(_first_data_row(g, id_col)))
        self.rows_of: dict[str, int] = {}
        self.raw_judge: dict[tuple[str, str], dict[str, Any]] = {}
        self.noted: set[tuple[int, str]] = set()  # (data-row position, input) of cells read with a note

    def read(self) -> None:
        ctx, g, numbers, data_rows = self.ctx, self.g, self.numbers, self.data_rows
        ctx.input_at = (g.name, data_rows, {h: j for j, h, _, _, _ in numbers})
        # column at a time: each cell's value, and which rows hold a cell that needs the per-cell path (one
        # that is refused or noted, or anything but a blank, a plain number or a text seen before)
        cols, unusual = _columns_at_once(g, data_rows, numbers, g.percent)
        n = len(data_rows)
        for _, h, _, _, _ in numbers:
            ctx.value_cols.setdefault(h, np.full(n, np.nan))
        self.rows(unusual)
        # the values read a column at a time, for the accepted rows none of whose cells was read one by one
        plain = np.zeros(n, dtype=bool)
        plain[list(ctx.value_row.values())] = True
        plain[list(unusual)] = False
        for (_, h, _, _, _), x in zip(numbers, cols):
            ctx.value_cols[h][plain] = x[plain]
        self.fraction_notes()
        for (uid, item), d in self.raw_judge.items():
            pc, pj = d.get("points", (Cell(None), None))
            wc, wj = d.get("why", (Cell(None), None))
            ctx.judge_entry(uid, item, pc, wc, g.name, d["row"], pj, wj, None)
        if self.units_sheet:
            for uid in ctx.units:
                if uid not in self.rows_of and uid not in ctx.unreported:
                    ctx.log.note("“输入”表中没有该单位的行，全部输入按缺失处理", f"unit {uid!r} has no row in the inputs sheet",
                                 sheet=g.name, unit=uid, value=uid, expected="每个单位一行")

    def rows(self, unusual: set[int]) -> None:
        """Each data row: its unit checked, and read cell by cell when it needs to be."""
        ctx, g = self.ctx, self.g
        uids = texts(g.column(self.id_col, self.data_rows))
        # a row needs nothing but its place when its unit is new, known and reported and every cell of it was
        # plainly accepted above (no judgement or unit name/kind columns to check): no problem can come of it,
        # so it is not built (a sheet read by calamine builds only the rows the loop below reads)
        fast = self.units_sheet and not self.others
        for k, i in enumerate(self.data_rows):
            uid = uids[k]
            if fast and uid and uid not in self.rows_of and uid in ctx.units and uid not in ctx.unreported \
                    and k not in unusual:
                self.rows_of[uid] = i
                ctx.value_row[uid] = k
                continue
            row = g.rows[i - 1]
            if self.unit(uid, i, row):
                ctx.value_row[uid] = k
                self.cells(uid, k, i, row, self.plan if k in unusual else self.others)

    def unit(self, uid: str, i: int, row: tuple[Any, ...]) -> bool:
        """Whether row ``i`` is read: a unit id, seen once, known, reported (a CSV's unit recorded)."""
        ctx, sheet, id_col = self.ctx, self.g.name, self.id_col
        log = ctx.log
        if not uid:
            log.error("单位编号为空，但该行有数据", "data row without a unit id", sheet=sheet, row=i, col=id_col,
                      expected="单位编号")
            return False
        if uid in self.rows_of:
            log.error(f"单位编号“{uid}”重复（第 {self.rows_of[uid]} 行已有）", f"duplicate unit id {uid!r}", sheet=sheet,
                      row=i, col=id_col, unit=uid, value=uid, expected="每个单位一行")
            return False
        self.rows_of[uid] = i
        if self.units_sheet and uid not in ctx.units:
            near = difflib.get_close_matches(uid, list(ctx.units), n=1, cutoff=0.6)
            log.error(f"单位编号“{uid}”不在“单位”表中" + (f"（是否为“{near[0]}”？）" if near else ""),
                      f"unknown unit id {uid!r}", sheet=sheet, row=i, col=id_col, unit=uid, value=uid,
                      expected="“单位”表中的单位编号")
            return False
        if uid in ctx.unreported:
            # a 未报送 unit has no data; a filled row contradicts the 单位 sheet, and only a person knows which is true
            filled = [j for j, h, what, *_ in self.plan if what != 0 and j <= len(row) and not is_blank(row[j - 1])]
            if filled:
                log.error("该单位在“单位”表中标为“未报送”，但“输入”表有它的数据", f"unit {uid!r} is marked unreported "
                          "but has values in the inputs sheet", sheet=sheet, row=i, col=filled[0], unit=uid,
                          value=row[filled[0] - 1], expected="删去该行的数据，或把“单位”表的报送状态改为“已报送”")
            return False
        return self.units_sheet or self.csv_unit(uid, i)

    def csv_unit(self, uid: str, i: int) -> bool:
        """A CSV names its units itself: the id, name and kind on row ``i`` checked and recorded."""
        ctx, g, sheet, seen = self.ctx, self.g, self.g.name, self.seen
        name = text(g.value(i, seen["unit_name"])) if "unit_name" in seen else ""
        if not ctx.clean_text(uid, "单位编号", "unit id", sheet, i, self.id_col):
            return False
        if name and not ctx.clean_text(name, "单位名称", "unit name", sheet, i, seen["unit_name"], uid):
            name = ""
        kj = seen.get("unit_kind")
        kind_raw = text(g.value(i, kj)) if kj else ""
        if kind_raw and not ctx.s.unit_kinds and not ctx.clean_text(kind_raw, "单位类型", "unit kind", sheet, i,
                                                                    kj, uid):
            kind_raw = ""  # free text (the scheme names no kinds), shown in the reports
        kind = ctx.check_kind(kind_raw, sheet, i, kj or self.id_col, uid) if (kj or ctx.s.unit_kinds) else ""
        ctx.units[uid] = {"unit_name": name or None, "unit_kind": kind or None, "row": i}
        return True

    def cells(self, uid: str, k: int, i: int, row: tuple[Any, ...], plan: list) -> None:
        """The cells of row ``i`` (data-row position ``k``) in ``plan``, one by one."""
        ctx, g, sheet = self.ctx, self.g, self.g.name
        log, width = ctx.log, len(row)
        for j, h, what, spec, pct, expected in plan:
            v = row[j - 1] if j <= width else None
            if what == 0:
                if self.units_sheet and not is_blank(v):
                    known = ctx.units[uid].get(h) or ""
                    if text(v) != known:
                        log.error(f"与“单位”表不一致：“单位”表为“{known}”", f"{h} differs from the units sheet",
                                  sheet=sheet, row=i, col=j, unit=uid, input=h, value=v, expected=known)
                continue
            if what == 1:
                item = h.split(":", 1)[1]
                self.raw_judge.setdefault((uid, item), {"row": i})["why" if h.startswith(WHY) else "points"] = \
                    (g.cell(i, j), j)
                continue
            got = _read_cell(v, spec, (i, j) in g.percent)
            if got is None:
                ctx.value_cols[h][k] = np.nan
                continue
            if got.error:
                log.error(f"“{spec.label}”：{got.error}", f"{h}: {got.detail}", sheet=sheet, row=i, col=j, unit=uid,
                          input=h, value=v, expected=expected)
            elif got.note:
                self.noted.add((k, h))
                log.note(f"“{spec.label}”：{got.note}", f"{h}: {got.detail}", sheet=sheet, row=i, col=j, unit=uid,
                         input=h, value=v, expected=expected)
            ctx.value_cols[h][k] = got.value

    def fraction_notes(self) -> None:
        """Percent inputs written as fractions among percent numbers, noted in the order the per-cell
        reading met them."""
        ctx, g, data_rows = self.ctx, self.g, self.data_rows
        accepted = np.zeros(len(data_rows), dtype=bool)
        accepted[list(ctx.value_row.values())] = True
        firsts = []
        for pos, (j, h, spec, pct, _) in enumerate(self.numbers):
            if not pct:
                continue
            x = ctx.value_cols[h]
            keep = accepted & (x == x)
            for k, hh in self.noted:
                if hh == h:
                    keep[k] = False
            ks = np.flatnonzero(keep)
            if len(ks):
                firsts.append((int(ks[0]), pos, j, h, ks))
        uid_at: dict[int, str] | None = None
        for _, _, j, h, ks in sorted(firsts):
            x = ctx.value_cols[h][ks]
            if not (x > 1).any():
                continue
            spec = ctx.cat[h]
            if uid_at is None:
                uid_at = {k: u for u, k in ctx.value_row.items()}
            for k in ks[(x > 0) & (x < 1)].tolist():
                i, xk = data_rows[k], float(ctx.value_cols[h][k])
                ctx.log.note(f"“{spec.label}”：{xk:g} 可能是小数形式（百分比按百分数填写，95% 应填 95）；未作改动",
                             f"{h}: {xk:g} looks like a fraction while other values are percent numbers; left as is",
                             sheet=g.name, row=i, col=j, unit=uid_at[k], input=h, value=g.value(i, j),
                             expected=spec.range_text())
