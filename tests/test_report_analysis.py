"""The report analyses as data (issue 11: "The unit and overview analyses (action priority, deltas, ranks,
comparison) return data frames that the HTML, Word and PDF writers share").

On the bundled demo: 004 郏县县直单位 2022Q2 with 2022Q1 as history (dept07, 示例县人力资源和社会保障局), and
002 衢州 2019, where 示例丙市 fails the veto. Expected values are computed here from the scoring result or
from the documents' rules, not copied from the analysis.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xinyong.report import load_run
from xinyong.report.analysis import OverviewAnalysis, UnitAnalysis, deadline_key

DEMO = Path(__file__).resolve().parents[1] / "params" / "demo"
J = "jiaxian_county_dept"


@pytest.fixture(scope="module")
def jx():
    return load_run(J, DEMO / J / "2022Q2.xlsx", period="2022Q2",
                    history=[{"period": "2022Q1", "data": DEMO / J / "2022Q1.xlsx"}])


@pytest.fixture(scope="module")
def jx_q1():
    return load_run(J, DEMO / J / "2022Q1.xlsx", period="2022Q1")


@pytest.fixture(scope="module")
def dept07(jx):
    return UnitAnalysis(jx, "dept07")


@pytest.fixture(scope="module")
def qz():
    return load_run("quzhou", DEMO / "quzhou" / "2019.xlsx", period="2019")


def grade_004(total: float) -> str:
    """004 考核结果: “考核得分 90 分以上（含本数，下同）为优秀，80 分以上 90 分以下（不含本数，下同）为良好，
    60 分以上 80 分以下为合格，60 分以下为不合格。”"""
    return "优秀" if total >= 90 else "良好" if total >= 80 else "合格" if total >= 60 else "不合格"


# ------------------------------------------------------------------------------------------ one unit
def test_standing_total_grade_rank_and_unknown(jx, dept07):
    st = dept07.standing()
    units = jx.result.units
    assert st.unit == "dept07" and st.unit_name == "示例县人力资源和社会保障局"
    assert st.total == pytest.approx(st.base + st.bonus)
    assert st.grade == grade_004(st.total) == "良好"
    # every unknown point won would still leave it below 90: the grade is certain
    assert st.grade_certain and st.max_possible < 90
    assert st.rank == 1 + int((units["total"] > st.total).sum())  # 004 has no veto: rank by total alone
    # all 30 units are 县直单位: the group is every unit, so both ranks agree
    assert (st.group_n, st.group_rank, st.n_units) == (30, st.rank, 30)
    # 1.1 (5 分) and 5.3 (3 分) have no data: their maxima are unknown, never 0
    assert (st.n_missing, st.unknown_points) == (2, 8.0)
    assert st.max_possible == pytest.approx(st.total + 8.0)


def test_sections_add_up_to_the_total_and_mark_the_bonus(jx, dept07):
    secs = dept07.sections()
    assert list(secs.index) == [s.id for s in jx.scheme.sections]
    assert sum(secs["points"]) == pytest.approx(dept07.standing().total)
    # 004 七 工作创新（附加分）: the only bonus section, 5 points
    assert list(secs.index[secs["bonus"].astype(bool)]) == [f"{J}.7"] and secs.at[f"{J}.7", "max"] == 5
    # 004 附件1 一.1 领导机制建设 (5 分), missing here: 0 known, 5 unknown
    assert (secs.at[f"{J}.1", "points"], secs.at[f"{J}.1", "unknown"], secs.at[f"{J}.1", "max"]) == (0.0, 5.0, 5.0)


def test_items_carry_status_words_and_every_item(jx, dept07):
    it = dept07.items()
    assert list(it["item"]) == [i.id for i in jx.scheme.walk_items()]
    assert set(it.loc[it["status"] == "missing_input", "status_zh"]) == {"缺少数据"}
    assert set(it.loc[it["status"] == "scored", "status_zh"]) == {"已计分"}
    p = jx.result.points.loc["dept07"]
    scored = it[it["status"] == "scored"].set_index("item")["points"]
    assert np.allclose(scored.to_numpy(float), p[scored.index].to_numpy(float))


def test_actions_every_point_still_to_win_in_priority_order(jx, dept07):
    acts = dept07.actions()
    res = jx.result
    # what can still be won is exactly what the unit does not have: max applicable − total
    u = res.units.loc["dept07"]
    assert sum(acts["to_win"]) == pytest.approx(u["max_applicable"] - u["total"])
    by_item = acts.set_index("item")
    # unknown items: their whole maximum (004 附件1 一.1 “成立的得5分”, 五.3 “每项得1分，共3分”)
    assert by_item.at[f"{J}.1.1", "to_win"] == 5.0 and not by_item.at[f"{J}.1.1", "known"]
    assert by_item.at[f"{J}.5.3", "to_win"] == 3.0 and by_item.at[f"{J}.5.3", "state"] == "缺少数据"
    assert by_item.at[f"{J}.1.1", "todo"].startswith("补录数据：")
    # 三.1.1 “得分=7*增速，最多得7分”: what is missing to 7
    got = res.points.at["dept07", f"{J}.3.1.1"]
    assert by_item.at[f"{J}.3.1.1", "to_win"] == pytest.approx(7 - got) and 0 < got < 7
    keys = [(-r.to_win, deadline_key(r.deadline), r.item) for r in acts.itertuples()]
    assert keys == sorted(keys)
    # full marks are not actions
    full = [i for i in res.points.columns if res.points.at["dept07", i] == res.max_points.at["dept07", i]]
    assert not set(full) & set(acts["item"])


def test_lost_is_the_three_largest_losses(jx, dept07):
    lost = dept07.lost()
    res = jx.result
    scored = [i for i in res.points.columns if res.status.at["dept07", i] == "scored"]
    gaps = sorted((res.max_points.at["dept07", i] - res.points.at["dept07", i] for i in scored), reverse=True)
    assert list(lost["lost"]) == pytest.approx(gaps[:3])


def test_previous_period_deltas_equal_a_fresh_score_of_q1(jx, jx_q1, dept07):
    prev = dept07.previous()
    q1 = jx_q1.result
    assert prev.period == "2022Q1"
    assert prev.total == pytest.approx(q1.units.at["dept07", "total"]) and prev.rank == q1.units.at["dept07", "rank"]
    assert prev.delta == pytest.approx(jx.result.units.at["dept07", "total"] - q1.units.at["dept07", "total"])
    now, before = jx.result.points.loc["dept07"], q1.points.loc["dept07"]
    for r in prev.deltas.itertuples():
        assert r.delta == pytest.approx(now[r.item] - before[r.item])
    # items unknown in either period have no delta (missing is not 0)
    unknown = set(now.index[now.isna()]) | set(before.index[before.isna()])
    assert not unknown & set(prev.deltas["item"])
    assert list(prev.gains["delta"]) == sorted(prev.gains["delta"], reverse=True) and (prev.gains["delta"] > 0).all()
    assert (prev.losses["delta"] < 0).all() and len(prev.gains) <= 3 and len(prev.losses) <= 3
    # 六.2: “实施信用分级分类监管，每提供1个具体案例的得4分”: one case more than in Q1
    assert prev.gains.iloc[0]["item"] == f"{J}.6.2" and prev.gains.iloc[0]["delta"] == 4.0


def test_trend_and_peers(jx, jx_q1, dept07):
    tr = dept07.trend()
    assert list(tr["period"]) == ["2022Q1", "2022Q2"]
    totals = [jx_q1.result.units.at["dept07", "total"], jx.result.units.at["dept07", "total"]]
    assert list(tr["total"]) == pytest.approx(totals)
    assert tr["median"].iloc[-1] == pytest.approx(jx.result.units["total"].median())
    peers = dept07.peers()
    units = jx.result.units
    assert len(peers.group) == 30 and not peers.same_kind  # the group is every unit
    assert peers.best == units["total"].idxmax() and peers.best_name == units.at[peers.best, "unit_name"]
    s2 = f"{J}.2"
    assert peers.sections.at[s2, "median"] == pytest.approx(jx.result.sections[s2].median())
    assert peers.sections.at[s2, "unit"] == jx.result.sections.at["dept07", s2]


def test_reading_options_total_under_the_chosen_option_is_the_result(jx, dept07):
    readings, options = dept07.readings()
    assert set(options["reading"]) == set(readings["id"]) == {r.id for r in jx.scheme.readings}
    used = options[options["used"].astype(bool)]
    assert sorted(used["reading"]) == sorted(readings["id"])  # one option in force per reading
    assert all(t == pytest.approx(jx.result.units.at["dept07", "total"]) for t in used["total"])


# ------------------------------------------------------------------------------------------ gates (002)
def test_veto_gate_fails_and_ranks_last(qz):
    """002: “基础性指标共10项，要求必须完成，有一项未完成的则一票否决”."""
    units = qz.result.units
    c = UnitAnalysis(qz, "city_c")
    g = c.gates()
    assert list(g["kind"]) == ["veto"] and list(g["outcome"]) == ["fail"]
    # 002 basic 1 “存量代码100%转换为统一社会信用代码”: named, with city_c's own value and the requirement
    assert g["failed"].iloc[0] == ["存量代码100%转换为统一社会信用代码（存量代码转换为统一社会信用代码的转换率 10%，要求不低于 100%：未达到）"]
    conds = c.gate_conditions().set_index("condition")
    assert conds.at["quzhou.basic.1", "outcome"] == "fail"
    assert "=10%" in conds.at["quzhou.basic.1", "values"]  # the value that fails “100%转换”
    # ranked after every unit not vetoed, though its total is higher than city_b's
    assert units.at["city_c", "total"] > units.at["city_b", "total"]
    assert c.standing().rank == 3
    ov = OverviewAnalysis(qz)
    assert list(ov.ranking()["unit"]) == ["city_a", "city_b", "city_c"]
    assert ov.ranking().set_index("unit").at["city_c", "gate_outcome"] == "fail"
    fails = ov.gate_failures()
    assert list(zip(fails["unit"], fails["condition"], fails["outcome"])) == [("city_c", "quzhou.basic.1", "fail")]
    assert dict(ov.gate_fail_counts()) == {"基础性指标（一票否决）": 1}
    assert UnitAnalysis(qz, "city_a").gates()["failed"].iloc[0] == []


# ------------------------------------------------------------------------------------------ overview
def test_ranking_and_movement_against_q1(jx, jx_q1):
    ov = OverviewAnalysis(jx)
    rank = ov.ranking()
    assert list(rank["rank"]) == sorted(rank["rank"])
    q1 = jx_q1.result.units
    for r in rank.itertuples():
        assert r.delta == pytest.approx(r.total - q1.at[r.unit, "total"])
        assert r.rank_move == q1.at[r.unit, "rank"] - r.rank  # positive: moved up
    mv = ov.movement()
    assert list(mv["delta"]) == sorted(mv["delta"], reverse=True)
    tr = ov.trend()
    assert list(tr["period"]) == ["2022Q1", "2022Q2"] and tr["top"].iloc[0] == pytest.approx(q1["total"].max())


def test_grade_distribution_follows_the_bands(jx):
    ov = OverviewAnalysis(jx)
    gr = ov.grades().set_index("label")
    totals = jx.result.units["total"]
    assert list(gr.index) == ["优秀", "良好", "合格", "不合格"]
    for band in gr.index:
        assert gr.at[band, "n"] == sum(grade_004(t) == band for t in totals)
    assert sum(gr["n"]) == 30 and sum(gr["share"]) == pytest.approx(100)
    # uncertain: units whose unknown points could lift them into another band
    u = jx.result.units
    moved = sum(grade_004(t) != grade_004(t + k) for t, k in zip(u["total"], u["unknown_points"]))
    assert sum(gr["uncertain"]) == moved


def test_heat_map_matrix_is_points_over_known_maximum(jx):
    sh = OverviewAnalysis(jx).shares()
    res = jx.result
    assert list(sh.index) == list(res.units.sort_values(["rank", "unit_name"]).index)
    s2 = f"{J}.2"
    ids = [i.id for i in jx.scheme.sections[1].walk_items()]
    mx = res.max_points.loc["dept07", ids].sum()
    assert sh.at["dept07", s2] == pytest.approx(res.sections.at["dept07", s2] / mx * 100)
    vals = sh.to_numpy(float)
    assert np.nanmin(vals) >= 0 and np.nanmax(vals) <= 100


def test_missing_is_never_a_zero_in_the_heat_map_or_the_comparison(jx):
    """Issue 16 §4: dept07's 一、领导机制建设 has only a missing input — the heat map must not draw it as
    a 0 (the old matrix divided known points by the full maximum), and the comparison chart must carry
    its unknown points instead of dropping them."""
    ov = OverviewAnalysis(jx)
    s1 = f"{J}.1"
    res = jx.result
    ids = [i.id for i in jx.scheme.sections[0].walk_items()]
    assert res.sections_unknown.at["dept07", s1] == pytest.approx(res.max_points.loc["dept07", ids].sum())
    assert np.isnan(ov.shares().at["dept07", s1])
    assert bool(ov.all_unknown().at["dept07", s1])
    assert ov.unknown().at["dept07", s1] > 0
    # a unit with a real 0 in a section stays 0, and is not flagged unknown
    zero = [u for u in res.units.index if res.sections.at[u, s1] == 0 and res.sections_unknown.at[u, s1] == 0]
    assert zero and all(ov.shares().at[u, s1] == 0 and not ov.all_unknown().at[u, s1] for u in zero)
    peers = UnitAnalysis(jx, "dept07").peers().sections
    assert peers.at[s1, "unit_unknown"] == pytest.approx(res.sections_unknown.at["dept07", s1])
    from xinyong.report import Overview

    cap = Overview(jx).heat_map().html
    assert "不按零分计" in cap and "缺" in cap


def test_frames_carry_no_html(jx, dept07):
    frames = [dept07.items(), dept07.actions(), dept07.evidence(), dept07.sections(), dept07.gate_conditions(),
              OverviewAnalysis(jx).ranking()]
    for df in frames:
        text = " ".join(str(v) for v in df.astype(str).to_numpy().ravel())
        assert "<td" not in text and "<span" not in text and "<img" not in text
    assert isinstance(dept07.actions(), pd.DataFrame)
