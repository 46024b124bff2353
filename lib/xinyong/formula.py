"""A restricted, vectorised expression evaluator for formulas written in scheme files.

Why not ``simpleeval``: its guards (power caps, boolean operators, chained comparisons) rely on
Python truthiness, which raises on a pandas Series; scoring is vectorised over units, so the
evaluator must combine whole columns. The design follows simpleeval's: a whitelist of AST node types
mapped to handlers, names and functions passed per evaluation, parse once and evaluate many times.
Anything not on the whitelist (attributes, subscripts, calls to unknown names, lambdas,
comprehensions, strings) raises :class:`FormulaError` naming the formula text.
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Collection, Mapping

import numpy as np
import pandas as pd

from .errors import FormulaError

MAX_POWER = 100.0
MAX_FORMULA_LENGTH = 2000
# The parser, the checks and the evaluator recurse once per level of nesting; a formula nested a
# thousand deep would end in RecursionError. The shipped schemes nest brackets 5 deep and their trees
# are at most 11 levels (a sum of n terms is n levels: 100 leaves room for long sums).
MAX_FORMULA_NESTING = 32  # brackets, counted in the text before parsing
MAX_FORMULA_DEPTH = 100  # levels of the parsed tree


def _safe_pow(a, b):
    bb = np.asarray(b, dtype=float)
    if np.nanmax(np.abs(bb)) > MAX_POWER if bb.size else False:
        raise FormulaError("公式中的幂次过大", f"exponent above {MAX_POWER}")
    return np.power(np.asarray(a, dtype=float), bb) if not isinstance(a, pd.Series) else a.pow(b)


def _div(a, b):
    # Division by zero gives NaN (an undefined score), never inf and never an exception.
    if not isinstance(a, (pd.Series, np.ndarray)) and not isinstance(b, (pd.Series, np.ndarray)):
        return float(a) / float(b) if float(b) != 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out = operator.truediv(a, b)
    if isinstance(out, pd.Series):
        return out.replace([np.inf, -np.inf], np.nan)
    if isinstance(out, np.ndarray) and out.ndim:
        return np.where(np.isinf(out), np.nan, out)
    if isinstance(out, (float, np.floating)) and not np.isfinite(out):
        return np.nan
    return out


BIN_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _div,
    ast.FloorDiv: lambda a, b: np.floor(_div(a, b)),
    ast.Mod: operator.mod,
    ast.Pow: _safe_pow,
    ast.BitAnd: lambda a, b: _as_bool(a) & _as_bool(b),
    ast.BitOr: lambda a, b: _as_bool(a) | _as_bool(b),
}
CMP_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def _as_bool(x):
    if isinstance(x, pd.Series):
        return x.astype(bool)
    return np.asarray(x).astype(bool) if isinstance(x, np.ndarray) else bool(x)


def _vmin(*args):
    out = args[0]
    for a in args[1:]:
        out = np.minimum(out, a)
    return out


def _vmax(*args):
    out = args[0]
    for a in args[1:]:
        out = np.maximum(out, a)
    return out


def _where(cond, a, b):
    res = np.where(_as_bool(cond), a, b)
    for x in (cond, a, b):
        if isinstance(x, pd.Series):
            return pd.Series(res, index=x.index, dtype=float)
    return res.item() if np.ndim(res) == 0 else res


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": _vmin,
    "max": _vmax,
    "abs": np.abs,
    "floor": np.floor,
    "ceil": np.ceil,
    "clip": lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
    "where": _where,
}


@dataclass(frozen=True)
class Formula:
    """A parsed formula: parse once, evaluate many times. The tree is shared: read it, never change it."""

    text: str
    tree: ast.Expression = field(compare=False)  # equal formulas are equal texts
    names: frozenset[str]

    def __call__(self, names: Mapping[str, Any]) -> Any:
        return evaluate(self, names)

    def to_words(self, name_of: Callable[[str], str | None] | Mapping[str, str] | None = None, *,
                 values: Mapping[str, Any] | None = None, percent: Collection[str] = (),
                 yes_no: Collection[str] = (), digits: int = 2, operand_of: str = "") -> str:
        """The formula as a reader's Chinese, written from its tree: ``name_of(id)`` the words for an input
        (the id itself when it gives None), comparisons and logic in signs and words (≥, ≠, 且, 或, 非),
        ``a if c else b`` and ``where(c, a, b)`` as “c 时取 a，否则取 b”, ``min``/``max``/``abs`` as
        “a 与 b 中较小者”, “x 的绝对值”, ``*`` as ×, brackets only where the tree needs them.

        ``values``: the unit's values, written in place of the names they give (a missing one as 未知),
        with at most ``digits`` decimals; the formula's own numbers stay as written (0.002). ``percent``
        and ``yes_no``: the inputs that are percentages and yes/no answers — a number compared with one
        is written 80% or 是/否. ``operand_of``: the sign the text stands beside, to bracket it as the
        tree would — ``"="`` a whole choice (“（c 时取 a，否则取 b）=4.5”), ``"×"`` a sum too (“2×(a+b)”)."""
        said = _Words(name_of, values, percent, yes_no, digits).say(self.tree.body)
        bind = {"": _CHOICE, "=": _OR, "×": _MUL}[operand_of]
        return _bracket(said) if said.level < bind else said.text

    def __reduce__(self):
        # pickled as its text (a compiled plan travels to batch workers and into run files) and parsed
        # again where it is unpickled: once per process, as every parse
        return parse, (self.text,)


def parse(text: str, allowed_names: set[str] | None = None) -> Formula:
    """``text`` parsed and checked against the whitelist; ``allowed_names``: the only names it may read.

    A text is parsed once per process (the result is immutable and shared): a scheme is compiled again
    for each reading's alternative and each period it is scored for, with the same formulas."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("公式为空", "empty formula", formula=text)
    f = _parsed(text)
    if allowed_names is not None:
        unknown = f.names - set(allowed_names)
        if unknown:
            raise FormulaError(
                f"公式引用了未声明的输入：{', '.join(sorted(unknown))}（公式：{text}）",
                f"undeclared names {sorted(unknown)}",
                formula=text,
            )
    return f


@lru_cache(maxsize=4096)  # bounded: a long batch of many schemes keeps its memory flat
def _parsed(text: str) -> Formula:
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"公式过长（{len(text)} 个字符，上限 {MAX_FORMULA_LENGTH}）：{text[:80]}…",
                           f"formula longer than {MAX_FORMULA_LENGTH}", formula=text[:80])
    if _bracket_depth(text) > MAX_FORMULA_NESTING:
        raise FormulaError(f"公式的括号嵌套超过 {MAX_FORMULA_NESTING} 层：{_shown(text)}",
                           f"brackets nested deeper than {MAX_FORMULA_NESTING}", formula=text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"公式语法错误：{text}", f"syntax error: {exc.msg}", formula=text) from None
    except (RecursionError, MemoryError):  # the length and bracket bounds should keep this from happening
        raise FormulaError(f"公式嵌套过深：{_shown(text)}", "too deeply nested to parse", formula=text) from None
    if _tree_depth(tree) > MAX_FORMULA_DEPTH:
        raise FormulaError(f"公式嵌套超过 {MAX_FORMULA_DEPTH} 层（运算或函数套得太多）：{_shown(text)}",
                           f"expression tree deeper than {MAX_FORMULA_DEPTH}", formula=text)
    names: set[str] = set()
    for node in ast.walk(tree):
        _check_node(node, text)
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            names.add(node.id)
    return Formula(text=text, tree=tree, names=frozenset(names))


def _shown(text: str) -> str:
    """The formula as an error message shows it: a long one cut."""
    return text if len(text) <= 200 else text[:200] + "…"


def _bracket_depth(text: str) -> int:
    """How deep round and square brackets nest in ``text`` (without parsing it)."""
    depth = deepest = 0
    for ch in text:
        if ch in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]":
            depth -= 1
    return deepest


def _tree_depth(tree: ast.AST) -> int:
    """The number of levels of ``tree``, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.IfExp, ast.Name, ast.Load,
    ast.Constant, ast.Call, ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or,
    *BIN_OPS.keys(), *CMP_OPS.keys(),
)


def _check_node(node: ast.AST, text: str) -> None:
    if not isinstance(node, _ALLOWED):
        raise FormulaError(
            f"公式中不允许使用“{type(node).__name__}”：{text}",
            f"node type {type(node).__name__} is not allowed",
            formula=text,
        )
    if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)) or (
        isinstance(node, ast.Constant) and isinstance(node.value, bool)
    ):
        raise FormulaError(f"公式中只允许数字常量：{text}", "only numeric constants", formula=text)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise FormulaError(
                f"公式调用了不允许的函数：{text}（可用：{', '.join(FUNCTIONS)}）",
                "call to a function outside the fixed table",
                formula=text,
            )
        if node.keywords:
            raise FormulaError(f"公式函数不接受关键字参数：{text}", "keyword arguments", formula=text)
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise FormulaError(f"公式中的名称不能以下划线开头：{text}", "dunder/underscore name", formula=text)


def evaluate(formula: Formula, names: Mapping[str, Any]) -> Any:
    missing = [n for n in formula.names if n not in names]
    if missing:
        raise FormulaError(
            f"公式缺少输入：{', '.join(sorted(missing))}（公式：{formula.text}）",
            f"missing names {sorted(missing)}",
            formula=formula.text,
        )
    # numpy's warnings off, as pandas' arithmetic has them: 0/0 and 1/0 are NaN (undefined), said by the status
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _eval(formula.tree.body, names, formula.text)


def _eval(node: ast.AST, names: Mapping[str, Any], text: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.BinOp):
        return BIN_OPS[type(node.op)](_eval(node.left, names, text), _eval(node.right, names, text))
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, names, text)
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.UAdd):
            return +v
        return ~_as_bool(v) if isinstance(v, (pd.Series, np.ndarray)) else not v
    if isinstance(node, ast.Compare):
        left = _eval(node.left, names, text)
        result = None
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, names, text)
            part = CMP_OPS[type(op)](left, right)
            result = part if result is None else (_as_bool(result) & _as_bool(part))
            left = right
        return result
    if isinstance(node, ast.BoolOp):
        values = [_as_bool(_eval(v, names, text)) for v in node.values]
        out = values[0]
        for v in values[1:]:
            out = (out & v) if isinstance(node.op, ast.And) else (out | v)
        return out
    if isinstance(node, ast.IfExp):
        return _where(_eval(node.test, names, text), _eval(node.body, names, text), _eval(node.orelse, names, text))
    if isinstance(node, ast.Call):
        args = [_eval(a, names, text) for a in node.args]
        return FUNCTIONS[node.func.id](*args)
    raise FormulaError(f"公式无法计算：{text}", f"unsupported node {type(node).__name__}", formula=text)


# ---------------------------------------------------------------------- a formula in a reader's words
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
