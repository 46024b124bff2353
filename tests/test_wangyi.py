"""Golden tests for scheme ``wangyi`` (000 铜川市王益区信用建设示范区创建和评估标准, 100 分).

Every expected value is computed by hand from the quoted clause; nothing here calls the scoring code
to obtain an expectation. Seed file: 000_41b00573b473221c.txt (quoted clauses name their line).
"""
from __future__ import annotations

import pandas as pd
import pytest

import xinyong

from conftest import SEEDS

SEED = SEEDS / "000_41b00573b473221c.txt"


@pytest.fixture(scope="module")
def scheme():
    return xinyong.load_scheme("wangyi")


# ----------------------------------------------------------------------------- a unit at full marks
def full_inputs() -> dict:
    """Facts of a 城区 that meets every scored clause of 基础工作 at the top."""
    d = dict(
        # 1.1
        leading_group_established=1, lead_dept_designated=1, lead_dept_fulltime_staff=3, work_plan_issued=1,
        leading_group_meetings=2, coordination_mechanism=1, supervision_system=1, work_funds_secured=1,
        # 1.2
        platform_depts_connected=30, platform_depts_total=30, reporting_depts_compliant=25, reporting_depts_total=25,
        full_cover_admin_license=1, full_cover_admin_penalty=1, full_cover_random_inspection=1,
        full_cover_red_black_list=1, moral_model_records=120, timely_report_rate=90, data_conformity_rate=95,
        # 1.3
        app_depts=30, app_domains=15,
        # 1.4
        sme_platform=1, farmer_platform=1, sme_filing_rate=95, farmer_filing_rate=90, sme_count=2000,
        farmer_household_count=8000,
        # 1.5
        joint_incentive_depts=15, joint_incentive_domains=12, red_black_list_batches=2, integrity_priority_support=1,
        # 1.6
        credit_web_column=1, public_campaigns=1, media_campaigns=1, credit_trainings=1,
        # 2.1
        pre_notify_commit=1, pre_tolerate_missing=1, pre_green_channel=1, pre_entry_integrity_education=1,
        third_party_credit_reports=1, post_info_disclosure=1, post_credit_evaluation=1, post_double_random=1,
        post_tiered_supervision=1, post_cross_dept=1, third_party_regulation_depts=6, big_data_monitoring=1,
        dishonesty_campaigns=1, market_entry_ban=1, industry_entry_ban=1, dishonesty_accountability=1,
        credit_repair_system=1, joint_punishment_system=1,
        # 2.2
        sme_financing_platform_used=1, xinyi_scenarios=4, livelihood_domains=10,
        # 2.3
        credit_rating_applied=1, credit_cultivation=1, credit_finance_innovation=1, sme_rural_mechanism=1,
        sme_rural_new_methods=1, credit_rebuild_poverty_finance=1,
        # 2.4
        gov_integrity_records=1, gov_integrity_pledges=1, gov_integrity_evaluation=1, gov_dishonesty_governance=1,
        enterprise_demo_campaign=1, assured_consumption_project=1, personal_integrity_records=1,
        # 认定条件
        **QUALIFIED,
    )
    d.update({k: 1 for k in KEY_CHECKS})
    return d


QUALIFIED = dict(
    mandatory_conditions_met=1, third_party_score=90, major_dishonesty_events=0,
    dishonest_debtor_legal=1, legal_persons_total=12000, dishonest_debtor_natural=20, natural_persons_total=250000,
    dishonest_debtor_gov=0, dishonesty_rectification_rate=85, gov_dishonesty_rectification_rate=95,
    npl_rate=1.5, national_npl_rate=1.9,
)

KEY_CHECKS = ["key_check_admin_approval", "key_check_public_service", "key_check_market_supervision",
              "key_check_public_resource_trading", "key_check_major_project_bidding", "key_check_gov_procurement",
              "key_check_policy_support", "key_check_awards", "key_check_civil_servant_recruitment",
              "key_check_cadre_appointment"]

OUTCOMES = ["wangyi.3.1.1", "wangyi.3.1.2", "wangyi.3.1.3", "wangyi.3.2.1", "wangyi.3.2.2", "wangyi.3.2.3"]
JUDGED_FULL = {"wangyi.1.2.4": 2, "wangyi.2.1.8": 2, "wangyi.2.2.4": 2, **{k: 5 for k in OUTCOMES}}


def judge(d: dict, item: str, points: float, why: str = "依据存档材料评定") -> dict:
    d[f"judge:{item}"] = points
    d[f"why:{item}"] = why
    return d


def unit(kind: str = "城区", **over) -> dict:
    d = full_inputs()
    for item, p in JUDGED_FULL.items():
        judge(d, item, p)
    d.update(over)
    d["unit_kind"] = kind
    return d


def score(scheme, rows: dict[str, dict], readings=None):
    df = pd.DataFrame.from_dict(rows, orient="index")
    return xinyong.score(scheme, df, readings=readings or {})


def pts(r, unit_id, item):
    return float(r.points.at[unit_id, item])


# ----------------------------------------------------------------------------- structure
def test_sections_declared_as_printed(scheme):
    """“基础工作（40%）… 工作机制建设（5%）… 信用信息共享（10%）… 信用信息应用（10%）… 中小微企业和农村信用体系建设（6%）
    … 信用奖惩（5%）… 宣传教育（4%）” — 1分 = 1%."""
    top = {s.id: s for s in scheme.sections}
    assert top["wangyi.1"].declared_points == 40
    assert [s.declared_points for s in top["wangyi.1"].sections] == [5, 10, 10, 6, 5, 4]
    assert [s.id for s in top["wangyi.1"].sections] == [f"wangyi.1.{k}" for k in range(1, 7)]
    # the items carry exactly the printed percentages
    assert [s.max_points for s in top["wangyi.1"].sections] == [5, 10, 10, 6, 5, 4]


def test_innovation_sections_declared_as_printed(scheme):
    """“工作创新（30%）… 信用管理创新（12%）… 信用惠民便企创新（8%）… 中小微企业和农村信用体系建设创新（4%）
    … 重点领域信用建设创新（6%）”."""
    sec = {s.id: s for s in scheme.sections}["wangyi.2"]
    assert sec.declared_points == 30
    assert [s.declared_points for s in sec.sections] == [12, 8, 4, 6]
    assert [s.max_points for s in sec.sections] == [12, 8, 4, 6]
    assert [it.id for it in sec.sections[0].items] == [f"wangyi.2.1.{k}" for k in range(1, 9)]


def test_every_quote_is_verbatim_on_its_line(scheme):
    """Each item's source quote is the 计分标准 cell, copied verbatim from the cited line of the seed."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for it in scheme.walk_items():
        assert it.source.file == SEED.name
        assert it.source.quote in lines[it.source.line - 1], it.id
    for sec in scheme.walk_sections():
        assert sec.source.quote in lines[sec.source.line - 1], sec.id


def test_every_item_has_meta_and_responsible(scheme):
    """Every row of the table has 参与单位, 工作方法, 资料盒编号 and (except 3.1.3) 工作进度要求."""
    for it in scheme.walk_items():
        assert it.responsible, it.id
        assert it.meta["work_method"], it.id
        assert it.meta["box"] == int(it.id.split(".")[1]), it.id
        assert it.meta.get("progress") == it.deadline, it.id


# ----------------------------------------------------------------------------- 基础工作
def test_full_marks_basic_work(scheme):
    """A 城区 meeting every clause of 基础工作 scores 40 (5+10+10+6+5+4)."""
    r = score(scheme, {"u": unit()})
    assert float(r.sections.at["u", "wangyi.1"]) == pytest.approx(40)
    assert (r.status.loc["u", [it.id for it in scheme.sections[0].walk_items()]] == "scored").all()


@pytest.mark.parametrize("rate,expected", [(49.99, 0.0), (50, 1.0), (50.01, 1.0), (0, 0.0)])
def test_1_2_5_timeliness_threshold_inclusive(scheme, rate, expected):
    """1.2.5 (line 131): “自信用信息产生之日起7个工作日内报送至省、市信用信息共享平台的比率达到50%（1分）。”
    C2: “达到” includes 50%; below it scores 0."""
    r = score(scheme, {"u": unit(timely_report_rate=rate)})
    assert pts(r, "u", "wangyi.1.2.5") == expected


@pytest.mark.parametrize("rate,expected", [(79.99, 0.0), (80, 1.0), (100, 1.0)])
def test_1_2_6_quality_threshold_inclusive(scheme, rate, expected):
    """1.2.6 (line 140): “报送信息符合数据规范的比率达到80%（1分）”."""
    r = score(scheme, {"u": unit(data_conformity_rate=rate)})
    assert pts(r, "u", "wangyi.1.2.6") == expected


def test_c2_strict_option_excludes_the_boundary(scheme):
    """C2 alternative “不含本数”: 50% and 80% exactly, and 2 专职人员 exactly, then score 0."""
    r = score(scheme, {"u": unit(timely_report_rate=50, data_conformity_rate=80, lead_dept_fulltime_staff=2)},
              readings={"C2": "strict"})
    assert (pts(r, "u", "wangyi.1.2.5"), pts(r, "u", "wangyi.1.2.6"), pts(r, "u", "wangyi.1.1.2")) == (0, 0, 0)


@pytest.mark.parametrize("staff,expected", [(1, 0.0), (2, 1.0), (5, 1.0)])
def test_1_1_2_two_or_more_staff(scheme, staff, expected):
    """1.1.2 (line 32): “信用建设牵头部门有2名以上专职人员负责信用工作（1分）。” — 以上 includes 2."""
    r = score(scheme, {"u": unit(lead_dept_fulltime_staff=staff)})
    assert pts(r, "u", "wangyi.1.1.2") == expected


@pytest.mark.parametrize("meetings,expected", [(0, 0.0), (1, 0.5), (4, 0.5)])
def test_1_1_4_at_least_one_meeting(scheme, meetings, expected):
    """1.1.4 (line 50): “至少召开一次领导小组会议（0.5分）。”"""
    r = score(scheme, {"u": unit(leading_group_meetings=meetings)})
    assert pts(r, "u", "wangyi.1.1.4") == expected


def test_1_1_1_needs_both_group_and_lead_department(scheme):
    """1.1.1 (line 23): “成立社会信用体系建设领导小组，明确信用建设牵头部门（1分）。”"""
    r = score(scheme, {"a": unit(lead_dept_designated=0), "b": unit()})
    assert (pts(r, "a", "wangyi.1.1.1"), pts(r, "b", "wangyi.1.1.1")) == (0, 1)


@pytest.mark.parametrize("n,expected", [(0, 0.0), (7, 0.7), (29, 2.9), (30, 3.0), (45, 3.0)])
def test_1_3_1_per_department_capped(scheme, n, expected):
    """1.3.1 (line 151): “按信用信息应用部门计算，每个部门得0.1分，开发区酌情计分（最高3分）。” — n×0.1, cap 3."""
    r = score(scheme, {"u": unit(app_depts=n)})
    assert pts(r, "u", "wangyi.1.3.1") == pytest.approx(expected)


@pytest.mark.parametrize("n,expected", [(1, 0.2), (14, 2.8), (15, 3.0), (16, 3.0)])
def test_1_3_2_per_domain_capped(scheme, n, expected):
    """1.3.2 (line 160): “按信用信息应用领域计算，每个领域得0.2分，开发区酌情计分（最高3分）” — n×0.2, cap 3."""
    r = score(scheme, {"u": unit(app_domains=n)})
    assert pts(r, "u", "wangyi.1.3.2") == pytest.approx(expected)


@pytest.mark.parametrize("n,expected", [(4, 0.8), (14, 2.8), (15, 3.0), (40, 3.0)])
def test_1_5_1_per_department_capped(scheme, n, expected):
    """1.5.1 (line 208): “按落实联合奖惩制度的部门数量计算，每个得0.2分，开发区酌情计分（最高3分）。”"""
    r = score(scheme, {"u": unit(joint_incentive_depts=n)})
    assert pts(r, "u", "wangyi.1.5.1") == pytest.approx(expected)


def test_c4_domains_option_counts_domains(scheme):
    """C4: 1.5.1 is titled 奖惩覆盖领域 but counts 部门; the alternative counts 领域: 4 domains → 0.8
    while 15 departments → 3 under the chosen reading."""
    row = unit(joint_incentive_depts=15, joint_incentive_domains=4)
    assert pts(score(scheme, {"u": row}), "u", "wangyi.1.5.1") == pytest.approx(3.0)
    assert pts(score(scheme, {"u": row}, {"C4": "domains"}), "u", "wangyi.1.5.1") == pytest.approx(0.8)


def test_c3_all_or_nothing_and_partial(scheme):
    """C3: 1.2.1 “所有部门接入…（2分）”, 1.2.2 “所有产生信用信息的部门均按要求…报送信息（2分）”,
    1.2.3 “…全覆盖、无遗漏（2分）”, 1.3.3 “…等重点领域全面建立信用信息核查使用机制（4分）”.
    29 of 30 departments connected, 20 of 25 reporting, 3 of 4 categories, 7 of 10 domains:
    all-or-nothing → 0 each; partial → 2×29/30, 2×20/25 = 1.6, 3×0.5 = 1.5, 7×0.4 = 2.8."""
    row = unit(platform_depts_connected=29, reporting_depts_compliant=20, full_cover_random_inspection=0,
               **{k: 0 for k in KEY_CHECKS[7:]})
    items = ["wangyi.1.2.1", "wangyi.1.2.2", "wangyi.1.2.3", "wangyi.1.3.3"]
    r = score(scheme, {"u": row})
    assert [pts(r, "u", i) for i in items] == [0, 0, 0, 0]
    r = score(scheme, {"u": row}, {"C3": "partial"})
    assert [pts(r, "u", i) for i in items] == pytest.approx([2 * 29 / 30, 1.6, 1.5, 2.8])


# ----------------------------------------------------------------------------- 工作创新
def test_full_marks_innovation(scheme):
    """A 城区 meeting every clause of 工作创新, with 2.1.8 and 2.2.4 judged at their maximum 2, scores 30."""
    r = score(scheme, {"u": unit()})
    assert float(r.sections.at["u", "wangyi.2"]) == pytest.approx(30)
    assert [float(r.sections.at["u", f"wangyi.2.{k}"]) for k in range(1, 5)] == pytest.approx([12, 8, 4, 6])


@pytest.mark.parametrize("n,expected", [(0, 0.0), (4, 0.0), (5, 1.0), (9, 1.0)])
def test_2_1_5_five_or_more_departments(scheme, n, expected):
    """2.1.5 (line 313): “有5个以上行业主管部门引入第三方机构参与行业信用监管，开发区酌情计分（1分）” — 5 included."""
    r = score(scheme, {"u": unit(third_party_regulation_depts=n)})
    assert pts(r, "u", "wangyi.2.1.5") == expected


def test_2_1_5_strict_reading_needs_six(scheme):
    """C2 strict: “5个以上” read as more than 5: 5 departments → 0, 6 → 1."""
    r = score(scheme, {"a": unit(third_party_regulation_depts=5), "b": unit(third_party_regulation_depts=6)},
              {"C2": "strict"})
    assert (pts(r, "a", "wangyi.2.1.5"), pts(r, "b", "wangyi.2.1.5")) == (0, 1)


@pytest.mark.parametrize("n,expected", [(1, 0.5), (3, 1.5), (4, 2.0), (7, 2.0)])
def test_2_2_2_per_scenario_capped(scheme, n, expected):
    """2.2.2 (line 364): “…推进信易行、信易游、信易批等信用惠民应用场景，每个应用0.5分，开发区酌情计分（最高2分）”."""
    r = score(scheme, {"u": unit(xinyi_scenarios=n)})
    assert pts(r, "u", "wangyi.2.2.2") == pytest.approx(expected)


@pytest.mark.parametrize("n,expected", [(3, 0.6), (9, 1.8), (10, 2.0), (12, 2.0)])
def test_2_2_3_per_livelihood_domain_capped(scheme, n, expected):
    """2.2.3 (line 375): “全面推进教育、医疗…电子商务等重点民生领域信用建设…每个领域0.2分，开发区酌情计分（最高2分）”."""
    r = score(scheme, {"u": unit(livelihood_domains=n)})
    assert pts(r, "u", "wangyi.2.2.3") == pytest.approx(expected)


def test_2_1_7_campaign_and_all_five_systems(scheme):
    """2.1.7 (line 333): “每年至少开展一次重点领域突出失信问题专项治理，全面落实市场禁入、行业禁入、失信责任追究、
    信用修复和联合惩戒制度（2分）”: no campaign → 0; one system missing → 0; both → 2."""
    r = score(scheme, {"none": unit(dishonesty_campaigns=0), "gap": unit(credit_repair_system=0), "ok": unit()})
    assert [pts(r, u, "wangyi.2.1.7") for u in ("none", "gap", "ok")] == [0, 0, 2]


def test_w1_named_measures_options(scheme):
    """W1: 2.1.1 (line 276) “广泛推行告知承诺、容缺受理、绿色通道等便利化管理和服务措施（2分）”.
    Green channel missing: all_named → 0; any_named → 2; judgement → the assessor's 1.5."""
    row = unit(pre_green_channel=0)
    assert pts(score(scheme, {"u": row}), "u", "wangyi.2.1.1") == 0
    assert pts(score(scheme, {"u": row}, {"W1": "any_named"}), "u", "wangyi.2.1.1") == 2
    judged = judge(dict(row), "wangyi.2.1.1", 1.5, "告知承诺、容缺受理已推行，绿色通道未建")
    r = score(scheme, {"u": judged}, {"W1": "judgement"})
    assert pts(r, "u", "wangyi.2.1.1") == 1.5
    # without an entry the judged item is pending, not 0
    r = score(scheme, {"u": row}, {"W1": "judgement"})
    assert str(r.status.at["u", "wangyi.2.4.2"]) == "pending_judgement"


def test_dev_zone_2_x_count_items_judged(scheme):
    """2.1.5, 2.2.2, 2.2.3 say “开发区酌情计分”: a 开发区 gets the assessor's points (0.5, 1, 2)."""
    row = unit("开发区", third_party_regulation_depts=0, xinyi_scenarios=0, livelihood_domains=0)
    for item, p in (("wangyi.2.1.5", 0.5), ("wangyi.2.2.2", 1), ("wangyi.2.2.3", 2)):
        judge(row, item, p)
    r = score(scheme, {"dz": row})
    assert [pts(r, "dz", i) for i in ("wangyi.2.1.5", "wangyi.2.2.2", "wangyi.2.2.3")] == [0.5, 1, 2]


# ----------------------------------------------------------------------------- 1.4.2 under C1
C1_CASES = {
    # (sme rate, farmer rate, sme count, farmer households)
    "both_80": (80, 80, 1000, 3000),
    "farmer_below": (95, 79.9, 1000, 3000),
    "mixed": (90, 70, 1000, 3000),
    "high": (100, 85, 1000, 3000),
}


@pytest.mark.parametrize("option,expected", [
    # threshold: both ≥ 80 → 3
    ("both_threshold", {"both_80": 3, "farmer_below": 0, "mixed": 0, "high": 3}),
    # 1.5×sme/100 + 1.5×farmer/100
    ("proportional", {"both_80": 2.4, "farmer_below": 1.425 + 1.1985, "mixed": 1.35 + 1.05, "high": 1.5 + 1.275}),
    # each part 1.5×(rate−80)/20 in [0, 1.5]
    ("linear_80_100", {"both_80": 0, "farmer_below": 1.5 * 15 / 20, "mixed": 0.75, "high": 1.5 + 0.375}),
    # pooled (sme×n1 + farmer×n2)/(n1+n2) ≥ 80: (80·1000+80·3000)/4000 = 80 → 3;
    # (95000+239700)/4000 = 83.675 → 3; (90000+210000)/4000 = 75 → 0; (100000+255000)/4000 = 88.75 → 3
    ("pooled", {"both_80": 3, "farmer_below": 3, "mixed": 0, "high": 3}),
])
def test_1_4_2_under_each_c1_option(scheme, option, expected):
    """1.4.2 (line 195): “中小微企业和农户信用信息建档比率80%以上，力争100%。开发区只评估中小微企业建档比率（3分）”."""
    rows = {k: unit(sme_filing_rate=a, farmer_filing_rate=b, sme_count=n1, farmer_household_count=n2)
            for k, (a, b, n1, n2) in C1_CASES.items()}
    r = score(scheme, rows, {"C1": option})
    for k, e in expected.items():
        assert pts(r, k, "wangyi.1.4.2") == pytest.approx(e), (option, k)


def test_1_4_2_pooled_needs_the_counts_only_under_that_option(scheme):
    """Missing input is never 0: without the counts the pooled reading cannot score (missing_input);
    the chosen threshold reading does not read them."""
    row = unit(sme_count=None, farmer_household_count=None)
    assert str(score(scheme, {"u": row}).status.at["u", "wangyi.1.4.2"]) == "scored"
    r = score(scheme, {"u": row}, {"C1": "pooled"})
    assert str(r.status.at["u", "wangyi.1.4.2"]) == "missing_input"
    assert pd.isna(r.points.at["u", "wangyi.1.4.2"])


# ----------------------------------------------------------------------------- 开发区
def test_dev_zone_1_4_sme_only(scheme):
    """1.4.1 (line 183) “…开发区只评估中小微企业信用信息平台建设（3分）”; 1.4.2 (line 195) “开发区只评估中小微企业建档比率”.
    A 开发区 with no farmer platform and a missing farmer rate: SME platform → 3, SME rate 80 → 3, 79.99 → 0."""
    rows = {
        "dz": unit("开发区", farmer_platform=0, farmer_filing_rate=None, sme_filing_rate=80),
        "dz_low": unit("开发区", farmer_platform=0, farmer_filing_rate=None, sme_filing_rate=79.99),
        "city": unit("城区", farmer_platform=0, sme_filing_rate=80, farmer_filing_rate=80),
    }
    r = score(scheme, rows)
    assert pts(r, "dz", "wangyi.1.4.1") == 3 and pts(r, "city", "wangyi.1.4.1") == 0
    assert pts(r, "dz", "wangyi.1.4.2") == 3 and pts(r, "dz_low", "wangyi.1.4.2") == 0
    assert str(r.status.at["dz", "wangyi.1.4.2"]) == "scored"


def test_dev_zone_count_items_are_judged(scheme):
    """1.3.1/1.3.2/1.5.1: “…开发区酌情计分”. A 开发区 is scored by the assessor's points, not by n×factor;
    without an entry the item is pending_judgement (unknown, not 0)."""
    row = unit("开发区", app_depts=30, app_domains=15, joint_incentive_depts=15)
    judge(row, "wangyi.1.3.1", 1.2, "开发区部门少，应用覆盖一般")
    r = score(scheme, {"dz": row})
    assert pts(r, "dz", "wangyi.1.3.1") == pytest.approx(1.2)
    for item in ("wangyi.1.3.2", "wangyi.1.5.1"):
        assert str(r.status.at["dz", item]) == "pending_judgement"
        assert pd.isna(r.points.at["dz", item])
    # a 城区 with the same facts is scored by the count: 30×0.1 = 3
    r2 = score(scheme, {"c": unit("城区", app_depts=30)})
    assert pts(r2, "c", "wangyi.1.3.1") == 3


def test_dev_zone_judgement_capped_at_item_max(scheme):
    """A 开发区 judgement above the item's maximum (3) is refused, not clipped silently."""
    row = judge(unit("开发区"), "wangyi.1.3.1", 3.5)
    with pytest.raises(xinyong.InputError):
        score(scheme, {"dz": row})


# ----------------------------------------------------------------------------- missing
def test_missing_rate_is_missing_not_zero(scheme):
    """1.2.5 with no recorded rate is missing_input; its point is unknown, never 0."""
    r = score(scheme, {"u": unit(timely_report_rate=None)})
    assert str(r.status.at["u", "wangyi.1.2.5"]) == "missing_input"
    assert r.units.at["u", "unknown_points"] >= 1


# ----------------------------------------------------------------------------- 建设成效
def test_outcomes_are_judgements_of_five_points(scheme):
    """建设成效（30%）: 信用意识提升（15%）and 信用环境优化（15%）, six rows “…综合评判/综合评价…（5分）”,
    all survey or judgement (C4)."""
    sec = {s.id: s for s in scheme.sections}["wangyi.3"]
    assert sec.declared_points == 30 and [s.declared_points for s in sec.sections] == [15, 15]
    items = list(sec.walk_items())
    assert [it.id for it in items] == OUTCOMES
    assert all(it.rule.kind == "judgement" and it.max_points == 5 and it.rule.params["guidance"] for it in items)
    assert scheme.declared_total == 100 and scheme.base_max == 100


def test_outcomes_pending_until_judged(scheme):
    """No assessor entry → pending_judgement, its 5 points unknown (never 0)."""
    row = unit()
    for k in ("wangyi.3.1.3", "wangyi.3.2.3"):
        del row[f"judge:{k}"], row[f"why:{k}"]
    r = score(scheme, {"u": row})
    assert str(r.status.at["u", "wangyi.3.1.3"]) == "pending_judgement"
    assert r.units.at["u", "total"] == pytest.approx(90)
    assert r.units.at["u", "unknown_points"] == pytest.approx(10)


def test_3_1_3_has_no_deadline(scheme):
    """C6: 3.1.3 公民个人信用认知情况 (line 488–492) has an empty 工作进度要求 cell."""
    it = scheme.item("wangyi.3.1.3")
    assert it.deadline is None and it.meta["progress"] is None


# ----------------------------------------------------------------------------- 认定条件
def gate_outcomes(r, unit_id):
    g = r.gates[r.gates["unit"] == unit_id]
    return dict(zip(g["condition"], g["outcome"]))


def with_total(total_outcomes: list[float], **over) -> dict:
    """A unit at full marks in 基础工作 and 工作创新 (70) with the six 建设成效 judgements given."""
    row = unit(**over)
    for k, p in zip(OUTCOMES, total_outcomes):
        judge(row, k, p)
    return row


def test_gate_conditions_and_sources(scheme):
    """“省级信用建设示范县和示范园区认定条件” (line 523), six conditions on lines 524–529."""
    (g,) = scheme.gates
    assert g.id == "wangyi.qualification" and g.kind == "qualification"
    assert [c.id for c in g.conditions] == [f"wangyi.qualification.{k}" for k in range(1, 7)]
    assert [c.source.line for c in g.conditions] == list(range(524, 530))


def test_full_unit_qualifies(scheme):
    r = score(scheme, {"u": unit()})
    assert r.units.at["u", "total"] == pytest.approx(100)
    assert r.units.at["u", "gate:wangyi.qualification"] == "pass"
    assert set(gate_outcomes(r, "u").values()) == {"pass"}


def test_gate_total_85_inclusive(scheme):
    """条件2 (line 525): “第三方综合评分达到85分以上。” — 85 passes, 84.99 fails (70 + 14.99)."""
    rows = {"t8499": with_total([5, 5, 4.99, 0, 0, 0]), "t85": with_total([5, 5, 5, 0, 0, 0])}
    r = score(scheme, rows)
    assert r.units.at["t8499", "total"] == pytest.approx(84.99)
    assert r.units.at["t85", "total"] == pytest.approx(85)
    assert gate_outcomes(r, "t8499")["wangyi.qualification.2"] == "fail"
    assert gate_outcomes(r, "t85")["wangyi.qualification.2"] == "pass"
    assert r.units.at["t8499", "gate:wangyi.qualification"] == "fail"
    assert list(r.units.at["t8499", "failed:wangyi.qualification"]) == ["wangyi.qualification.2"]
    assert r.units.at["t85", "gate:wangyi.qualification"] == "pass"


def test_gate_total_unknown_while_judgements_pending(scheme):
    """80 known points and a pending 5-point judgement: the total may still reach 85 → unknown, not fail."""
    row = with_total([5, 5, 0, 0, 0, 0])
    del row["judge:wangyi.3.2.3"], row["why:wangyi.3.2.3"]
    r = score(scheme, {"u": row})
    assert r.units.at["u", "total"] == pytest.approx(80)
    assert gate_outcomes(r, "u")["wangyi.qualification.2"] == "unknown"


def test_gate_third_party_score_option(scheme):
    """C5 alternative: condition 2 on a separately entered 第三方综合评分: 85 passes, 84.99 fails."""
    rows = {"a": with_total([0] * 6, third_party_score=85), "b": unit(third_party_score=84.99)}
    r = score(scheme, rows, {"C5": "third_party_score"})
    assert gate_outcomes(r, "a")["wangyi.qualification.2"] == "pass"  # table total only 70
    assert gate_outcomes(r, "b")["wangyi.qualification.2"] == "fail"  # table total 100


@pytest.mark.parametrize("legal,legal_total,natural,natural_total,gov,expected", [
    (1, 10001, 20, 250000, 0, "pass"),
    (1, 10000, 20, 250000, 0, "fail"),      # legal share exactly 1/10000: not below
    (0, 10000, 25, 250000, 0, "fail"),      # natural share exactly 25/250000 = 1/10000
    (0, 10000, 24, 250000, 0, "pass"),
    (0, 10000, 0, 250000, 1, "fail"),       # 政府机构 must be zero
])
def test_gate_dishonest_debtors_below_one_in_ten_thousand(scheme, legal, legal_total, natural, natural_total, gov,
                                                           expected):
    """条件4 (line 527): “失信被执行人法人和自然人占比均低于万分之一，其中政府机构为零。” — strict."""
    row = unit(dishonest_debtor_legal=legal, legal_persons_total=legal_total, dishonest_debtor_natural=natural,
               natural_persons_total=natural_total, dishonest_debtor_gov=gov)
    assert gate_outcomes(score(scheme, {"u": row}), "u")["wangyi.qualification.4"] == expected


@pytest.mark.parametrize("rate,gov_rate,expected", [
    (80, 90, "pass"), (80, 89.9, "fail"), (79.99, 95, "fail"), (100, 100, "pass"),
])
def test_gate_rectification_rates(scheme, rate, gov_rate, expected):
    """条件5 (line 528): “失信问题整改率达到80%以上，其中政府机构应达到90%。” — both inclusive."""
    row = unit(dishonesty_rectification_rate=rate, gov_dishonesty_rectification_rate=gov_rate)
    assert gate_outcomes(score(scheme, {"u": row}), "u")["wangyi.qualification.5"] == expected


@pytest.mark.parametrize("npl,national,expected", [(1.89, 1.9, "pass"), (1.9, 1.9, "fail"), (2.5, 1.9, "fail")])
def test_gate_npl_strictly_below_national_average(scheme, npl, national, expected):
    """条件6 (line 529): “不良贷款率低于全国平均水平。” — equal to the national average fails."""
    row = unit(npl_rate=npl, national_npl_rate=national)
    assert gate_outcomes(score(scheme, {"u": row}), "u")["wangyi.qualification.6"] == expected


def test_gate_other_conditions(scheme):
    """条件1 (line 524) “必备条件必须全部符合创建要求。”; 条件3 (line 526) “一年内无违法失信重大事件。”;
    a missing fact leaves its condition unknown, not failed."""
    r = score(scheme, {"a": unit(mandatory_conditions_met=0), "b": unit(major_dishonesty_events=1),
                       "c": unit(npl_rate=None)})
    assert gate_outcomes(r, "a")["wangyi.qualification.1"] == "fail"
    assert gate_outcomes(r, "b")["wangyi.qualification.3"] == "fail"
    assert gate_outcomes(r, "c")["wangyi.qualification.6"] == "unknown"
    assert r.units.at["c", "gate:wangyi.qualification"] == "unknown"


# ----------------------------------------------------------------------------- whole units by hand
def district() -> dict:
    d = unit(
        # 1.1: 1 + 1 + 1 + 0 + 0.5 + 0 + 0.5 = 4
        leading_group_meetings=0, supervision_system=0, lead_dept_fulltime_staff=2,
        # 1.2: 0 (28/30 connected) + 2 + 2 + judged 1.5 + 1 (50%) + 0 (79.9%) = 6.5
        platform_depts_connected=28, platform_depts_total=30, timely_report_rate=50, data_conformity_rate=79.9,
        # 1.3: 17×0.1 + 9×0.2 + 4 = 1.7 + 1.8 + 4 = 7.5
        app_depts=17, app_domains=9,
        # 1.4: 3 + 0 (farmer 78 < 80) = 3
        sme_filing_rate=85, farmer_filing_rate=78,
        # 1.5: 11×0.2 + 1 + 0 = 3.2
        joint_incentive_depts=11, red_black_list_batches=1, integrity_priority_support=0,
        # 1.6: 1 + 1 + 0 + 1 = 3
        public_campaigns=2, media_campaigns=0,
        # 2.1: 2 + 1 + 0 + 0 (分类分级 missing) + 1 (5 depts) + 1 + 2 + judged 1 = 8
        third_party_credit_reports=0, post_tiered_supervision=0, third_party_regulation_depts=5,
        # 2.2: 2 + 3×0.5 + 7×0.2 + judged 0.5 = 5.4
        xinyi_scenarios=3, livelihood_domains=7,
        # 2.3: 2 + 0 (信用重建/金融扶贫 missing) = 2
        credit_rebuild_poverty_finance=0,
        # 2.4: 2 + 2 + 0 = 4
        personal_integrity_records=0,
    )
    judge(d, "wangyi.1.2.4", 1.5, "收集道德模范等信息 60 条")
    judge(d, "wangyi.2.1.8", 1, "信用积分试点一项")
    judge(d, "wangyi.2.2.4", 0.5, "信用就医试点，覆盖面小")
    for k, p in zip(OUTCOMES, [4, 3.5, 3, 4, 3.5, 4]):  # 建设成效 22
        judge(d, k, p, "问卷与核查结果")
    return d


def test_whole_district_by_hand(scheme):
    """基础工作 4 + 6.5 + 7.5 + 3 + 3.2 + 3 = 27.2; 工作创新 8 + 5.4 + 2 + 4 = 19.4; 建设成效 22;
    total 68.6 < 85, so the 认定条件 fail on condition 2 only."""
    r = score(scheme, {"district": district()})
    sec = r.sections.loc["district"]
    assert [float(sec[f"wangyi.1.{k}"]) for k in range(1, 7)] == pytest.approx([4, 6.5, 7.5, 3, 3.2, 3])
    assert [float(sec[f"wangyi.2.{k}"]) for k in range(1, 5)] == pytest.approx([8, 5.4, 2, 4])
    assert (float(sec["wangyi.1"]), float(sec["wangyi.2"]), float(sec["wangyi.3"])) == pytest.approx((27.2, 19.4, 22))
    u = r.unit("district")
    assert u.total == pytest.approx(68.6)
    assert u.unknown_points == 0 and u.n_scored == 48
    assert u["gate:wangyi.qualification"] == "fail"
    assert list(u["failed:wangyi.qualification"]) == ["wangyi.qualification.2"]


def test_whole_dev_zone_by_hand(scheme):
    """The same facts for a 开发区 with no farmer platform and no farmer rate. Differences from the district:
    1.3.1 judged 1.0 (not 1.7), 1.3.2 judged 1.5 (not 1.8), 1.4.1 SME platform only → 3, 1.4.2 SME rate 85 ≥ 80 → 3
    (not 0), 1.5.1 judged 2 (not 2.2), 2.1.5 judged 0.5 (not 1), 2.2.2 judged 1 (not 1.5), 2.2.3 judged 1 (not 1.4):
    68.6 − 0.7 − 0.3 + 3 − 0.2 − 0.5 − 0.5 − 0.4 = 69.0."""
    d = district()
    d.update(unit_kind="开发区", farmer_platform=0, farmer_filing_rate=None)
    for k, p in (("wangyi.1.3.1", 1.0), ("wangyi.1.3.2", 1.5), ("wangyi.1.5.1", 2), ("wangyi.2.1.5", 0.5),
                 ("wangyi.2.2.2", 1), ("wangyi.2.2.3", 1)):
        judge(d, k, p, "开发区酌情计分")
    r = score(scheme, {"dz": d})
    u = r.unit("dz")
    assert u.total == pytest.approx(69.0)
    assert float(r.sections.at["dz", "wangyi.1.4"]) == 6
    assert u.unknown_points == 0 and u.n_not_applicable == 0
    assert r.computation("dz", "wangyi.1.4.2").startswith("85 ≥ 80")


def test_work_methods_are_from_the_table(scheme):
    """meta.work_method is the 工作方法 cell (whitespace aside; “同上” resolved, the Word bookmark removed)."""
    text = "".join(SEED.read_text(encoding="utf-8").split()).replace("[bookmark:_GoBack]", "")
    for it in scheme.walk_items():
        wm = it.meta.get("work_method_as_printed", it.meta["work_method"])
        assert "".join(wm.split()) in text, it.id
