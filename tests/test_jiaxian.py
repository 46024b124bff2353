"""004 郏县2022年社会信用体系建设工作季度考核办法: 附件1 (jiaxian_county_dept) and 附件2 (jiaxian_township).

Every expected value is computed by hand in the test from the clause quoted in its docstring; the
code under test is only asked for its result.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xinyong
from xinyong.scoring.scheme_audit import check_scheme

from conftest import SEEDS

CD = "jiaxian_county_dept"
TS = "jiaxian_township"


@pytest.fixture(scope="module")
def county():
    return xinyong.load_scheme(CD)


@pytest.fixture(scope="module")
def town():
    return xinyong.load_scheme(TS)


# ------------------------------------------------------------------------------------ unit builders
# 附件1, every item at its maximum: 5 + 15 + 35 + 10 + 10 + 20 = 95, plus 七 附加分 5 = 100.
COUNTY_FULL = dict(
    org_established=1, org_leader=1, org_lead_office=1, org_liaison=1, org_computer=1, org_printer=1, org_rules=1,
    sgs_late_or_wrong=0, public_info_missed_or_wrong=0,            # 二.1 7.5, 二.2 7.5
    credit_loan_growth=100,                                         # 三.1.1 7×100/100 = 7
    bank_enterprise_events=5, xyd_uploads_verified=10,              # 三.1.2 5, 三.1.3 10×0.5 = 5
    credit_measures_issued=1,                                       # 三.2 2
    commitment_template=1, credit_product_uses=11,                  # 三.3 0.5 + 11×0.5 = 6
    credit_scenes_effective=5, credit_scenes_docs_only=0,           # 三.4 5×2 = 10
    publicity_activities=10, reports_submitted=10,                  # 四.1 5, 四.2 5
    listed_dishonest_debtor=0, listed_joint_punishment=0, owes_sme_arrears=0,  # 五.1 2, 五.2 2
    pledge_list_published=1, pledge_signed=1, complaints_handled=1,  # 五.3 3
    gov_dishonesty_doc=1, gov_dishonesty_results=1,                 # 五.4 1 + 2
    precommit_types=6,                                              # 六.1 6×0.5 = 3
    midreg_system_doc=1, midreg_eval_method=1, midreg_cases=2,      # 六.2 2 + 2 + 8
    postreg_docs=1, postreg_cases=3,                                # 六.3 2 + 3
    innovation_recognitions=5,                                      # 七 5 (附加分)
)

# 附件2, every item scored by a rule at its literal maximum: 5 + 45 + (5+4+3+4) = 66; 四 and 五 are judged.
TOWN_RULES_FULL = dict(
    org_established=1, org_leader=1, org_lead_office=1, org_liaison=1, org_computer=1, org_printer=1, org_rules=1,
    reports_submitted=10, xyd_uploads=10,                           # 二.1 10, 二.2 10
    village_docs=1, village_results=1,                              # 二.3 2 + 4
    vm_documents=1, vm_venue=1, vm_carrier=1, vm_rating=1, vm_reward_punish=1, vm_reports=1, vm_results=1,  # 二.4 14
    ent_class_docs=1, ent_class_results=1,                          # 二.5 2 + 3
    listed_dishonest_debtor=0, listed_joint_punishment=0,           # 三.1 5
    owes_sme_arrears=0,                                             # 三.2 4
    pledge_list_published=1, pledge_signed=1, complaints_handled=1,  # 三.3 3 (of a declared 5)
    gov_dishonesty_doc=1, gov_dishonesty_results=1,                 # 三.4 1 + 3
)


def county_row(uid="u", **over):
    return {"unit_id": uid, "unit_name": f"示例县{uid}", "unit_kind": "县直单位", **COUNTY_FULL, **over}


def town_row(uid="t", kind="乡镇", judged=None, **over):
    row = {"unit_id": uid, "unit_name": f"示例{uid}", "unit_kind": kind, **TOWN_RULES_FULL, **over}
    for item, pts in (judged or {}).items():
        row[f"judge:{TS}.{item}"] = pts
        row[f"why:{TS}.{item}"] = "依据材料评定"
    return row


def score(scheme, rows, readings=None):
    return xinyong.score(scheme, pd.DataFrame(rows), readings=readings)


# ------------------------------------------------------------------------------------ the data itself
def _all_sources(s):
    for sec in s.walk_sections():
        if sec.source:
            yield sec.id, sec.source
    for it in s.walk_items():
        yield it.id, it.source
    yield "grades", s.grades.source
    yield s.id, s.source


@pytest.mark.parametrize("sid", [CD, TS])
def test_every_quote_is_verbatim_on_its_line(sid):
    """SCHEMES.md: “source: {file, line, quote: <verbatim clause>}” — each quote is found on its line;
    so are the cells kept in meta (content, basis, method)."""
    path = SEEDS / "004_619cf5f0c270bef6.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    s = xinyong.load_scheme(sid)
    for node, src in _all_sources(s):
        assert src.file == path.name, node
        assert src.quote in lines[src.line - 1], (node, src.line, src.quote)
    for it in s.walk_items():  # 考核内容 / 考核依据 / 考核方式 cells copied as printed
        for key in ("content", "basis", "method"):
            if key in it.meta:
                assert it.meta[key] in lines[it.source.line - 1], (it.id, key, it.meta[key])


@pytest.mark.parametrize("sid", [CD, TS])
def test_every_item_carries_basis_method_responsible_evidence(sid):
    """附件 columns 考核依据 / 考核方式 are kept in meta.basis / meta.method for every item."""
    s = xinyong.load_scheme(sid)
    for it in s.walk_items():
        assert it.meta.get("basis") and it.meta.get("method"), it.id
        assert it.responsible and it.evidence, it.id
    cat = s.input_catalogue
    for spec in cat.values():
        assert spec.label and spec.type in ("bool", "integer", "percent", "number")
    assert s.period_kind == "quarter"


def test_county_structure_matches_the_printed_points(county):
    """附件1: 一 5, 二 15, 三 35, 四 10, 五 10, 六 20, 七 工作创新 (附加分) 5; (满分 100 分)."""
    declared = {sec.id: sec.declared_points for sec in county.sections}
    assert declared == {f"{CD}.1": 5, f"{CD}.2": 15, f"{CD}.3": 35, f"{CD}.4": 10, f"{CD}.5": 10,
                        f"{CD}.6": 20, f"{CD}.7": 5}
    assert county.declared_total == 100 and county.declared_bonus == 5
    assert county.base_max == 5 + 15 + (7 + 5 + 5 + 2 + 6 + 10) + 10 + 10 + 20 == 95
    assert county.bonus_max == 5
    assert [it.id for it in county.walk_items() if it.bonus] == [f"{CD}.7.1"]
    sub = next(s for s in county.walk_sections() if s.id == f"{CD}.3.1")
    assert sub.meta["label_points"] == 7 and sub.max_points == 17
    assert county.unit_kinds == ["县直单位"]


def test_county_items_walk_in_document_order(county):
    """附件1 三 prints 三.1 (金融服务, a block of three items) before 三.2, 三.3, 三.4: the item table,
    the template columns and the score workbook follow the document, not the YAML's two lists."""
    ids = [it.id.removeprefix(f"{CD}.") for it in county.walk_items()]
    three = [i for i in ids if i.startswith("3.")]
    assert three == ["3.1.1", "3.1.2", "3.1.3", "3.2", "3.3", "3.4"]
    assert ids.index("2.2") < ids.index("3.1.1") and ids.index("3.4") < ids.index("4.1")
    assert [s.id for s in county.walk_sections()][:5] == [f"{CD}.1", f"{CD}.2", f"{CD}.3", f"{CD}.3.1", f"{CD}.4"]


def test_county_checker_findings(county):
    """“(满分 100 分)” against items 95 (+5 附加分); 三.1 printed 7 carrying 7+5+5; nothing else."""
    fs = {(f.code, f.target): f for f in check_scheme(county)}
    assert set(fs) == {("total_mismatch", CD), ("label_mismatch", f"{CD}.3.1")}
    assert (fs[("label_mismatch", f"{CD}.3.1")].declared, fs[("label_mismatch", f"{CD}.3.1")].computed) == (7, 17)


def test_township_checker_findings(town):
    """附件2: 三 (20分) carries 5+4+5+4 = 18; 三.3 “每项得1分，共5分” names 3 elements; 四, 五 have no 评分标准."""
    fs = check_scheme(town)
    codes = {(f.code, f.target) for f in fs}
    assert codes == {("total_mismatch", TS), ("unreachable_max", TS), ("section_mismatch", f"{TS}.3"),
                     ("unreachable_max", f"{TS}.3.3"), ("no_criteria", f"{TS}.4.1"),
                     ("no_criteria", f"{TS}.4.2"), ("no_criteria", f"{TS}.5.1")}
    tot = next(f for f in fs if f.code == "total_mismatch")
    assert (tot.declared, tot.computed) == (100, 5 + 45 + 18 + 20)
    assert town.bonus_max == 10 and town.declared_bonus == 10
    assert set(town.unit_kinds) == {"乡镇", "街道"}


# ------------------------------------------------------------------------------------ grades
@pytest.mark.parametrize("over,total,grade", [
    # Start: COUNTY_FULL with growth 0 → 100 − 7 = 93. Growth 7% gives 7×7/100 = 0.49.
    (dict(sgs_late_or_wrong=6), 93 - 3, "优秀"),                                         # 90
    (dict(sgs_late_or_wrong=7, credit_loan_growth=7), 93 - 3.5 + 0.49, "良好"),          # 89.99
    (dict(sgs_late_or_wrong=15, public_info_missed_or_wrong=11), 93 - 7.5 - 5.5, "良好"),  # 80
    (dict(sgs_late_or_wrong=15, public_info_missed_or_wrong=12, credit_loan_growth=7),
     93 - 7.5 - 6 + 0.49, "合格"),                                                       # 79.99
    (dict(sgs_late_or_wrong=15, public_info_missed_or_wrong=15, credit_scenes_effective=0, midreg_cases=0),
     93 - 7.5 - 7.5 - 10 - 8, "合格"),                                                   # 60
    (dict(sgs_late_or_wrong=15, public_info_missed_or_wrong=15, credit_scenes_effective=0, midreg_cases=0,
          publicity_activities=9, credit_loan_growth=7), 93 - 33 - 0.5 + 0.49, "不合格"),  # 59.99
])
def test_county_grade_boundaries(county, over, total, grade):
    """第五条: “考核得分 90 分以上（含本数，下同）为优秀，80 分以上 90 分以下（不含本数，下同）为良好，
    60 分以上 80 分以下为合格，60 分以下为不合格。” 以上 includes the boundary, 以下 excludes it."""
    over = {"credit_loan_growth": 0, **over}
    r = score(county, [county_row(**over)])
    u = r.unit("u")
    assert u.total == pytest.approx(total, abs=1e-9)
    assert u.grade == grade and bool(u.grade_certain)


@pytest.mark.parametrize("judged,over,total,grade", [
    # rule items at their literal maximum: 66; judged 四.1 + 四.2 + 五.1 (附加分) on top.
    ({"4.1": 10, "4.2": 10, "5.1": 4}, {}, 90, "优秀"),
    ({"4.1": 10, "4.2": 10, "5.1": 3.99}, {}, 89.99, "良好"),
    ({"4.1": 10, "4.2": 4, "5.1": 0}, {}, 80, "良好"),
    ({"4.1": 10, "4.2": 3.99, "5.1": 0}, {}, 79.99, "合格"),
    ({"4.1": 0, "4.2": 0, "5.1": 0}, {"reports_submitted": 4}, 66 - 6, "合格"),
    ({"4.1": 0.99, "4.2": 0, "5.1": 0}, {"reports_submitted": 3}, 66 - 7 + 0.99, "不合格"),
])
def test_township_grade_boundaries(town, judged, over, total, grade):
    """第五条 grade lines (≥90 优秀; [80,90) 良好; [60,80) 合格; <60 不合格), 附加分 counted (E8)."""
    r = score(town, [town_row(judged=judged, **over)])
    u = r.unit("t")
    assert u.total == pytest.approx(total, abs=1e-9)
    assert u.grade == grade


def test_bonus_counts_toward_the_grade_unless_base_total_is_chosen(county):
    """E8: base 95 cannot reach the declared 100 without 七 (附加分). Base 88 + 附加分 5 = 93:
    优秀 on the total (chosen), 良好 on the base total (alternative)."""
    row = county_row(credit_loan_growth=0)  # 三.1.1: 7×0/100 = 0, so base 95 − 7 = 88; 七 5
    r = score(county, [row])
    assert (r.unit("u").base_total, r.unit("u").bonus, r.unit("u").total) == (88, 5, 93)
    assert r.unit("u").grade == "优秀"
    alt = score(county, [row], readings={"E8": "base_total"})
    assert alt.unit("u").grade == "良好" and alt.unit("u").total == 93


# ------------------------------------------------------------------------------------ deductions and caps
@pytest.mark.parametrize("n,pts", [(0, 7.5), (1, 7.0), (3, 6.0), (14, 0.5), (15, 0.0), (16, 0.0), (100, 0.0)])
def test_county_2_1_and_2_2_deduct_half_a_point_per_record_at_most_7_5(county, n, pts):
    """二.1: “按时按要求报送的得 7.5 分, 有迟报、错报的每条扣 0.5 分, 最高扣 7.5 分。”
    二.2: “按要求上报的得 7.5 分, 发现漏报、错报的每条扣 0.5 分, 最高扣 7.5 分。” → max(7.5 − 0.5n, 0)."""
    r = score(county, [county_row(sgs_late_or_wrong=n, public_info_missed_or_wrong=n)])
    assert r.points.at["u", f"{CD}.2.1"] == pytest.approx(pts)
    assert r.points.at["u", f"{CD}.2.2"] == pytest.approx(pts)
    assert pts == max(7.5 - 0.5 * n, 0)


@pytest.mark.parametrize("sid", [CD, TS])
@pytest.mark.parametrize("missing,established,pts", [
    ([], 1, 5), (["org_printer"], 1, 4), (["org_computer", "org_printer"], 1, 3),
    (["org_leader", "org_lead_office", "org_liaison", "org_computer", "org_printer"], 1, 0),
    (["org_leader", "org_lead_office", "org_liaison", "org_computer", "org_printer", "org_rules"], 1, 0),
    ([], 0, 0),
])
def test_organisation_deducts_one_per_missing_element(sid, missing, established, pts):
    """一.1: “成立的得 5 分; 缺一项扣 1 分, 未成立的不得分。” Six elements are listed (E3): missing five
    already gives 0, missing six is still 0 (never negative); not 成立 gives 0 whatever the elements."""
    s = xinyong.load_scheme(sid)
    over = {k: 0 for k in missing}
    row = (county_row if sid == CD else town_row)(org_established=established, **over)
    r = score(s, [row])
    uid = row["unit_id"]
    assert r.points.at[uid, f"{sid}.1.1"] == pts
    assert pts == (max(5 - len(missing), 0) if established else 0)


def test_e3_alternatives(county):
    """E3: with 电脑+打印机 as one element (5 elements), missing both costs 1, not 2; without a separate
    “成立” gate, a unit with every element scores 5 even if 成立 is answered 否."""
    r = score(county, [county_row("a", org_computer=0, org_printer=0), county_row("b", org_established=0)])
    assert r.points.at["a", f"{CD}.1.1"] == 3 and r.points.at["b", f"{CD}.1.1"] == 0
    five = score(county, [county_row("a", org_computer=0, org_printer=0), county_row("b", org_established=0)],
                 readings={"E3": "five_elements"})
    assert five.points.at["a", f"{CD}.1.1"] == 4 and five.points.at["b", f"{CD}.1.1"] == 0
    nogate = score(county, [county_row("b", org_established=0)], readings={"E3": "no_separate_gate"})
    assert nogate.points.at["b", f"{CD}.1.1"] == 5


@pytest.mark.parametrize("item,inputs,pts", [
    ("3.1.2", dict(bank_enterprise_events=3), 3), ("3.1.2", dict(bank_enterprise_events=9), 5),
    ("3.1.3", dict(xyd_uploads_verified=7), 3.5), ("3.1.3", dict(xyd_uploads_verified=11), 5),
    ("3.1.3", dict(xyd_uploads_verified=0), 0),
    ("3.4", dict(credit_scenes_effective=3, credit_scenes_docs_only=2), 8),
    ("3.4", dict(credit_scenes_effective=4, credit_scenes_docs_only=3), 10),
    ("4.1", dict(publicity_activities=7), 3.5), ("4.1", dict(publicity_activities=30), 5),
    ("4.2", dict(reports_submitted=3), 1.5),
    ("5.3", dict(pledge_list_published=1, pledge_signed=0, complaints_handled=1), 2),
    ("5.4", dict(gov_dishonesty_doc=0, gov_dishonesty_results=1), 2),
    ("6.1", dict(precommit_types=5), 2.5),
    ("6.2", dict(midreg_system_doc=1, midreg_eval_method=0, midreg_cases=1), 6),
    ("6.2", dict(midreg_system_doc=0, midreg_eval_method=1, midreg_cases=5), 10),
    ("6.3", dict(postreg_docs=0, postreg_cases=4), 3),
    ("7.1", dict(innovation_recognitions=8), 5),
])
def test_county_counts_and_caps(county, item, inputs, pts):
    """三.1.2 “每次得1分，最多得5分”; 三.1.3 “每……一家的得0.5分，最高5分”; 三.4 “取得成效的得2分，最高得10分，
    ……未提供成效证明的每项得1分”; 四.1/四.2 “0.5分……最高得5分”; 五.3 “每项得1分，共3分”; 五.4 “治理文件的得1分，
    有工作通报、治理成效的得2分”; 六.1 “每覆盖一个领域0.5分，共3分”; 六.2 “制度文件的得2分；评价办法的得2分；……每提供1个
    具体案例的得4分，共8分”; 六.3 “1个典型案例得1分” (E5: each, at most 3); 七 “每次得1分，满分5分”."""
    r = score(county, [county_row(**inputs)])
    assert r.points.at["u", f"{CD}.{item}"] == pytest.approx(pts)


@pytest.mark.parametrize("item,inputs,pts", [
    ("2.1", dict(reports_submitted=7), 7), ("2.1", dict(reports_submitted=12), 10),
    ("2.2", dict(xyd_uploads=4), 4), ("2.2", dict(xyd_uploads=25), 10),
    ("2.3", dict(village_docs=0, village_results=1), 4),
    ("2.4", dict(vm_reward_punish=0, vm_results=0), 10),
    ("2.5", dict(ent_class_docs=1, ent_class_results=0), 2),
    ("3.1", dict(listed_dishonest_debtor=1), 0),
    ("3.2", dict(owes_sme_arrears=1), 0),
    ("3.3", dict(pledge_signed=0), 2),
    ("3.4", dict(gov_dishonesty_doc=1, gov_dishonesty_results=0), 1),
])
def test_township_counts_and_caps(town, item, inputs, pts):
    """二.1 “每报一篇得 1 分, 最高得 10 分”; 二.2 “每……上报一家的得 1 分, 最高 10 分”; 二.3 “文件制度的得2分，取得成效的得4分”;
    二.4 “每覆盖一项得2分，共14分”; 二.5 “文件的得2分、有成效、典型案例的得3分”; 三.1 “被列入失信被执行人的单位不得分”;
    三.2 “有违约拖欠……的不得分”; 三.3 “每项得1分”; 三.4 “相关文件的得1分，有成效的得3分”."""
    r = score(town, [town_row(**inputs)])
    assert r.points.at["t", f"{TS}.{item}"] == pytest.approx(pts)


# ------------------------------------------------------------------------------------ readings
@pytest.mark.parametrize("growth,decimal,percent_number", [(12, 0.84, 7), (0.5, 0.035, 3.5), (100, 7, 7),
                                                           (150, 7, 7), (-5, 0, 0), (0, 0, 0)])
def test_e1_growth_as_decimal_or_as_percent_number(county, growth, decimal, percent_number):
    """三.1: “信用贷款规模年增速，得分=7*增速，最多得7分。” E1 chosen: 增速 as a decimal, 12% → 7×0.12 = 0.84;
    alternative: as the percent number, 12 → 84, capped at 7. Negative growth → 0 in both."""
    assert decimal == pytest.approx(min(max(7 * growth / 100, 0), 7))
    assert percent_number == pytest.approx(min(max(7 * growth, 0), 7))
    r = score(county, [county_row(credit_loan_growth=growth)])
    assert r.points.at["u", f"{CD}.3.1.1"] == pytest.approx(decimal)
    alt = score(county, [county_row(credit_loan_growth=growth)], readings={"E1": "percent_number"})
    assert alt.points.at["u", f"{CD}.3.1.1"] == pytest.approx(percent_number)


def test_e1_growth_left_blank_is_missing_not_zero(county):
    """A missing growth rate (e.g. 上年同期为 0) is 缺少数据, never 0 points."""
    r = score(county, [county_row(credit_loan_growth=None)])
    assert r.status.at["u", f"{CD}.3.1.1"] == "missing_input"
    assert np.isnan(r.points.at["u", f"{CD}.3.1.1"])
    assert r.unit("u").unknown_points == 7


def test_e2_listed_unit_scores_zero_or_a_net_minus_two(county):
    """五.1: “信用良好的单位得2分，被列入失信被执行人的单位扣2分。” 五.2: “……有违约拖欠……的扣2分”.
    E2 chosen: the item scores 0 (total 100 − 2 − 2 = 96); alternative: −2 each (total 100 − 4 − 4 = 92)."""
    row = county_row(listed_dishonest_debtor=1, owes_sme_arrears=1)
    r = score(county, [row])
    assert r.points.at["u", f"{CD}.5.1"] == 0 and r.points.at["u", f"{CD}.5.2"] == 0
    assert r.unit("u").total == 96
    alt = score(county, [row], readings={"E2": "net_minus_2"})
    assert alt.points.at["u", f"{CD}.5.1"] == -2 and alt.points.at["u", f"{CD}.5.2"] == -2
    assert alt.unit("u").total == 92
    good = score(county, [county_row()], readings={"E2": "net_minus_2"})
    assert good.points.at["u", f"{CD}.5.1"] == 2


def test_e4_template_without_applications(county):
    """三.3: “编制行政许可事项信用承诺书者得0.5分，每应用一项得0.5分，最高6分，未应用的不得分。”
    E4 chosen: template but no application → 0; alternative → 0.5. With 4 applications: 0.5 + 4×0.5 = 2.5."""
    r = score(county, [county_row("a", credit_product_uses=0), county_row("b", credit_product_uses=4),
                       county_row("c", commitment_template=0, credit_product_uses=20)])
    assert list(r.points[f"{CD}.3.3"]) == [0, 2.5, 6]
    alt = score(county, [county_row("a", credit_product_uses=0)], readings={"E4": "template_counts"})
    assert alt.points.at["a", f"{CD}.3.3"] == 0.5


def test_e5_cases_each_or_only_one(county):
    """六.3: “制定相关文件的得2分；1个典型案例得1分。” E5 chosen: 1 per case up to 3 → 2 + 3 = 5 with 4 cases;
    alternative: only one case counts → 2 + 1 = 3."""
    row = county_row(postreg_docs=1, postreg_cases=4)
    assert score(county, [row]).points.at["u", f"{CD}.6.3"] == 5
    assert score(county, [row], readings={"E5": "one_case"}).points.at["u", f"{CD}.6.3"] == 3


def test_e10_joint_punishment_alone(county, town):
    """五.1 (附件1) / 三.1 (附件2) 考核内容: “被列入失信被执行人或联合惩戒对象的”; 评分标准 names 失信被执行人 only.
    E10 chosen: either listing loses the points; alternative: only 失信被执行人 does."""
    rc = county_row(listed_joint_punishment=1)
    assert score(county, [rc]).points.at["u", f"{CD}.5.1"] == 0
    assert score(county, [rc], readings={"E10": "debtor_only"}).points.at["u", f"{CD}.5.1"] == 2
    rt = town_row(listed_joint_punishment=1)
    assert score(town, [rt]).points.at["t", f"{TS}.3.1"] == 0
    assert score(town, [rt], readings={"E10": "debtor_only"}).points.at["t", f"{TS}.3.1"] == 5


def test_e11_three_elements_for_five_points(town):
    """附件2 三.3: “……接受投诉及整改等情况，每项得1分，共5分” names 3 elements. Literal (chosen): 3 × 1 = 3;
    alternative scaled to 5: 3 × 5/3 = 5, and 2 elements → 10/3."""
    r = score(town, [town_row("a"), town_row("b", complaints_handled=0)])
    assert list(r.points[f"{TS}.3.3"]) == [3, 2]
    alt = score(town, [town_row("a"), town_row("b", complaints_handled=0)], readings={"E11": "scaled_to_5"})
    assert alt.points.at["a", f"{TS}.3.3"] == pytest.approx(5)
    assert alt.points.at["b", f"{TS}.3.3"] == pytest.approx(10 / 3)


@pytest.mark.parametrize("sid,reading,option", [(CD, "E6", "industry_domains"), (CD, "E7", "year_to_date"),
                                                (CD, "E9", "as_printed"), (TS, "E7", "year_to_date"),
                                                (TS, "E9", "as_printed")])
def test_readings_without_computational_effect_change_no_score(sid, reading, option):
    """E6 (what 六.1 counts), E7 (counting window), E9 (typos) are recorded, but their options set nothing."""
    s = xinyong.load_scheme(sid)
    row = county_row(precommit_types=3) if sid == CD else town_row(judged={"4.1": 5, "4.2": 5, "5.1": 5})
    a, b = score(s, [row]), score(s, [row], readings={reading: option})
    pd.testing.assert_frame_equal(a.points, b.points)
    assert all(not o.set for o in s.reading(reading).options)


def test_every_reading_has_its_seed_note_options_and_chosen(county, town):
    """SEED_NOTES §2 E1–E9 are all recorded (each where it applies); E10/E11 are new; Y1 is how 六's
    "每季度考核结果作为年度目标考核的重要参考依据" makes a year (issue 14 §5, tests/test_year.py)."""
    assert {r.id for r in county.readings} == {"E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10", "Y1"}
    assert {r.id for r in town.readings} == {"E3", "E7", "E8", "E9", "E10", "E11", "Y1"}
    for s in (county, town):
        for r in s.readings:
            assert r.chosen in [o.id for o in r.options] and r.why
            if r.id.startswith("E") and int(r.id[1:]) <= 9:
                assert r.seed_note == r.id


# ------------------------------------------------------------------------------------ judgement (附件2 四, 五)
def test_township_4_and_5_pending_until_judged(town):
    """附件2 四、诚信宣传教育 (20分) and 五、工作创新 (附加分 10分) have no 评分标准: pending_judgement (unknown,
    never 0) until an assessor enters points with a reason."""
    r = score(town, [town_row()])
    for item in ("4.1", "4.2", "5.1"):
        assert r.status.at["t", f"{TS}.{item}"] == "pending_judgement"
        assert np.isnan(r.points.at["t", f"{TS}.{item}"])
    u = r.unit("t")
    assert u.total == 66 and u.unknown_points == 10 + 10 + 10
    assert u.grade == "合格" and not bool(u.grade_certain)  # 66 known; up to 96 if judged full


@pytest.mark.parametrize("pts", [0, 4.5, 10])
def test_township_judgement_within_bounds_is_scored(town, pts):
    r = score(town, [town_row(judged={"4.1": pts, "4.2": pts, "5.1": pts})])
    for item in ("4.1", "4.2", "5.1"):
        assert r.status.at["t", f"{TS}.{item}"] == "scored" and r.points.at["t", f"{TS}.{item}"] == pts
    assert r.unit("t").bonus == pts and r.unit("t").total == pytest.approx(66 + 3 * pts)


@pytest.mark.parametrize("pts", [10.5, -1])
def test_township_judgement_out_of_bounds_is_refused(town, pts):
    with pytest.raises(xinyong.InputError) as ei:
        score(town, [town_row(judged={"4.1": pts})])
    assert any(p.input == f"judge:{TS}.4.1" for p in ei.value.problems)


def test_township_judgement_without_reason_is_refused(town):
    row = town_row()
    row[f"judge:{TS}.4.2"] = 6
    with pytest.raises(xinyong.InputError) as ei:
        score(town, [row])
    assert any("理由" in p.message for p in ei.value.problems)


def test_township_streets_and_towns_share_one_rule_set(town):
    """“乡镇（街道）社会信用体系建设工作考核指标”: one table for both kinds of unit."""
    r = score(town, [town_row("a", kind="乡镇"), town_row("b", kind="街道")])
    pd.testing.assert_series_equal(r.points.loc["a"], r.points.loc["b"], check_names=False)


# ------------------------------------------------------------------------------------ ranking
def test_ranking_within_a_quarter_with_ties(county):
    """第三条: “对全县社会信用体系建设工作进行季度考核并排名。” Ties share the better rank (1, 1, 3, 4);
    each quarter is ranked on its own."""
    q1 = score(county, [county_row("a"), county_row("b"), county_row("c", sgs_late_or_wrong=6),
                        county_row("d", credit_loan_growth=0)])
    assert list(q1.units["total"]) == [100, 100, 97, 93]
    assert list(q1.units["rank"]) == [1, 1, 3, 4]
    q2 = score(county, [county_row("c"), county_row("d", credit_loan_growth=0)])
    assert list(q2.units["rank"]) == [1, 2]


# ------------------------------------------------------------------------------------ whole units by hand
def test_whole_county_unit_by_hand(county):
    """One 县直单位, every item from its clause:
    一.1 established, printer missing: 5 − 1 = 4
    二.1 3 late/wrong: 7.5 − 1.5 = 6;  二.2 2 missed/wrong: 7.5 − 1 = 6.5
    三.1.1 growth 12%: 7 × 0.12 = 0.84;  三.1.2 2 events: 2;  三.1.3 7 uploads: 3.5
    三.2 issued: 2;  三.3 template + 4 uses: 0.5 + 2 = 2.5;  三.4 3 effective + 2 docs only: 6 + 2 = 8
    四.1 4 activities: 2;  四.2 12 reports: 6 → cap 5
    五.1 not listed: 2;  五.2 arrears: 0;  五.3 two of three: 2;  五.4 document only: 1
    六.1 4 types: 2;  六.2 system doc + 3 cases: 2 + min(12, 8) = 10;  六.3 2 cases, no document: 2
    七 1 recognition: 1 (附加分)
    base = 4 + 12.5 + 18.84 + 7 + 5 + 14 = 61.34; total 62.34 → 合格."""
    row = dict(
        unit_id="czj", unit_name="示例县财政局", unit_kind="县直单位",
        org_established=1, org_leader=1, org_lead_office=1, org_liaison=1, org_computer=1, org_printer=0, org_rules=1,
        sgs_late_or_wrong=3, public_info_missed_or_wrong=2,
        credit_loan_growth=12, bank_enterprise_events=2, xyd_uploads_verified=7,
        credit_measures_issued=1, commitment_template=1, credit_product_uses=4,
        credit_scenes_effective=3, credit_scenes_docs_only=2,
        publicity_activities=4, reports_submitted=12,
        listed_dishonest_debtor=0, listed_joint_punishment=0, owes_sme_arrears=1,
        pledge_list_published=1, pledge_signed=1, complaints_handled=0,
        gov_dishonesty_doc=1, gov_dishonesty_results=0,
        precommit_types=4, midreg_system_doc=1, midreg_eval_method=0, midreg_cases=3,
        postreg_docs=0, postreg_cases=2, innovation_recognitions=1,
    )
    r = xinyong.score(county, pd.DataFrame([row]))
    expected = {"1.1": 4, "2.1": 6, "2.2": 6.5, "3.1.1": 0.84, "3.1.2": 2, "3.1.3": 3.5, "3.2": 2, "3.3": 2.5,
                "3.4": 8, "4.1": 2, "4.2": 5, "5.1": 2, "5.2": 0, "5.3": 2, "5.4": 1, "6.1": 2, "6.2": 10,
                "6.3": 2, "7.1": 1}
    assert set(expected) == {it.id[len(CD) + 1:] for it in county.walk_items()}
    for item, pts in expected.items():
        assert r.points.at["czj", f"{CD}.{item}"] == pytest.approx(pts), item
    sections = {"1": 4, "2": 12.5, "3": 18.84, "3.1": 6.34, "4": 7, "5": 5, "6": 14, "7": 1}
    for sec, pts in sections.items():
        assert r.sections.at["czj", f"{CD}.{sec}"] == pytest.approx(pts), sec
    u = r.unit("czj")
    assert u.base_total == pytest.approx(61.34) and u.bonus == 1 and u.total == pytest.approx(62.34)
    assert u.grade == "合格" and u.unknown_points == 0
    # 二.1 “每条扣 0.5 分, 最高扣 7.5 分”: the computation states the clause's most deduction
    assert r.computation("czj", f"{CD}.2.1") == "7.5−0.5×3步（扣分量 3，每步 1，只计整步），最多扣 7.5，最低 0 → 6.0000"


def test_whole_township_unit_by_hand(town):
    """One 乡镇, every item from its clause:
    一.1 established, liaison and rules missing: 5 − 2 = 3
    二.1 7 reports: 7;  二.2 12 uploads: 10 (cap);  二.3 documents only: 2;  二.4 5 of 7 covered: 10;  二.5 both: 5
    三.1 not listed: 5;  三.2 no arrears: 4;  三.3 all three listed elements: 3 (of a declared 5);  三.4 document: 1
    四.1 judged 7.5;  四.2 judged 6;  五.1 judged 2 (附加分)
    base = 3 + 34 + 13 + 13.5 = 63.5; total 65.5 → 合格. Under E11 scaled_to_5 三.3 gives 5: total 67.5."""
    row = dict(
        unit_id="al", unit_name="示例县安乐镇", unit_kind="乡镇",
        org_established=1, org_leader=1, org_lead_office=1, org_liaison=0, org_computer=1, org_printer=1, org_rules=0,
        reports_submitted=7, xyd_uploads=12, village_docs=1, village_results=0,
        vm_documents=1, vm_venue=1, vm_carrier=1, vm_rating=1, vm_reward_punish=0, vm_reports=1, vm_results=0,
        ent_class_docs=1, ent_class_results=1,
        listed_dishonest_debtor=0, listed_joint_punishment=0, owes_sme_arrears=0,
        pledge_list_published=1, pledge_signed=1, complaints_handled=1,
        gov_dishonesty_doc=1, gov_dishonesty_results=0,
        **{f"judge:{TS}.4.1": 7.5, f"why:{TS}.4.1": "开展诚信宣传活动3次，材料基本齐全",
           f"judge:{TS}.4.2": 6, f"why:{TS}.4.2": "组织公务员信用知识培训1次",
           f"judge:{TS}.5.1": 2, f"why:{TS}.5.1": "诚信案例被县级媒体报道"},
    )
    r = xinyong.score(town, pd.DataFrame([row]))
    expected = {"1.1": 3, "2.1": 7, "2.2": 10, "2.3": 2, "2.4": 10, "2.5": 5, "3.1": 5, "3.2": 4, "3.3": 3,
                "3.4": 1, "4.1": 7.5, "4.2": 6, "5.1": 2}
    assert set(expected) == {it.id[len(TS) + 1:] for it in town.walk_items()}
    for item, pts in expected.items():
        assert r.points.at["al", f"{TS}.{item}"] == pytest.approx(pts), item
    for sec, pts in {"1": 3, "2": 34, "3": 13, "4": 13.5, "5": 2}.items():
        assert r.sections.at["al", f"{TS}.{sec}"] == pytest.approx(pts), sec
    u = r.unit("al")
    assert u.base_total == pytest.approx(63.5) and u.bonus == 2 and u.total == pytest.approx(65.5)
    assert u.grade == "合格" and u.unknown_points == 0 and bool(u.grade_certain)
    alt = xinyong.score(town, pd.DataFrame([row]), readings={"E11": "scaled_to_5"})
    assert alt.unit("al").total == pytest.approx(67.5)
