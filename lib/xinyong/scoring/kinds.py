"""The built-in rule kinds. Each is a typed, vectorised ``(frame, params) -> points`` (a float array).

``frame`` has one row per unit and one column per input (floats; booleans as 1.0/0.0; NaN where
missing — the engine marks those items ``missing_input`` whatever the function returns): the engine
passes :class:`~xinyong.scoring.registry.Columns`, a DataFrame works too. The kinds compute on numpy
arrays (``_col``), never on pandas Series: the results are the same to the last bit (bench/score_hashes.py),
without pandas' fixed cost per operation. Every function's docstring quotes a clause of the seed
documents that uses it.
"""
from __future__ import annotations

import functools

import ast
import math
from functools import lru_cache
from typing import Any, Literal, Mapping

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..formula import Formula, parse
from ..labels import fmt, pts  # noqa: F401 (the explanations' number formats; kinds.fmt is public)
from .registry import Columns, Registry, RuleParams

EPS_DIGITS = 9  # steps are rounded to 1e-9 before floor/ceil: 0.03/0.01 is 2.9999999999999996


@lru_cache(maxsize=4096)
def _formula(text: str) -> Formula:
    return parse(text)


_PRETTY = ((" * ", "×"), (" / ", "/"), (" - ", "−"), (" + ", "+"), (" >= ", "≥"), (" <= ", "≤"),
           (" == ", "="), (" != ", "≠"), (" and ", " 且 "), (" or ", " 或 "))


def substitute(text: str, values: Mapping[str, Any]) -> str:
    """The formula with each name replaced by its value: ``a/b*2`` -> ``12/20×2``."""

    class Sub(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name):
            if node.id in values:
                v = values[node.id]
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    return ast.copy_location(ast.Name(id="缺失", ctx=ast.Load()), node)
                return ast.copy_location(ast.Constant(value=float(v) if not float(v).is_integer() else int(v)), node)
            return node

    tree = Sub().visit(ast.parse(text.strip(), mode="eval"))
    out = ast.unparse(tree)
    for a, b in _PRETTY:
        out = out.replace(a, b)
    return out


def _names(text: str) -> set[str]:
    return set(_formula(text).names)


Frame = Columns | pd.DataFrame  # what a rule reads: the engine's Columns, or a DataFrame in a test


def _col(frame: Frame, name: str) -> np.ndarray:
    return np.asarray(frame[name], dtype=float)


def _evaluate(text: str, frame: Frame, names) -> np.ndarray:
    """A formula over the named columns, as one float per row (a constant formula is broadcast)."""
    out = np.asarray(_formula(text)({c: _col(frame, c) for c in names}), dtype=float)
    return np.broadcast_to(out, (len(frame),)) if out.ndim == 0 else out


def _clip(x: np.ndarray, lower: float | None = None, upper: float | None = None) -> np.ndarray:
    """``Series.clip`` on an array, exactly: NaN stays NaN, bounds given the wrong way round are swapped,
    and a value equal to a bound is kept as it is (-0.0 against a lower bound of 0 stays -0.0)."""
    if lower is not None and upper is not None:
        lower, upper = min(lower, upper), max(lower, upper)
    if lower is not None:
        x = np.where(x < lower, lower, x)
    if upper is not None:
        x = np.where(x > upper, upper, x)
    return x


def _flags(frame: Frame, names: list[str], want: float) -> np.ndarray:
    """rows × names: whether each input equals ``want`` (NaN never does)."""
    return np.stack([_col(frame, c) == want for c in names], axis=1)


def _cap(p: RuleParams, cap: float | None) -> float:
    return p.max_points if cap is None else cap


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- all_of / any_of --------------------------------------------------------------------------
class BoolSetParams(RuleParams):
    inputs: list[str] = Field(min_length=1)
    expect: bool = True  # each input must equal this (False: "如果均为否，得1分")
    points: float | None = None  # default: the item's maximum

    def input_ids(self):
        return set(self.inputs)

    def max_attainable(self):
        return self.points if self.points is not None else self.max_points


def all_of(frame: Frame, p: BoolSetParams) -> np.ndarray:
    """Full points when every condition holds, else 0.

    001 七 政策环境: “如果以下任一条为是，得0分；如果均为否，得1分” (``expect: false``).
    """
    ok = _flags(frame, p.inputs, 1.0 if p.expect else 0.0).all(axis=1)
    return ok.astype(float) * (p.points if p.points is not None else p.max_points)


def any_of(frame: Frame, p: BoolSetParams) -> np.ndarray:
    """Full points when at least one condition holds, else 0.

    001 二 2.1 细则: “城市接力、宣传教育、百城万企亮信用，有其一即可”.
    """
    ok = _flags(frame, p.inputs, 1.0 if p.expect else 0.0).any(axis=1)
    return ok.astype(float) * (p.points if p.points is not None else p.max_points)


def _explain_boolset_with(word: str, values, p: BoolSetParams, points: float) -> str:
    want = 1.0 if p.expect else 0.0
    n_ok = sum(1 for i in p.inputs if float(values.get(i, np.nan)) == want)
    target = "是" if p.expect else "否"
    return f"{len(p.inputs)} 项中 {n_ok} 项为“{target}”（{word}）→ {pts(points)}"


def _explain_boolset(word: str):
    # a partial of a module-level function, not a closure: score results pickle (the batch memo)
    return functools.partial(_explain_boolset_with, word)


# --- checklist ---------------------------------------------------------------------------------
class ChecklistParams(RuleParams):
    items: list[str] = Field(min_length=1)
    per_item: float = Field(gt=0)
    mode: Literal["add", "deduct"] = "add"
    require: str | None = None  # a precondition input; false gives 0 (“未成立的不得分”)
    bonus_all: float = 0.0  # extra points when every element holds (001 6.1: “额外加0.3分”)
    cap: float | None = None

    def input_ids(self):
        return set(self.items) | ({self.require} if self.require else set())

    def max_attainable(self):
        cap = _cap(self, self.cap)
        if self.mode == "deduct":
            return cap
        return min(cap, self.per_item * len(self.items) + self.bonus_all)


def checklist(frame: Frame, p: ChecklistParams) -> np.ndarray:
    """Points per element present (``add``) or deducted per element missing (``deduct``), capped.

    004 附件1 一.1: “成立的得5分；缺一项扣1分，未成立的不得分” (deduct, require).
    004 附件2 三.3: “每项得1分，共5分” (add).
    """
    # a blank counts as absent here (as DataFrame.sum skips NaN); the engine marks the item missing anyway
    have = np.nansum(np.stack([_col(frame, c) for c in p.items], axis=1), axis=1)
    cap = _cap(p, p.cap)
    if p.mode == "add":
        out = have * p.per_item
        if p.bonus_all:
            out = out + (have == len(p.items)).astype(float) * p.bonus_all
        out = _clip(out, upper=cap)
    else:
        out = _clip(cap - (len(p.items) - have) * p.per_item, lower=0.0)
    if p.require:
        out = np.where(_col(frame, p.require) == 1.0, out, 0.0)
    return out


def _explain_checklist(values, p: ChecklistParams, points: float) -> str:
    have = [i for i in p.items if float(values.get(i, np.nan)) == 1.0]
    n, k = len(p.items), len(have)
    if p.require and float(values.get(p.require, np.nan)) != 1.0:
        return f"前提“{p.require}”不成立 → 0"
    if p.mode == "add":
        extra = f"+{fmt(p.bonus_all)}(全部具备)" if p.bonus_all and k == n else ""
        return f"具备 {k}/{n} 项：{k}×{fmt(p.per_item)}{extra}，上限 {fmt(_cap(p, p.cap))} → {pts(points)}"
    return f"缺 {n - k}/{n} 项：{fmt(_cap(p, p.cap))}−{n - k}×{fmt(p.per_item)}，最低 0 → {pts(points)}"


# --- threshold / condition ---------------------------------------------------------------------
Op = Literal[">=", ">", "<=", "<", "=="]
_OPS = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less, "==": np.equal}
_OP_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


class ThresholdParams(RuleParams):
    input: str
    op: Op
    value: float
    points: float | None = None
    else_points: float = 0.0
    requires: list[str] = Field(default_factory=list)  # yes/no facts without which no points are given

    def input_ids(self):
        return {self.input} | set(self.requires)

    def max_attainable(self):
        return max(self.points if self.points is not None else self.max_points, self.else_points)


def threshold(frame: Frame, p: ThresholdParams) -> np.ndarray:
    """Points when one input passes a threshold, as written (inclusive ``>=`` or strict ``>``).

    000 1.2.5: “…报送至省、市信用信息共享平台的比率达到50%（1分）” (``>=`` 50).
    """
    ok = _OPS[p.op](_col(frame, p.input), p.value)
    full = p.points if p.points is not None else p.max_points
    return _required(frame, p.requires, np.where(ok, float(full), float(p.else_points)))


def _required(frame: Frame, requires: list[str], out: np.ndarray) -> np.ndarray:
    """``out`` where every required yes/no input is 是, else 0 (a blank one: the engine marks the item
    missing). “其他方式提供的得1分”: ``else_points`` are paid for a 否 to 通过平台报送 only when something
    was provided at all (``requires: [provided]``); a 否 is an answer, not a way of providing."""
    if not requires:
        return out
    return np.where(_flags(frame, requires, 1.0).all(axis=1), out, 0.0)


def _unmet(values, requires: list[str]) -> list[str]:
    return [r for r in requires if float(values.get(r, np.nan)) != 1.0]


def _explain_threshold(values, p: ThresholdParams, points: float) -> str:
    if _unmet(values, p.requires):
        return f"前提“{'、'.join(_unmet(values, p.requires))}”不成立 → 0"
    x = values.get(p.input)
    ok = bool(_OPS[p.op](float(x), p.value))
    return f"{fmt(x)} {_OP_TEXT[p.op]} {fmt(p.value)}：{'是' if ok else '否'} → {pts(points)}"


class ConditionParams(RuleParams):
    test: str
    points: float | None = None
    else_points: float = 0.0
    requires: list[str] = Field(default_factory=list)  # yes/no facts without which no points are given

    @model_validator(mode="after")
    def _parse(self):
        _formula(self.test)
        return self

    def input_ids(self):
        return _names(self.test) | set(self.requires)

    def max_attainable(self):
        return max(self.points if self.points is not None else self.max_points, self.else_points)


def condition(frame: Frame, p: ConditionParams) -> np.ndarray:
    """Points when a boolean formula over several inputs holds.

    000 1.4.2: “中小微企业和农户信用信息建档比率80%以上……（3分）” (both rates ≥ 80).
    """
    ok = np.asarray(_formula(p.test)({c: _col(frame, c) for c in _names(p.test)})).astype(bool)
    full = p.points if p.points is not None else p.max_points
    return _required(frame, p.requires, np.broadcast_to(np.where(ok, float(full), float(p.else_points)), (len(frame),)))


def _explain_condition(values, p: ConditionParams, points: float) -> str:
    if _unmet(values, p.requires):
        return f"前提“{'、'.join(_unmet(values, p.requires))}”不成立 → 0"
    ok = bool(_formula(p.test)({k: float(values[k]) for k in p.input_ids()}))
    return f"{substitute(p.test, values)}：{'成立' if ok else '不成立'} → {pts(points)}"


# --- formula / count_factor --------------------------------------------------------------------
class FormulaParams(RuleParams):
    expr: str
    cap: float | None = None
    floor: float = 0.0
    undefined_points: float | None = None  # points when the formula is undefined (0/0); else status 'undefined'

    @model_validator(mode="after")
    def _parse(self):
        _formula(self.expr)
        return self

    def input_ids(self):
        return _names(self.expr)


def formula(frame: Frame, p: FormulaParams) -> np.ndarray:
    """A formula the document writes out, clipped to [floor, cap].

    001 9.3: “计分公式为已经实施容缺受理的部门数量/具有行政审批权力的部门总量*2，最高得2分”.
    """
    out = _clip(_evaluate(p.expr, frame, p.input_ids()), lower=p.floor, upper=_cap(p, p.cap))
    if p.undefined_points is not None:
        out = np.where(np.isnan(out), p.undefined_points, out)
    return out


def _explain_formula(values, p: FormulaParams, points: float) -> str:
    raw = _formula(p.expr)({k: float(values[k]) for k in p.input_ids()})
    raw_f = float(raw) if raw is not None else float("nan")
    cap = _cap(p, p.cap)
    if math.isnan(raw_f):
        tail = f"无法计算（分母为0）→ {pts(points)}" if p.undefined_points is not None else "无法计算（分母为0）"
        return f"{substitute(p.expr, values)} {tail}"
    text = f"{substitute(p.expr, values)}={pts(raw_f)}"
    if raw_f > cap:
        text += f"，超过上限取 {fmt(cap)}"
    elif raw_f < p.floor:
        text += f"，低于下限取 {fmt(p.floor)}"
    return text


class CountFactorParams(RuleParams):
    input: str
    factor: float = Field(gt=0)
    cap: float | None = None

    def input_ids(self):
        return {self.input}


def count_factor(frame: Frame, p: CountFactorParams) -> np.ndarray:
    """A count (or ratio) times a factor, capped.

    001 四: “上述领域每1个领域建立信用记录的，得0.1分”; 000 1.3.1: “每个部门得0.1分……（最高3分）”.
    """
    return _clip(_col(frame, p.input) * p.factor, lower=0.0, upper=_cap(p, p.cap))


def _explain_count_factor(values, p: CountFactorParams, points: float) -> str:
    raw = float(values[p.input]) * p.factor
    text = f"{fmt(values[p.input])}×{fmt(p.factor)}={pts(raw)}"
    return text + (f"，超过上限取 {fmt(_cap(p, p.cap))}" if raw > _cap(p, p.cap) else "")


# --- piecewise ---------------------------------------------------------------------------------
class Segment(_Out):
    when: str  # boolean formula in x, e.g. "2 <= x < 5"
    expr: str  # points formula in x, e.g. "2/3*(5-x)"


class PiecewiseParams(RuleParams):
    input: str
    segments: list[Segment] = Field(min_length=1)

    @model_validator(mode="after")
    def _parse(self):
        for s in self.segments:
            for t in (s.when, s.expr):
                extra = _names(t) - {"x"}
                if extra:
                    raise ValueError(f"piecewise formulas may only use x, found {sorted(extra)} in {t!r}")
        return self

    def input_ids(self):
        return {self.input}


def piecewise(frame: Frame, p: PiecewiseParams) -> np.ndarray:
    """Points by segments written as the document writes them; the first matching segment wins.

    001 七 7.1.1: “如果地区不良贷款率<2%，2分；如果2% ≤ 地区不良贷款率<5%，得分 = 2/3*(5-地区不良贷款率*100)；
    如果地区不良贷款率 ≥ 5%，0分” (x in percent).
    """
    x = _col(frame, p.input)
    conds, vals = [], []
    for s in p.segments:
        conds.append(np.asarray(_formula(s.when)({"x": x}), dtype=bool))
        vals.append(np.asarray(_formula(s.expr)({"x": x}) * np.ones(len(x)), dtype=float))
    out = np.select(conds, vals, default=np.nan)
    return _clip(out, lower=0.0, upper=p.max_points)


def _explain_piecewise(values, p: PiecewiseParams, points: float) -> str:
    x = float(values[p.input])
    for s in p.segments:
        if bool(_formula(s.when)({"x": x})):
            return f"x={fmt(x)}，{substitute(s.when, {'x': x})}：{substitute(s.expr, {'x': x})}={pts(points)}"
    return f"x={fmt(x)} 不在任何区间内（无法计分）"


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


def stepwise(frame: Frame, p: StepwiseParams) -> np.ndarray:
    """Base points past a threshold, then an increment per whole step (or pro rata), capped.

    001 9.1: “超过50%的城市户籍人口拥有个人诚信分，得1.5分，在此基础上每多10%，加0.5分，最高得4分”.
    """
    x = _col(frame, p.input)
    above = x > p.threshold if p.strict else x >= p.threshold
    steps = np.round((x - p.threshold) / p.step, EPS_DIGITS)
    if p.mode == "floor":
        steps = np.floor(steps)
    out = _clip(p.base + p.per_step * _clip(steps, lower=0), upper=_cap(p, p.cap))
    return np.where(np.isnan(x), np.nan, np.where(above, out, 0.0))


def stepwise_steps(x: float, p: StepwiseParams) -> float:
    """How many steps above the threshold one unit's value counts (whole steps in ``floor`` mode)."""
    raw_steps = round((x - p.threshold) / p.step, EPS_DIGITS)
    return math.floor(raw_steps) if p.mode == "floor" else raw_steps


def _explain_stepwise(values, p: StepwiseParams, points: float) -> str:
    x = float(values[p.input])
    op = ">" if p.strict else "≥"
    if not (x > p.threshold if p.strict else x >= p.threshold):
        return f"{fmt(x)} {op} {fmt(p.threshold)}：否 → 0"
    steps = stepwise_steps(x, p)
    step_txt = f"⌊({fmt(x)}−{fmt(p.threshold)})/{fmt(p.step)}⌋={fmt(steps)}" if p.mode == "floor" \
        else f"({fmt(x)}−{fmt(p.threshold)})/{fmt(p.step)}={fmt(steps)}"
    return f"{fmt(p.base)}+{fmt(p.per_step)}×{step_txt}，上限 {fmt(_cap(p, p.cap))} → {pts(points)}"


# --- deduction ---------------------------------------------------------------------------------
class DeductionParams(RuleParams):
    amount: str  # formula: events, or the shortfall in steps' units (e.g. "100 - conversion_rate")
    per: float = Field(gt=0)
    step: float = Field(default=1.0, gt=0)
    step_mode: Literal["floor", "pro_rata", "ceiling"] = "floor"
    full: float | None = None  # starting points, default the item's maximum
    floor: float = 0.0
    max_deduction: float | None = Field(default=None, ge=0)  # “最高扣5分”: the deduction stops there

    @model_validator(mode="after")
    def _parse(self):
        _formula(self.amount)
        return self

    def max_attainable(self):
        return _cap(self, self.full)

    def input_ids(self):
        return _names(self.amount)


def _steps(amount, step: float, mode: str):
    s = np.round(np.maximum(amount, 0) / step, EPS_DIGITS)
    if mode == "floor":
        return np.floor(s)
    if mode == "ceiling":
        return np.ceil(s)
    return s


def deduction(frame: Frame, p: DeductionParams) -> np.ndarray:
    """Start from full marks, deduct per event or per step, never below ``floor`` (0).

    001 8.1.1: “存量代码转换率为100%的得1分，每降低1%扣0.2分” (amount ``100 - rate``, step 1).
    004 附件1 二.1: “有迟报、错报的每条扣0.5分，最高扣7.5分” (amount = count of late/wrong records,
    ``max_deduction: 7.5``).
    """
    amount = _evaluate(p.amount, frame, p.input_ids())
    full = _cap(p, p.full)
    taken = p.per * _steps(amount, p.step, p.step_mode)
    if p.max_deduction is not None:
        taken = np.minimum(taken, p.max_deduction)
    return np.where(np.isnan(amount), np.nan, _clip(full - taken, lower=p.floor))


def _explain_deduction(values, p: DeductionParams, points: float) -> str:
    amount = float(_formula(p.amount)({k: float(values[k]) for k in p.input_ids()}))
    steps = float(_steps(amount, p.step, p.step_mode))
    mode = {"floor": "只计整步", "pro_rata": "按比例", "ceiling": "不足一步按一步"}[p.step_mode]
    a = substitute(p.amount, values)
    a = a if a == fmt(amount) else f"{a}={fmt(amount)}"
    most = ""
    if p.max_deduction is not None:
        most = f"，最多扣 {fmt(p.max_deduction)}" + ("（已达最多扣分）" if p.per * steps > p.max_deduction else "")
    return (f"{fmt(_cap(p, p.full))}−{fmt(p.per)}×{fmt(steps)}步（扣分量 {a}，每步 {fmt(p.step)}，{mode}）{most}，"
            f"最低 {fmt(p.floor)} → {pts(points)}")


# --- capped_sum --------------------------------------------------------------------------------
class Part(_Out):
    """One part of a ``capped_sum``, written one of three ways: its points as a formula (``expr``); a
    deduction as the text writes it — ``full`` (满分2分), ``per`` (每…扣0.5分) per whole ``step`` of
    ``amount`` (a formula: the count of events), at most ``max_deduction`` (最多扣…分), never below 0;
    or points per event — ``each`` (每开展一次得1分) times ``count`` (a formula), with ``cap`` (最高5分)."""

    label: str
    expr: str | None = None
    cap: float | None = None
    full: float | None = Field(default=None, ge=0)
    per: float | None = Field(default=None, gt=0)
    amount: str | None = None
    step: float = Field(default=1.0, gt=0)
    max_deduction: float | None = Field(default=None, ge=0)
    each: float | None = Field(default=None, gt=0)
    count: str | None = None

    @model_validator(mode="after")
    def _one_way(self):
        ways = {"expr": ("expr",), "deduction": ("full", "per", "amount"), "per_event": ("each", "count")}
        given = {w: [f for f in fs if getattr(self, f) is not None] for w, fs in ways.items()}
        used = [w for w, fs in given.items() if fs]
        how = ("写 expr（公式）；或写扣分 full、per、amount（如“满分2分，每缺席一次扣0.5分”：full: 2, per: 0.5, "
               "amount: absences）；或写每次得分 each、count（如“每开展一次得1分，最高5分”：each: 1, count: times, cap: 5）")
        if len(used) > 1:
            raise ValueError(f"分项“{self.label}”：{'、'.join(f for w in used for f in given[w])} 属于不同写法，只能写一种：{how}")
        if not used:
            raise ValueError(f"分项“{self.label}”缺少计分写法：{how}")
        lack = [f for f in ways[used[0]] if f not in given[used[0]]]
        if lack:
            raise ValueError(f"分项“{self.label}”缺少 {'、'.join(lack)}：{how}")
        if used[0] != "deduction" and ({"step", "max_deduction"} & self.model_fields_set):
            raise ValueError(f"分项“{self.label}”：step、max_deduction 只用于扣分写法（full、per、amount）")
        _formula(self.formula)
        return self

    @property
    def formula(self) -> str:
        """The formula the part reads (a deduction part: its amount; a per-event part: its count)."""
        return next(f for f in (self.expr, self.amount, self.count) if f is not None)


def _part_raw(part: Part, cols: Mapping[str, Any]):
    """A part's points before its cap and the floor of 0, over arrays (or one unit's floats)."""
    x = _formula(part.formula)(cols)
    if part.expr is not None:
        return x
    if part.count is not None:
        return part.each * np.asarray(x, dtype=float)
    taken = part.per * _steps(np.asarray(x, dtype=float), part.step, "floor")
    if part.max_deduction is not None:
        taken = np.minimum(taken, part.max_deduction)
    return part.full - taken


class CappedSumParams(RuleParams):
    parts: list[Part] = Field(min_length=1)
    cap: float | None = None

    def input_ids(self):
        out: set[str] = set()
        for part in self.parts:
            out |= _names(part.formula)
        return out


def capped_sum(frame: Frame, p: CappedSumParams) -> np.ndarray:
    """The sum of parts (each optionally capped), capped as a whole.

    001 10.1: “（主动承诺型承诺+行业自律型承诺数量）/市场主体数+实行审批替代型承诺的审批事项数量/19+…，最高得4分”.
    """
    cols = {c: _col(frame, c) for c in p.input_ids()}
    total = np.zeros(len(frame))
    for part in p.parts:
        v = _clip(np.broadcast_to(np.asarray(_part_raw(part, cols), dtype=float), (len(frame),)), lower=0.0)
        if part.cap is not None:
            v = _clip(v, upper=part.cap)
        total = total + v
    return _clip(total, upper=_cap(p, p.cap))


def _explain_capped_sum(values, p: CappedSumParams, points: float) -> str:
    bits = []
    vals = {k: float(values[k]) for k in p.input_ids()}
    for part in p.parts:
        v = _part_raw(part, vals)
        v = float("nan") if v is None else max(float(v), 0.0)
        capped = min(v, part.cap) if part.cap is not None and not math.isnan(v) else v
        cap_txt = f"(上限{fmt(part.cap)})" if part.cap is not None and v > part.cap else ""
        if part.count is not None:  # a per-event part: 每次得分 × 次数
            bits.append(f"{part.label} {fmt(part.each)}×{substitute(part.count, values)}={pts(capped)}{cap_txt}")
            continue
        if part.expr is None:  # a deduction part: 满分 − 每次扣分 × 次数
            bits.append(f"{part.label} {_explain_part_deduction(part, vals, values)}={pts(capped)}{cap_txt}")
            continue
        bits.append(f"{part.label} {substitute(part.expr, values)}={pts(capped)}{cap_txt}")
    return "；".join(bits) + f"；合计上限 {fmt(_cap(p, p.cap))} → {pts(points)}"


def _explain_part_deduction(part: Part, vals, values) -> str:
    """“2−0.5×3（缺席次数 3）”: the part's full marks, what each step costs, how many steps."""
    amount = float(_formula(part.amount)(vals))
    steps = float(_steps(amount, part.step, "floor"))
    a = substitute(part.amount, values)
    most = ""
    if part.max_deduction is not None and part.per * steps > part.max_deduction:
        most = f"，最多扣 {fmt(part.max_deduction)}"
    return f"{fmt(part.full)}−{fmt(part.per)}×{fmt(steps)}（扣分量 {a}{most}）"


# --- judgement ---------------------------------------------------------------------------------
class JudgementParams(RuleParams):
    column: str = ""  # filled by the engine: judge:<item id>
    guidance: str = ""  # what the assessor weighs (e.g. 003's sub-metrics)

    def input_ids(self):
        return {self.column} if self.column else set()


def judgement(frame: Frame, p: JudgementParams) -> np.ndarray:
    """Points entered by an assessor within [0, max], with a written justification.

    001 一: “……贯彻落实……等情况，酌情计分”. A missing entry is ``pending_judgement``, never 0.
    """
    return _clip(_col(frame, p.column), lower=0.0, upper=p.max_points)


def _explain_judgement(values, p: JudgementParams, points: float) -> str:
    why = values.get("__why__") or ""
    return f"评审赋分 {fmt(points)}/{fmt(p.max_points)}" + (f"：{why}" if why else "")


BUILTIN = [
    ("all_of", all_of, BoolSetParams, _explain_boolset("须全部满足"), "全部满足"),
    ("any_of", any_of, BoolSetParams, _explain_boolset("满足其一即可"), "满足其一"),
    ("checklist", checklist, ChecklistParams, _explain_checklist, "逐项计分"),
    ("threshold", threshold, ThresholdParams, _explain_threshold, "达标计分"),
    ("condition", condition, ConditionParams, _explain_condition, "条件计分"),
    ("formula", formula, FormulaParams, _explain_formula, "公式计分"),
    ("count_factor", count_factor, CountFactorParams, _explain_count_factor, "按数量计分"),
    ("piecewise", piecewise, PiecewiseParams, _explain_piecewise, "分段计分"),
    ("stepwise", stepwise, StepwiseParams, _explain_stepwise, "阶梯加分"),
    ("deduction", deduction, DeductionParams, _explain_deduction, "扣分制"),
    ("capped_sum", capped_sum, CappedSumParams, _explain_capped_sum, "分项加总"),
    ("judgement", judgement, JudgementParams, _explain_judgement, "评审赋分"),
]


def register_builtin_kinds(reg: Registry) -> None:
    for name, func, params, explain, label in BUILTIN:
        reg.register(name, func, params, explain, label)


_DEFAULT: Registry | None = None


def default_registry() -> Registry:
    """The registry with the built-in kinds, built once (here, beside the kinds, so that the
    registry module imports nothing of them: no registry <-> kinds cycle)."""
    global _DEFAULT
    if _DEFAULT is None:
        reg = Registry()
        register_builtin_kinds(reg)
        _DEFAULT = reg
    return _DEFAULT
