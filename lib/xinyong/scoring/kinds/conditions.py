"""Kinds that pay when a condition holds: ``threshold`` (one input against a number) and ``condition``
(a boolean formula over several inputs), each with its optional yes/no preconditions (``requires``)."""
from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, PrivateAttr, model_validator

from ...formula import Formula, parse
from ...labels import fmt, pts
from .. import describe as words
from ..registry import RuleParams
from .base import Frame, column, flags, substitute, unit_values

Op = Literal[">=", ">", "<=", "<", "=="]
OPS = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less, "==": np.equal}
_OP_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


def _required(frame: Frame, requires: list[str], out: np.ndarray) -> np.ndarray:
    """``out`` where every required yes/no input is 是, else 0 (a blank one: the engine marks the item
    missing). “其他方式提供的得1分”: ``else_points`` are paid for a 否 to 通过平台报送 only when something
    was provided at all (``requires: [provided]``); a 否 is an answer, not a way of providing."""
    if not requires:
        return out
    return np.where(flags(frame, requires, 1.0).all(axis=1), out, 0.0)


def _unmet(values, requires: list[str]) -> list[str]:
    return [r for r in requires if float(values.get(r, np.nan)) != 1.0]


# --- threshold ---------------------------------------------------------------------------------
class ThresholdParams(RuleParams):
    input: str
    op: Op
    value: float
    points: float | None = None
    else_points: float = 0.0
    requires: list[str] = Field(default_factory=list)  # yes/no facts without which no points are given

    def input_ids(self):
        return {self.input} | set(self.requires)

    def reach(self, inputs):
        return float(max(self.points if self.points is not None else self.max_points, self.else_points))


def threshold(frame: Frame, p: ThresholdParams) -> np.ndarray:
    """Points when one input passes a threshold, as written (inclusive ``>=`` or strict ``>``).

    000 1.2.5: “…报送至省、市信用信息共享平台的比率达到50%（1分）” (``>=`` 50).
    """
    ok = OPS[p.op](column(frame, p.input), p.value)
    full = p.points if p.points is not None else p.max_points
    return _required(frame, p.requires, np.where(ok, float(full), float(p.else_points)))


def explain_threshold(values, p: ThresholdParams, points: float) -> str:
    if _unmet(values, p.requires):
        return f"前提“{'、'.join(_unmet(values, p.requires))}”不成立 → 0"
    x = values.get(p.input)
    ok = bool(OPS[p.op](float(x), p.value))
    if isinstance(x, (bool, np.bool_)):  # a yes/no answer against 是 or 否: “是 = 否：不成立”, not “1 = 0：否”
        return f"{fmt(x)} {_OP_TEXT[p.op]} {fmt(bool(p.value))}：{'成立' if ok else '不成立'} → {pts(points)}"
    return f"{fmt(x)} {_OP_TEXT[p.op]} {fmt(p.value)}：{'是' if ok else '否'} → {pts(points)}"


def describe_threshold(values, p: ThresholdParams, points: float, n: words.Names) -> str:
    if words.unmet(values, p.requires, n):
        return words.unmet(values, p.requires, n)
    x = values.get(p.input)
    ok = bool(OPS[p.op](float(x), p.value))
    if n.is_bool(p.input) and p.op == "==":
        want = "是" if p.value == 1 else "否"
        return f"{n.fact(p.input, x)}（要求为“{want}”）→ 得 {words.pts(points)}"
    return (f"{n.fact(p.input, x)}，要求{words.OP_WORDS[p.op]} {n.value(p.input, p.value)}："
            f"{'达到' if ok else '未达到'} → 得 {words.pts(points)}")


# --- condition ---------------------------------------------------------------------------------
class ConditionParams(RuleParams):
    test: str
    points: float | None = None
    else_points: float = 0.0
    requires: list[str] = Field(default_factory=list)  # yes/no facts without which no points are given
    _test: Formula = PrivateAttr()

    @model_validator(mode="after")
    def _parse(self):
        self._test = parse(self.test)
        return self

    def input_ids(self):
        return set(self._test.names) | set(self.requires)

    def reach(self, inputs):
        return float(max(self.points if self.points is not None else self.max_points, self.else_points))


def condition(frame: Frame, p: ConditionParams) -> np.ndarray:
    """Points when a boolean formula over several inputs holds.

    000 1.4.2: “中小微企业和农户信用信息建档比率80%以上……（3分）” (both rates ≥ 80).
    """
    ok = np.asarray(p._test({c: column(frame, c) for c in p._test.names})).astype(bool)
    full = p.points if p.points is not None else p.max_points
    return _required(frame, p.requires, np.broadcast_to(np.where(ok, float(full), float(p.else_points)), (len(frame),)))


def explain_condition(values, p: ConditionParams, points: float) -> str:
    if _unmet(values, p.requires):
        return f"前提“{'、'.join(_unmet(values, p.requires))}”不成立 → 0"
    ok = bool(p._test(unit_values(values, p.input_ids())))
    return f"{substitute(p._test, values)}：{'成立' if ok else '不成立'} → {pts(points)}"


def describe_condition(values, p: ConditionParams, points: float, n: words.Names) -> str:
    if words.unmet(values, p.requires, n):
        return words.unmet(values, p.requires, n)
    ok = bool(p._test(unit_values(values, p.input_ids())))
    # the condition said from its tree (“评分条件“建档比率” ≥ 80%”): the facts alone do not say what was asked
    return (f"{n.facts(values, sorted(p.input_ids()))}；评分条件{n.formula(p._test)}："
            f"{'成立' if ok else '不成立'} → 得 {words.pts(points)}")
