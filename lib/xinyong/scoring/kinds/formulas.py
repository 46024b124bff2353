"""Kinds that compute points: ``formula`` (a formula the document writes out, clipped) and
``count_factor`` (a count times a factor, capped)."""
from __future__ import annotations

import ast
import math
from typing import Mapping

import numpy as np
from pydantic import Field, PrivateAttr, model_validator

from ...formula import Formula, parse
from ...labels import fmt, pts
from .. import describe as words
from ..reach import UNBOUNDED, bound
from ..registry import RuleParams
from .base import Frame, cap_of, clip, column, evaluate, substitute, unit_values


# --- formula -----------------------------------------------------------------------------------
class FormulaParams(RuleParams):
    expr: str
    cap: float | None = None
    floor: float = 0.0
    undefined_points: float | None = None  # points when the formula is undefined (0/0); else status 'undefined'
    _expr: Formula = PrivateAttr()

    @model_validator(mode="after")
    def _parse(self):
        self._expr = parse(self.expr)
        return self

    def input_ids(self):
        return set(self._expr.names)

    def reach(self, inputs):
        hi = bound(self._expr, inputs).hi
        if self.undefined_points is not None:
            hi = max(hi, self.undefined_points)
        return max(min(hi, cap_of(self, self.cap)), self.floor)


def formula(frame: Frame, p: FormulaParams) -> np.ndarray:
    """A formula the document writes out, clipped to [floor, cap].

    001 9.3: “计分公式为已经实施容缺受理的部门数量/具有行政审批权力的部门总量*2，最高得2分”.
    """
    out = clip(evaluate(p._expr, frame), lower=p.floor, upper=cap_of(p, p.cap))
    if p.undefined_points is not None:
        out = np.where(np.isnan(out), p.undefined_points, out)
    return out


def explain_formula(values, p: FormulaParams, points: float) -> str:
    raw = p._expr(unit_values(values, p.input_ids()))
    raw_f = float(raw) if raw is not None else float("nan")
    cap = cap_of(p, p.cap)
    if math.isnan(raw_f):
        tail = f"无法计算（分母为0）→ {pts(points)}" if p.undefined_points is not None else "无法计算（分母为0）"
        return f"{substitute(p._expr, values)} {tail}"
    text = f"{substitute(p._expr, values, '=')}={pts(raw_f)}"
    if raw_f > cap:
        text += f"，超过上限取 {fmt(cap)}"
    elif raw_f < p.floor:
        text += f"，低于下限取 {fmt(p.floor)}"
    return text


def _zero_denominators(f: Formula, vals: Mapping[str, float]) -> list[str]:
    """The inputs the formula divides by that are 0 for this unit (why it cannot be computed)."""
    out = []
    for node in ast.walk(f.tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)):
            for x in ast.walk(node.right):
                if isinstance(x, ast.Name) and vals.get(x.id) == 0 and x.id not in out:
                    out.append(x.id)
    return out


def describe_formula(values, p: FormulaParams, points: float, n: words.Names) -> str:
    vals = unit_values(values, p.input_ids())
    raw = p._expr(vals)
    raw_f = float(raw) if raw is not None else math.nan
    facts = n.facts(values, sorted(p.input_ids()))
    if math.isnan(raw_f):
        zero = _zero_denominators(p._expr, vals)
        why = (f"公式要除以{'、'.join(n.label(z) for z in zero)}，而它为 0，无法计算" if zero
               else "按这些数据公式没有结果，无法计算")
        if math.isnan(points):
            return f"{facts}：{why}，本项暂不计分（不按零分计）"
        return f"{facts}：{why}；方案规定这种情况得 {words.plain(points)} 分 → 得 {words.pts(points)}"
    return (f"{facts}：按文件公式计算" + words.capped(raw_f, points, words.shown_cap(p, p.cap), p.floor)
            + f" → 得 {words.pts(points)}")


# --- count_factor ------------------------------------------------------------------------------
class CountFactorParams(RuleParams):
    input: str
    factor: float = Field(gt=0)
    cap: float | None = None

    def input_ids(self):
        return {self.input}

    def reach(self, inputs):
        return max(min(inputs.get(self.input, UNBOUNDED).hi * self.factor, cap_of(self, self.cap)), 0.0)


def count_factor(frame: Frame, p: CountFactorParams) -> np.ndarray:
    """A count (or ratio) times a factor, capped.

    001 四: “上述领域每1个领域建立信用记录的，得0.1分”; 000 1.3.1: “每个部门得0.1分……（最高3分）”.
    """
    return clip(column(frame, p.input) * p.factor, lower=0.0, upper=cap_of(p, p.cap))


def explain_count_factor(values, p: CountFactorParams, points: float) -> str:
    raw = float(values[p.input]) * p.factor
    text = f"{fmt(values[p.input])}×{fmt(p.factor)}={pts(raw)}"
    return text + (f"，超过上限取 {fmt(cap_of(p, p.cap))}" if raw > cap_of(p, p.cap) else "")


def describe_count_factor(values, p: CountFactorParams, points: float, n: words.Names) -> str:
    x = float(values[p.input])
    raw = x * p.factor
    return (f"{n.fact(p.input, x)} × 每{n.unit(p.input, '个')} {words.plain(p.factor)} 分 = {words.plain(raw)} 分"
            + words.capped(raw, points, words.shown_cap(p, p.cap))
            + f" → 得 {words.pts(points)}")
