"""A parsed formula written as a reader's Chinese: :meth:`xinyong.formula.Formula.to_words` calls :func:`in_words`.

The words come from the tree, never from the text: every node the evaluator accepts (its whitelist) has its
words here — names by what ``name_of`` calls them, comparisons and logic in signs and words (≥, ≠, 且, 或, 非),
a choice (``a if c else b``, ``where``) as “c 时取 a，否则取 b”, ``min``/``max``/``abs`` as phrases — and a part
is bracketed only where a looser form stands inside a tighter one, so the words compute what the tree does.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping

import numpy as np

from .errors import FormulaError

# How tightly each form binds, loosest first: a part is bracketed only where a looser form stands inside
# a tighter one. A phrase (“a 与 b 中较小者”) binds looser than arithmetic, tighter than a comparison.
_CHOICE, _OR, _AND, _NOT, _CMP, _PHRASE, _ADD, _MUL, _NEG, _POW, _ATOM = range(11)
_CMP_SIGNS = {ast.Lt: "<", ast.LtE: "≤", ast.Gt: ">", ast.GtE: "≥", ast.Eq: "=", ast.NotEq: "≠"}
_ARITH_SIGNS = {ast.Add: ("+", _ADD), ast.Sub: ("−", _ADD), ast.Mult: ("×", _MUL), ast.Div: ("/", _MUL)}
_LOGIC_WORDS = {ast.And: ("且", _AND), ast.Or: ("或", _OR), ast.BitAnd: ("且", _AND), ast.BitOr: ("或", _OR)}
_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SMALLER_LARGER = {"min": "较小者", "max": "较大者"}


@dataclass(frozen=True)
class _Said:
    """A part of the sentence and how tightly it binds."""

    text: str
    level: int


_TIGHT = "，、；：（）“”‘’"  # Chinese punctuation: no space is set beside it
_BRACKETS = "，、；：（）"


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _w(*parts: str) -> str:
    """Words and numbers joined as Chinese is set: a space only between a Chinese word and a number or a
    sign (“3.14 的绝对值”, ““甲”与“乙”中较小者”)."""
    out = ""
    for p in filter(None, parts):
        if out and (_han(out[-1]) != _han(p[0])) and not (out[-1] in _TIGHT or p[0] in _TIGHT):
            out += " "
        out += p
    return out


def _spaced(*parts: str) -> str:
    """A formula's operators and their operands, a space between each (“a ≥ 80 且 b”), none beside
    Chinese punctuation (“且（b 或 c）”)."""
    out = ""
    for p in filter(None, parts):
        if out and not (out[-1] in _BRACKETS or p[0] in _BRACKETS):
            out += " "
        out += p
    return out


class _Words:
    """The tree of a formula written as a reader's Chinese (:meth:`Formula.to_words`)."""

    def __init__(self, name_of, values, percent, yes_no, digits):
        self.name_of = name_of.get if isinstance(name_of, Mapping) else name_of
        self.values, self.percent, self.yes_no, self.digits = values, set(percent), set(yes_no), digits

    # -- numbers and names
    @staticmethod
    def written(v: float) -> str:
        """A number the formula writes, as written (0.002 stays 0.002, 100.0 is 100)."""
        v = float(v)
        s = str(int(v)) if v.is_integer() and abs(v) < 1e15 else np.format_float_positional(v, trim="-")
        return s.replace("-", "−")

    def value(self, v: Any) -> str:
        """A unit's value as a person writes it: at most ``digits`` decimals, no trailing zeros; a value
        that would round to 0 keeps two significant digits (0.0041)."""
        v = float(v)
        s = f"{round(v, self.digits):.{self.digits}f}"
        s = s.rstrip("0").rstrip(".") if "." in s else s
        if s in ("0", "-0") and v != 0:
            s = np.format_float_positional(v, precision=2, unique=False, fractional=False, trim="-")
        return ("0" if s == "-0" else s).replace("-", "−")

    def leaf(self, node: ast.AST, unit: str) -> _Said:
        """A name or a number. ``unit``: how the comparison it stands in reads its numbers — ``%`` (a
        percentage input's), ``yes_no`` (1 is 是, 0 is 否), ``bool`` (a yes/no input's value as 是/否)."""
        if isinstance(node, ast.Name) and (self.values is None or node.id not in self.values):
            return _Said((self.name_of(node.id) if self.name_of else None) or node.id, _ATOM)
        const = isinstance(node, ast.Constant)
        v = node.value if const else self.values[node.id]
        if v is None or (isinstance(v, (float, np.floating)) and np.isnan(v)):
            return _Said("未知", _ATOM)
        own = const or node.id in (self.yes_no if unit != "%" else self.percent)  # a number of the input's kind
        if own and unit in ("yes_no", "bool") and (unit == "yes_no" or not const) and float(v) in (0.0, 1.0):
            return _Said("是" if float(v) == 1.0 else "否", _ATOM)
        s = self.written(v) if const else self.value(v)
        s += "%" if unit == "%" and own else ""
        return _Said(s, _NEG if s.startswith("−") else _ATOM)

    # -- the tree
    def say(self, node: ast.AST, unit: str = "bool") -> _Said:
        if isinstance(node, (ast.Name, ast.Constant)):
            return self.leaf(node, unit)
        if isinstance(node, ast.IfExp):
            return self.choice(node.test, node.body, node.orelse)
        if isinstance(node, ast.BoolOp):
            return self.logic(node.op, node.values)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise FormulaError("公式无法写成文字", f"unsupported node {type(node).__name__}")

    def inner(self, node: ast.AST, level: int, unit: str = "") -> str:
        """``node`` as a part of a form binding at ``level``: bracketed when it binds looser."""
        said = self.say(node, unit)
        return _bracket(said) if said.level < level else said.text

    def logic(self, op: ast.AST, operands) -> _Said:
        """“a 且 b”; a logic form inside another is always bracketed (“a 且（b 或 c）”): a reader is not
        asked to know which of 且 and 或 binds tighter."""
        word, level = _LOGIC_WORDS[type(op)]
        parts = []
        for v in operands:
            said = self.say(v, "bool")
            parts.append(_bracket(said) if said.level <= _AND else said.text)
        return _Said(_spaced(*(x for i, p in enumerate(parts) for x in ((word, p) if i else (p,)))), level)

    def choice(self, test, body, orelse) -> _Said:
        """“c 时取 a，否则取 b”; an ``else`` that is another choice goes on: “…，否则 c2 时取 b，否则取 d”."""
        text = ""
        while True:
            text = _spaced(text, self.inner(test, _OR, "bool"), "时取", self.inner(body, _OR), "，否则")
            nxt = _as_choice(orelse)
            if nxt is None:
                break
            test, body, orelse = nxt
        return _Said(_spaced(text + "取", self.inner(orelse, _OR)), _CHOICE)

    def unary(self, node: ast.UnaryOp) -> _Said:
        if isinstance(node.op, ast.Not):
            inner = self.say(node.operand, "bool")
            if inner.text in ("是", "否"):  # a yes/no the unit answered: said, not negated
                return _Said("否" if inner.text == "是" else "是", _ATOM)
            return _Said("非" + (inner.text if inner.level == _ATOM else _bracket(inner)), _NOT)
        inner = self.say(node.operand, "")
        if isinstance(node.op, ast.UAdd):
            return inner
        return _Said("−" + (inner.text if inner.level >= _POW else _bracket(inner)), _NEG)

    def compare(self, node: ast.Compare) -> _Said:
        operands = [node.left, *node.comparators]
        names = {o.id for o in operands if isinstance(o, ast.Name)}
        unit = "yes_no" if names & self.yes_no else "%" if names & self.percent else ""
        text = self.inner(node.left, _PHRASE, unit)
        for op, right in zip(node.ops, node.comparators):
            text = _spaced(text, _CMP_SIGNS[type(op)], self.inner(right, _PHRASE, unit))
        return _Said(text, _CMP)

    def binop(self, node: ast.BinOp) -> _Said:
        op = type(node.op)
        if op in _LOGIC_WORDS:
            return self.logic(node.op, (node.left, node.right))
        if op is ast.FloorDiv:
            return _Said(f"⌊{self.inner(node.left, _MUL)}/{self.right(node.right, _MUL)}⌋", _ATOM)
        if op is ast.Mod:
            return _Said(_w(self.inner(node.left, _ADD), "除以", self.inner(node.right, _ADD), "的余数"), _PHRASE)
        if op is ast.Pow:
            base, exp = self.inner(node.left, _ATOM), node.right
            if isinstance(exp, ast.Constant) and float(exp.value).is_integer() and 0 <= exp.value <= 9:
                return _Said(base + _SUPERSCRIPT[int(exp.value)], _POW)
            return _Said(f"{base}^{self.right(exp, _POW, assoc=True)}", _POW)
        sign, level = _ARITH_SIGNS[op]
        return _Said(f"{self.inner(node.left, level)}{sign}{self.right(node.right, level)}", level)

    def right(self, node: ast.AST, level: int, assoc: bool = False) -> str:
        """A right operand: bracketed when it binds as loosely (``a−(b−c)``: the tree as written) or
        begins with a minus sign (``a×(−b)``)."""
        said = self.say(node, "")
        if said.level < level or (said.level == level and not assoc) or said.text.startswith("−"):
            return _bracket(said)
        return said.text

    def call(self, node: ast.Call) -> _Said:
        fn, args = node.func.id, node.args
        if _as_choice(node) is not None:
            return self.choice(*args)
        if fn in _SMALLER_LARGER and len(args) == 1:
            return self.say(args[0], "")
        parts = [self.inner(a, _ADD) for a in args]
        if fn in _SMALLER_LARGER and parts:
            listed = _w("、".join(parts[:-1]), "与", parts[-1])
            return _Said(_w(listed, "中" + _SMALLER_LARGER[fn]), _PHRASE)
        if fn == "abs" and len(args) == 1:
            return _Said(_w(self.inner(args[0], _ATOM), "的绝对值"), _PHRASE)
        if fn in ("floor", "ceil") and len(args) == 1:
            inner = self.say(args[0], "").text
            return _Said(f"⌊{inner}⌋" if fn == "floor" else f"⌈{inner}⌉", _ATOM)
        if fn == "clip" and len(args) == 3:
            return _Said(_w(parts[0], "（不低于", parts[1], "，不高于", parts[2], "）"), _PHRASE)
        return _Said(f"{fn}({', '.join(parts)})", _ATOM)  # a function with other arguments: as written


def _bracket(said: _Said) -> str:
    """Arithmetic in round brackets, as a formula is written; words in full-width ones."""
    return f"({said.text})" if said.level >= _ADD else f"（{said.text}）"


def _as_choice(node: ast.AST):
    """(test, body, orelse) when ``node`` chooses between two values (``a if c else b``, ``where``)."""
    if isinstance(node, ast.IfExp):
        return node.test, node.body, node.orelse
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "where" and len(node.args) == 3:
        return tuple(node.args)
    return None


def in_words(tree: ast.Expression, name_of: Callable[[str], str | None] | Mapping[str, str] | None = None, *,
             values: Mapping[str, Any] | None = None, percent: Collection[str] = (), yes_no: Collection[str] = (),
             digits: int = 2, operand_of: str = "") -> str:
    """A parsed formula's tree in words (:meth:`xinyong.formula.Formula.to_words` says what each argument does)."""
    said = _Words(name_of, values, percent, yes_no, digits).say(tree.body)
    bind = {"": _CHOICE, "=": _OR, "×": _MUL}[operand_of]
    return _bracket(said) if said.level < bind else said.text
