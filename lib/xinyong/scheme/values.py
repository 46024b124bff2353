"""How a value of an input is written: the words read as yes/no, and the columns that carry an
assessor's points and reasons; and :func:`coerce`, the one reading of a value for an input. The
scheme's input language, shared by intake (workbooks, CSV) and scoring (DataFrames), so both read a
cell the same way.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .model import InputSpec

RESERVED = ("unit_name", "unit_kind", "period")
JUDGE = "judge:"
WHY = "why:"
TRUE_WORDS = {"是", "有", "y", "yes", "true", "t", "1", "√", "✓"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "f", "0", "×", "✗"}


def judge_col(item_id: str) -> str:
    """The column of an assessor's points for an item."""
    return f"{JUDGE}{item_id}"


def why_col(item_id: str) -> str:
    """The column of an assessor's reason for an item."""
    return f"{WHY}{item_id}"


# ------------------------------------------------------------------------------------------ coercion
# One coercer for every way a value arrives: a workbook cell, a CSV field (always text), a DataFrame
# value. Workbook cells also pass their number format, so a percent-formatted 0.95 reads as 95.
THOUSANDS = re.compile(r"^[+-]?\d{1,3}([,，]\d{3})+(\.\d+)?$")
PERCENT_SIGNS = ("%", "％")


def is_percent(spec: InputSpec) -> bool:
    """Percent inputs are stored in percent (95 = 95%); a ``number`` with unit % follows the same rule."""
    return spec.type == "percent" or (spec.type == "number" and spec.unit.strip() in PERCENT_SIGNS)


def is_blank(v: Any) -> bool:
    """Nothing entered: None, NaN, NA/NaT, or whitespace. A blank is missing, never 0."""
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, np.floating):
        return bool(np.isnan(v))
    return v is pd.NA or v is pd.NaT


@dataclass(frozen=True)
class Coerced:
    """A value read for an input: the number (NaN when blank or refused), and why it was refused or
    what was done to it. ``error``/``note`` are Chinese; ``detail`` is the English beside them."""

    value: float
    error: str | None = None
    note: str | None = None
    detail: str | None = None


BLANK = Coerced(math.nan)


def _refuse(error: str, detail: str) -> Coerced:
    return Coerced(math.nan, error, None, detail)


def coerce(v: Any, spec: InputSpec, fmt: str = "General") -> Coerced:
    """Read ``v`` for ``spec``. ``fmt`` is a workbook cell's number format ("General" otherwise).

    Rules: yes/no inputs take the yes/no words or 0/1; numbers refuse yes/no values and dates; a % sign
    (or a percent-formatted cell) only in percent inputs; thousands separators only in proper groups
    (1,000 — not 1,00); the value must be finite, whole for integer inputs, and within [min, max].
    """
    if is_blank(v):
        return BLANK
    if spec.type == "bool":
        if isinstance(v, (bool, np.bool_)):
            return Coerced(float(v))
        if isinstance(v, (int, float, np.integer, np.floating)) and float(v) in (0.0, 1.0):
            return Coerced(float(v))
        s = str(v).strip().lower()
        if s in TRUE_WORDS:
            return Coerced(1.0)
        if s in FALSE_WORDS:
            return Coerced(0.0)
        return _refuse("应填“是”或“否”", "expected yes/no")
    if isinstance(v, (bool, np.bool_)):
        return _refuse("应为数值，不是是/否", "boolean in a number column")
    if isinstance(v, (dt.datetime, dt.date, dt.time, np.datetime64, pd.Timestamp)):
        return _refuse("应为数值，不是日期", "date in a number column")
    note = detail = None
    pct = is_percent(spec)
    if isinstance(v, (int, float, np.integer, np.floating)):
        x = float(v)
        if "%" in (fmt or ""):
            if not pct:
                return _refuse("该输入不是百分比，但单元格为百分比格式", "percent-formatted cell in a non-percent column")
            x = round(x * 100, 10)
            note, detail = f"单元格为百分比格式，已按 {x:g}% 读取为 {x:g}", "percent-formatted cell read as percent number"
    else:
        s = str(v).strip().replace("\u3000", "")
        if s.endswith(PERCENT_SIGNS):
            if not pct:
                return _refuse("该输入不是百分比，不应带 % 号", "percent sign in a non-percent column")
            s = s[:-1].strip()
            note, detail = f"“{v}”按百分数读取为 {s}", "percent sign accepted"
        if THOUSANDS.match(s):
            s = s.replace(",", "").replace("，", "")
            note, detail = f"“{v}”含千位分隔符，读取为 {s}", "thousands separator accepted"
        try:
            x = float(s)
        except ValueError:
            return _refuse(f"应为数值，“{v}”不是数字", "text in a number column")
    return checked(x, spec, note, detail)


def checked(x: float, spec: InputSpec, note: str | None = None, detail: str | None = None) -> Coerced:
    """The checks every number passes (finite, whole for integers, within [min, max]); also the fast
    path for a plain number of a number input, which needs none of :func:`coerce`'s conversions."""
    if not math.isfinite(x):
        return _refuse("应为有限数值", "not finite")
    if spec.type == "integer" and not x.is_integer():
        return _refuse("应为整数", "not an integer")
    if (spec.min is not None and x < spec.min) or (spec.max is not None and x > spec.max):
        return _refuse("超出允许范围", "out of range")
    return Coerced(x, None, note, detail)


def coerce_column(col: pd.Series, spec: InputSpec) -> tuple[np.ndarray, list[tuple[Any, Any, Coerced]]]:
    """:func:`coerce` over a column: (numbers, [(index label, value, refusal)]). Refused values are NaN.

    A column of plain numbers is checked vectorised, with exactly :func:`coerce`'s rules; any other
    column goes value by value (text, mixed objects, booleans, dates).
    """
    n = len(col)
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        x = col.astype(float).to_numpy(copy=True)
        known = ~np.isnan(x)
        if spec.type == "bool":
            bad = known & ~np.isin(x, (0.0, 1.0))
        else:
            bad = known & ~np.isfinite(x)
            if spec.type == "integer":
                bad |= known & ~bad & (x != np.floor(x))
            lo = (x < spec.min) if spec.min is not None else np.zeros(n, dtype=bool)
            hi = (x > spec.max) if spec.max is not None else np.zeros(n, dtype=bool)
            bad |= known & (lo | hi)
        errs = []
        for k in np.flatnonzero(bad):
            got = coerce(float(x[k]), spec)
            errs.append((col.index[k], col.iloc[k], got))
        x[bad] = np.nan
        return x, errs
    x = np.full(n, np.nan)
    errs = []
    for k, v in enumerate(col.tolist()):
        got = coerce(v, spec)
        if got.error:
            errs.append((col.index[k], col.iloc[k], got))
        else:
            x[k] = got.value
    return x, errs
