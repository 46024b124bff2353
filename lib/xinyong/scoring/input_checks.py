"""Cross-input checks (``checks:`` of a scheme), evaluated over every unit at once.

A check is a boolean formula over one unit's inputs — ``gov_events_rectified <= gov_events_total``:
已整改到位数 ≤ 失信事件数 — that a cell-by-cell range cannot express. Evaluated with the restricted
evaluator (:mod:`xinyong.formula`, never ``eval``), vectorised over units. A unit with an input of the
test missing is not checked: a missing value is missing, not a violation.

What reads data calls :func:`check_inputs` with the frame it read and, to turn violations into located
problems, :func:`check_problems` with a function that says where a unit's input is (sheet, row,
column): intake gives the cells of a workbook, a DataFrame caller may give nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..errors import Problem
from ..formula import Formula, parse
from ..scheme.model import Scheme


@dataclass(frozen=True)
class Violation:
    """One unit failing one check: the inputs it reads and their values."""

    unit: str
    check: str  # check id
    severity: str  # error | warning
    message: str  # the check's Chinese message
    inputs: tuple[str, ...]  # input ids the test reads, in the order they appear in the formula
    values: tuple[float, ...]


def _names_in_order(f: Formula) -> tuple[str, ...]:
    """Input ids as they first appear in the test (the first is where a violation is located)."""
    def first(n: str) -> int:
        m = re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", f.text)
        return m.start() if m else len(f.text)

    return tuple(sorted(f.names, key=lambda n: (first(n), n)))


def _numbers(col: pd.Series) -> np.ndarray:
    """A column as floats; text that is no number is NaN (not checked). A float column as it is."""
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "fiu":
        return col.to_numpy(dtype=float)
    return pd.to_numeric(col, errors="coerce").astype(float).to_numpy()


def check_inputs(scheme: Scheme, frame: pd.DataFrame, parsed: Mapping[str, Formula] | None = None) -> list[Violation]:
    """Every violation of the scheme's checks by the units (rows) of ``frame`` (columns: input ids).

    ``parsed``: check id -> the test parsed (a compiled plan's ``check_formulas``); without it the tests
    are parsed here. Evaluated on numpy columns (the formulas give the same on arrays as on Series, 1/0
    NaN included)."""
    out: list[Violation] = []
    if not scheme.checks or frame.empty:
        return out
    n = len(frame)
    for chk in scheme.checks:
        f = parsed[chk.id] if parsed is not None else parse(chk.test)
        names = _names_in_order(f)
        cols = {c: (_numbers(frame[c]) if c in frame.columns else np.full(n, np.nan)) for c in names}
        known = np.ones(n, dtype=bool)
        for col in cols.values():
            known &= ~np.isnan(col)
        held = np.broadcast_to(np.asarray(f(cols), dtype=bool), (n,))
        for k in np.flatnonzero(known & ~held):
            out.append(Violation(str(frame.index[k]), chk.id, chk.severity, chk.message, names,
                                 tuple(float(cols[c][k]) for c in names)))
    return out


Locate = Callable[[str, str], "dict[str, Any] | None"]  # (unit, input) -> {file, sheet, row, column, ref}


def check_problems(scheme: Scheme, frame: pd.DataFrame, locate: Locate | None = None,
                   parsed: Mapping[str, Formula] | None = None) -> list[Problem]:
    """The violations as :class:`Problem` rows, located at the first input's cell and naming every cell
    the test reads: “已整改到位数不能多于失信事件数：“已整改到位的政务失信事件数”（H3）= 5，
    “政务失信事件数”（G3）= 2”. ``locate(unit, input)`` gives a cell's place (``ref`` e.g. ``"H3"``)."""
    cat = scheme.input_catalogue
    probs: list[Problem] = []
    for v in check_inputs(scheme, frame, parsed):
        where = [(locate(v.unit, n) if locate else None) or {} for n in v.inputs]
        cells = "，".join(
            f"“{cat[n].label if n in cat else n}”" + (f"（{w['ref']}）= " if w.get("ref") else " = ") + _said(cat.get(n), x)
            for n, x, w in zip(v.inputs, v.values, where))
        first = where[0]
        probs.append(Problem(
            f"{v.message}：{cells}", f"check {v.check} failed: {scheme_test(scheme, v.check)} with "
            + ", ".join(f"{n}={x:g}" for n, x in zip(v.inputs, v.values)),
            file=first.get("file"), sheet=first.get("sheet"), row=first.get("row"), column=first.get("column"),
            unit=v.unit, input=v.inputs[0], value=_typed(cat.get(v.inputs[0]), v.values[0]), expected=v.message,
            severity="error" if v.severity == "error" else "note"))
    return probs


def _typed(spec, x: float):
    """A value as its input's type has it: a yes/no as 是/否, a whole number as an int."""
    if spec is not None and spec.type == "bool":
        return "是" if x else "否"
    return int(x) if float(x).is_integer() else x


def _said(spec, x: float) -> str:
    v = _typed(spec, x)
    return v if isinstance(v, str) else f"{v:g}"


def scheme_test(scheme: Scheme, check_id: str) -> str:
    return next(c.test for c in scheme.checks if c.id == check_id)
