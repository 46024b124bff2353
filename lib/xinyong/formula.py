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
from .formula_words import in_words

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
        return in_words(self.tree, name_of, values=values, percent=percent, yes_no=yes_no, digits=digits,
                        operand_of=operand_of)

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
