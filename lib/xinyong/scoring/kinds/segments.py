"""Kinds that score one input by ranges: ``piecewise`` (segments written as the document writes them) and
``stepwise`` (base points past a threshold, then an increment per step)."""
from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, PrivateAttr, model_validator

from ...formula import Formula, parse
from ...labels import fmt, pts
from .. import describe as words
from ..reach import INF, UNBOUNDED, bound, piece_domain
from ..registry import RuleParams
from .base import EPS_DIGITS, Frame, Piece, cap_of, clip, column, substitute


# --- piecewise ---------------------------------------------------------------------------------
class Segment(Piece):
    when: str  # boolean formula in x, e.g. "2 <= x < 5"
    expr: str  # points formula in x, e.g. "2/3*(5-x)"
    _when: Formula = PrivateAttr()
    _expr: Formula = PrivateAttr()

    @model_validator(mode="after")
    def _parse(self):
        self._when, self._expr = parse(self.when), parse(self.expr)
        return self

    def holds(self, x):
        return self._when({"x": x})

    def points(self, x):
        return self._expr({"x": x})


class PiecewiseParams(RuleParams):
    input: str
    segments: list[Segment] = Field(min_length=1)

    @model_validator(mode="after")
    def _only_x(self):
        for s in self.segments:
            for t, f in ((s.when, s._when), (s.expr, s._expr)):
                extra = set(f.names) - {"x"}
                if extra:
                    raise ValueError(f"piecewise formulas may only use x, found {sorted(extra)} in {t!r}")
        return self

    def input_ids(self):
        return {self.input}

    def reach(self, inputs):
        x = inputs.get(self.input, UNBOUNDED)
        best = -INF
        for seg in self.segments:
            dom = piece_domain(seg._when, x)
            if dom.lo > dom.hi:
                continue  # the segment lies outside the input's range
            best = max(best, bound(seg._expr, {"x": dom}).hi)
        return None if best == -INF else max(best, 0.0)


def piecewise(frame: Frame, p: PiecewiseParams) -> np.ndarray:
    """Points by segments written as the document writes them; the first matching segment wins.

    001 七 7.1.1: “如果地区不良贷款率<2%，2分；如果2% ≤ 地区不良贷款率<5%，得分 = 2/3*(5-地区不良贷款率*100)；
    如果地区不良贷款率 ≥ 5%，0分” (x in percent).
    """
    x = column(frame, p.input)
    conds, vals = [], []
    for s in p.segments:
        conds.append(np.asarray(s.holds(x), dtype=bool))
        vals.append(np.asarray(s.points(x) * np.ones(len(x)), dtype=float))
    out = np.select(conds, vals, default=np.nan)
    return clip(out, lower=0.0, upper=p.max_points)


def explain_piecewise(values, p: PiecewiseParams, points: float) -> str:
    x = float(values[p.input])
    for s in p.segments:
        if bool(s.holds(x)):
            return f"x={fmt(x)}，{substitute(s._when, {'x': x})}：{substitute(s._expr, {'x': x}, '=')}={pts(points)}"
    return f"x={fmt(x)} 不在任何区间内（无法计分）"


def describe_piecewise(values, p: PiecewiseParams, points: float, n: words.Names) -> str:
    x = float(values[p.input])
    if math.isnan(points):
        return f"{n.fact(p.input, x)}，不在文件给出的任何区间内，无法计分"
    return f"{n.fact(p.input, x)}，按文件的分段标准 → 得 {words.pts(points)}"


# --- stepwise ----------------------------------------------------------------------------------
class StepwiseParams(RuleParams):
    input: str
    threshold: float
    strict: bool = True  # “超过” is strict
    base: float
    step: float = Field(gt=0)
    per_step: float
    mode: Literal["floor", "continuous"] = "floor"
    cap: float | None = None

    def input_ids(self):
        return {self.input}

    def steps_of(self, x: float) -> float:
        """How many steps above the threshold one unit's value counts (whole steps in ``floor`` mode)."""
        raw_steps = round((x - self.threshold) / self.step, EPS_DIGITS)
        return math.floor(raw_steps) if self.mode == "floor" else raw_steps

    def reach(self, inputs):
        cap = cap_of(self, self.cap)
        x = inputs.get(self.input, UNBOUNDED)
        if not math.isfinite(x.hi):
            return cap
        steps = (x.hi - self.threshold) / self.step
        steps = math.floor(round(steps, 9)) if self.mode == "floor" else steps
        passes = x.hi > self.threshold if self.strict else x.hi >= self.threshold
        return min(self.base + self.per_step * max(steps, 0), cap) if passes else 0.0


def stepwise(frame: Frame, p: StepwiseParams) -> np.ndarray:
    """Base points past a threshold, then an increment per whole step (or pro rata), capped.

    001 9.1: “超过50%的城市户籍人口拥有个人诚信分，得1.5分，在此基础上每多10%，加0.5分，最高得4分”.
    """
    x = column(frame, p.input)
    above = x > p.threshold if p.strict else x >= p.threshold
    steps = np.round((x - p.threshold) / p.step, EPS_DIGITS)
    if p.mode == "floor":
        steps = np.floor(steps)
    out = clip(p.base + p.per_step * clip(steps, lower=0), upper=cap_of(p, p.cap))
    return np.where(np.isnan(x), np.nan, np.where(above, out, 0.0))


def explain_stepwise(values, p: StepwiseParams, points: float) -> str:
    x = float(values[p.input])
    op = ">" if p.strict else "≥"
    if not (x > p.threshold if p.strict else x >= p.threshold):
        return f"{fmt(x)} {op} {fmt(p.threshold)}：否 → 0"
    steps = p.steps_of(x)
    step_txt = f"⌊({fmt(x)}−{fmt(p.threshold)})/{fmt(p.step)}⌋={fmt(steps)}" if p.mode == "floor" \
        else f"({fmt(x)}−{fmt(p.threshold)})/{fmt(p.step)}={fmt(steps)}"
    return f"{fmt(p.base)}+{fmt(p.per_step)}×{step_txt}，上限 {fmt(cap_of(p, p.cap))} → {pts(points)}"


def describe_stepwise(values, p: StepwiseParams, points: float, n: words.Names) -> str:
    plain = words.plain
    x = float(values[p.input])
    word = "超过" if p.strict else "达到"
    if not (x > p.threshold if p.strict else x >= p.threshold):
        return f"{n.fact(p.input, x)}，未{word} {n.value(p.input, p.threshold)} → 得 {words.pts(points)}"
    steps = p.steps_of(x)
    raw = p.base + p.per_step * steps
    return (f"{n.fact(p.input, x)}，{word} {n.value(p.input, p.threshold)} 得 {plain(p.base)} 分，"
            f"再每多 {n.value(p.input, p.step)} 加 {plain(p.per_step)} 分：{plain(p.base)} + {plain(p.per_step)} × {plain(steps)}"
            f" = {plain(raw)} 分" + words.capped(raw, points, words.shown_cap(p, p.cap)) + f" → 得 {words.pts(points)}")
