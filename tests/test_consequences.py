"""Gate consequences (issue 12 §2): what a veto or qualification gate does to the grade, the ranking and
the total, applied where grades and ranks are computed so every output reads the same verdict."""
from __future__ import annotations

import textwrap

import pandas as pd
import pytest

import xinyong
from xinyong.errors import SchemeError

BASE = """
id: gt
title: 否决测试
source: {file: s.txt, quote: 满分10分}
inputs:
  - {id: p, label: 得分, type: number, min: 0, max: 10}
  - {id: ok, label: 无重大失信事件, type: bool}
sections:
  - id: gt.1
    name: 工作
    items:
      - {id: gt.1.1, name: 工作, max_points: 10, rule: {kind: formula, params: {expr: p}}, inputs: [p], source: {file: s.txt, quote: q}}
gates:
  - id: gt.veto
    name: 重大失信事件
    kind: veto
    source: {file: s.txt, quote: 发生重大失信事件的，实行一票否决}
    conditions:
      - {id: gt.veto.1, name: 无重大失信事件, test: "ok == 1", inputs: [ok], source: {file: s.txt, quote: q}}
CONSEQUENCE
grades:
  source: {file: s.txt, quote: 9分以上优秀，6分以上合格，6分以下不合格}
  bands:
    - {label: 优秀, min: 9}
    - {label: 合格, min: 6}
    - {label: 不合格}
"""
ROWS = pd.DataFrame([dict(unit_id="a", p=9.4, ok=0), dict(unit_id="b", p=7, ok=1), dict(unit_id="c", p=5, ok=1),
                     dict(unit_id="d", p=9.5, ok=None)]).set_index("unit_id")


def scheme_with(tmp_path, consequence: str = ""):
    p = tmp_path / "gt.yaml"
    p.write_text(textwrap.dedent(BASE).replace("CONSEQUENCE", textwrap.indent(textwrap.dedent(consequence), "    ")),
                 encoding="utf-8")
    return xinyong.load_scheme(p)


def with_readings(tmp_path, consequence: str, readings: str):
    p = tmp_path / "gt.yaml"
    text = textwrap.dedent(BASE).replace("CONSEQUENCE", textwrap.indent(consequence, "    "))
    p.write_text(text + textwrap.dedent(readings).lstrip("\n") + "\n", encoding="utf-8")
    return xinyong.load_scheme(p)


def test_default_veto_in_a_graded_scheme_is_the_lowest_band_and_no_rank(tmp_path):
    """002: “有一项未完成的则一票否决” — the assessment fails whatever the score: a unit with 9.4 points
    (优秀 by its score) is graded 不合格 and ranked after every unit that was not vetoed."""
    r = xinyong.score(scheme_with(tmp_path), ROWS)
    u = r.units
    assert u.at["a", "total"] == pytest.approx(9.4) and u.at["a", "grade"] == "不合格" and bool(u.at["a", "grade_certain"])
    assert list(u.loc[["d", "b", "c", "a"], "rank"]) == [1, 2, 3, 4] and not u.at["a", "ranked"]
    assert u.at["a", "verdict"] == "未通过“重大失信事件”：等级定为“不合格”，不参加排名"
    # d's veto is undecided (missing input): 优秀 by score, but 不合格 if the veto fails
    assert u.at["d", "grade"] == "优秀" and not bool(u.at["d", "grade_certain"])
    assert u.at["b", "verdict"] == ""


def test_grade_cap_leaves_ranking_and_total(tmp_path):
    """“不得评为优秀” → ``grade_cap: 合格``: 9.4 points give 合格; said to keep its rank
    (``exclude_from_ranking: false``), the unit keeps it."""
    r = xinyong.score(scheme_with(tmp_path, "consequence: {grade_cap: 合格, exclude_from_ranking: false}"), ROWS)
    u = r.units
    assert u.at["a", "grade"] == "合格" and u.at["a", "rank"] == 2 and bool(u.at["a", "ranked"])


def test_a_consequence_silent_on_ranking_keeps_the_default_and_check_says_so(tmp_path):
    """A veto written as the text says it — “考核等次定为不合格”, nothing on the ranking — keeps the stated
    default (not ranked); ``check`` reports the default; a reading may record the other way."""
    from xinyong.scoring.scheme_audit import check_scheme

    sch = scheme_with(tmp_path, "consequence: {grade: 不合格}")
    u = xinyong.score(sch, ROWS).units
    assert u.at["a", "grade"] == "不合格" and not u.at["a", "ranked"] and u.at["a", "rank"] == 4
    found = [f for f in check_scheme(sch) if f.code == "ranking_default"]
    assert [f.target for f in found] == ["gt.veto"] and "按默认处理，被否决的单位不参加排名" in found[0].message and "exclude_from_ranking" not in found[0].message
    said = scheme_with(tmp_path, "consequence: {grade: 不合格, exclude_from_ranking: true}")
    assert not [f for f in check_scheme(said) if f.code == "ranking_default"]

    reading = """
readings:
  - id: R1
    question: 被一票否决的单位是否参加排名？原文只说“考核等次定为不合格”
    chosen: not_ranked
    why: 否决即考核不合格，与未被否决的单位同列排名与之矛盾
    options:
      - {id: not_ranked, label: 不参加排名, set: {gt.veto: {exclude_from_ranking: true}}}
      - {id: ranked, label: 按得分参加排名, set: {gt.veto: {exclude_from_ranking: false}}}"""
    sch = with_readings(tmp_path, "consequence: {grade: 不合格}", reading)
    assert not [f for f in check_scheme(sch) if f.code == "ranking_default"]  # recorded as a reading
    assert not xinyong.score(sch, ROWS).units.at["a", "ranked"]
    u = xinyong.score(sch, ROWS, readings={"R1": "ranked"}).units
    assert u.at["a", "ranked"] and u.at["a", "rank"] == 2 and u.at["a", "grade"] == "不合格"
    assert u.at["a", "verdict"] == "未通过“重大失信事件”：等级定为“不合格”"


def test_a_reading_may_set_only_a_gates_consequence(tmp_path):
    bad = """
readings:
  - id: R1
    question: 是否参加排名？
    chosen: a
    why: 试
    options:
      - {id: a, label: 甲, set: {gt.veto: {test: "ok == 0"}}}"""
    with pytest.raises(SchemeError, match="只能修改后果"):
        with_readings(tmp_path, "", bad)


def test_total_set_to_zero(tmp_path):
    """“考核得分计0分”: total 0 (the items' 9.4 kept as total_before_gates), graded on the 0."""
    r = xinyong.score(scheme_with(tmp_path, "consequence: {total: 0, exclude_from_ranking: false}"), ROWS)
    u = r.units
    assert u.at["a", "total"] == 0 and u.at["a", "total_before_gates"] == pytest.approx(9.4)
    assert u.at["a", "grade"] == "不合格" and u.at["a", "rank"] == 4 and bool(u.at["a", "ranked"])
    assert u.at["a", "verdict"] == "未通过“重大失信事件”：总分计 0 分"


def test_consequence_grade_must_be_a_band(tmp_path):
    with pytest.raises(SchemeError) as e:
        scheme_with(tmp_path, "consequence: {grade: 差}")
    assert "可用等级：优秀、合格、不合格" in e.value.message and e.value.fields["field"] == "consequence.grade"
