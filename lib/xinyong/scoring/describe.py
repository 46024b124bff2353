"""The words a rule's computation is told in, as a reviewer would write it, with the unit's own values.

Each rule kind (:mod:`.kinds`) has two texts: ``explain`` writes the exact computation for auditors — the
formula with the values substituted, four decimals — kept in the report's folded 计算依据; ``describe``
writes what a leader reads, with the helpers here: the inputs by their Chinese labels with their units,
the points in 分, a cap or floor said in words ("本项上限 8 分"), no program syntax, no input ids, no raw
floats:

    具备 4 项 × 每项 2 分 = 8 分（本项上限 8 分）
    迟报 3 条，每条扣 0.5 分：7.5 − 1.5 = 6 分
    信用贷款增速 12%：按文件公式计算得 0.84 分

A kind without a describer (a kind registered by a user) falls back to its ``explain`` text. A gate's
condition is said here too (:func:`gate_sentence`).
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from ..formula import Formula, parse
from ..labels import score2
from ..scheme.model import InputSpec

OP_WORDS = {">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于", "==": "等于"}


def plain(x: Any, digits: int = 2) -> str:
    """A number as a person writes it: at most ``digits`` decimals, no trailing zeros."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "未知"
    s = f"{round(float(x), digits):.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def pts(x: float) -> str:
    """Points with the unit 分, two decimals kept consistently (7.50 分)."""
    return f"{score2(x)} 分"


class Names:
    """The Chinese label and unit of each input, and its value written with them."""

    def __init__(self, catalogue: Mapping[str, InputSpec]):
        self.catalogue = catalogue

    def label(self, input_id: str) -> str:
        spec = self.catalogue.get(input_id)
        return spec.label if spec else "该项数据"

    def value(self, input_id: str, v: Any) -> str:
        spec = self.catalogue.get(input_id)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "未知"
        if spec is not None and spec.type == "bool":
            return "是" if float(v) == 1.0 else "否"
        if spec is not None and spec.type == "percent":
            return f"{plain(v)}%"
        unit = spec.unit if spec is not None else ""
        if unit in ("%", "％"):
            return f"{plain(v)}%"
        if spec is not None and spec.type == "integer":
            return f"{plain(v, 0)}{unit}"
        return f"{plain(v)}{unit}"

    def unit(self, input_id: str, default: str = "项") -> str:
        """The counting word of an input (“条”, “个”), for “每条扣 0.5 分”."""
        spec = self.catalogue.get(input_id)
        u = spec.unit if spec is not None else ""
        return u if u and len(u) == 1 and not u.isascii() else default

    def is_percent(self, input_id: str) -> bool:
        spec = self.catalogue.get(input_id)
        return spec is not None and (spec.type == "percent" or spec.unit in ("%", "％"))

    def is_bool(self, input_id: str) -> bool:
        spec = self.catalogue.get(input_id)
        return spec is not None and spec.type == "bool"

    def fact(self, input_id: str, v: Any) -> str:
        """“存量代码转换率 98%”, “是否建立制度：是”."""
        spec = self.catalogue.get(input_id)
        if spec is not None and spec.type == "bool":
            return f"{self.label(input_id)}：{self.value(input_id, v)}"
        return f"{self.label(input_id)} {self.value(input_id, v)}"

    def facts(self, values: Mapping[str, Any], ids) -> str:
        return "，".join(self.fact(i, values.get(i)) for i in ids)

    def quoted(self, name: str) -> str | None:
        """An input's label in Chinese quotes (quotes inside become single), a total a gate reads by its
        name (总分); None for a name the scheme does not declare."""
        if name in TOTAL_WORDS:
            return TOTAL_WORDS[name]
        spec = self.catalogue.get(name)
        return None if spec is None else "“" + spec.label.replace("“", "‘").replace("”", "’") + "”"

    def formula(self, f: Formula | str, values: Mapping[str, Any] | None = None, operand_of: str = "") -> str:
        """A formula (or a gate's or a check's test) in a reader's words, written from its parsed tree
        (:meth:`Formula.to_words`): inputs by their quoted labels, a number compared with a percentage
        written 80%, with a yes/no answer 是/否; with ``values``, the unit's values in their place."""
        f = parse(f) if isinstance(f, str) else f
        percent, yes_no = self._kinds()
        return f.to_words(self.quoted, values=values, operand_of=operand_of, percent=percent, yes_no=yes_no)

    def _kinds(self) -> tuple[frozenset[str], frozenset[str]]:
        """The percentage inputs and the yes/no inputs of the catalogue (found once per Names)."""
        if not hasattr(self, "_kinds_found"):
            cat = self.catalogue
            self._kinds_found = (frozenset(k for k in cat if self.is_percent(k)), frozenset(k for k in cat if self.is_bool(k)))
        return self._kinds_found


def shown_cap(p, cap) -> float:
    """The cap a sentence names: the rule's own, never above the item's maximum."""
    return float(min(cap, p.max_points) if cap is not None else p.max_points)


def capped(raw: float, points: float, cap: float, floor: float = 0.0) -> str:
    """“（计算值 10 分，超过本项上限 8 分，按 8 分计）” when a cap or floor changed the points, else nothing."""
    if raw > cap + 1e-9:
        return f"（计算值 {plain(raw)} 分，超过本项上限 {plain(cap)} 分，按 {plain(cap)} 分计）"
    if raw < floor - 1e-9:
        return f"（计算值 {plain(raw)} 分，低于本项下限 {plain(floor)} 分，按 {plain(floor)} 分计）"
    return ""


def unmet(values: Mapping[str, Any], requires, n: Names) -> str | None:
    """“前提条件“已报送”不成立，本项不得分 → …” when a required yes/no input is not 是."""
    missing = [r for r in requires if float(values.get(r, math.nan)) != 1.0]
    if not missing:
        return None
    return f"前提条件“{'”“'.join(n.label(r) for r in missing)}”不成立，本项不得分 → 得 {pts(0)}"


TOTAL_WORDS = {"total": "总分", "base_total": "基础分", "bonus": "附加分"}
AST_OPS = {"GtE": ">=", "Gt": ">", "LtE": "<=", "Lt": "<", "Eq": "=="}


def gate_sentence(test: str, values: Mapping[str, Any], outcome: str, n: Names) -> str:
    """A gate condition as a sentence with the unit's values, e.g. “存量代码转换率 98%，要求不低于 100%：
    未达到”. A single comparison of an input with a number (or two inputs) is written out; any other
    test lists the facts it reads and whether it holds (the formula stays in the folded detail)."""
    import ast

    verdict = {"pass": "达到", "fail": "未达到", "unknown": "尚无法判定（缺少数据）"}.get(outcome, outcome)

    def label(name: str) -> str:
        return TOTAL_WORDS.get(name) or n.label(name)

    def value(name: str) -> str:
        v = values.get(name)
        if name in TOTAL_WORDS:
            return "未知" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{plain(v)} 分"
        return n.value(name, v)

    try:
        node = ast.parse(test, mode="eval").body
    except SyntaxError:
        node = None
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Name):
        op = AST_OPS.get(type(node.ops[0]).__name__)
        right = node.comparators[0]
        name = node.left.id
        if op and isinstance(right, ast.Constant) and isinstance(right.value, (int, float)):
            if n.is_bool(name) and op == "==":
                want = "是" if right.value == 1 else "否"
                return f"{label(name)}：{value(name)}，要求为“{want}”：{verdict}"
            want = f"{plain(right.value)} 分" if name in TOTAL_WORDS else n.value(name, float(right.value))
            return f"{label(name)} {value(name)}，要求{OP_WORDS[op]} {want}：{verdict}"
        if op and isinstance(right, ast.Name):
            return (f"{label(name)} {value(name)}，{label(right.id)} {value(right.id)}，"
                    f"要求前者{OP_WORDS[op]}后者：{verdict}")
    names = sorted({x.id for x in ast.walk(node)} if node is None else
                   {x.id for x in ast.walk(node) if isinstance(x, ast.Name)})
    facts = "，".join(f"{label(x)} {value(x)}" if not n.is_bool(x) else f"{label(x)}：{value(x)}" for x in names)
    return f"{facts}：{'条件满足' if outcome == 'pass' else verdict if outcome == 'unknown' else '条件未满足'}"
