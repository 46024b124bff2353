"""Golden tests for scheme ``city2019`` (001 社会信用体系建设示范城市评估指标细则(2019年版), 100 + 附加 10).

Every expected value is computed by hand from the quoted clause (the arithmetic is written out in
the test); nothing here calls the scoring code to obtain an expectation. Seed file:
docs/seeds/001_a7f8961f93169087.txt — quotes keep the seed's lost characters (reading A1).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import xinyong
from xinyong.scoring.scheme_audit import check_scheme

from conftest import SEEDS

SEED = SEEDS / "001_a7f8961f93169087.txt"
SID = "city2019"


@pytest.fixture(scope="module")
def scheme():
    return xinyong.load_scheme(SID)


def score(scheme, rows: dict[str, dict], readings=None):
    df = pd.DataFrame.from_dict(rows, orient="index")
    return xinyong.score(scheme, df, readings=readings or {})


def pts(r, unit, item):
    return float(r.points.at[unit, item])


def one_item(scheme, item, values: list[dict], readings=None) -> list[float]:
    """Score one row per value dict; return the points of ``item`` in order."""
    r = score(scheme, {f"u{k}": v for k, v in enumerate(values)}, readings)
    return [pts(r, f"u{k}", item) for k in range(len(values))]


def bullet_line(it) -> int:
    """The 评分标准 line of an item: meta.standard when the item quotes the 评分细则, else its source line."""
    return (it.meta.get("standard") or {}).get("line") or it.source.line


# ----------------------------------------------------------------------------- structure
def test_sections_declared_as_printed(scheme):
    """“一、…4 / 二、…4 / 三、…6 / 四、…6 / 五、…6 / 六、…6 / 七、…10 / 八、…17 / 九、…14 / 十、…22 / 十一、…5”,
    “附加项:探索创新和突出贡献 10”."""
    top = scheme.sections
    assert [s.id for s in top] == [f"city2019.{k}" for k in range(1, 13)]
    assert [s.declared_points for s in top] == [4, 4, 6, 6, 6, 6, 10, 17, 14, 22, 5, 10]
    assert [s.bonus for s in top] == [False] * 11 + [True]
    assert sum(s.declared_points for s in top[:11]) == 100
    assert (scheme.declared_total, scheme.declared_bonus) == (100, 10)
    # the items carry exactly the printed points (四/五: 10 domains × (0.1+0.1+0.2+0.2) = 6)
    assert [s.max_points for s in top[:11]] == [4, 4, 6, 6, 6, 6, 10, 17, 14, 22, 5]
    assert top[11].bonus_points == 10
    assert scheme.unit_kinds == ["城市"]


def test_blocks_as_printed(scheme):
    """“信用环境(4分)”“法治环境(3分)”“政策环境(3分)”; “统一社会信用代码(2分)”“信息归集共享和公开(15分)”;
    “工作保障(2分)”“推进落实(3分)”."""
    sec = {s.id: s for s in scheme.walk_sections()}
    for parent, names, declared in [
        ("city2019.7", ["信用环境", "法治环境", "政策环境"], [4, 3, 3]),
        ("city2019.8", ["统一社会信用代码", "信息归集共享和公开"], [2, 15]),
        ("city2019.11", ["工作保障", "推进落实"], [2, 3]),
    ]:
        blocks = sec[parent].sections
        assert [b.name for b in blocks] == names
        assert [b.declared_points for b in blocks] == declared
        assert [b.max_points for b in blocks] == declared
    assert scheme.item("city2019.7.1.1").name == "地区不良贷款率"


def test_item_ids_in_document_order(scheme):
    ids = [it.id for it in scheme.walk_items()]
    expected = (["city2019.1.1", "city2019.2.1", "city2019.2.2"]
                + [f"city2019.3.{k}" for k in range(1, 6)]
                + [f"city2019.4.{k}" for k in range(1, 5)] + [f"city2019.5.{k}" for k in range(1, 5)]
                + [f"city2019.6.{k}" for k in range(1, 5)]
                + ["city2019.7.1.1", "city2019.7.1.2", "city2019.7.2.1", "city2019.7.2.2", "city2019.7.2.3",
                   "city2019.7.3.1", "city2019.7.3.2", "city2019.7.3.3"]
                + ["city2019.8.1.1", "city2019.8.1.2"] + [f"city2019.8.2.{k}" for k in range(1, 7)]
                + [f"city2019.9.{k}" for k in range(1, 5)] + [f"city2019.10.{k}" for k in range(1, 9)]
                + ["city2019.11.1.1", "city2019.11.1.2", "city2019.11.2.1", "city2019.11.2.2", "city2019.11.2.3"]
                + ["city2019.12.1"])
    assert ids == expected
    # the bullets (评分标准 lines; the item's own line where it has no separate bullet) never go backwards
    lines = [bullet_line(scheme.item(i)) for i in ids]
    assert lines == sorted(lines)


def test_section_six_is_18_12_1_2(scheme):
    """六 细则: “…此项最高得1.8分”; 机构 4×0.15+4×0.15; “每公开1类,得0.25分”; “认定…得1分;归集共享…得1分”."""
    assert [scheme.item(f"city2019.6.{k}").max_points for k in range(1, 5)] == [1.8, 1.2, 1, 2]


def test_checker_finds_no_mismatch(scheme):
    """SEED_NOTES §1: 001 is consistent — 100 + 10, blocks 七 4/3/3, 八 2/15, 十一 2/3."""
    codes = {f.code for f in check_scheme(scheme)}
    assert not codes & {"total_mismatch", "section_mismatch", "bonus_mismatch", "unreachable_max"}, codes


def test_every_quote_is_verbatim_on_its_line(scheme):
    """Quotes are the seed's text as it stands (lost characters included), at the line grep -n gives."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    checked = 0

    def check(src_line, quote, where):
        nonlocal checked
        assert quote in lines[src_line - 1], (where, src_line, quote)
        checked += 1

    def walk_meta(x, where):
        if isinstance(x, dict):
            if "line" in x and "quote" in x:
                check(x["line"], x["quote"], where)
            for v in x.values():
                walk_meta(v, where)
        elif isinstance(x, list):
            for v in x:
                walk_meta(v, where)

    for it in scheme.walk_items():
        assert it.source.file == SEED.name
        check(it.source.line, it.source.quote, it.id)
        walk_meta(it.meta, it.id)
    for sec in scheme.walk_sections():
        check(sec.source.line, sec.source.quote, sec.id)
    assert checked > 80


def test_hard_indicator_refs_follow_the_printed_prefix(scheme):
    """“·20按照中央宣传部部署…”: the number after “·” is 002's hard indicator; items whose bullet has no
    number (一, 七, 8.2.6, 十一, 附加项) carry none."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    seen = {}
    for it in scheme.walk_items():
        m = re.match(r"·(\d+)", lines[bullet_line(it) - 1])
        assert it.hard_indicator_ref == (int(m.group(1)) if m else None), it.id
        seen[it.id] = it.hard_indicator_ref
    assert seen["city2019.8.1.1"] == 1 and seen["city2019.10.8"] == 6 and seen["city2019.9.1"] == 17


def test_hard_indicator_coverage_matches_seed_notes(scheme):
    """SEED_NOTES §1 (002): guidance maxima under the 001 formulas 1+2+4+4+3+2+4+10+20+4 = 54; the basic
    indicators cover another 25 points; 21 points belong to no hard indicator: 一 4, 七 10, 8.2.6 2, 十一 5."""
    items = [it for it in scheme.walk_items() if not it.bonus]
    basic = sum(it.max_points for it in items if it.hard_indicator_ref and it.hard_indicator_ref <= 10)
    guide = sum(it.max_points for it in items if it.hard_indicator_ref and it.hard_indicator_ref > 10)
    none = [it for it in items if it.hard_indicator_ref is None]
    assert basic == pytest.approx(25) and guide == pytest.approx(54)
    assert sum(it.max_points for it in none) == pytest.approx(21)
    per = {}
    for it in items:
        if it.hard_indicator_ref:
            per[it.hard_indicator_ref] = per.get(it.hard_indicator_ref, 0) + it.max_points
    assert [per[k] for k in range(11, 21)] == pytest.approx([1, 2, 4, 4, 3, 2, 4, 10, 20, 4])


def test_readings_recorded(scheme):
    ids = [r.id for r in scheme.readings]
    assert ids == [f"A{k}" for k in range(1, 11)]
    for r in scheme.readings:
        assert r.seed_note and r.question and r.why
    assert scheme.reading("A10").seed_note == "A9"
    # readings without computational options
    for rid in ("A1", "A6", "A9"):
        assert all(not o.set for o in scheme.reading(rid).options), rid
    assert [o.id for o in scheme.reading("A3").options] == ["floor", "pro_rata", "ceiling"]
    for it in scheme.walk_items():
        for rid in it.readings:
            assert rid in ids
    # every item a computational reading targets lists that reading
    for r in scheme.readings:
        for t in r.targets:
            assert r.id in scheme.item(t).readings, (r.id, t)


# ----------------------------------------------------------------------------- 七 piecewise
def test_npl_piecewise_at_breakpoints(scheme):
    """七.1.1: “如果地区不良贷款率 2%,2分;如果2% ≤ 地区不良贷款率 5%,得分 = 2/3*(5-地区不良贷款率*100);
    如果地区不良贷款率 ≥ 5%,0分” (“<” restored, A1; percent stored in percent)."""
    got = one_item(scheme, "city2019.7.1.1", [{"npl_rate": x} for x in (0, 1.99, 2, 2.6, 3.5, 4.97, 5, 12)])
    want = [2, 2, 2 / 3 * (5 - 2), 2 / 3 * (5 - 2.6), 2 / 3 * 1.5, 2 / 3 * 0.03, 0, 0]
    assert got == pytest.approx(want)
    assert want[3] == pytest.approx(1.6) and want[2] == 2  # continuous at 2%


def test_npl_computation_text(scheme):
    r = score(scheme, {"a": {"npl_rate": 2.6}})
    assert r.computation("a", "city2019.7.1.1") == "x=2.6，2 ≤ 2.6 < 5：2/3×(5−2.6)=1.6000"


def test_case_closure_and_recovery_piecewise(scheme):
    """七.2.1: “如果金融案件执结率 ≥ 80%,1分;如果 0% 金融案件执结率 80%,得分 = 1/80*(金融案件执结率*100- 0);
    如果金融案件执结率 = 0%,得0分”. 七.2.2: “…≥70%,1分;如果0%<…<70%,得分 = 1/70*(…*100- 0);…=0%,得0分”."""
    got = one_item(scheme, "city2019.7.2.1", [{"financial_case_closure_rate": x} for x in (0, 0.8, 40, 79.2, 80, 100)])
    assert got == pytest.approx([0, 0.01, 0.5, 0.99, 1, 1])
    got = one_item(scheme, "city2019.7.2.2", [{"financial_case_recovery_rate": x} for x in (0, 35, 70, 95)])
    assert got == pytest.approx([0, 0.5, 1, 1])


def fund(cur, prior):
    return {"fundraising_cases": cur, "fundraising_cases_prior": prior}


def test_illegal_fundraising_growth(scheme):
    """七.2.3: “如果非法集资发案数增长率 0%,1分;如果 0% ≤ 非法集资发案数增长率< 50%,得分 = 1/50*(50-增长率*100);
    如果非法集资发案数增长率 ≥50%,0分”; 增长率=(报告期-上期)/上期. A5: 上期 0 → 0 scores 1, 0 → k scores 0."""
    cases = [fund(5, 10), fund(10, 10), fund(12, 10), fund(14, 10), fund(15, 10), fund(30, 10), fund(0, 0), fund(3, 0)]
    # growth %: -50, 0, 20, 40, 50, 200, undefined (0→0), undefined (0→3)
    want = [1, 1 / 50 * (50 - 0), 1 / 50 * (50 - 20), 1 / 50 * (50 - 40), 0, 0, 1, 0]
    assert one_item(scheme, "city2019.7.2.3", cases) == pytest.approx(want)


def test_illegal_fundraising_zero_base_alternatives(scheme):
    """A5 options: 上期 = 0 is “无法计算” (undefined), or scores 1, or scores 0; 上期 > 0 unchanged."""
    rows = {"grow": fund(12, 10), "zz": fund(0, 0), "zk": fund(3, 0)}
    r = score(scheme, rows, {"A5": "undefined"})
    assert pts(r, "grow", "city2019.7.2.3") == pytest.approx(0.6)
    assert list(r.status.loc[["zz", "zk"], "city2019.7.2.3"].astype(str)) == ["undefined", "undefined"]
    assert r.points.loc[["zz", "zk"], "city2019.7.2.3"].isna().all()
    r = score(scheme, rows, {"A5": "zero_base_full"})
    assert [pts(r, u, "city2019.7.2.3") for u in rows] == pytest.approx([0.6, 1, 1])
    r = score(scheme, rows, {"A5": "zero_base_none"})
    assert [pts(r, u, "city2019.7.2.3") for u in rows] == pytest.approx([0.6, 0, 0])


def test_policy_environment_all_no(scheme):
    """七.3.1: “如果以下任一条为[是],得0分;如果均为[否],得1分” (是/否 restored, A1); 七.1.2 “如果为[是],得0分;
    如果为[否],得2分”."""
    no = {"interference_daily_operations": 0, "interference_loan_quota": 0, "interference_fund_flow": 0}
    got = one_item(scheme, "city2019.7.3.1", [no, {**no, "interference_fund_flow": 1}])
    assert got == [1, 0]
    assert one_item(scheme, "city2019.7.1.2", [{"major_regional_financial_risk": v} for v in (0, 1)]) == [2, 0]


# ----------------------------------------------------------------------------- 八 deductions (A3)
def test_code_conversion_floor_pro_rata_ceiling(scheme):
    """八.1.1: “存量代码转换率为100%的得1分,每降低1%[扣]0.2分” — 97.5% is 2.5 points short."""
    vals = [{"code_conversion_rate": x} for x in (100, 97.5, 99.5, 95, 94)]
    assert one_item(scheme, "city2019.8.1.1", vals) == pytest.approx([1, 1 - 0.2 * 2, 1, 0, 0])
    assert one_item(scheme, "city2019.8.1.1", vals, {"A3": "pro_rata"}) == pytest.approx(
        [1, 1 - 0.2 * 2.5, 1 - 0.2 * 0.5, 0, 0])
    assert one_item(scheme, "city2019.8.1.1", vals, {"A3": "ceiling"}) == pytest.approx(
        [1, 1 - 0.2 * 3, 1 - 0.2 * 1, 0, 0])


def test_duplicate_code_rate_steps_of_a_hundredth_percent(scheme):
    """八.1.2: “重错码率为0的得1分,每增加0.01%[扣]0.1分” (0.01 means 0.01%; 0.03/0.01 is 3 whole steps)."""
    vals = [{"duplicate_error_code_rate": x} for x in (0, 0.005, 0.025, 0.03, 0.1, 0.5)]
    assert one_item(scheme, "city2019.8.1.2", vals) == pytest.approx([1, 1, 0.8, 0.7, 0, 0])
    assert one_item(scheme, "city2019.8.1.2", vals, {"A3": "pro_rata"}) == pytest.approx([1, 0.95, 0.75, 0.7, 0, 0])
    assert one_item(scheme, "city2019.8.1.2", vals, {"A3": "ceiling"}) == pytest.approx([1, 0.9, 0.7, 0.7, 0, 0])


def test_publicity_rate_deduction(scheme):
    """八.2.3: “行政许可、行政处罚信息100%上报至信用中国网站公示计2分,公示率每降低1%[扣]0.2分”."""
    vals = [{"sgs_publicity_rate": x} for x in (100, 95.5, 90, 80)]
    assert one_item(scheme, "city2019.8.2.3", vals) == pytest.approx([2, 2 - 0.2 * 4, 0, 0])
    assert one_item(scheme, "city2019.8.2.3", vals, {"A3": "pro_rata"}) == pytest.approx([2, 2 - 0.2 * 4.5, 0, 0])
    assert one_item(scheme, "city2019.8.2.3", vals, {"A3": "ceiling"}) == pytest.approx([2, 2 - 0.2 * 5, 0, 0])


def test_service_halls_and_connected_units(scheme):
    """八.2.1: “与国家平台联合奖惩系统对接,…辖区内政务服务大厅100%接入…的计3分,每增加1个未接入的大厅减1分”
    (A10: docking is a precondition). 八.2.2: “…100%联通…的计4分,每增加1个未联通并归集共享信息的单位减0.5分”."""
    halls = [{"joint_system_docked": d, "service_halls_unconnected": n} for d, n in ((1, 0), (1, 1), (1, 4), (0, 0))]
    assert one_item(scheme, "city2019.8.2.1", halls) == [3, 2, 0, 0]
    assert one_item(scheme, "city2019.8.2.1", halls, {"A10": "halls_only"}) == [3, 2, 0, 3]
    units = [{"units_unconnected": n} for n in (0, 3, 8, 20)]
    assert one_item(scheme, "city2019.8.2.2", units) == pytest.approx([4, 4 - 1.5, 0, 0])


def test_portal_volume_and_activity(scheme):
    """八.2.4: “计分公式为0.5m,最高得2分” (m = 户均信息条数); 八.2.5: “计分公式为100n,最高得2分” (n = 日人均点击量)."""
    got = one_item(scheme, "city2019.8.2.4", [{"portal_entity_records": r, "legal_entities_total": 1000}
                                              for r in (1500, 4000, 9000)])
    assert got == pytest.approx([0.75, 2, 2])
    got = one_item(scheme, "city2019.8.2.5", [{"portal_daily_clicks": c, "registered_population": 1_000_000}
                                              for c in (10_000, 20_000, 50_000)])
    assert got == pytest.approx([100 * 0.01, 2, 2])


# ----------------------------------------------------------------------------- 九
def test_personal_credit_score_stepwise_and_continuous(scheme):
    """九.1: “开展市民信用分评价且超过50%的城市户籍人口拥有个人诚信分,得1.5分,在此基础上每多10%,加0.5分,
    最高得4分” — A2: stepwise (chosen) vs continuous; “超过” is strict."""
    shares = (49.9, 50, 50.1, 60, 65, 79.99, 100)
    vals = [{"personal_credit_score_share": s} for s in shares]
    assert one_item(scheme, "city2019.9.1", vals) == pytest.approx([0, 0, 1.5, 2.0, 2.0, 2.5, 4])
    assert one_item(scheme, "city2019.9.1", vals, {"A2": "continuous"}) == pytest.approx(
        [0, 0, 1.5 + 0.05 * 0.1, 2.0, 2.25, 1.5 + 0.05 * 29.99, 4])
    assert one_item(scheme, "city2019.9.1", vals, {"A2": "inclusive_50"}) == pytest.approx(
        [0, 1.5, 1.5, 2.0, 2.0, 2.5, 4])


def test_credit_services_and_xinyipi(scheme):
    """九.2: “每一个领域实质性开展工作并形成案例得0.3分,最高得6分”; 九.3: “…部门数量/具有行政审批权力的部门总量*2”."""
    assert one_item(scheme, "city2019.9.2", [{"credit_service_domains": n} for n in (0, 7, 20, 25)]) == \
        pytest.approx([0, 2.1, 6, 6])
    got = one_item(scheme, "city2019.9.3", [{"tolerance_depts": a, "approval_depts_total": 40} for a in (10, 40)])
    assert got == pytest.approx([0.5, 2])


def test_xinyidai_in_yuan(scheme):
    """九.4: “计分公式为信易贷放款金额/在运营市场主体数*0.002%,最高得2分” — A4: 元, 100,000 元 per entity = 2."""
    vals = [{"xinyidai_amount": per * 20_000, "operating_entities": 20_000} for per in (100_000, 50_000, 1_000, 400_000)]
    assert one_item(scheme, "city2019.9.4", vals) == pytest.approx([2, 1, 0.02, 2])
    assert one_item(scheme, "city2019.9.4", vals, {"A4": "wan_yuan"}) == pytest.approx(
        [10 * 0.00002, 5 * 0.00002, 0.1 * 0.00002, 40 * 0.00002])
    assert one_item(scheme, "city2019.9.4", vals, {"A4": "ignore_percent"}) == pytest.approx([2, 2, 2, 2])
    half = [{"xinyidai_amount": 500 * 20_000, "operating_entities": 20_000}]
    assert one_item(scheme, "city2019.9.4", half, {"A4": "ignore_percent"}) == pytest.approx([1])


# ----------------------------------------------------------------------------- 十
def commitments(r1_num, r1_den, subst, tol, tol_den, rep, bl):
    return {"active_commitments": r1_num, "self_discipline_commitments": 0, "new_market_entities": r1_den,
            "substitute_commitment_items": subst, "tolerance_commitment_items": tol, "approval_items_total": tol_den,
            "repair_commitments": rep, "operating_blacklist_entities": bl}


def test_commitment_coverage_capping(scheme):
    """十.1: “(主动承诺型承诺+行业自律型承诺数量)/市场主体数+…/19+…/全部行政审批事项+…/在运营的黑名单主体数量,
    最高得4分” — A8: each ratio capped at 1 (chosen) vs uncapped."""
    vals = [commitments(3000, 1000, 19, 50, 100, 25, 100),   # 3 + 1 + 0.5 + 0.25
            commitments(1500, 1000, 0, 20, 100, 10, 100),    # 1.5 + 0 + 0.2 + 0.1
            commitments(900, 1000, 19, 100, 100, 100, 100)]  # 0.9 + 1 + 1 + 1
    assert one_item(scheme, "city2019.10.1", vals) == pytest.approx([1 + 1 + 0.5 + 0.25, 1 + 0 + 0.2 + 0.1, 3.9])
    assert one_item(scheme, "city2019.10.1", vals, {"A8": "uncapped"}) == pytest.approx(
        [4, 1.5 + 0 + 0.2 + 0.1, 3.9])


def test_supervision_formulas(scheme):
    """十.2 “…/单位失信记录总数*2”; 十.3 “…/40,最高得1分”; 十.4 “…领域数量*0.1,最高得2分”; 十.5 “…/在运营红黑名单主体总量*5,
    最高为3分”; 十.6 “…/在运营黑名单主体总量*5,最高得3分”; 十.7 “…*2,最高得2分”; 十.8 “…*5,最高得5分”."""
    row = dict(linked_dishonesty_records=30, unit_dishonesty_records=100, joint_domains=50, joint_embedded_domains=7,
               joint_cases=80, operating_redblack_entities=100, blacklist_exits=20, operating_blacklist_entities=100,
               repair_trained_entities=40, credit_report_submitters=120, blacklist_poor_entities=150)
    r = score(scheme, {"a": row})
    got = [pts(r, "a", f"city2019.10.{k}") for k in range(2, 9)]
    assert got == pytest.approx([0.6, 1, 0.7, 3, 1.0, 0.8, 4.0])


def test_zero_denominator_is_undefined_not_zero(scheme):
    """九.3 with 0 departments holding approval powers: 0/0 has no value; the item is “无法计算”, never 0."""
    r = score(scheme, {"a": {"tolerance_depts": 0, "approval_depts_total": 0}})
    assert str(r.status.at["a", "city2019.9.3"]) == "undefined"
    assert np.isnan(r.points.at["a", "city2019.9.3"])


# ----------------------------------------------------------------------------- 二 三 四 五 六 十一
def test_integrity_campaign_any_one(scheme):
    """二.1 细则: “城市接力、宣传教育、百城万企亮信用,有其一即可” (A7: 2 points); option: judgement 0–2."""
    none = {"integrity_relay_activity": 0, "integrity_education_activity": 0, "baicheng_wanqi_activity": 0}
    got = one_item(scheme, "city2019.2.1", [none, {**none, "baicheng_wanqi_activity": 1}])
    assert got == [0, 2]
    r = score(scheme, {"a": {**none, "judge:city2019.2.1": 1.2, "why:city2019.2.1": "仅开展宣传教育，规模较小"}},
              {"A7": "judgement_2_1"})
    assert pts(r, "a", "city2019.2.1") == pytest.approx(1.2)


def test_twenty_domains_with_stand_ins(scheme):
    """二.2 细则: “220个重点领域,每一个领域开展专项治理工作的,得0.1分” and “20个领域以外的其他领域…计分时最多不超过3个”."""
    vals = [{"core_domains_governed": c, "extra_domains_governed": e} for c, e in ((20, 0), (18, 3), (15, 5), (10, 1))]
    assert one_item(scheme, "city2019.2.2", vals) == pytest.approx([2, 2, 1.5 + 0.3, 1.0 + 0.1])
    assert one_item(scheme, "city2019.2.2", vals, {"A7": "core_only_2_2"}) == pytest.approx([2, 1.8, 1.5, 1.0])


def test_government_integrity(scheme):
    """三 细则 1) “按照建立档案的公务员数量占…总量的比例得分,最高得1分”; 3) “…每新增1件政府失信事件减0.5分”;
    4) “…延伸至所辖县市区,且已有明确规划…的,得1分”; “近6期监测得分平均值*0.01,最高得1分”."""
    assert one_item(scheme, "city2019.3.1", [{"civil_servants_archived": 800, "civil_servants_total": 1000}]) == \
        pytest.approx([0.8])
    assert one_item(scheme, "city2019.3.3", [{"gov_dishonesty_events": n} for n in (0, 1, 3, 4, 6)]) == \
        pytest.approx([2, 1.5, 0.5, 0, 0])
    got = one_item(scheme, "city2019.3.4", [{"monitoring_extended_to_counties": a, "monitoring_plan_to_towns": b}
                                            for a, b in ((1, 1), (1, 0))])
    assert got == [1, 0]
    assert one_item(scheme, "city2019.3.5", [{"monitoring_score_avg": 85}]) == pytest.approx([0.85])


BUSINESS = ["business_domains_records", "business_domains_publicity", "business_domains_redblack", "business_domains_graded"]
SOCIAL = ["social_domains_records", "social_domains_publicity", "social_domains_redblack", "social_domains_graded"]


def test_business_and_social_sections_sum_to_six(scheme):
    """四/五: “在上述每1个领域建立信用记录的,得0.1分;…公示的,得0.1分;…红黑名单…的,得0.2分;…分级分类监管制度的,
    得0.2分” over 10 domains: 10 × (0.1+0.1+0.2+0.2) = 6."""
    full = {k: 10 for k in BUSINESS + SOCIAL}
    part = dict(zip(BUSINESS + SOCIAL, [7, 5, 3, 2, 10, 0, 10, 1]))
    r = score(scheme, {"full": full, "part": part})
    assert r.sections.at["full", "city2019.4"] == pytest.approx(6)
    assert r.sections.at["full", "city2019.5"] == pytest.approx(6)
    assert r.sections.at["part", "city2019.4"] == pytest.approx(0.7 + 0.5 + 0.6 + 0.4)
    assert r.sections.at["part", "city2019.5"] == pytest.approx(1.0 + 0 + 2.0 + 0.2)


def test_more_than_ten_domains_is_refused(scheme):
    with pytest.raises(xinyong.InputError):
        score(scheme, {"a": {"business_domains_records": 11}})


PEOPLE = ["lawyers", "notaries", "grassroots_legal_workers", "legal_aid_staff", "forensic_experts"]
BODIES = ["law_firms", "notary_offices", "grassroots_legal_offices", "forensic_institutions"]


def test_judicial_archives(scheme):
    """六 细则 1) “每建1类,得0.15分;…每实施1类,得0.15分;5类人群全建立诚信档案并实施分级分类监管的额外加0.3分。
    此项最高得1.8分”; 2) 4类机构 0.15 each; 3) “每公开1类,得0.25分”; 4) 认定 1 + 归集共享 1."""
    all_people = {f"{p}_{x}": 1 for x in PEOPLE for p in ("archive", "graded")}
    no_bonus = {**all_people, "graded_forensic_experts": 0}
    got = one_item(scheme, "city2019.6.1", [all_people, no_bonus])
    assert got == pytest.approx([10 * 0.15 + 0.3, 9 * 0.15])
    bodies = {f"{p}_{x}": 1 for x in BODIES for p in ("archive", "graded")}
    assert one_item(scheme, "city2019.6.2", [bodies, {**bodies, "graded_law_firms": 0, "graded_notary_offices": 0}]) == \
        pytest.approx([1.2, 0.9])
    info = {"disclosed_trial_info": 1, "disclosed_enforcement_info": 1, "disclosed_procuratorial_info": 0,
            "disclosed_judicial_admin_info": 1}
    assert one_item(scheme, "city2019.6.3", [info]) == pytest.approx([0.75])
    assert one_item(scheme, "city2019.6.4", [{"judicial_redblack_identified": 1, "judicial_redblack_shared": 0}]) == [1]


def test_task_division_weights(scheme):
    """十一 细则 1) “有详细的示范创建工作任务分工的,得0.5分;明确责任单位的,得0.3分;有进度要求的,得0.2分”;
    2) “有考核通知文件的,得0.5分;有考核结果文件的,得0.5分”."""
    got = one_item(scheme, "city2019.11.2.1", [
        {"task_division_detailed": 1, "responsible_units_defined": 0, "schedule_defined": 1},
        {"task_division_detailed": 1, "responsible_units_defined": 1, "schedule_defined": 1}])
    assert got == pytest.approx([0.7, 1.0])
    assert one_item(scheme, "city2019.11.2.2", [{"inspection_notice_doc": 1, "inspection_result_doc": 0}]) == [0.5]


# ----------------------------------------------------------------------------- missing
def test_all_missing_unit_is_never_zero(scheme):
    """A unit with no data at all: every item is 缺少数据 or 待评审, no item has points, all 110 are unknown."""
    r = score(scheme, {"empty": {"unit_kind": "城市"}})
    st = set(r.status.loc["empty"].astype(str))
    assert st == {"missing_input", "pending_judgement"}
    assert r.points.loc["empty"].isna().all()
    judged = {it.id for it in scheme.walk_items() if it.rule.kind == "judgement"}
    assert judged == {"city2019.1.1", "city2019.3.2", "city2019.8.2.6", "city2019.12.1"}
    for it in scheme.walk_items():
        assert str(r.status.at["empty", it.id]) == ("pending_judgement" if it.id in judged else "missing_input")
    u = r.unit("empty")
    assert u.unknown_points == pytest.approx(110)
    assert u.total == 0 and u.max_possible == pytest.approx(110)


def test_one_missing_input_leaves_only_its_item_unknown(scheme):
    """10.1 reads eight inputs; one missing makes the item 缺少数据 (not a partial sum)."""
    row = commitments(900, 1000, 19, 100, 100, 100, 100)
    del row["repair_commitments"]
    r = score(scheme, {"a": row})
    assert str(r.status.at["a", "city2019.10.1"]) == "missing_input"
    assert "repair_commitments" in r.computation("a", "city2019.10.1")


# ----------------------------------------------------------------------------- a whole unit by hand
def whole_unit() -> dict:
    d = dict(
        unit_kind="城市", unit_name="示例市",
        # 二
        integrity_relay_activity=1, integrity_education_activity=0, baicheng_wanqi_activity=0,
        core_domains_governed=17, extra_domains_governed=2,
        # 三
        civil_servants_archived=900, civil_servants_total=1000, gov_dishonesty_events=1,
        monitoring_extended_to_counties=1, monitoring_plan_to_towns=0, monitoring_score_avg=80,
        # 四 五
        business_domains_records=10, business_domains_publicity=8, business_domains_redblack=6, business_domains_graded=4,
        social_domains_records=9, social_domains_publicity=9, social_domains_redblack=5, social_domains_graded=0,
        # 六
        disclosed_trial_info=1, disclosed_enforcement_info=1, disclosed_procuratorial_info=1,
        disclosed_judicial_admin_info=1, judicial_redblack_identified=1, judicial_redblack_shared=1,
        # 七
        npl_rate=2.6, major_regional_financial_risk=0, financial_case_closure_rate=60, financial_case_recovery_rate=84,
        fundraising_cases=10, fundraising_cases_prior=8,
        interference_daily_operations=0, interference_loan_quota=0, interference_fund_flow=0,
        nonbank_supervision_inadequate=0, nonbank_statistics_missing=1, nonbank_major_risk_event=0,
        fin_supervision_duties_unclear=0, fin_emergency_mechanism_missing=0, fin_risk_duties_unfulfilled=0,
        fin_risk_not_handled=0,
        # 八
        code_conversion_rate=98.6, duplicate_error_code_rate=0.005, joint_system_docked=1, service_halls_unconnected=0,
        units_unconnected=2, sgs_publicity_rate=99.2, portal_entity_records=30_000, legal_entities_total=10_000,
        portal_daily_clicks=15_000, registered_population=2_000_000,
        # 九
        personal_credit_score_share=72.5, credit_service_domains=12, tolerance_depts=15, approval_depts_total=20,
        xinyidai_amount=3_000_000_000, operating_entities=50_000,
        # 十
        active_commitments=3000, self_discipline_commitments=1000, new_market_entities=5000,
        substitute_commitment_items=15, tolerance_commitment_items=60, approval_items_total=100,
        repair_commitments=50, operating_blacklist_entities=200, linked_dishonesty_records=300,
        unit_dishonesty_records=500, joint_domains=30, joint_embedded_domains=12, joint_cases=150,
        operating_redblack_entities=1000, blacklist_exits=40, repair_trained_entities=80,
        credit_report_submitters=240, blacklist_poor_entities=300,
        # 十一
        leadership_mechanism=1, special_funds=1, task_division_detailed=1, responsible_units_defined=1,
        schedule_defined=0, inspection_notice_doc=1, inspection_result_doc=0, pilot_demonstration=1,
    )
    # 六.1: all 5 groups archived, 3 graded; 六.2: 4 bodies archived, 2 graded
    d.update({f"archive_{p}": 1 for p in PEOPLE})
    d.update({f"graded_{p}": int(k < 3) for k, p in enumerate(PEOPLE)})
    d.update({f"archive_{b}": 1 for b in BODIES})
    d.update({f"graded_{b}": int(k < 2) for k, b in enumerate(BODIES)})
    for item, p in {"city2019.1.1": 3.5, "city2019.3.2": 0.5, "city2019.8.2.6": 1.5, "city2019.12.1": 6}.items():
        d[f"judge:{item}"] = p
        d[f"why:{item}"] = "依据佐证材料评定"
    return d


def test_whole_unit_by_hand(scheme):
    r = score(scheme, {"city": whole_unit()})
    by_section = {
        "city2019.1": 3.5,                                     # judged
        "city2019.2": 2 + (1.7 + 0.2),                         # any one activity; 17 + 2 stand-ins × 0.1
        "city2019.3": 0.9 + 0.5 + (2 - 0.5) + 0 + 0.8,         # 900/1000; judged; 1 event; plan missing; 80×0.01
        "city2019.4": 1.0 + 0.8 + 6 * 0.2 + 4 * 0.2,
        "city2019.5": 0.9 + 0.9 + 5 * 0.2 + 0,
        "city2019.6": 8 * 0.15 + 6 * 0.15 + 4 * 0.25 + 2,      # no 0.3 bonus: only 3 groups graded
        "city2019.7": (2 / 3 * (5 - 2.6)) + 2 + 60 / 80 + 1 + 1 / 50 * (50 - 25) + 1 + 0 + 1,
        "city2019.8": (1 - 0.2 * 1) + 1 + 3 + (4 - 2 * 0.5) + 2 + 0.5 * 3 + 100 * 0.0075 + 1.5,
        "city2019.9": (1.5 + 0.5 * 2) + 12 * 0.3 + 15 / 20 * 2 + 60_000 * 0.00002,
        "city2019.10": (4000 / 5000 + 15 / 19 + 60 / 100 + 50 / 200) + 300 / 500 * 2 + 30 / 40 + 12 * 0.1
                       + 150 / 1000 * 5 + 40 / 200 * 5 + 80 / 200 * 2 + 240 / 300 * 5,
        "city2019.11": 1 + 1 + (0.5 + 0.3) + 0.5 + 1,
        "city2019.12": 6,
    }
    for sec, want in by_section.items():
        assert r.sections.at["city", sec] == pytest.approx(want), sec
    base = sum(v for k, v in by_section.items() if k != "city2019.12")
    # 3.5 + 3.9 + 3.7 + 3.8 + 2.8 + 5.1 + 7.85 + 13.55 + 8.8 + (11.35 + 15/19) + 4.3
    assert base == pytest.approx(68.65 + 15 / 19)
    u = r.unit("city")
    assert u.base_total == pytest.approx(base, abs=1e-6)
    assert u.bonus == pytest.approx(6)
    assert u.total == pytest.approx(base + 6, abs=1e-6)
    assert u.unknown_points == 0
    assert set(r.status.loc["city"].astype(str)) == {"scored"}
