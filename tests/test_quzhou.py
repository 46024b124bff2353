"""Golden tests for scheme ``quzhou`` (002 衢州 示范城市创建硬指标).

Every expected value is computed by hand from the clause quoted in the test's docstring (002 seed
file ``002_caed18892f97a5c6.txt``; the guidance formulas are 001's, ``001_a7f8961f93169087.txt``).
"""
from __future__ import annotations

import pandas as pd
import pytest

import xinyong
from xinyong.scheme.check import check_scheme

GATE = "quzhou.basic"


@pytest.fixture(scope="module")
def scheme():
    return xinyong.load_scheme("quzhou")


# --------------------------------------------------------------------------------- basic inputs
def basic_ok() -> dict:
    """Gate inputs of a city that completes all ten basic indicators, each with some margin."""
    return dict(
        code_conversion_rate=100,  # #1 100%
        duplicate_error_code_rate=0.005,  # #2 < 0.01%
        gov_events_total=2, gov_events_rectified=2,  # #3 100%
        service_halls_unconnected=0,  # #4 100%
        sgs_publicity_rate=100,  # #5 100%
        blacklist_poor_entities=200, credit_report_submitters=170,  # #6 85%
        operating_blacklist_entities=100, blacklist_exits=35, repair_trained_entities=60,  # #7 35%, #8 60%
        active_commitments=600, self_discipline_commitments=350, new_market_entities=1000,  # #9(1) 95%
        substitute_commitment_items=19,  # #9(2)
        approval_items_total=300, tolerance_commitment_items=300,  # #9(3)
        repair_commitments=100,  # #9(4)
        monitoring_extended_to_counties=1, monitoring_plan_to_towns=1, monitoring_rank=40,  # #10
    )


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame([{"unit_id": f"u{k}", "unit_kind": "城市", **r} for k, r in enumerate(rows)])


def outcomes(scheme, row: dict, readings=None) -> tuple[str, dict[str, str]]:
    """(gate outcome, condition id -> outcome) for one city."""
    r = xinyong.score(scheme, frame(row), readings=readings)
    g = r.gates[r.gates["unit"] == "u0"]
    return r.unit("u0")[f"gate:{GATE}"], dict(zip(g["condition"], g["outcome"]))


def test_gate_is_a_veto_over_ten_conditions(scheme):
    """002 附件1: “基础性指标共10项，要求必须完成，有一项未完成的则一票否决”."""
    (gate,) = scheme.gates
    assert gate.id == GATE and gate.kind == "veto"
    assert [c.id for c in gate.conditions] == [f"quzhou.basic.{k}" for k in range(1, 11)]
    assert [c.meta["hard_indicator"] for c in gate.conditions] == list(range(1, 11))
    assert scheme.declared_total is None
    assert scheme.unit_kinds == ["城市"]


def test_all_ten_completed_passes(scheme):
    gate, conds = outcomes(scheme, basic_ok())
    assert gate == "pass"
    assert set(conds.values()) == {"pass"} and len(conds) == 10


# (condition, clause, passing values, failing values) — each pair sits on the written boundary
BOUNDARIES = [
    ("quzhou.basic.1", "存量代码100%转换为统一社会信用代码",
     dict(code_conversion_rate=100), dict(code_conversion_rate=99.9)),
    ("quzhou.basic.2", "统一社会信用代码重错码率低于万分之一（恰好万分之一 = 0.01% 不算“低于”，B2）",
     dict(duplicate_error_code_rate=0.0099), dict(duplicate_error_code_rate=0.01)),
    ("quzhou.basic.3", "政府失信事件整改到位率达到100%",
     dict(gov_events_total=3, gov_events_rectified=3),
     dict(gov_events_total=3, gov_events_rectified=2)),
    ("quzhou.basic.4", "辖区内政务服务大厅100%接入信用信息共享平台和信用网站",
     dict(service_halls_unconnected=0), dict(service_halls_unconnected=1)),
    ("quzhou.basic.5", "行政许可和行政处罚信息100%上报至“信用中国”网站公示",
     dict(sgs_publicity_rate=100), dict(sgs_publicity_rate=99.5)),
    ("quzhou.basic.6", "……的市场主体80%提交信用报告（8/10 = 80% 达到，7/10 未达到）",
     dict(blacklist_poor_entities=10, credit_report_submitters=8),
     dict(blacklist_poor_entities=10, credit_report_submitters=7)),
    ("quzhou.basic.7", "经整改后退出黑名单比例达到在运营黑名单主体总量的30%（3/10 达到，29/100 未达到）",
     dict(operating_blacklist_entities=10, blacklist_exits=3, repair_trained_entities=5, repair_commitments=10),
     dict(operating_blacklist_entities=100, blacklist_exits=29, repair_trained_entities=50, repair_commitments=100)),
    ("quzhou.basic.8", "信用修复培训覆盖面达到在运营黑名单主体总量的50%以上（5/10 含50%，49/100 未达到）",
     dict(operating_blacklist_entities=10, blacklist_exits=3, repair_trained_entities=5, repair_commitments=10),
     dict(operating_blacklist_entities=100, blacklist_exits=30, repair_trained_entities=49, repair_commitments=100)),
    ("quzhou.basic.10", "最近一年城市信用状况监测预警排名位于地级市前100名（第100名在内，第101名不在）",
     dict(monitoring_rank=100), dict(monitoring_rank=101)),
]


@pytest.mark.parametrize("cid,clause,good,bad", BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_each_condition_at_its_boundary(scheme, cid, clause, good, bad):
    """002 附件1 基础性指标, each at the threshold as written: the passing side passes, the failing
    side fails only that condition and so fails the whole gate."""
    gate, conds = outcomes(scheme, {**basic_ok(), **good})
    assert gate == "pass", clause
    assert conds[cid] == "pass"
    gate, conds = outcomes(scheme, {**basic_ok(), **bad})
    assert conds[cid] == "fail", clause
    assert [c for c, o in conds.items() if o == "fail"] == [cid]
    assert gate == "fail"


def test_no_government_events_counts_as_fully_rectified(scheme):
    """#3 “政府失信事件整改到位率达到100%”: with no event (0/0) the city is treated like 001 3.3
    “无政府重大失信事件，或已全部整改到位的”, i.e. completed."""
    _, conds = outcomes(scheme, {**basic_ok(), "gov_events_total": 0, "gov_events_rectified": 0})
    assert conds["quzhou.basic.3"] == "pass"


@pytest.mark.parametrize("bad", [
    dict(active_commitments=500, self_discipline_commitments=399),  # (1) 899/1000 = 89.9% < 90%
    dict(substitute_commitment_items=18),  # (2) 18 of the 19 事项
    dict(tolerance_commitment_items=299),  # (3) 299 of 300 审批事项
    dict(repair_commitments=99),  # (4) 99 of 100 在运营黑名单主体
], ids=["commit_90", "substitute_19", "tolerance_100", "repair_100"])
def test_commitments_need_all_four(scheme, bad):
    """#9 “四类信用承诺覆盖面达到90%或100%。（1）……合计覆盖90%以上市场主体。（2）……19个事项100%覆盖。
    （3）……行政审批事项100%应用……（4）……覆盖100%在运营的黑名单主体”: B3 reads the four as all required,
    so missing any one fails #9; under the alternative “commitment_any” one of four is enough."""
    gate, conds = outcomes(scheme, {**basic_ok(), **bad})
    assert conds["quzhou.basic.9"] == "fail" and gate == "fail"
    _, conds = outcomes(scheme, {**basic_ok(), **bad}, readings={"B3": "commitment_any"})
    assert conds["quzhou.basic.9"] == "pass"


def test_commitments_90_percent_is_inclusive(scheme):
    """#9(1) “合计覆盖90%以上市场主体”: 以上 includes 90% (540+360 = 900 of 1000)."""
    _, conds = outcomes(scheme, {**basic_ok(), "active_commitments": 540, "self_discipline_commitments": 360})
    assert conds["quzhou.basic.9"] == "pass"


@pytest.mark.parametrize("bad", [dict(monitoring_extended_to_counties=0), dict(monitoring_plan_to_towns=0)],
                         ids=["not_all_counties", "no_township_plan"])
def test_monitoring_needs_all_three(scheme, bad):
    """#10 “区县信用监测100%全覆盖。城市政府已将信用监测延伸至所辖县市区，且已有明确规划进一步延伸至乡镇、街道。
    最近一年……排名位于地级市前100名”: each of the three is required (B3)."""
    _, conds = outcomes(scheme, {**basic_ok(), **bad})
    assert conds["quzhou.basic.10"] == "fail"


def test_reading_alternatives_move_the_boundaries(scheme):
    """B2 “低于万分之一”: under ``inclusive`` exactly 0.01% passes, under ``zero`` 0.005% fails.
    B3 “前100名”: under ``rank_strict`` the 100th place fails."""
    row = {**basic_ok(), "duplicate_error_code_rate": 0.01}
    assert outcomes(scheme, row)[1]["quzhou.basic.2"] == "fail"
    assert outcomes(scheme, row, readings={"B2": "inclusive"})[1]["quzhou.basic.2"] == "pass"
    assert outcomes(scheme, basic_ok(), readings={"B2": "zero"})[1]["quzhou.basic.2"] == "fail"
    row = {**basic_ok(), "monitoring_rank": 100}
    assert outcomes(scheme, row, readings={"B3": "rank_strict"})[1]["quzhou.basic.10"] == "fail"
    assert outcomes(scheme, {**row, "monitoring_rank": 99}, readings={"B3": "rank_strict"})[1]["quzhou.basic.10"] == "pass"


def test_missing_basic_input_is_unknown_not_completed(scheme):
    """A basic indicator without data is not “完成”: the gate is unknown, never pass."""
    row = basic_ok()
    del row["sgs_publicity_rate"]
    gate, conds = outcomes(scheme, row)
    assert conds["quzhou.basic.5"] == "unknown"
    assert gate == "unknown"
    row["code_conversion_rate"] = 98  # a known failure still fails the veto
    gate, _ = outcomes(scheme, row)
    assert gate == "fail"
