"""Turn what the caller passes to ``score`` into a clean wide frame, or say every problem at once."""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..scheme.model import InputSpec, Scheme
from ..scheme.values import FALSE_WORDS, JUDGE, RESERVED, TRUE_WORDS, WHY, coerce_column, judge_col, why_col  # noqa: F401


def to_wide(inputs: pd.DataFrame) -> pd.DataFrame:
    """Accept wide (one row per unit) or long (unit, input, value) frames; index = unit id (str)."""
    df = inputs
    cols = set(df.columns)
    if {"unit", "input", "value"} <= cols and len(cols - {"unit", "input", "value", "unit_name", "unit_kind", "period"}) == 0:
        meta_cols = [c for c in ("unit_name", "unit_kind", "period") if c in cols]
        wide = df.pivot_table(index="unit", columns="input", values="value", aggfunc="first")
        wide.columns.name = None
        if meta_cols:
            meta = df.groupby("unit")[meta_cols].first()
            wide = wide.join(meta)
        df = wide
    else:
        df = df.copy()
        if "unit_id" in df.columns:
            df = df.set_index("unit_id")
    df.index = df.index.map(lambda x: str(x).strip())
    df.index.name = "unit_id"
    return df


def _blank(values: np.ndarray) -> np.ndarray:
    """Which reasons are blank: missing (None, NaN, NA), or nothing but spaces once read as text (as
    ``astype("string").str.strip() == ""`` says). One pass over the entered scores' reasons only."""
    return np.array([bool(pd.isna(v)) or str(v).strip() == "" for v in values], dtype=bool)


def _clean_numbers(df: pd.DataFrame, cat: Mapping[str, InputSpec]) -> dict[str, np.ndarray]:
    """The catalogue's plain-number columns (numpy float/int dtype) that :func:`coerce_column` would take
    whole, refusing nothing: checked together as one block, exactly by its rules (0/1 for a yes/no input;
    else finite, whole for an integer, within [min, max]). A column with any value to refuse is left out,
    for ``coerce_column`` to say what is wrong with each value. One block instead of ~100 columns one by
    one: the pandas calls per column were most of what ``score()`` cost on a few units."""
    if df.columns.has_duplicates:
        return {}
    cols = [c for c, dt in df.dtypes.items() if c in cat and isinstance(dt, np.dtype) and dt.kind in "fiu"]
    if not cols:
        return {}
    x = df[cols].to_numpy(dtype=float, copy=True)
    specs = [cat[c] for c in cols]
    is_bool = np.array([sp.type == "bool" for sp in specs])
    is_int = np.array([sp.type == "integer" for sp in specs])
    lo = np.array([sp.min if sp.min is not None else -np.inf for sp in specs], dtype=float)
    hi = np.array([sp.max if sp.max is not None else np.inf for sp in specs], dtype=float)
    known = ~np.isnan(x)
    with np.errstate(invalid="ignore"):
        bad_bool = known & (x != 0.0) & (x != 1.0)
        bad_num = known & (~np.isfinite(x) | (is_int & (x != np.floor(x))) | (x < lo) | (x > hi))
    bad = np.where(is_bool, bad_bool, bad_num).any(axis=0)
    return {c: x[:, j].copy() for j, c in enumerate(cols) if not bad[j]}


def _judgement(df: pd.DataFrame, col: str, item_id: str, caps, unit_kinds: list[str] | None,
               problems: list[Problem]) -> tuple[np.ndarray, pd.Series]:
    """An assessor's points for one item (column ``judge:<item>``) and their reasons: a score above the
    cap for the unit's kind, or without a reason, is a problem (and NaN); (points, reasons)."""
    if isinstance(caps, Mapping):
        unit_cap = np.array([float(caps.get(k, caps.get("", max(caps.values())))) for k in unit_kinds])
    else:
        unit_cap = np.full(len(df), float(caps))
    spec = InputSpec(id="judge", label=f"{item_id} 评审得分", type="number", min=0,
                     max=float(unit_cap.max()) if len(unit_cap) else 0.0)
    whys = df[why_col(item_id)] if why_col(item_id) in df.columns else pd.Series(pd.NA, index=df.index)
    vals, refused = coerce_column(df[col], spec)
    errs = [(u, v, got.error) for u, v, got in refused]
    for k in np.flatnonzero(~np.isnan(vals) & (vals > unit_cap + 1e-9)):
        errs.append((df.index[k], df[col].iloc[k], "超出允许范围"))
        vals[k] = np.nan
    given = np.flatnonzero(~np.isnan(vals))  # only an entered score needs its reason
    for k in given[_blank(whys.to_numpy(dtype=object)[given])]:
        errs.append((df.index[k], df[col].iloc[k], "评审得分缺少理由说明"))
        vals[k] = np.nan
    cap_of = dict(zip(df.index, unit_cap))
    for u, v, err in errs:
        err = "评审得分超出 [0, 满分]" if err == "超出允许范围" else err
        problems.append(Problem(
            f"条目 {item_id} 的评审得分无效：{err}", f"invalid judgement for {item_id}: {err}",
            unit=u, input=col, column=col, value=v, expected=f"[0, {cap_of.get(u, unit_cap.max()):g}] 并填写理由"))
    return vals, whys


def prepare(scheme: Scheme, inputs: pd.DataFrame, judge_max: Mapping[str, float | Mapping[str, float]]) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(numeric frame, meta frame, ignored columns). Raises InputError listing every problem.

    ``judge_max`` maps a judgement item to its cap, or to caps per unit kind (key ``""`` for units of
    no variant kind): a 开发区 judged on a variant's own maximum is checked against that maximum.
    """
    df = to_wide(inputs)
    problems: list[Problem] = []
    if df.index.has_duplicates:
        for u in df.index[df.index.duplicated()].unique():
            problems.append(Problem("单位编号重复", f"duplicate unit id {u!r}", unit=u, column="unit_id",
                                    value=u, expected="每个单位一行"))
    cat = scheme.input_catalogue
    meta = pd.DataFrame(index=df.index)
    for c in RESERVED:
        meta[c] = df[c].astype("string") if c in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
    num = {}
    ignored = []
    clean = _clean_numbers(df, cat)
    why_cols: dict[str, pd.Series] = {}  # joined to meta at the end: one concat, not a column insert each
    unit_kinds = None  # read once, when a judgement's cap depends on the unit's kind
    for col in df.columns:
        if col in RESERVED:
            continue
        if col in clean:
            num[col] = clean[col]
        elif col in cat:
            spec = cat[col]
            vals, errs = coerce_column(df[col], spec)
            for u, v, got in errs:
                problems.append(Problem(
                    f"输入“{spec.label}”的值无效：{got.error}", f"invalid value for {col}: {got.detail}",
                    unit=u, input=col, column=col, value=v, expected=spec.range_text()))
            num[col] = vals
        elif col.startswith(JUDGE):
            item_id = col[len(JUDGE):]
            if item_id not in judge_max:
                ignored.append(col)
                continue
            caps = judge_max[item_id]
            if isinstance(caps, Mapping) and unit_kinds is None:
                unit_kinds = meta["unit_kind"].fillna("").astype(str).tolist()
            num[col], why_cols[why_col(item_id)] = _judgement(df, col, item_id, caps, unit_kinds, problems)
        elif col.startswith(WHY):
            continue
        else:
            ignored.append(col)
    if problems:
        raise InputError(f"输入数据有 {len(problems)} 处问题，无法计分", f"{len(problems)} invalid input values",
                         problems=problems)
    if why_cols:
        meta = pd.concat([meta, pd.DataFrame(why_cols, index=df.index).astype("string")], axis=1)
    frame = pd.DataFrame(num, index=df.index, dtype=float)
    # Every declared input and judgement column exists (NaN = missing), so rules can index them.
    missing_cols = [c for c in cat if c not in frame.columns] + [judge_col(i) for i in judge_max if judge_col(i) not in frame.columns]
    if missing_cols:
        frame = pd.concat([frame, pd.DataFrame(np.nan, index=frame.index, columns=missing_cols)], axis=1)
    return frame, meta, ignored
