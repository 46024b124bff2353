"""Each rule kind's computation in words, as a reviewer would write it, with the unit's own values.

``explain`` (in :mod:`.kinds`) writes the exact computation for auditors — the formula with the values
substituted, four decimals — and stays available in the report's folded 计算依据. The texts here are what
a leader reads: the inputs by their Chinese labels with their units, the points in 分, a cap or floor
said in words ("本项上限 8 分"), no program syntax, no input ids, no raw floats:

    具备 4 项 × 每项 2 分 = 8 分（本项上限 8 分）
    迟报 3 条，每条扣 0.5 分：7.5 − 1.5 = 6 分
    信用贷款增速 12%：按文件公式计算得 0.84 分

A kind without a describer (a kind registered by a user) falls back to its ``explain`` text.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping

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


def _cap(p, cap) -> float:
    return float(min(cap, p.max_points) if cap is not None else p.max_points)


def _capped(raw: float, points: float, cap: float, floor: float = 0.0) -> str:
    if raw > cap + 1e-9:
        return f"（计算值 {plain(raw)} 分，超过本项上限 {plain(cap)} 分，按 {plain(cap)} 分计）"
    if raw < floor - 1e-9:
        return f"（计算值 {plain(raw)} 分，低于本项下限 {plain(floor)} 分，按 {plain(floor)} 分计）"
    return ""


def _boolset(word: str):
    def describe(values, p, points: float, n: Names) -> str:
        want = 1.0 if p.expect else 0.0
        bad = [i for i in p.inputs if float(values.get(i, math.nan)) != want]
        target = "是" if p.expect else "否"
        if len(p.inputs) == 1:
            return f"{n.fact(p.inputs[0], values.get(p.inputs[0]))}（应为“{target}”）→ 得 {pts(points)}"
        head = f"{len(p.inputs)} 项条件{word}，{len(p.inputs) - len(bad)} 项为“{target}”"
        tail = f"；未满足：{'、'.join(n.label(i) for i in bad)}" if bad else ""
        return f"{head}{tail} → 得 {pts(points)}"
    return describe


def checklist(values, p, points: float, n: Names) -> str:
    if p.require and float(values.get(p.require, math.nan)) != 1.0:
        return f"前提条件“{n.label(p.require)}”不成立，本项不得分 → 得 {pts(0)}"
    have = [i for i in p.items if float(values.get(i, math.nan)) == 1.0]
    k, total = len(have), len(p.items)
    cap = _cap(p, p.cap)
    if p.mode == "add":
        raw = k * p.per_item + (p.bonus_all if k == total else 0.0)
        extra = f"，全部具备另加 {plain(p.bonus_all)} 分" if p.bonus_all and k == total else ""
        text = f"{total} 项中具备 {k} 项 × 每项 {plain(p.per_item)} 分 = {plain(k * p.per_item)} 分{extra}"
        return text + _capped(raw, points, cap) + f" → 得 {pts(points)}"
    miss = total - k
    raw = cap - miss * p.per_item
    return (f"{total} 项中缺 {miss} 项，每项扣 {plain(p.per_item)} 分：{plain(cap)} − {plain(miss * p.per_item)}"
            f" = {plain(raw)} 分" + ("（扣完为止）" if raw < 0 else "") + f" → 得 {pts(points)}")


def _unmet(values, p, n: Names) -> str | None:
    """“前提条件“已报送”不成立，本项不得分 → …” when a required yes/no input is not 是."""
    unmet = [r for r in getattr(p, "requires", []) if float(values.get(r, math.nan)) != 1.0]
    if not unmet:
        return None
    return f"前提条件“{'”“'.join(n.label(r) for r in unmet)}”不成立，本项不得分 → 得 {pts(0)}"


def threshold(values, p, points: float, n: Names) -> str:
    if _unmet(values, p, n):
        return _unmet(values, p, n)
    x = values.get(p.input)
    from .kinds import _OPS

    ok = bool(_OPS[p.op](float(x), p.value))
    if n.is_bool(p.input) and p.op == "==":
        want = "是" if p.value == 1 else "否"
        return f"{n.fact(p.input, x)}（要求为“{want}”）→ 得 {pts(points)}"
    return (f"{n.fact(p.input, x)}，要求{OP_WORDS[p.op]} {n.value(p.input, p.value)}："
            f"{'达到' if ok else '未达到'} → 得 {pts(points)}")


def condition(values, p, points: float, n: Names) -> str:
    from .kinds import _formula

    if _unmet(values, p, n):
        return _unmet(values, p, n)
    ok = bool(_formula(p.test)({k: float(values[k]) for k in p.input_ids()}))
    return f"{n.facts(values, sorted(p.input_ids()))}；评分条件{'成立' if ok else '不成立'} → 得 {pts(points)}"


def _zero_denominators(expr: str, vals: Mapping[str, float]) -> list[str]:
    """The inputs the formula divides by that are 0 for this unit (why it cannot be computed)."""
    import ast

    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)):
            for x in ast.walk(node.right):
                if isinstance(x, ast.Name) and vals.get(x.id) == 0 and x.id not in out:
                    out.append(x.id)
    return out


def formula(values, p, points: float, n: Names) -> str:
    from .kinds import _formula

    vals = {k: float(values[k]) for k in p.input_ids()}
    raw = _formula(p.expr)(vals)
    raw_f = float(raw) if raw is not None else math.nan
    facts = n.facts(values, sorted(p.input_ids()))
    if math.isnan(raw_f):
        zero = _zero_denominators(p.expr, vals)
        why = (f"公式要除以{'、'.join(n.label(z) for z in zero)}，而它为 0，无法计算" if zero
               else "按这些数据公式没有结果，无法计算")
        if math.isnan(points):
            return f"{facts}：{why}，本项暂不计分（不按零分计）"
        return f"{facts}：{why}；方案规定这种情况得 {plain(points)} 分 → 得 {pts(points)}"
    return f"{facts}：按文件公式计算" + _capped(raw_f, points, _cap(p, p.cap), p.floor) + f" → 得 {pts(points)}"


def count_factor(values, p, points: float, n: Names) -> str:
    x = float(values[p.input])
    raw = x * p.factor
    return (f"{n.fact(p.input, x)} × 每{n.unit(p.input, '个')} {plain(p.factor)} 分 = {plain(raw)} 分"
            + _capped(raw, points, _cap(p, p.cap))
            + f" → 得 {pts(points)}")


def piecewise(values, p, points: float, n: Names) -> str:
    x = float(values[p.input])
    if math.isnan(points):
        return f"{n.fact(p.input, x)}，不在文件给出的任何区间内，无法计分"
    return f"{n.fact(p.input, x)}，按文件的分段标准 → 得 {pts(points)}"


def stepwise(values, p, points: float, n: Names) -> str:
    x = float(values[p.input])
    word = "超过" if p.strict else "达到"
    if not (x > p.threshold if p.strict else x >= p.threshold):
        return f"{n.fact(p.input, x)}，未{word} {n.value(p.input, p.threshold)} → 得 {pts(points)}"
    from .kinds import stepwise_steps

    steps = stepwise_steps(x, p)
    raw = p.base + p.per_step * steps
    return (f"{n.fact(p.input, x)}，{word} {n.value(p.input, p.threshold)} 得 {plain(p.base)} 分，"
            f"再每多 {n.value(p.input, p.step)} 加 {plain(p.per_step)} 分：{plain(p.base)} + {plain(p.per_step)} × {plain(steps)}"
            f" = {plain(raw)} 分" + _capped(raw, points, _cap(p, p.cap)) + f" → 得 {pts(points)}")


def deduction(values, p, points: float, n: Names) -> str:
    """“迟报 12 条，每条扣 0.5 分：12 × 0.5 = 6，最多扣 5 分：20 − 5 = 15 分”; a rate's shortfall in
    percentage points (“差 5 个百分点，每个百分点扣 1 分”), never “每项”."""
    from .kinds import _formula, _steps

    ids = sorted(p.input_ids())
    amount = float(_formula(p.amount)({k: float(values[k]) for k in ids}))
    steps = float(_steps(amount, p.step, p.step_mode))
    full = _cap(p, p.full)
    lost = p.per * steps
    facts = n.facts(values, ids)
    percent = bool(ids) and all(n.is_percent(i) for i in ids)
    word = "个百分点" if percent else (n.unit(ids[0]) if len(ids) == 1 else "项")
    how = {"floor": "", "pro_rata": "（按比例）", "ceiling": "（不足一步按一步）"}[p.step_mode]
    if percent:
        short = f"，差 {plain(max(amount, 0))} 个百分点" if p.amount.strip() not in ids else ""
        each = f"每{word}" if p.step == 1 else f"每 {plain(p.step)} {word}"
        head = f"{facts}{short}；{each}扣 {plain(p.per)} 分{how}"
        count = f"{plain(steps)} × {plain(p.per)} = {plain(lost)} 分" if p.step == 1 else             f"{plain(steps)} 步 × {plain(p.per)} = {plain(lost)} 分"
    else:
        each = f"每{word}" if p.step == 1 else f"每 {plain(p.step)}{word}"
        head = f"{facts}；{each}扣 {plain(p.per)} 分{how}"
        count = (f"{plain(steps)}{word} × {plain(p.per)} = {plain(lost)} 分" if p.step == 1
                 else f"{plain(steps)} 步 × {plain(p.per)} = {plain(lost)} 分")
    taken = lost
    if p.max_deduction is not None and lost > p.max_deduction + 1e-9:
        taken = float(p.max_deduction)
        text = f"{head}：{count}，最多扣 {plain(taken)} 分：{plain(full)} − {plain(taken)} = {plain(full - taken)} 分"
    else:
        text = f"{head}：{plain(full)} − {plain(lost)} = {plain(full - lost)} 分"
    if full - taken < p.floor - 1e-9:
        text += f"（扣完为止，最低 {plain(p.floor)} 分）"
    return text + f" → 得 {pts(points)}"


def capped_sum(values, p, points: float, n: Names) -> str:
    from .kinds import _formula, _names, _part_raw, _steps

    vals = {k: float(values[k]) for k in p.input_ids()}
    bits = []
    raw_total = 0.0
    for part in p.parts:
        v = _part_raw(part, vals)
        v = math.nan if v is None else max(float(v), 0.0)
        capped = min(v, part.cap) if part.cap is not None and not math.isnan(v) else v
        raw_total += 0.0 if math.isnan(capped) else capped
        used = sorted(_names(part.formula) & set(vals))
        facts = f"（{n.facts(values, used)}）" if used else ""
        if part.count is not None:  # 每开展一次得1分，最高5分
            each = f"每{n.unit(used[0])}" if len(used) == 1 else "每次"
            raw = part.each * float(_formula(part.count)(vals))
            over = f"，超过该项上限 {plain(part.cap)} 分，按 {plain(part.cap)} 分计" if part.cap is not None and raw > part.cap else ""
            bits.append(f"{part.label}{facts}{each}得 {plain(part.each)} 分：{plain(raw)} 分{over}")
        elif part.expr is None:  # 满分2分，每缺席一次扣0.5分
            steps = float(_steps(float(_formula(part.amount)(vals)), part.step, "floor"))
            lost = part.per * steps
            lost = lost if part.max_deduction is None else min(lost, part.max_deduction)
            each = f"每{n.unit(used[0])}" if part.step == 1 and len(used) == 1 else f"每 {plain(part.step)}"
            most = f"，最多扣 {plain(part.max_deduction)} 分" if part.max_deduction is not None else ""
            gone = "，扣完为止按 0 分计" if part.full - lost < 0 else ""
            bits.append(f"{part.label}{facts}满分 {plain(part.full)} 分，{each}扣 {plain(part.per)} 分{most}："
                        f"{plain(part.full)} − {plain(lost)} = {plain(part.full - lost)} 分{gone}")
        elif part.cap is not None and v > part.cap:
            bits.append(f"{part.label}{facts}计 {plain(v)} 分，超过该项上限 {plain(part.cap)} 分，按 {plain(part.cap)} 分计")
        else:
            bits.append(f"{part.label}{facts} {plain(capped)} 分")
    return "；".join(bits) + f"；合计 {plain(raw_total)} 分" + _capped(raw_total, points, _cap(p, p.cap)) \
        + f" → 得 {pts(points)}"


def judgement(values, p, points: float, n: Names) -> str:
    why = values.get("__why__") or ""
    return f"评审赋分 {pts(points)}（满分 {plain(p.max_points)} 分）" + (f"，理由：{why}" if why else "")


DESCRIBERS: dict[str, Callable[..., str]] = {
    "all_of": _boolset("须全部满足"), "any_of": _boolset("满足其一即可"), "checklist": checklist,
    "threshold": threshold, "condition": condition, "formula": formula, "count_factor": count_factor,
    "piecewise": piecewise, "stepwise": stepwise, "deduction": deduction, "capped_sum": capped_sum,
    "judgement": judgement,
}


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
