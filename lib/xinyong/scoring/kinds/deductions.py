"""Kinds that start from full marks or add parts up: ``deduction`` (full marks less a deduction per event
or per step) and ``capped_sum`` (parts — a formula, a deduction, or points per event — summed, capped)."""
from __future__ import annotations

import ast

import math
from typing import Any, Literal, Mapping

import numpy as np
from pydantic import Field, PrivateAttr, model_validator

from ...formula import Formula, parse
from ...labels import fmt, pts
from .. import describe as words
from ..reach import bound
from ..registry import RuleParams
from .base import Frame, Piece, cap_of, clip, column, evaluate, steps, substitute, unit_values


# --- deduction ---------------------------------------------------------------------------------
class DeductionParams(RuleParams):
    amount: str  # formula: events, or the shortfall in steps' units (e.g. "100 - conversion_rate")
    per: float = Field(gt=0)
    step: float = Field(default=1.0, gt=0)
    step_mode: Literal["floor", "pro_rata", "ceiling"] = "floor"
    full: float | None = None  # starting points, default the item's maximum
    floor: float = 0.0
    max_deduction: float | None = Field(default=None, ge=0)  # “最高扣5分”: the deduction stops there
    _amount: Formula = PrivateAttr()

    @model_validator(mode="after")
    def _parse(self):
        self._amount = parse(self.amount)
        return self

    def reach(self, inputs):
        return max(self.max_points if self.full is None else self.full, self.floor)

    def input_ids(self):
        return set(self._amount.names)


def deduction(frame: Frame, p: DeductionParams) -> np.ndarray:
    """Start from full marks, deduct per event or per step, never below ``floor`` (0).

    001 8.1.1: “存量代码转换率为100%的得1分，每降低1%扣0.2分” (amount ``100 - rate``, step 1).
    004 附件1 二.1: “有迟报、错报的每条扣0.5分，最高扣7.5分” (amount = count of late/wrong records,
    ``max_deduction: 7.5``).
    """
    amount = evaluate(p._amount, frame)
    full = cap_of(p, p.full)
    taken = p.per * steps(amount, p.step, p.step_mode)
    if p.max_deduction is not None:
        taken = np.minimum(taken, p.max_deduction)
    return np.where(np.isnan(amount), np.nan, clip(full - taken, lower=p.floor))


def explain_deduction(values, p: DeductionParams, points: float) -> str:
    amount = float(p._amount(unit_values(values, p.input_ids())))
    n_steps = float(steps(amount, p.step, p.step_mode))
    mode = {"floor": "只计整步", "pro_rata": "按比例", "ceiling": "不足一步按一步"}[p.step_mode]
    a = substitute(p._amount, values, "=")
    a = a if isinstance(p._amount.tree.body, (ast.Name, ast.Constant)) else f"{a}={fmt(amount)}"
    most = ""
    if p.max_deduction is not None:
        most = f"，最多扣 {fmt(p.max_deduction)}" + ("（已达最多扣分）" if p.per * n_steps > p.max_deduction else "")
    return (f"{fmt(cap_of(p, p.full))}−{fmt(p.per)}×{fmt(n_steps)}步（扣分量 {a}，每步 {fmt(p.step)}，{mode}）{most}，"
            f"最低 {fmt(p.floor)} → {pts(points)}")


def describe_deduction(values, p: DeductionParams, points: float, n: words.Names) -> str:
    """“迟报 12 条，每条扣 0.5 分：12 × 0.5 = 6，最多扣 5 分：20 − 5 = 15 分”; a rate's shortfall in
    percentage points (“差 5 个百分点，每个百分点扣 1 分”), never “每项”."""
    plain = words.plain
    ids = sorted(p.input_ids())
    amount = float(p._amount(unit_values(values, ids)))
    n_steps = float(steps(amount, p.step, p.step_mode))
    full = words.shown_cap(p, p.full)
    lost = p.per * n_steps
    facts = n.facts(values, ids)
    percent = bool(ids) and all(n.is_percent(i) for i in ids)
    word = "个百分点" if percent else (n.unit(ids[0]) if len(ids) == 1 else "项")
    how = {"floor": "", "pro_rata": "（按比例）", "ceiling": "（不足一步按一步）"}[p.step_mode]
    if percent:
        short = f"，差 {plain(max(amount, 0))} 个百分点" if p.amount.strip() not in ids else ""
        each = f"每{word}" if p.step == 1 else f"每 {plain(p.step)} {word}"
        head = f"{facts}{short}；{each}扣 {plain(p.per)} 分{how}"
        count = f"{plain(n_steps)} × {plain(p.per)} = {plain(lost)} 分" if p.step == 1 else \
            f"{plain(n_steps)} 步 × {plain(p.per)} = {plain(lost)} 分"
    else:
        each = f"每{word}" if p.step == 1 else f"每 {plain(p.step)}{word}"
        head = f"{facts}；{each}扣 {plain(p.per)} 分{how}"
        count = (f"{plain(n_steps)}{word} × {plain(p.per)} = {plain(lost)} 分" if p.step == 1
                 else f"{plain(n_steps)} 步 × {plain(p.per)} = {plain(lost)} 分")
    taken = lost
    if p.max_deduction is not None and lost > p.max_deduction + 1e-9:
        taken = float(p.max_deduction)
        text = f"{head}：{count}，最多扣 {plain(taken)} 分：{plain(full)} − {plain(taken)} = {plain(full - taken)} 分"
    else:
        text = f"{head}：{plain(full)} − {plain(lost)} = {plain(full - lost)} 分"
    if full - taken < p.floor - 1e-9:
        text += f"（扣完为止，最低 {plain(p.floor)} 分）"
    return text + f" → 得 {words.pts(points)}"


# --- capped_sum --------------------------------------------------------------------------------
class Part(Piece):
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
    _formula: Formula = PrivateAttr()

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
        self._formula = parse(self.formula)
        return self

    @property
    def formula(self) -> str:
        """The formula the part reads (a deduction part: its amount; a per-event part: its count)."""
        return next(f for f in (self.expr, self.amount, self.count) if f is not None)

    def raw(self, cols: Mapping[str, Any]):
        """The part's points before its cap and the floor of 0, over arrays (or one unit's floats)."""
        x = self._formula(cols)
        if self.expr is not None:
            return x
        if self.count is not None:
            return self.each * np.asarray(x, dtype=float)
        taken = self.per * steps(np.asarray(x, dtype=float), self.step, "floor")
        if self.max_deduction is not None:
            taken = np.minimum(taken, self.max_deduction)
        return self.full - taken

    def reach(self, inputs) -> float:
        """Most points the part gives, through its cap (a deduction part: its full marks)."""
        if self.count is not None:  # a per-event part: each × the count's upper bound
            v = bound(self._formula, inputs).clip(lo=0.0)
            return min(v.hi * self.each, self.cap) if self.cap is not None else v.hi * self.each
        if self.expr is None:  # a deduction part: at most its full marks (nothing deducted)
            return min(self.full, self.cap) if self.cap is not None else self.full
        v = bound(self._formula, inputs).clip(lo=0.0)
        return min(v.hi, self.cap) if self.cap is not None else v.hi


class CappedSumParams(RuleParams):
    parts: list[Part] = Field(min_length=1)
    cap: float | None = None

    def input_ids(self):
        out: set[str] = set()
        for part in self.parts:
            out |= part._formula.names
        return out

    def reach(self, inputs):
        total = 0.0
        for part in self.parts:
            total += part.reach(inputs)
        return min(total, cap_of(self, self.cap))


def capped_sum(frame: Frame, p: CappedSumParams) -> np.ndarray:
    """The sum of parts (each optionally capped), capped as a whole.

    001 10.1: “（主动承诺型承诺+行业自律型承诺数量）/市场主体数+实行审批替代型承诺的审批事项数量/19+…，最高得4分”.
    """
    cols = {c: column(frame, c) for c in p.input_ids()}
    total = np.zeros(len(frame))
    for part in p.parts:
        v = clip(np.broadcast_to(np.asarray(part.raw(cols), dtype=float), (len(frame),)), lower=0.0)
        if part.cap is not None:
            v = clip(v, upper=part.cap)
        total = total + v
    return clip(total, upper=cap_of(p, p.cap))


def explain_capped_sum(values, p: CappedSumParams, points: float) -> str:
    bits = []
    vals = unit_values(values, p.input_ids())
    for part in p.parts:
        v = part.raw(vals)
        v = float("nan") if v is None else max(float(v), 0.0)
        capped = min(v, part.cap) if part.cap is not None and not math.isnan(v) else v
        cap_txt = f"(上限{fmt(part.cap)})" if part.cap is not None and v > part.cap else ""
        if part.count is not None:  # a per-event part: 每次得分 × 次数
            bits.append(f"{part.label} {fmt(part.each)}×{substitute(part._formula, values, '×')}={pts(capped)}{cap_txt}")
            continue
        if part.expr is None:  # a deduction part: 满分 − 每次扣分 × 次数
            bits.append(f"{part.label} {_explain_part_deduction(part, vals, values)}={pts(capped)}{cap_txt}")
            continue
        bits.append(f"{part.label} {substitute(part._formula, values, '=')}={pts(capped)}{cap_txt}")
    return "；".join(bits) + f"；合计上限 {fmt(cap_of(p, p.cap))} → {pts(points)}"


def _explain_part_deduction(part: Part, vals, values) -> str:
    """“2−0.5×3（缺席次数 3）”: the part's full marks, what each step costs, how many steps."""
    amount = float(part._formula(vals))
    n_steps = float(steps(amount, part.step, "floor"))
    a = substitute(part._formula, values)
    most = ""
    if part.max_deduction is not None and part.per * n_steps > part.max_deduction:
        most = f"，最多扣 {fmt(part.max_deduction)}"
    return f"{fmt(part.full)}−{fmt(part.per)}×{fmt(n_steps)}（扣分量 {a}{most}）"


def describe_capped_sum(values, p: CappedSumParams, points: float, n: words.Names) -> str:
    vals = unit_values(values, p.input_ids())
    bits = []
    raw_total = 0.0
    for part in p.parts:
        v = part.raw(vals)
        v = math.nan if v is None else max(float(v), 0.0)
        capped = min(v, part.cap) if part.cap is not None and not math.isnan(v) else v
        raw_total += 0.0 if math.isnan(capped) else capped
        bits.append(_describe_part(part, v, capped, vals, values, n))
    return "；".join(bits) + f"；合计 {words.plain(raw_total)} 分" \
        + words.capped(raw_total, points, words.shown_cap(p, p.cap)) + f" → 得 {words.pts(points)}"


def _describe_part(part: Part, v: float, capped: float, vals, values, n: words.Names) -> str:
    plain = words.plain
    used = sorted(part._formula.names & set(vals))
    facts = f"（{n.facts(values, used)}）" if used else ""
    if part.count is not None:  # 每开展一次得1分，最高5分
        each = f"每{n.unit(used[0])}" if len(used) == 1 else "每次"
        raw = part.each * float(part._formula(vals))
        over = f"，超过该项上限 {plain(part.cap)} 分，按 {plain(part.cap)} 分计" if part.cap is not None and raw > part.cap else ""
        return f"{part.label}{facts}{each}得 {plain(part.each)} 分：{plain(raw)} 分{over}"
    if part.expr is None:  # 满分2分，每缺席一次扣0.5分
        n_steps = float(steps(float(part._formula(vals)), part.step, "floor"))
        lost = part.per * n_steps
        lost = lost if part.max_deduction is None else min(lost, part.max_deduction)
        each = f"每{n.unit(used[0])}" if part.step == 1 and len(used) == 1 else f"每 {plain(part.step)}"
        most = f"，最多扣 {plain(part.max_deduction)} 分" if part.max_deduction is not None else ""
        gone = "，扣完为止按 0 分计" if part.full - lost < 0 else ""
        return (f"{part.label}{facts}满分 {plain(part.full)} 分，{each}扣 {plain(part.per)} 分{most}："
                f"{plain(part.full)} − {plain(lost)} = {plain(part.full - lost)} 分{gone}")
    if part.cap is not None and v > part.cap:
        return f"{part.label}{facts}计 {plain(v)} 分，超过该项上限 {plain(part.cap)} 分，按 {plain(part.cap)} 分计"
    return f"{part.label}{facts} {plain(capped)} 分"
