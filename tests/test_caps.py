"""Caps the documents state (issue 12): “每条扣0.5分，最高扣5分” (``max_deduction``), “本部分最高…分” /
“扣完为止” (section ``cap``), “附加分最高5分” (scheme ``bonus_cap``). Expected totals by hand."""
from __future__ import annotations

import textwrap

import pandas as pd
import pytest

import xinyong
from xinyong.errors import SchemeError
from xinyong.scoring.scheme_audit import check_scheme

SCHEME = """
id: capt
title: 上限测试
source: {file: s.txt, quote: 满分100分}
declared_total: 20
declared_bonus: 5
bonus_cap: {max: 5, source: {file: s.txt, quote: 附加分最高5分}}
inputs:
  - {id: late, label: 迟报条数, type: integer, min: 0}
  - {id: a, label: 创新A次数, type: integer, min: 0}
  - {id: b, label: 创新B次数, type: integer, min: 0}
  - {id: x, label: 得分项x, type: integer, min: 0}
  - {id: y, label: 得分项y, type: integer, min: 0}
  - {id: e, label: 问题数, type: integer, min: 0}
sections:
  - id: capt.1
    name: 报送
    declared_points: 10
    items:
      - id: capt.1.1
        name: 迟报
        max_points: 10
        rule: {kind: deduction, params: {amount: late, per: 0.5, max_deduction: 5}}
        inputs: [late]
        source: {file: s.txt, quote: 每条扣0.5分，最高扣5分}
  - id: capt.2
    name: 应用
    declared_points: 6
    cap: {max: 6, source: {file: s.txt, quote: 本部分最高6分}}
    items:
      - {id: capt.2.1, name: x, max_points: 4, rule: {kind: count_factor, params: {input: x, factor: 1}}, inputs: [x], source: {file: s.txt, quote: q}}
      - {id: capt.2.2, name: y, max_points: 4, rule: {kind: count_factor, params: {input: y, factor: 1}}, inputs: [y], source: {file: s.txt, quote: q}}
  - id: capt.3
    name: 问题
    declared_points: 4
    cap: {min: 0, source: {file: s.txt, quote: 本部分扣完为止}}
    items:
      - id: capt.3.1
        name: 问题
        max_points: 4
        min_points: -10
        rule: {kind: formula, params: {expr: "4 - 2 * e", floor: -10}}
        inputs: [e]
        source: {file: s.txt, quote: 每个问题扣2分}
  - id: capt.4
    name: 附加
    bonus: true
    items:
      - {id: capt.4.1, name: A, max_points: 4, bonus: true, rule: {kind: count_factor, params: {input: a, factor: 1}}, inputs: [a], source: {file: s.txt, quote: q}}
      - {id: capt.4.2, name: B, max_points: 3, bonus: true, rule: {kind: count_factor, params: {input: b, factor: 1}}, inputs: [b], source: {file: s.txt, quote: q}}
"""


@pytest.fixture()
def scheme(tmp_path):
    p = tmp_path / "capt.yaml"
    p.write_text(textwrap.dedent(SCHEME), encoding="utf-8")
    return xinyong.load_scheme(p)


def test_caps_apply_to_totals_and_are_reported(scheme):
    rows = pd.DataFrame([
        # 1.1: 30 late × 0.5 = 15, “最高扣5分” → 10 − 5 = 5; 2: 4 + 4 = 8, “本部分最高6分” → 6;
        # 3: 4 − 2×5 = −6, “扣完为止” → 0; bonus 4 + 3 = 7, “附加分最高5分” → 5. Total 5 + 6 + 0 + 5 = 16.
        dict(unit_id="u1", late=30, x=4, y=4, e=5, a=4, b=3),
        # nothing capped: 10 − 1 = 9; 1 + 2 = 3; 4 − 2 = 2; bonus 1. Total 15.
        dict(unit_id="u2", late=2, x=1, y=2, e=1, a=1, b=0),
    ]).set_index("unit_id")
    r = xinyong.score(scheme, rows)
    assert r.points.at["u1", "capt.1.1"] == 5
    # the bonus cap limits the bonus as a whole, not the section: 附加 stays 7, the bonus is 5
    assert r.sections.loc["u1", ["capt.2", "capt.3", "capt.4"]].tolist() == [6, 0, 7]
    u1, u2 = r.unit("u1"), r.unit("u2")
    assert (u1.base_total, u1.bonus, u1.total) == (11, 5, 16)
    assert (u2.base_total, u2.bonus, u2.total) == (14, 1, 15)
    caps = {c["target"]: (c["raw"], c["points"]) for c in r.cap_rows("u1")}
    assert caps == {"capt.2": (8, 6), "capt.3": (-6, 0), "@bonus": (7, 5)}
    assert r.cap_rows("u2") == []
    assert "最多扣 5（已达最多扣分）" in r.computation("u1", "capt.1.1")


def test_unknown_points_respect_the_caps(scheme):
    # x missing: section 2 known 4, at most 6 → 2 unknown (not 4); bonus b missing: 4 known, cap 5 → 1
    r = xinyong.score(scheme, pd.DataFrame([dict(unit_id="u", late=0, x=None, y=4, e=0, a=4, b=None)]).set_index("unit_id"))
    u = r.unit("u")
    assert u.total == 10 + 4 + 4 + 4 and u.unknown_points == 2 + 1 and u.max_possible == 25


def test_check_compares_after_caps(scheme):
    # items: base 10 + 8 + 4 = 22, capped 10 + 6 + 4 = 20 = declared; bonus 7, capped 5 = declared
    assert scheme.base_max == 20 and scheme.bonus_max == 5
    assert scheme.items_base_max == 22 and scheme.items_bonus_max == 7
    codes = {(f.code, f.target) for f in check_scheme(scheme)}
    assert not {c for c in codes if c[0] in ("total_mismatch", "bonus_mismatch", "section_mismatch")}


def test_capped_section_may_not_mix_base_and_bonus(tmp_path):
    bad = textwrap.dedent(SCHEME).replace(
        "      - {id: capt.2.2, name: y, max_points: 4,", "      - {id: capt.2.2, name: y, bonus: true, max_points: 4,")
    p = tmp_path / "bad.yaml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(SchemeError) as e:
        xinyong.load_scheme(p)
    assert "capt.2" in e.value.message and "附加条目" in e.value.message


def test_total_finding_names_the_numbers_compared():
    """004 附件2: “(满分 100 分)” against a base of 88 and a bonus of 10: the finding compares 100 with
    the base and says what the bonus adds, instead of “条目合计为 98 分（基础 88 + 附加 10）”."""
    f = next(f for f in check_scheme(xinyong.load_scheme("jiaxian_township")) if f.code == "total_mismatch")
    assert f.message == "声明满分 100 分，但基础条目合计为 88 分；计入附加分 10 分也只有 98 分"
