"""Kinds over a set of yes/no conditions: ``all_of``, ``any_of`` (full points or none) and ``checklist``
(points per element present, or deducted per element missing)."""
from __future__ import annotations

import functools
import math
from typing import Literal

import numpy as np
from pydantic import Field

from ...labels import fmt, pts
from .. import describe as words
from ..registry import RuleParams
from .base import Frame, cap_of, clip, column, flags


# --- all_of / any_of --------------------------------------------------------------------------
class BoolSetParams(RuleParams):
    inputs: list[str] = Field(min_length=1)
    expect: bool = True  # each input must equal this (False: "如果均为否，得1分")
    points: float | None = None  # default: the item's maximum

    def input_ids(self):
        return set(self.inputs)

    def reach(self, inputs):
        return float(self.points if self.points is not None else self.max_points)


def all_of(frame: Frame, p: BoolSetParams) -> np.ndarray:
    """Full points when every condition holds, else 0.

    001 七 政策环境: “如果以下任一条为是，得0分；如果均为否，得1分” (``expect: false``).
    """
    ok = flags(frame, p.inputs, 1.0 if p.expect else 0.0).all(axis=1)
    return ok.astype(float) * (p.points if p.points is not None else p.max_points)


def any_of(frame: Frame, p: BoolSetParams) -> np.ndarray:
    """Full points when at least one condition holds, else 0.

    001 二 2.1 细则: “城市接力、宣传教育、百城万企亮信用，有其一即可”.
    """
    ok = flags(frame, p.inputs, 1.0 if p.expect else 0.0).any(axis=1)
    return ok.astype(float) * (p.points if p.points is not None else p.max_points)


def _explain_boolset_with(word: str, values, p: BoolSetParams, points: float) -> str:
    want = 1.0 if p.expect else 0.0
    n_ok = sum(1 for i in p.inputs if float(values.get(i, np.nan)) == want)
    target = "是" if p.expect else "否"
    return f"{len(p.inputs)} 项中 {n_ok} 项为“{target}”（{word}）→ {pts(points)}"


def _describe_boolset_with(word: str, values, p: BoolSetParams, points: float, n: words.Names) -> str:
    want = 1.0 if p.expect else 0.0
    bad = [i for i in p.inputs if float(values.get(i, math.nan)) != want]
    target = "是" if p.expect else "否"
    if len(p.inputs) == 1:
        return f"{n.fact(p.inputs[0], values.get(p.inputs[0]))}（应为“{target}”）→ 得 {words.pts(points)}"
    head = f"{len(p.inputs)} 项条件{word}，{len(p.inputs) - len(bad)} 项为“{target}”"
    tail = f"；未满足：{'、'.join(n.label(i) for i in bad)}" if bad else ""
    return f"{head}{tail} → 得 {words.pts(points)}"


# partials of module-level functions, not closures: score results pickle (the batch memo)
explain_all_of = functools.partial(_explain_boolset_with, "须全部满足")
explain_any_of = functools.partial(_explain_boolset_with, "满足其一即可")
describe_all_of = functools.partial(_describe_boolset_with, "须全部满足")
describe_any_of = functools.partial(_describe_boolset_with, "满足其一即可")


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

    def reach(self, inputs):
        cap = cap_of(self, self.cap)
        if self.mode == "deduct":
            return float(cap)
        return float(min(cap, self.per_item * len(self.items) + self.bonus_all))


def checklist(frame: Frame, p: ChecklistParams) -> np.ndarray:
    """Points per element present (``add``) or deducted per element missing (``deduct``), capped.

    004 附件1 一.1: “成立的得5分；缺一项扣1分，未成立的不得分” (deduct, require).
    004 附件2 三.3: “每项得1分，共5分” (add).
    """
    # a blank counts as absent here (as DataFrame.sum skips NaN); the engine marks the item missing anyway
    have = np.nansum(np.stack([column(frame, c) for c in p.items], axis=1), axis=1)
    cap = cap_of(p, p.cap)
    if p.mode == "add":
        out = have * p.per_item
        if p.bonus_all:
            out = out + (have == len(p.items)).astype(float) * p.bonus_all
        out = clip(out, upper=cap)
    else:
        out = clip(cap - (len(p.items) - have) * p.per_item, lower=0.0)
    if p.require:
        out = np.where(column(frame, p.require) == 1.0, out, 0.0)
    return out


def explain_checklist(values, p: ChecklistParams, points: float) -> str:
    have = [i for i in p.items if float(values.get(i, np.nan)) == 1.0]
    n, k = len(p.items), len(have)
    if p.require and float(values.get(p.require, np.nan)) != 1.0:
        return f"前提“{p.require}”不成立 → 0"
    if p.mode == "add":
        extra = f"+{fmt(p.bonus_all)}(全部具备)" if p.bonus_all and k == n else ""
        return f"具备 {k}/{n} 项：{k}×{fmt(p.per_item)}{extra}，上限 {fmt(cap_of(p, p.cap))} → {pts(points)}"
    return f"缺 {n - k}/{n} 项：{fmt(cap_of(p, p.cap))}−{n - k}×{fmt(p.per_item)}，最低 0 → {pts(points)}"


def describe_checklist(values, p: ChecklistParams, points: float, n: words.Names) -> str:
    plain = words.plain
    if p.require and float(values.get(p.require, math.nan)) != 1.0:
        return f"前提条件“{n.label(p.require)}”不成立，本项不得分 → 得 {words.pts(0)}"
    have = [i for i in p.items if float(values.get(i, math.nan)) == 1.0]
    k, total = len(have), len(p.items)
    cap = words.shown_cap(p, p.cap)
    if p.mode == "add":
        raw = k * p.per_item + (p.bonus_all if k == total else 0.0)
        extra = f"，全部具备另加 {plain(p.bonus_all)} 分" if p.bonus_all and k == total else ""
        text = f"{total} 项中具备 {k} 项 × 每项 {plain(p.per_item)} 分 = {plain(k * p.per_item)} 分{extra}"
        return text + words.capped(raw, points, cap) + f" → 得 {words.pts(points)}"
    miss = total - k
    raw = cap - miss * p.per_item
    return (f"{total} 项中缺 {miss} 项，每项扣 {plain(p.per_item)} 分：{plain(cap)} − {plain(miss * p.per_item)}"
            f" = {plain(raw)} 分" + ("（扣完为止）" if raw < 0 else "") + f" → 得 {words.pts(points)}")
