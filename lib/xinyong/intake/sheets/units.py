"""The 单位 sheet: one row per unit (id, name, kind, and optionally whether it reported this period)."""
from __future__ import annotations

from ..cells import texts
from ..sources import Grid
from ..template import REPORTED, UNIT_COLUMNS, UNREPORTED
from .context import ReadContext


def read_units(ctx: ReadContext, g: Grid) -> None:
    cols = ctx.headers(g, UNIT_COLUMNS, ("unit_id",))
    if "unit_id" not in cols:
        return
    rows = list(g.row_numbers(2))
    # a column at a time (a sheet of 100,000 units read by calamine builds no row)
    blank = [""] * len(rows)
    uids, names, kinds, statuses = (texts(g.column(cols[c], rows)) if c in cols else blank
                                    for c in ("unit_id", "unit_name", "unit_kind", "status"))
    for i, uid, name, kind_raw, status in zip(rows, uids, names, kinds, statuses):
        if not uid:
            ctx.log.error("单位编号为空", "blank unit id", sheet=g.name, row=i, col=cols["unit_id"],
                          value=name or None, expected="唯一的单位编号")
            continue
        if not ctx.clean_text(uid, "单位编号", "unit id", g.name, i, cols["unit_id"]):
            continue
        if name and not ctx.clean_text(name, "单位名称", "unit name", g.name, i, cols["unit_name"], uid):
            name = ""  # the error stands; the name is not carried into any output
        kind_col = cols.get("unit_kind", "C")
        if kind_raw and not ctx.s.unit_kinds and not ctx.clean_text(kind_raw, "单位类型", "unit kind", g.name, i,
                                                                    kind_col, uid):
            kind_raw = ""  # free text (the scheme names no kinds), shown in the reports
        if uid in ctx.units:
            ctx.log.error(f"单位编号“{uid}”重复（第 {ctx.units[uid]['row']} 行已有）", f"duplicate unit id {uid!r}",
                          sheet=g.name, row=i, col=cols["unit_id"], unit=uid, value=uid, expected="每个单位一行")
            continue
        kind = ctx.check_kind(kind_raw, g.name, i, cols.get("unit_kind", "C"), uid)
        ctx.units[uid] = {"unit_name": name or None, "unit_kind": kind or None, "row": i}
        if status == UNREPORTED:
            ctx.unreported[uid] = i
        elif status not in ("", REPORTED):
            ctx.log.error(f"报送状态“{status}”无法识别", f"unknown report status {status!r}", sheet=g.name, row=i,
                          col=cols["status"], unit=uid, value=status, expected=f"{REPORTED}、{UNREPORTED}或留空（视为{REPORTED}）")
