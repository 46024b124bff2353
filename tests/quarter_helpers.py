"""Filling a unit's split submission workbook (``xinyong template --split``) as the unit would, shared by
tests/test_collect.py and tests/test_quarter.py.

The split workbook has the unit's one row on 输入 row 4 (rows 1–3: ids, labels, units) and prefilled
evidence rows on 证据 (条目编号, 单位编号, 文件标题, 文件名或链接, 日期, …).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable, Mapping

import openpyxl
import pandas as pd

from xinyong.intake.template import save_workbook

T0 = dt.datetime(2022, 7, 1, 9, 0, 0)
INPUT_ROW = 4  # the unit's row on the split workbook's 输入 sheet


def fill_return(scheme, template: Path, values: Mapping[str, object], dest: Path, stamp=T0,
                evidence: Iterable[tuple[int, str, str]] = ()) -> Path:
    """Fill the split workbook ``template`` with ``values`` (input id → value; booleans written 是/否 as a
    person types them, ``None``/NaN left blank, a string written as typed) and the ``evidence`` rows
    (证据 row, 文件标题, 文件名或链接; dated 2022-06-30); save it under ``dest`` (folders made)."""
    wb = openpyxl.load_workbook(template)
    ws = wb["输入"]
    for j in range(2, ws.max_column + 1):
        i = ws.cell(1, j).value
        if i not in values:
            continue
        x = values[i]
        if x is None or (not isinstance(x, str) and pd.isna(x)):
            continue
        if scheme.input_catalogue[i].type == "bool" and not isinstance(x, str):
            x = "是" if x else "否"
        ws.cell(INPUT_ROW, j, x)
    ev = wb["证据"]
    for row, title, link in evidence:
        ev.cell(row, 3, title), ev.cell(row, 4, link), ev.cell(row, 5, "2022-06-30")
    dest.parent.mkdir(parents=True, exist_ok=True)
    return save_workbook(wb, dest, stamp=stamp)


def input_column(template: Path, input_id: str) -> str:
    """The column letter of ``input_id`` on the split workbook's 输入 sheet."""
    ws = openpyxl.load_workbook(template, read_only=True)["输入"]
    heads = next(ws.iter_rows(max_row=1, values_only=True))
    return openpyxl.utils.get_column_letter(list(heads).index(input_id) + 1)
