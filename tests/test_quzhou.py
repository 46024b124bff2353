"""Golden tests for scheme ``quzhou`` (002 衢州 示范城市创建硬指标).

Every expected value is computed by hand from the clause quoted in the test's docstring (002 seed
file ``002_caed18892f97a5c6.txt``; the guidance formulas are 001's, ``001_a7f8961f93169087.txt``).
"""
from __future__ import annotations

import pandas as pd
import pytest

import xinyong
from xinyong.scoring.scheme_audit import check_scheme

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


def test_vetoed_city_ranks_after_every_city_that_is_not(scheme):
    """002 附件1: “有一项未完成的则一票否决” — a vetoed city is unqualified whatever its guidance score, so
    it ranks after the others even with the higher total; a city whose gate is only unknown is not moved."""
    strong = {**basic_ok(), "code_conversion_rate": 98, "joint_domains": 40}  # vetoed, 1 point more
    weak = {**basic_ok(), "joint_domains": 0}
    unknown = {k: v for k, v in basic_ok().items() if k != "sgs_publicity_rate"}
    unknown["joint_domains"] = 0
    r = xinyong.score(scheme, frame(strong, weak, unknown))
    u = r.units
    assert list(u["gate_outcome"]) == ["fail", "pass", "unknown"]
    assert u.at["u0", "total"] == u.at["u1", "total"] + 1  # city2019.10.3: 40/40 = 1 point
    assert u.at["u1", "total"] == u.at["u2", "total"]
    assert list(u["rank"]) == [3, 1, 1]


# ------------------------------------------------------------------------------ guidance indicators
# hard indicator -> the 001 items whose clauses carry its “·NN” prefix (001_a7f8961f93169087.txt)
REFS = {
    11: ["city2019.10.3"], 12: ["city2019.10.2"], 13: ["city2019.8.2.2"],
    14: ["city2019.8.2.4", "city2019.8.2.5"], 15: ["city2019.10.5"], 16: ["city2019.10.4"],
    17: ["city2019.9.1"], 18: ["city2019.9.2", "city2019.9.3", "city2019.9.4"],
    19: ["city2019.3.1", "city2019.3.2", "city2019.4.1", "city2019.4.2", "city2019.4.3", "city2019.4.4",
         "city2019.5.1", "city2019.5.2", "city2019.5.3", "city2019.5.4",
         "city2019.6.1", "city2019.6.2", "city2019.6.3", "city2019.6.4"],
    20: ["city2019.2.1", "city2019.2.2"],
}
# maxima under the 001 clauses: ·11 “/40，最高得1分”; ·12 “最高得2分”; ·13 “计4分”; ·14 2+2;
# ·15 “最高为3分”; ·16 “最高得2分”; ·17 “最高得4分”; ·18 6+2+2; ·19 2+6+6+6; ·20 2+2
MAXIMA = {11: 1, 12: 2, 13: 4, 14: 4, 15: 3, 16: 2, 17: 4, 18: 10, 19: 20, 20: 4}


def test_guidance_sections_ref_the_001_items_of_their_hard_indicator(scheme):
    """002 引导性指标 11–20, one section each; every item refs the 001 item printed with the same
    “·NN” number (e.g. 001 “·11联合奖惩覆盖面……城市实施联合奖惩领域数量/40，最高得1分”)."""
    city = xinyong.load_scheme("city2019")
    assert [s.id for s in scheme.sections] == [f"quzhou.{k}" for k in range(11, 21)]
    for k, refs in REFS.items():
        sec = next(s for s in scheme.sections if s.id == f"quzhou.{k}")
        items = list(sec.walk_items())
        assert [i.ref for i in items] == refs, k
        assert all(city.item(r).hard_indicator_ref == k for r in refs), k
        assert all(i.meta["hard_indicator"] == k for i in items)
        assert sec.max_points == pytest.approx(MAXIMA[k]), k
        assert all(i.source.file == "002_caed18892f97a5c6.txt" for i in items)


def test_checker_reports_no_declared_total_of_54(scheme):
    """002 states no total and no pass mark; guidance maxima under the 001 formulas:
    1+2+4+4+3+2+4+10+20+4 = 54 (SEED_NOTES §1)."""
    assert sum(MAXIMA.values()) == 54
    fs = [f for f in check_scheme(scheme) if f.code == "no_declared_total"]
    assert len(fs) == 1 and fs[0].declared is None and fs[0].computed == 54
    assert not [f for f in check_scheme(scheme) if f.code in ("total_mismatch", "section_mismatch")]


def test_001_readings_come_along_retargeted(scheme):
    """The readings of the 001 items that 002 quotes are part of the scheme, aimed at the local ids."""
    ids = {r.id for r in scheme.readings}
    assert {"B1", "B2", "B3", "B4", "B5", "A1", "A2", "A4", "A7", "A9"} <= ids
    assert "quzhou.17.1" in scheme.reading("A2").targets
    assert "quzhou.18.3" in scheme.reading("A4").targets
    assert not [t for r in scheme.readings for t in r.targets if t.startswith("city2019.")]


def full_guidance() -> dict:
    """Guidance inputs at (or past) every item's maximum under the 001 formulas."""
    return dict(
        joint_domains=40,  # 40/40 = 1
        linked_dishonesty_records=500, unit_dishonesty_records=500,  # 500/500*2 = 2
        units_unconnected=0,  # 4
        portal_entity_records=400_000, legal_entities_total=100_000,  # 0.5*4 = 2
        portal_daily_clicks=50_000, registered_population=2_500_000,  # 100*0.02 = 2
        joint_cases=300, operating_redblack_entities=500,  # 300/500*5 = 3
        joint_embedded_domains=20,  # 20*0.1 = 2
        personal_credit_score_share=100,  # 1.5+0.5*5 = 4
        credit_service_domains=20,  # 20*0.3 = 6
        tolerance_depts=24, approval_depts_total=24,  # 2
        xinyidai_amount=40_000_000_000, operating_entities=400_000,  # 100000元/户 * 0.002% = 2
        civil_servants_archived=10_000, civil_servants_total=10_000,  # 1
        **{"judge:quzhou.19.1.2": 1, "why:quzhou.19.1.2": "信用记录已推送组织、人事、纪检部门"},
        business_domains_records=10, business_domains_publicity=10, business_domains_redblack=10,
        business_domains_graded=10, social_domains_records=10, social_domains_publicity=10,
        social_domains_redblack=10, social_domains_graded=10,
        **{k: 1 for k in ["archive_lawyers", "archive_notaries", "archive_grassroots_legal_workers",
                          "archive_legal_aid_staff", "archive_forensic_experts", "graded_lawyers", "graded_notaries",
                          "graded_grassroots_legal_workers", "graded_legal_aid_staff", "graded_forensic_experts",
                          "archive_law_firms", "archive_notary_offices", "archive_grassroots_legal_offices",
                          "archive_forensic_institutions", "graded_law_firms", "graded_notary_offices",
                          "graded_grassroots_legal_offices", "graded_forensic_institutions",
                          "disclosed_trial_info", "disclosed_enforcement_info", "disclosed_procuratorial_info",
                          "disclosed_judicial_admin_info", "judicial_redblack_identified", "judicial_redblack_shared",
                          "integrity_relay_activity", "integrity_education_activity", "baicheng_wanqi_activity"]},
        core_domains_governed=20, extra_domains_governed=0,  # 20*0.1 = 2
    )


def test_one_failed_basic_indicator_fails_whatever_the_guidance_score(scheme):
    """B1, 002 附件1: “基础性指标共10项，要求必须完成，有一项未完成的则一票否决；引导性指标按完成情况得分”.
    A city with every guidance point (54) that exits 29 of 100 blacklisted entities (#7 “达到……30%”)
    still fails; its guidance score is reported unchanged."""
    r = xinyong.score(scheme, frame({**basic_ok(), **full_guidance()},
                                    {**basic_ok(), **full_guidance(), "blacklist_exits": 29}))
    for u in ("u0", "u1"):
        assert r.unit(u)["total"] == pytest.approx(54)
        assert r.unit(u)["unknown_points"] == 0
    assert r.unit("u0")["gate_outcome"] == "pass"
    assert r.unit("u1")["gate_outcome"] == "fail"
    assert r.unit("u1")[f"failed:{GATE}"] == ["quzhou.basic.7"]


def test_meeting_a_target_is_not_full_points(scheme):
    """B4: guidance items score by the 001 formula, not by their 002 target.
    #14 “户均信息公示量达到2条” → 0.5m = 0.5×2 = 1 (of 2); “日均点击量达到城市户籍人口总量的1%” → 100n = 1 (of 2);
    #15 “占……30%以上” → 0.3×5 = 1.5 (of 3); #16 “10个以上领域” → 10×0.1 = 1 (of 2);
    #17 “超过70%” (71%) → 1.5+0.5×⌊(71−50)/10⌋ = 2.5 (of 4); #18 “10个以上领域” → 10×0.3 = 3 (of 6);
    #12 “100%穿透关联” → 1×2 = 2 (its maximum)."""
    row = dict(portal_entity_records=200_000, legal_entities_total=100_000,
               portal_daily_clicks=25_000, registered_population=2_500_000,
               joint_cases=150, operating_redblack_entities=500, joint_embedded_domains=10,
               personal_credit_score_share=71, credit_service_domains=10,
               linked_dishonesty_records=80, unit_dishonesty_records=80)
    r = xinyong.score(scheme, frame({**basic_ok(), **row}))
    want = {"quzhou.14.1": 1.0, "quzhou.14.2": 1.0, "quzhou.15.1": 1.5, "quzhou.16.1": 1.0,
            "quzhou.17.1": 2.5, "quzhou.18.1": 3.0, "quzhou.12.1": 2.0}
    for item, pts in want.items():
        assert r.points.at["u0", item] == pytest.approx(pts), item
        assert r.status.at["u0", item] == "scored"
    # 001's reading A2 came along: read continuously, 71% gives 1.5 + 0.05×21 = 2.55
    alt = xinyong.score(scheme, frame({**basic_ok(), **row}), readings={"A2": "continuous"})
    assert alt.points.at["u0", "quzhou.17.1"] == pytest.approx(2.55)
    # items without data are missing, never 0
    assert r.status.at["u0", "quzhou.11.1"] == "missing_input"
    assert pd.isna(r.points.at["u0", "quzhou.11.1"])


def test_one_city_by_hand(scheme):
    """A whole city, every item by its clause (002 guidance text = 001 formula):
    11.1 “城市实施联合奖惩领域数量/40” 30/40 = 0.75; 12.1 “……数量/单位失信记录总数*2” 450/500×2 = 1.8;
    13.1 “计4分，每增加1个未联通……减0.5分” 4−3×0.5 = 2.5; 14.1 “0.5m” m = 300000/100000 = 3 → 1.5;
    14.2 “100n” n = 30000/2500000 = 0.012 → 1.2; 15.1 “……/在运营红黑名单主体总量*5” 120/500×5 = 1.2;
    16.1 “领域数量*0.1” 12 → 1.2; 17.1 “超过50%……得1.5分……每多10%，加0.5分” 76.5% → 1.5+0.5×2 = 2.5;
    18.1 “每一个领域……得0.3分” 14 → 4.2; 18.2 “……部门数量/……部门总量*2” 18/24×2 = 1.5;
    18.3 “放款金额/在运营市场主体数*0.002%” 3e9/4e5 = 7500 元 × 2e-5 = 0.15;
    19.1.1 9000/10000 = 0.9; 19.1.2 judged 0.6; 商务 10×0.1 + 8×0.1 + 7×0.2 + 5×0.2 = 4.2;
    社会 9×0.1 + 9×0.1 + 6×0.2 + 4×0.2 = 3.8; 司法 人群 (5 archived + 4 graded) 9×0.15 = 1.35 (not all 10, no 0.3),
    机构 (4 archived + 2 graded) 6×0.15 = 0.9, 公开 3×0.25 = 0.75, 红黑名单 认定 1 + 归集 0 = 1;
    20.1 “有其一即可” → 2; 20.2 16×0.1 + 2×0.1 = 1.8.  Total 35.8 of 54; all basic indicators done."""
    row = {**basic_ok(), **full_guidance()}
    row.update(
        joint_domains=30, linked_dishonesty_records=450, unit_dishonesty_records=500, units_unconnected=3,
        portal_entity_records=300_000, legal_entities_total=100_000,
        portal_daily_clicks=30_000, registered_population=2_500_000,
        joint_cases=120, operating_redblack_entities=500, joint_embedded_domains=12,
        personal_credit_score_share=76.5, credit_service_domains=14, tolerance_depts=18, approval_depts_total=24,
        xinyidai_amount=3_000_000_000, operating_entities=400_000,
        civil_servants_archived=9_000, civil_servants_total=10_000,
        business_domains_records=10, business_domains_publicity=8, business_domains_redblack=7,
        business_domains_graded=5, social_domains_records=9, social_domains_publicity=9, social_domains_redblack=6,
        social_domains_graded=4, graded_forensic_experts=0,
        graded_law_firms=0, graded_notary_offices=0,
        disclosed_judicial_admin_info=0, judicial_redblack_shared=0,
        integrity_relay_activity=0, integrity_education_activity=0, baicheng_wanqi_activity=1,
        core_domains_governed=16, extra_domains_governed=2,
        **{"judge:quzhou.19.1.2": 0.6},
    )
    want = {
        "quzhou.11.1": 0.75, "quzhou.12.1": 1.8, "quzhou.13.1": 2.5, "quzhou.14.1": 1.5, "quzhou.14.2": 1.2,
        "quzhou.15.1": 1.2, "quzhou.16.1": 1.2, "quzhou.17.1": 2.5, "quzhou.18.1": 4.2, "quzhou.18.2": 1.5,
        "quzhou.18.3": 0.15, "quzhou.19.1.1": 0.9, "quzhou.19.1.2": 0.6,
        "quzhou.19.2.1": 1.0, "quzhou.19.2.2": 0.8, "quzhou.19.2.3": 1.4, "quzhou.19.2.4": 1.0,
        "quzhou.19.3.1": 0.9, "quzhou.19.3.2": 0.9, "quzhou.19.3.3": 1.2, "quzhou.19.3.4": 0.8,
        "quzhou.19.4.1": 1.35, "quzhou.19.4.2": 0.9, "quzhou.19.4.3": 0.75, "quzhou.19.4.4": 1.0,
        "quzhou.20.1": 2.0, "quzhou.20.2": 1.8,
    }
    r = xinyong.score(scheme, frame(row))
    assert set(want) == {it.id for it in scheme.items}
    for item, pts in want.items():
        assert r.points.at["u0", item] == pytest.approx(pts), item
    u = r.unit("u0")
    assert u["total"] == pytest.approx(35.8)
    assert u["unknown_points"] == 0
    assert u["gate_outcome"] == "pass"
