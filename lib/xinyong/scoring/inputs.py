"""Turn what the caller passes to ``score`` into a clean wide frame, or say every problem at once."""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..scheme.model import InputSpec, Scheme
from ..scheme.values import FALSE_WORDS, JUDGE, RESERVED, TRUE_WORDS, WHY, judge_col, why_col  # noqa: F401


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


def _is_blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str) and not v.strip():
        return True
    return v is pd.NA or v is pd.NaT


def coerce_value(v: Any, spec: InputSpec) -> tuple[float, str | None]:
    """(number, error message or None). Blank gives NaN (missing), never 0."""
    if _is_blank(v):
        return np.nan, None
    if spec.type == "bool":
        if isinstance(v, (bool, np.bool_)):
            return float(v), None
        s = str(v).strip().lower()
        if s in TRUE_WORDS:
            return 1.0, None
        if s in FALSE_WORDS:
            return 0.0, None
        if isinstance(v, (int, float, np.integer, np.floating)) and float(v) in (0.0, 1.0):
            return float(v), None
        return np.nan, "应为 是/否（1/0）"
    if isinstance(v, (bool, np.bool_)):
        return np.nan, "应为数值，不是是/否"
    if isinstance(v, str):
        s = v.strip().replace(",", "").replace("，", "")
        if spec.type == "percent" and s.endswith("%"):
            s = s[:-1]
        try:
            x = float(s)
        except ValueError:
            return np.nan, "应为数值"
    else:
        try:
            x = float(v)
        except (TypeError, ValueError):
            return np.nan, "应为数值"
    if not math.isfinite(x):
        return np.nan, "应为有限数值"
    if spec.type == "integer" and x != int(x):
        return np.nan, "应为整数"
    return x, None


def coerce_column(col: pd.Series, spec: InputSpec) -> tuple[np.ndarray, list[tuple[Any, Any, str]]]:
    """Vectorised coercion of one column; only values that are not plain numbers go one by one."""
    if pd.api.types.is_bool_dtype(col.dtype):
        x = col.astype(float).to_numpy(copy=True)
        bad = np.zeros(len(x), dtype=bool)
        reasons = {}
        if spec.type != "bool":
            bad[:] = True
            reasons = {k: "应为数值，不是是/否" for k in range(len(x))}
    else:
        x = pd.to_numeric(col, errors="coerce").astype(float).to_numpy(copy=True)
        bad = np.zeros(len(x), dtype=bool)
        reasons: dict[int, str] = {}
        # values that are not numbers: strings like "95%", "是", "三件" — coerce one by one
        slow = np.flatnonzero(np.isnan(x) & ~col.isna().to_numpy())
        for k in slow:
            v, err = coerce_value(col.iloc[k], spec)
            x[k] = v
            if err:
                bad[k], reasons[k] = True, err
    ok = ~np.isnan(x) & ~bad
    if spec.type == "bool":
        wrong = ok & ~np.isin(x, (0.0, 1.0))
        reason = "应为 是/否（1/0）"
    elif spec.type == "integer":
        wrong = ok & (x != np.floor(x))
        reason = "应为整数"
    else:
        wrong = ok & ~np.isfinite(x)
        reason = "应为有限数值"
    for k in np.flatnonzero(wrong):
        bad[k], reasons[k] = True, reason
    ok = ~np.isnan(x) & ~bad
    out = ok & (((x < spec.min) if spec.min is not None else False) | ((x > spec.max) if spec.max is not None else False))
    for k in np.flatnonzero(out):
        bad[k], reasons[k] = True, "超出允许范围"
    errs = [(col.index[k], col.iloc[k], reasons[k]) for k in np.flatnonzero(bad)]
    x[bad] = np.nan
    return x, errs


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
    for col in df.columns:
        if col in RESERVED:
            continue
        if col in cat:
            spec = cat[col]
            vals, errs = coerce_column(df[col], spec)
            for u, v, err in errs:
                problems.append(Problem(
                    f"输入“{spec.label}”的值无效：{err}", f"invalid value for {col}: {err}",
                    unit=u, input=col, column=col, value=v, expected=spec.range_text()))
            num[col] = vals
        elif col.startswith(JUDGE):
            item_id = col[len(JUDGE):]
            if item_id not in judge_max:
                ignored.append(col)
                continue
            caps = judge_max[item_id]
            if isinstance(caps, Mapping):
                kinds = meta["unit_kind"].fillna("").astype(str)
                unit_cap = np.array([float(caps.get(k, caps.get("", max(caps.values())))) for k in kinds])
            else:
                unit_cap = np.full(len(df), float(caps))
            spec = InputSpec(id="judge", label=f"{item_id} 评审得分", type="number", min=0,
                             max=float(unit_cap.max()) if len(unit_cap) else 0.0)
            whys = df[why_col(item_id)] if why_col(item_id) in df.columns else pd.Series(pd.NA, index=df.index)
            vals, errs = coerce_column(df[col], spec)
            for k in np.flatnonzero(~np.isnan(vals) & (vals > unit_cap + 1e-9)):
                errs.append((df.index[k], df[col].iloc[k], "超出允许范围"))
                vals[k] = np.nan
            blank_why = whys.isna().to_numpy() | (whys.astype("string").str.strip() == "").fillna(True).to_numpy()
            for k in np.flatnonzero(~np.isnan(vals) & blank_why):
                errs.append((df.index[k], df[col].iloc[k], "评审得分缺少理由说明"))
                vals[k] = np.nan
            cap_of = dict(zip(df.index, unit_cap))
            for u, v, err in errs:
                err = "评审得分超出 [0, 满分]" if err == "超出允许范围" else err
                problems.append(Problem(
                    f"条目 {item_id} 的评审得分无效：{err}", f"invalid judgement for {item_id}: {err}",
                    unit=u, input=col, column=col, value=v, expected=f"[0, {cap_of.get(u, unit_cap.max()):g}] 并填写理由"))
            num[col] = vals
            meta[why_col(item_id)] = whys.astype("string")
        elif col.startswith(WHY):
            continue
        else:
            ignored.append(col)
    if problems:
        raise InputError(f"输入数据有 {len(problems)} 处问题，无法计分", f"{len(problems)} invalid input values",
                         problems=problems)
    frame = pd.DataFrame(num, index=df.index, dtype=float)
    # Every declared input and judgement column exists (NaN = missing), so rules can index them.
    missing_cols = [c for c in cat if c not in frame.columns] + [judge_col(i) for i in judge_max if judge_col(i) not in frame.columns]
    if missing_cols:
        frame = pd.concat([frame, pd.DataFrame(np.nan, index=frame.index, columns=missing_cols)], axis=1)
    return frame, meta, ignored
