"""`xinyong check` compares what each rule can give with its item's 满分, both ways, from the inputs'
declared ranges (scoring/reach.py): a real city table's "信息量（8分）…最高得5分" (an item that can never
reach its label) and "标志失信程度（1分）…得3分" (a rule above its label), a section cap its items can
never reach, and a bonus that can never count. The clauses quoted are the test scheme's own text."""
from __future__ import annotations

import math
import textwrap

import pytest

import xinyong
from xinyong.scoring.scheme_audit import check_scheme
from xinyong.scoring.reach import Interval, bound, piece_domain

SCHEME = """
id: reach
title: 可达满分测试
source: {file: s.txt, quote: 满分20分}
declared_total: 20
bonus_cap: {max: 0, source: {file: s.txt, quote: 附加分不计入总分}}
inputs:
  - {id: info, label: 信息条数, type: integer, min: 0}
  - {id: marked, label: 已标注, type: bool}
  - {id: rate, label: 归集率, type: percent}
  - {id: done, label: 已办结数, type: integer, min: 0}
  - {id: total, label: 事项总数, type: integer, min: 0}
  - {id: n, label: 创新次数, type: integer, min: 0}
sections:
  - id: reach.1
    name: 信息归集
    cap: {max: 12, source: {file: s.txt, quote: 本部分最高12分}}
    items:
      - id: reach.1.1
        name: 信息量
        max_points: 8
        rule: {kind: count_factor, params: {input: info, factor: 0.1, cap: 5}}
        inputs: [info]
        source: {file: s.txt, quote: 信息量（8分）每条0.1分，最高得5分}
      - id: reach.1.2
        name: 标志失信程度
        max_points: 1
        rule: {kind: threshold, params: {input: marked, op: "==", value: 1, points: 3}}
        inputs: [marked]
        source: {file: s.txt, quote: 标志失信程度（1分）已标注的得3分}
      - id: reach.1.3
        name: 归集率
        max_points: 4
        rule: {kind: formula, params: {expr: "rate / 100 * 2"}}
        inputs: [rate]
        source: {file: s.txt, quote: 归集率（4分）归集率×2}
  - id: reach.2
    name: 办结
    items:
      - id: reach.2.1
        name: 办结率
        max_points: 8
        rule: {kind: formula, params: {expr: "done / total * 8"}}
        inputs: [done, total]
        source: {file: s.txt, quote: 办结率（8分）已办结数/事项总数×8}
  - id: reach.3
    name: 附加分
    bonus: true
    items:
      - id: reach.3.1
        name: 创新
        max_points: 2
        bonus: true
        rule: {kind: count_factor, params: {input: n, factor: 1}}
        inputs: [n]
        source: {file: s.txt, quote: 附加分每次创新得1分}
"""


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    d = tmp_path_factory.mktemp("reach")
    (d / "reach.yaml").write_text(textwrap.dedent(SCHEME), encoding="utf-8")
    return {(f.code, f.target): f for f in check_scheme(xinyong.load_scheme(d / "reach.yaml"))}


def test_count_factor_capped_below_its_label(found):
    """“信息量（8分）每条0.1分，最高得5分”: the rule stops at 5, the item is labelled 8."""
    f = found[("unreachable_max", "reach.1.1")]
    assert (f.declared, f.computed) == (8, 5)
    assert "最多只能得 5 分" in f.message and f.quote.startswith("信息量（8分）")


def test_fixed_points_above_the_label(found):
    """“标志失信程度（1分）已标注的得3分”: the rule gives 3, the engine cuts it to 1 — said, not silent."""
    f = found[("exceeds_max", "reach.1.2")]
    assert (f.declared, f.computed) == (1, 3)
    assert "超出满分的部分被截去" in f.message


def test_percent_formula_bounded_by_the_inputs_range(found):
    """“归集率（4分）归集率×2”: a percentage is 0–100, so rate/100×2 is at most 2 of 4."""
    f = found[("unreachable_max", "reach.1.3")]
    assert (f.declared, f.computed) == (4, 2)


def test_ratio_of_counts_is_not_flagged(found):
    """“已办结数/事项总数×8”: nothing bounds the ratio of two counts, so the rule may reach 8: no finding
    (the bound is sound: looseness never invents a defect)."""
    assert not [k for k in found if k[1] == "reach.2.1"]


def test_section_cap_its_items_never_reach(found):
    """“本部分最高12分” over items that give at most 5 + 1 + 2 = 8 (each clipped to its 满分)."""
    f = found[("cap_unreachable", "reach.1")]
    assert (f.declared, f.computed) == (12, 8)


def test_bonus_ceiling_of_nothing(found):
    """“附加分不计入总分” written as a ceiling of 0: the bonus item can never count."""
    assert ("bonus_never_counts", "reach") in found


def test_scheme_total_counts_the_reaches(found):
    """20 declared; reachable: section 1 gives 8, section 2 gives 8 → 16."""
    assert found[("unreachable_max", "reach")].computed == 16


def test_interval_arithmetic():
    r = {"a": Interval(0, 10), "b": Interval(1, 4), "c": Interval(-2, 3)}
    assert bound("a / b", r) == Interval(0, 10)
    assert bound("a * c", r) == Interval(-20, 30)
    assert bound("min(a, 5) + 1", r) == Interval(1, 6)
    assert bound("a / c", r).hi == math.inf  # c may be 0
    assert bound("2 if a > 5 else 7", r) == Interval(2, 7)
    assert bound("abs(c)", r) == Interval(0, 3)
    assert piece_domain("2 <= x < 5", Interval(0, 100)) == Interval(2, 5)
    assert piece_domain("x >= 5", Interval(0, 100)) == Interval(5, 100)


def test_shipped_schemes_only_known_reach_findings():
    """The shipped schemes' reach findings are the two SEED_NOTES lists for 004 附件2 (三.3 “每项得1分，共5分”
    naming three elements, and the scheme's literal maximum 96), and nothing new."""
    seen = set()
    for sid in ("wangyi", "city2019", "quzhou", "linyi", "jiaxian_county_dept", "jiaxian_township"):
        seen |= {(f.code, f.target) for f in check_scheme(xinyong.load_scheme(sid))
                 if f.code in ("unreachable_max", "exceeds_max", "cap_unreachable", "bonus_never_counts")}
    assert seen == {("unreachable_max", "jiaxian_township"), ("unreachable_max", "jiaxian_township.3.3")}


def test_capped_sum_typed_parts_reach():
    """A three-part item (制度 2分；每开展一次核查得1分，最高3分；出席满分2分，每缺席一次扣0.5分) can reach
    2 + 3 + 2 = 7: a deduction part at most its full marks, a per-event part its cap."""
    from xinyong.scoring.kinds import default_registry

    parts = [{"label": "制度", "expr": "2 * a"}, {"label": "核查", "each": 1, "count": "n", "cap": 3},
             {"label": "出席", "full": 2, "per": 0.5, "amount": "absent"}]
    p = default_registry().get("capped_sum").parse_params({"parts": parts}, 8)
    ranges = {"a": Interval(0, 1), "n": Interval(0, math.inf), "absent": Interval(0, math.inf)}
    assert p.reach(ranges) == 7
    p = default_registry().get("capped_sum").parse_params({"parts": parts[1:2]}, 8)
    assert p.reach({"n": Interval(0, 2)}) == 2  # two events at most: 2 of the cap's 3
