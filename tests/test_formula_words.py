"""A formula in a reader's words, written from its parsed tree (:meth:`xinyong.formula.Formula.to_words`).

The cases are formulas the schemes write; each says where. The properties: nothing of Python is left in the
words of any formula of the six shipped schemes and of the every-construct test scheme (operators,
keywords, input ids), and an arithmetic formula's words, read back as arithmetic, compute what it computes
(a bracket is never dropped where the tree needs it, and not added where it does not, but before a minus).
"""
from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xinyong
from xinyong.formula import parse
from xinyong.scoring.describe import Names

FIX = Path(__file__).parent / "fixtures"
SCHEMES = ["wangyi", "city2019", "quzhou", "linyi", "jiaxian_county_dept", "jiaxian_township",
           str(FIX / "every_construct.yaml")]

NAMES = {"a": "“甲”", "b": "“乙”", "c": "“丙”", "rate": "“归集率”", "done": "“已建立”", "total": "总分"}
PERCENT, YES_NO = {"rate"}, {"done"}

# formula, the words a reader reads, where a scheme writes it
CASES = [
    # 004 附件1 三.3: “使用次数 > 0 时，按模板和次数各半计分”
    ("(0.5 * a + 0.5 * b) if b > 0 else 0", "“乙” > 0 时取 0.5×“甲”+0.5×“乙”，否则取 0"),
    # 2019 城市 7.2.3: a choice inside a choice, each else going on
    ("where(a > 0, where((b - a) / a * 100 < 0, 1, 0), where(b > 0, 0, 1))",
     "“甲” > 0 时取（(“乙”−“甲”)/“甲”×100 < 0 时取 1，否则取 0），否则 “乙” > 0 时取 0，否则取 1"),
    ("a if a > 1 else (b if b > 2 else 0)", "“甲” > 1 时取 “甲”，否则 “乙” > 2 时取 “乙”，否则取 0"),
    ("(a if rate >= 80 else b) if done == 1 else 0",
     "“已建立” = 是 时取（“归集率” ≥ 80% 时取 “甲”，否则取 “乙”），否则取 0"),
    # 网易 认定条件 5: two rates, both required
    ("rate >= 80 and a >= 90", "“归集率” ≥ 80% 且 “甲” ≥ 90"),
    ("a >= 1 and (b < 2 or not done)", "“甲” ≥ 1 且（“乙” < 2 或 非“已建立”）"),
    ("a or b and c", "“甲” 或（“乙” 且 “丙”）"),  # never left to a rule of precedence
    ("not (a > b)", "非（“甲” > “乙”）"),
    ("done != 0", "“已建立” ≠ 否"),
    # 网易 认定条件 1: a yes/no fact
    ("done == 1", "“已建立” = 是"),
    # 郏县 一.1: “电脑、打印机齐全” (both, so the smaller of the two)
    ("done * (5 - (1 - min(a, b)))", "“已建立”×(5−(1−（“甲”与“乙”中较小者）))"),
    ("min(a, b) * 2", "（“甲”与“乙”中较小者）×2"),
    ("max(a, b, 3)", "“甲”、“乙”与 3 中较大者"),
    ("abs(a - b) <= 5", "(“甲”−“乙”) 的绝对值 ≤ 5"),
    # 001 9.3: “已经实施容缺受理的部门数量/具有行政审批权力的部门总量*2”
    ("a / b * 2", "“甲”/“乙”×2"),
    ("a / (b * 2)", "“甲”/(“乙”×2)"),
    ("a * (b / 2)", "“甲”×(“乙”/2)"),
    ("(a + b) * c", "(“甲”+“乙”)×“丙”"),
    ("a - (b - c)", "“甲”−(“乙”−“丙”)"),
    ("a - b - c", "“甲”−“乙”−“丙”"),
    ("a * -1", "“甲”×(−1)"),
    ("-a ** 2", "−“甲”²"),
    ("(a + 1) ** 0.5", "(“甲”+1)^0.5"),
    ("a // 10", "⌊“甲”/10⌋"),
    # 2019 城市 9.1: “50%以上每提高10个百分点加0.5分”
    ("1.5 + 0.5 * floor((rate - 50) / 10)", "1.5+0.5×⌊(“归集率”−50)/10⌋"),
    # 衢州 基础条件 2: “重错码率低于万分之一” — the input is a percentage
    ("rate < 0.01", "“归集率” < 0.01%"),
    # 2019 城市 7.1.1: a segment of the NPL rate, a comparison chain
    ("2 <= rate < 5", "2% ≤ “归集率” < 5%"),
    # 2019 城市 9.4: the document's own coefficient stays as written
    ("a / 1 * 0.002 / 100", "“甲”/1×0.002/100"),
    ("total >= 85.0", "总分 ≥ 85"),
    ("a * 10000 < b", "“甲”×10000 < “乙”"),
    ("clip(a, 0, 10)", "“甲”（不低于 0，不高于 10）"),
]


@pytest.mark.parametrize("text,words", CASES, ids=[c[0] for c in CASES])
def test_a_formula_in_words(text, words):
    assert parse(text).to_words(NAMES, percent=PERCENT, yes_no=YES_NO) == words


# formula, values, the computation a reader reads (the unit's values in place of the names)
SUBSTITUTED = [
    # 004 附件1 三.3 as the evaluator's explanation wrote it before: “0.5×0+0.5×9 if 9 > 0 else 0=4.5000”
    ("0.5 * a + 0.5 * b if b > 0 else 0", {"a": 0, "b": 9}, "=", "（9 > 0 时取 0.5×0+0.5×9，否则取 0）"),
    ("a / 1 * 0.002 / 100", {"a": 0.8768893408790717}, "", "0.88/1×0.002/100"),  # raw float: two decimals
    ("a / b", {"a": 0.004123, "b": 2.0}, "", "0.0041/2"),  # a small value keeps two significant digits
    ("rate >= 80 and done == 1", {"rate": 86.444, "done": 1.0}, "", "86.44% ≥ 80% 且 是 = 是"),
    ("done * (5 - (1 - a))", {"done": 1.0, "a": 0.0}, "", "1×(5−(1−0))"),  # a yes/no counted as 1 or 0
    ("a - b", {"a": 3, "b": -2}, "", "3−(−2)"),
    ("a + b", {"a": 3, "b": math.nan}, "", "3+未知"),
    ("a + b", {"a": 3, "b": 1}, "×", "(3+1)"),  # multiplied in the text that holds it
]


@pytest.mark.parametrize("text,values,operand_of,words", SUBSTITUTED, ids=[c[0] for c in SUBSTITUTED])
def test_a_computation_in_words(text, values, operand_of, words):
    said = parse(text).to_words(NAMES, values=values, percent=PERCENT, yes_no=YES_NO, operand_of=operand_of)
    assert said == words


# ------------------------------------------------------------------------------ every shipped formula
FORMULA_KEYS = {"expr", "test", "when", "amount", "count", "formula"}
PYTHON = re.compile(r"(?<![A-Za-z_])(if|else|and|or|not|where|min|max|abs|floor|ceil|clip)(?![A-Za-z_])|>=|<=|==|!=|\*|//")
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+")


def formulas(node, found: set[str]) -> set[str]:
    """Every formula a scheme writes: item rules and their variants, readings' alternatives, segments, parts,
    gate conditions and cross-input checks — every string under a formula's key, wherever it stands."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in FORMULA_KEYS and isinstance(v, str) and v.strip():
                found.add(v)
            else:
                formulas(v, found)
    elif isinstance(node, (list, tuple)):
        for v in node:
            formulas(v, found)
    return found


@pytest.mark.parametrize("scheme_id", SCHEMES, ids=[Path(s).stem for s in SCHEMES])
def test_no_python_in_the_words_of_any_shipped_formula(scheme_id):
    scheme = xinyong.load_scheme(scheme_id)
    names = Names(scheme.input_catalogue)
    found = formulas(scheme.model_dump(), set())
    assert found  # the walk finds the formulas (every scheme has a check, a gate or a formula item)
    bad = {}
    for text in sorted(found):
        f = parse(text)
        values = {n: 1.5 for n in f.names}
        for said in (names.formula(f), names.formula(f, values=values, operand_of="=")):
            if PYTHON.search(said) or IDENTIFIER.search(said):
                bad[text] = said
    assert bad == {}


def test_the_walk_finds_gates_checks_segments_and_readings():
    """The every-construct scheme has each kind of place a formula stands; the walk reaches them all."""
    scheme = xinyong.load_scheme(str(FIX / "every_construct.yaml"))
    found = formulas(scheme.model_dump(), set())
    assert {"major_events == 0", "commit_items <= approval_items",  # a gate's test, a check's test
            "20 - 8 * (gov_events - gov_events_rectified)"} <= found  # a reading's alternative


# ------------------------------------------------------------------------------ brackets, for any formula
LEAVES = st.one_of(st.sampled_from(["a", "b", "c"]), st.integers(1, 9).map(str))


def _arith(children):
    return st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})")


ARITHMETIC = st.recursive(LEAVES, lambda ch: st.one_of(_arith(ch), ch.map(lambda x: f"(-{x})")), max_leaves=8)
BACK = {"×": "*", "−": "-", "/": "/"}


@settings(max_examples=200, deadline=None)
@given(ARITHMETIC)
def test_arithmetic_in_words_computes_what_the_formula_computes(text):
    """Read back as arithmetic, the words compute the same (no bracket the tree needs is missing), with no
    more brackets than Python itself writes (none is added that the tree does not need)."""
    f = parse(text)
    said = f.to_words()
    back = "".join(BACK.get(ch, ch) for ch in said)
    values = {"a": 3.0, "b": -7.0, "c": 0.5}
    want, got = f(values), parse(back)(values)
    assert (math.isnan(want) and math.isnan(got)) or got == pytest.approx(want), (text, said)
    # a negative operand is bracketed as a person writes it (a×(−b), −(−a)), where Python writes none
    assert said.count("(") - said.count("(−") <= ast.unparse(f.tree).count("(")


def test_a_yes_no_answer_is_written_是_or_否_in_the_exact_computation():
    """郏县 附件1 五.1 “信用良好的单位得2分，被列入失信被执行人的单位…”: a condition on two yes/no answers
    (被列入失信被执行人 = 否 且 被列为联合惩戒对象 = 否), and 三.2 a threshold on one (= 是). The unit's
    answers are written 是/否, never 1/0, and the threshold says 成立/不成立, not “是 = 1：是”."""
    import pandas as pd

    from xinyong.scheme import load_scheme
    from xinyong.scoring import score

    s = load_scheme("jiaxian_county_dept")
    res = score(s, pd.DataFrame())  # the item's rule, to know its inputs
    rules = {k.rsplit(".", 2)[-2] + "." + k.rsplit(".", 1)[-1]: k for k in res.rules}
    ids51 = sorted(res.rules[rules["5.1"]].params.input_ids())
    id32 = sorted(res.rules[rules["3.2"]].params.input_ids())
    frame = pd.DataFrame({"unit_name": ["甲"], "unit_kind": [None], **{c: [1.0] for c in ids51}, **{c: [0.0] for c in id32}},
                         index=pd.Index(["u1"], name="unit_id"))
    res = score(s, frame)
    c51, c32 = res.computation("u1", rules["5.1"]), res.computation("u1", rules["3.2"])
    assert c51.startswith("是 = 否 且 是 = 否：不成立"), c51
    assert c32.startswith("否 = 是：不成立"), c32
    assert not re.search(r"(?<![\d.])[01](?![\d.])\s*[=：]", c51 + c32)
