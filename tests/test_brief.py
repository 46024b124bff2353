"""The leader brief (issue 16 §7): ranking, grades, units to watch, movers, the items losing most points."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "params" / "demo"


@pytest.fixture(scope="module")
def q2():
    from xinyong.report import load_run

    d = DEMO / "jiaxian_county_dept"
    return load_run("jiaxian_county_dept", d / "2022Q2.xlsx", period="2022Q2",
                    history=[{"period": "2022Q1", "data": d / "2022Q1.xlsx"}])


def test_brief_data(q2):
    from xinyong.report.brief import brief_data

    b = brief_data(q2)
    units = q2.result.units
    assert b.n_units == len(units) == len(b.ranking)
    assert list(b.ranking["rank"]) == sorted(b.ranking["rank"])
    # 004 附件1 bands in the document's order, every unit counted once
    assert list(b.grades.index) == ["优秀", "良好", "合格", "不合格"]
    assert b.grades.sum() == len(units)
    # every unit graded 不合格 is listed as needing attention, and nobody else
    assert set(b.flagged["name"]) == set(units.loc[units["grade"] == "不合格", "unit_name"])
    # movers: the biggest rise first, changes measured against 2022Q1
    prev = q2.previous()[1].units
    rises = b.movers[b.movers["delta"] > 0]
    best = (units["total"] - prev["total"]).idxmax()
    assert rises.iloc[0]["unit"] == best
    # lost points count scored items only; unknown points are never "lost"
    top = b.lost_items.iloc[0]
    by_hand = sum(max(r.max - r.points, 0) for u in units.index
                  for r in q2.result.unit_items(u).itertuples() if r.item == top["item"] and r.status == "scored")
    assert top["lost"] == pytest.approx(by_hand)
    assert len(b.lost_items) == 5 and list(b.lost_items["lost"]) == sorted(b.lost_items["lost"], reverse=True)
    assert b.unknown_total == pytest.approx(units["unknown_points"].sum())


def test_failed_qualification_is_not_called_a_veto():
    """000 “省级信用建设示范县和示范园区认定条件”: a unit that fails it is scored and ranked, only not
    认定 — the brief says 未通过认定, never 否决."""
    from xinyong.report import load_run
    from xinyong.report.brief import brief_data, brief_html

    run = load_run("wangyi", DEMO / "wangyi" / "2020.xlsx", period="2020")
    failed = run.result.units.index[run.result.units["gate_outcome"] == "fail"]
    assert len(failed) == 2  # the demo's two units both miss a 认定 condition
    b = brief_data(run)
    assert list(b.flagged["reason"]) == ["未通过认定"] * 2
    html = brief_html(run)
    assert "（未通过认定）" in html and "否决" not in html


def test_vetoed_city_needs_attention():
    from xinyong.report import load_run
    from xinyong.report.brief import brief_data, brief_html

    run = load_run("quzhou", DEMO / "quzhou" / "2019.xlsx", period="2019")
    b = brief_data(run)
    vetoed = run.result.units.index[run.result.units["gate_outcome"] == "fail"]
    assert list(b.flagged["reason"]) == ["一票否决"]  # 002: 有一项未完成的则一票否决
    assert b.flagged.iloc[0]["name"] == run.result.units.loc[vetoed[0], "unit_name"]
    html = brief_html(run)
    assert "2019年度 · 领导简报" in html and "只有本期数据" in html and "（一票否决）" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
