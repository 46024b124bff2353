"""What the rule kinds share: reading a column as floats, clipping as pandas clips, counting steps, and a
formula written out with one unit's values.

``frame`` is what the engine hands every rule: :class:`~xinyong.scoring.registry.Columns` (a DataFrame
works too, in a test). The kinds compute on numpy arrays (:func:`column`), never on pandas Series: the
results are the same to the last bit (bench/score_hashes.py), without pandas' fixed cost per operation.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from ...formula import Formula
from ..registry import Columns, RuleParams

EPS_DIGITS = 9  # steps are rounded to 1e-9 before floor/ceil: 0.03/0.01 is 2.9999999999999996

Frame = Columns | pd.DataFrame  # what a rule reads: the engine's Columns, or a DataFrame in a test


class Piece(BaseModel):
    """A typed piece of a rule's parameters (a segment, a part of a sum): frozen, no unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def column(frame: Frame, name: str) -> np.ndarray:
    return np.asarray(frame[name], dtype=float)


def evaluate(f: Formula, frame: Frame) -> np.ndarray:
    """A parsed formula over the frame's columns, as one float per row (a constant formula is broadcast)."""
    out = np.asarray(f({c: column(frame, c) for c in f.names}), dtype=float)
    return np.broadcast_to(out, (len(frame),)) if out.ndim == 0 else out


def clip(x: np.ndarray, lower: float | None = None, upper: float | None = None) -> np.ndarray:
    """``Series.clip`` on an array, exactly: NaN stays NaN, bounds given the wrong way round are swapped,
    and a value equal to a bound is kept as it is (-0.0 against a lower bound of 0 stays -0.0)."""
    if lower is not None and upper is not None:
        lower, upper = min(lower, upper), max(lower, upper)
    if lower is not None:
        x = np.where(x < lower, lower, x)
    if upper is not None:
        x = np.where(x > upper, upper, x)
    return x


def flags(frame: Frame, names: list[str], want: float) -> np.ndarray:
    """rows × names: whether each input equals ``want`` (NaN never does)."""
    return np.stack([column(frame, c) == want for c in names], axis=1)


def cap_of(p: RuleParams, cap: float | None) -> float:
    """A rule's own cap, or the item's maximum when it states none."""
    return p.max_points if cap is None else cap


def steps(amount, step: float, mode: str):
    """Whole steps of ``amount`` (``floor``), steps begun (``ceiling``) or the exact ratio (``pro_rata``)."""
    s = np.round(np.maximum(amount, 0) / step, EPS_DIGITS)
    if mode == "floor":
        return np.floor(s)
    if mode == "ceiling":
        return np.ceil(s)
    return s


def unit_values(values: Mapping[str, Any], names) -> dict[str, float]:
    """One unit's values of ``names`` as floats (what an explanation evaluates a formula on)."""
    return {k: float(values[k]) for k in names}


def substitute(f: Formula, values: Mapping[str, Any], operand_of: str = "") -> str:
    """The formula written from its tree with each name replaced by the unit's value, as a person writes
    it: ``a/b*2`` -> ``12/20×2``, ``a if c > 0 else 0`` -> ``9 > 0 时取 9，否则取 0`` (two decimals at most;
    the formula's own numbers as written). ``operand_of``: ``"="`` when the text goes on with ``=…`` (a
    choice is bracketed), ``"×"`` when it is multiplied (a sum is bracketed): :meth:`Formula.to_words`."""
    yes_no = {k for k, v in values.items() if isinstance(v, (bool, np.bool_))}  # a yes/no input's: 是/否
    return f.to_words(values={k: _number(v) for k, v in values.items() if k in f.names}, yes_no=yes_no,
                      operand_of=operand_of)


def _number(v: Any) -> float:
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan
