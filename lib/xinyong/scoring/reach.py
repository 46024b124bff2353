"""How many points a rule can give at most, from its parameters and the inputs' declared ranges: the
interval arithmetic each rule kind's ``reach`` uses (:mod:`.kinds`).

``xinyong check`` compares that with the item's 满分: a rule that can never reach its label ("信息量（8分）
…最高得5分") makes every report tell the best unit it lost 3 points, and a rule that gives more than its
label ("标志失信程度（1分）…得3分") has its excess cut without a word. Both are defects of the text to show.

Formulas are bounded by interval arithmetic over the AST the restricted evaluator already parsed
(:mod:`xinyong.formula`): each input is the interval its ``InputSpec`` declares (``min``/``max``; a
percentage 0–100, a yes/no 0–1, an undeclared bound infinite). The bound is sound but not always tight
(``x - x`` gives ``[lo - hi, hi - lo]``); only an upper bound that is finite and *below* the label, or a
bound of the rule's own fixed points *above* it, is reported, so looseness can hide a defect but never
invent one. A comparison or a boolean gives [0, 1]; ``where``/``a if c else b`` the hull of both branches;
a division by an interval that contains 0 is unbounded.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Mapping

from ..formula import FUNCTIONS, Formula, parse
from ..scheme.model import InputSpec

INF = math.inf


@dataclass(frozen=True)
class Interval:
    lo: float
    hi: float

    def __add__(self, o: "Interval") -> "Interval":
        return Interval(_add(self.lo, o.lo), _add(self.hi, o.hi))

    def __neg__(self) -> "Interval":
        return Interval(-self.hi, -self.lo)

    def __sub__(self, o: "Interval") -> "Interval":
        return self + (-o)

    def __mul__(self, o: "Interval") -> "Interval":
        prods = [_mul(a, b) for a in (self.lo, self.hi) for b in (o.lo, o.hi)]
        return Interval(min(prods), max(prods))

    def __truediv__(self, o: "Interval") -> "Interval":
        if o.lo <= 0 <= o.hi:
            return UNBOUNDED
        return self * Interval(1 / o.hi, 1 / o.lo)

    def hull(self, o: "Interval") -> "Interval":
        return Interval(min(self.lo, o.lo), max(self.hi, o.hi))

    def clip(self, lo: float | None = None, hi: float | None = None) -> "Interval":
        a, b = self.lo, self.hi
        if lo is not None:
            a, b = max(a, lo), max(b, lo)
        if hi is not None:
            a, b = min(a, hi), min(b, hi)
        return Interval(a, b)


UNBOUNDED = Interval(-INF, INF)
BOOL = Interval(0.0, 1.0)


def _add(a: float, b: float) -> float:
    s = a + b
    return 0.0 if math.isnan(s) else s  # inf + -inf only arises from an already unbounded side


def _mul(a: float, b: float) -> float:
    return 0.0 if (a == 0 or b == 0) else a * b  # 0 × ∞ is 0 here: a zero factor bounds the product


def input_interval(spec: InputSpec | None) -> Interval:
    """The values an input may take, as its spec declares them (unknown inputs are unbounded)."""
    if spec is None:
        return UNBOUNDED
    return Interval(-INF if spec.min is None else float(spec.min), INF if spec.max is None else float(spec.max))


def bound(f: Formula | str, names: Mapping[str, Interval]) -> Interval:
    """The interval a formula's value lies in when each name lies in its interval (unlisted: unbounded)."""
    return _bound((parse(f) if isinstance(f, str) else f).tree.body, names)


def _bound(node: ast.AST, names: Mapping[str, Interval]) -> Interval:
    if isinstance(node, ast.Constant):
        v = float(node.value)
        return Interval(v, v)
    if isinstance(node, ast.Name):
        return names.get(node.id, UNBOUNDED)
    if isinstance(node, ast.UnaryOp):
        v = _bound(node.operand, names)
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.UAdd):
            return v
        return BOOL
    if isinstance(node, ast.BinOp):
        a, b = _bound(node.left, names), _bound(node.right, names)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        if isinstance(node.op, ast.Div):
            return a / b
        if isinstance(node.op, ast.FloorDiv):
            q = a / b
            return Interval(math.floor(q.lo) if math.isfinite(q.lo) else q.lo,
                            math.floor(q.hi) if math.isfinite(q.hi) else q.hi)
        if isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            return BOOL
        return UNBOUNDED  # %, **: not worth bounding (no shipped formula uses them)
    if isinstance(node, (ast.Compare, ast.BoolOp)):
        return BOOL
    if isinstance(node, ast.IfExp):
        return _bound(node.body, names).hull(_bound(node.orelse, names))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
        args = [_bound(a, names) for a in node.args]
        f = node.func.id
        if f == "min":
            return Interval(min(a.lo for a in args), min(a.hi for a in args))
        if f == "max":
            return Interval(max(a.lo for a in args), max(a.hi for a in args))
        if f == "abs":
            (a,) = args
            if a.lo >= 0:
                return a
            if a.hi <= 0:
                return -a
            return Interval(0.0, max(-a.lo, a.hi))
        if f in ("floor", "ceil"):
            (a,) = args
            g = math.floor if f == "floor" else math.ceil
            return Interval(g(a.lo) if math.isfinite(a.lo) else a.lo, g(a.hi) if math.isfinite(a.hi) else a.hi)
        if f == "clip":
            x, lo, hi = args
            return Interval(min(max(x.lo, lo.lo), hi.hi), min(max(x.hi, lo.hi), hi.hi))
        if f == "where":
            return args[1].hull(args[2])
    return UNBOUNDED


_MIRRORED = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}


def piece_domain(when: Formula | str, x: Interval) -> Interval:
    """The part of ``x``'s interval a piecewise segment's condition keeps, when the condition is a chain
    of comparisons of ``x`` with numbers ("2 <= x < 5", "x >= 5"); otherwise all of ``x``."""
    node = (parse(when) if isinstance(when, str) else when).tree.body
    if not isinstance(node, ast.Compare):
        return x
    terms = [node.left, *node.comparators]
    lo, hi = x.lo, x.hi
    for left, op, right in zip(terms, node.ops, terms[1:]):
        if isinstance(right, ast.Name) and right.id == "x" and isinstance(left, ast.Constant):
            left, op, right = right, _MIRRORED.get(type(op), type(op))(), left  # "2 <= x" is "x >= 2"
        if not (isinstance(left, ast.Name) and left.id == "x" and isinstance(right, ast.Constant)):
            continue
        c = float(right.value)
        if isinstance(op, (ast.Lt, ast.LtE)):
            hi = min(hi, c)
        elif isinstance(op, (ast.Gt, ast.GtE)):
            lo = max(lo, c)
        elif isinstance(op, ast.Eq):
            lo, hi = max(lo, c), min(hi, c)
    return Interval(lo, hi)
