"""The optional 报送情况 sheet: which unit sent which file, when, with how many problems.

Written by whoever merges the units' submissions into the period workbook, read for the overview only:
nothing in it changes a score. Its columns (单位编号, 单位名称, 报送状态, 文件名, 收到时间, SHA-256, 错误数,
问题摘要) become ``unit_id, unit_name, status, file, received, sha256, n_errors, summary``.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..cells import text
from ..sources import Grid
from ..template import RECEIPT_COLUMNS
from .context import ReadContext


def _when(v) -> str | None:
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    return text(v) or None


def read_receipts(ctx: ReadContext, g: Grid) -> pd.DataFrame:
    cols = ctx.headers(g, RECEIPT_COLUMNS, ("unit_id",))
    rows = []
    if "unit_id" in cols:
        for i in g.row_numbers(2):
            get = {k: g.value(i, j) for k, j in cols.items()}
            n = get.get("n_errors")
            n_txt = text(n)
            if n_txt and not n_txt.isdigit():
                ctx.log.note(f"错误数“{n_txt}”不是整数，按未知处理", f"n_errors {n_txt!r} is not an integer",
                             sheet=g.name, row=i, col=cols["n_errors"], value=n, expected="0 或正整数")
            rows.append({"unit_id": text(get.get("unit_id")) or None, "unit_name": text(get.get("unit_name")) or None,
                         "status": text(get.get("status")) or None, "file": text(get.get("file")) or None,
                         "received": _when(get.get("received")), "sha256": text(get.get("sha256")) or None,
                         "n_errors": int(n_txt) if n_txt.isdigit() else None,
                         "summary": text(get.get("summary")) or None})
    return pd.DataFrame(rows, columns=list(RECEIPT_COLUMNS), dtype=object)
