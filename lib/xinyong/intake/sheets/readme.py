"""The 说明 sheet: which scheme the workbook is for, and its period."""
from __future__ import annotations

from ..cells import text
from ..sources import Grid
from ..template import META_PERIOD, META_SCHEME
from .context import ReadContext

README_ROWS = 30  # the metadata sits at the top; the read-me text below is not read


def read_readme(ctx: ReadContext, g: Grid) -> None:
    for i in range(1, min(g.n_rows, README_ROWS) + 1):
        key, val = text(g.value(i, 1)), text(g.value(i, 2))
        if key == META_SCHEME and val and val != ctx.s.id:
            ctx.log.error(f"该文件是方案“{val}”的填报表，不能按方案“{ctx.s.id}”校验",
                          f"workbook is for scheme {val!r}, not {ctx.s.id!r}", sheet=g.name, row=i, col=2,
                          value=val, expected=ctx.s.id)
        if key == META_PERIOD and val:
            ctx.period = val
