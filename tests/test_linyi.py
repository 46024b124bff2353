"""003 临沂市“信用县”创建基础评价指标 (scheme ``linyi``) and the cross-county comparison.

Seed file: 003_75343f844242e083.txt (the annex table is lines 69–92). Every expected value is computed
by hand in the test from the clause quoted in its docstring; the code under test is only asked for
its result. The document has no formulas (SEED_NOTES D1): what can be tested is the caps, the
addition, that missing judgements stay unknown, and the comparison table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xinyong
from xinyong.errors import InputError
from xinyong.scoring.scheme_audit import check_scheme
from xinyong.scoring.compare import COLUMNS, DIRECTIONS, cross_unit_comparison

from conftest import SEEDS

SEED = SEEDS / "003_75343f844242e083.txt"

# The annex as printed: (内容, 分值) in document order, lines 72–91.
PRINTED = [
    ("重大诚信案例确认与弘扬", 6), ("综合失信状况量化测评", 10), ("行业信用评价及监管", 10), ("失信治理绩效测评", 12),
    ("联合奖惩绩效测评", 26), ("严重失信事件监测评价", 21),
    ("信用制度完善程度", 6), ("信用信息公示情况", 4), ("信用信息归集共享", 3), ("统一社会信用代码转换", 2),
    ("诚信文化、宣传和教育情况", 5), ("诚信建设情况", 5),
    ("信用服务及应用", 8), ("失信案例调查", 2),
    ("小微和农村信用体系建设", 16), ("涉农政府部门政策公布及申办", 6),
    ("营商环境建设情况", 8),
]


@pytest.fixture(scope="module")
def scheme():
    return xinyong.load_scheme("linyi")


def judged(scheme, points: dict[str, float], unit="u1", kind="县", **inputs) -> pd.DataFrame:
    row = {"unit_id": unit, "unit_name": f"示例{unit}", "unit_kind": kind, **inputs}
    for item_id, p in points.items():
        row[f"judge:{item_id}"] = p
        row[f"why:{item_id}"] = "依据平台评价结果和现场调研酌情赋分"
    return pd.DataFrame([row])


# ------------------------------------------------------------------------------------ the table
def test_total_is_150_and_each_category_as_printed(scheme):
    """Line 92: “总体分值： 守信激励和失信治理（85分）+信用制度和基础建设（15分）+诚信文化和诚信建设（10分）
    +信用服务和信用创新（10分）+小微企业和农村信用体系建设（22分）+营商环境（8分）=150分。”"""
    assert scheme.declared_total == 150
    assert [(s.name, s.declared_points) for s in scheme.sections] == [
        ("守信激励和失信治理", 85), ("信用制度和基础建设", 15), ("诚信文化和诚信建设", 10),
        ("信用服务和信用创新", 10), ("小微企业和农村信用体系建设", 22), ("营商环境", 8)]
    # the items, as printed: 6+10+10+12+26+21 = 85; 6+4+3+2 = 15; 5+5; 8+2; 16+6; 8
    assert [s.max_points for s in scheme.sections] == [85, 15, 10, 10, 22, 8]
    assert scheme.base_max == 85 + 15 + 10 + 10 + 22 + 8 == 150
    assert scheme.bonus_max == 0
    codes = {f.code for f in check_scheme(scheme)}
    assert not codes & {"total_mismatch", "section_mismatch", "bonus_mismatch", "unreachable_max"}


def test_seventeen_measures_in_document_order_each_judged_with_its_cap(scheme):
    """Lines 72–91, columns “类别 分值 内容 指标”: 17 rows, no 评分标准 column (SEED_NOTES D1)."""
    assert [(it.name, it.max_points) for it in scheme.walk_items()] == PRINTED
    assert all(it.rule.kind == "judgement" and it.rule.params.get("guidance") for it in scheme.walk_items())


def test_every_quote_is_verbatim_on_its_line(scheme):
    """SCHEMES.md: “source: {file, line, quote: <verbatim clause>}” — each quote is found on its line."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    nodes = [scheme, *scheme.walk_sections(), *scheme.walk_items()]
    for node in nodes:
        src = node.source
        if src is None:
            continue
        assert src.file == SEED.name
        assert src.quote in lines[src.line - 1], (getattr(node, "id", "scheme"), src.line, src.quote)


def test_sub_metrics_are_declared_inputs_listed_by_their_item(scheme):
    """SEED_NOTES D1: “The 17 metrics have 1–13 unweighted sub-metrics each”; line 77 lists 7 联合奖惩 and
    6 信用修复 sub-metrics (13), line 78 lists 7 of which 2 and 3 are one (6, reading D1_split)."""
    cat = scheme.input_catalogue
    counts = {}
    for it in scheme.walk_items():
        subs = it.meta["sub_metrics"]
        assert it.meta.get("compare") is True
        assert [s["input"] for s in subs] == it.input_ids, it.id
        assert all(s["input"] in cat and s["direction"] in DIRECTIONS for s in subs), it.id
        counts[it.id] = len(subs)
    assert counts["linyi.1.5.1"] == 7 + 6
    assert counts["linyi.1.6.1"] == 7 - 1
    assert counts["linyi.1.2"] == 5  # line 73: “1. …总量占全市的比重 … 5. …违法记录次数”
    assert min(counts.values()) == 1 and max(counts.values()) == 13


def test_negative_sub_metrics_are_lower_is_better(scheme):
    """SEED_NOTES D1: “negative-direction ones (黑名单比重, 严重失信事件, 办件时间) get no direction”;
    reading D1_direction gives them ``lower``. Line 73 “4. 当月…退出量占黑名单总量的比重” is an exit
    share: higher is better."""
    direction = {s["input"]: s["direction"] for it in scheme.walk_items() for s in it.meta["sub_metrics"]}
    lower = {i for i, d in direction.items() if d == "lower"}
    assert {"blacklist_share_of_city", "blacklist_share_of_legal_entities", "blacklist_monthly_increase_share",
            "blacklist_violation_records", "serious_gov_events", "serious_business_events", "serious_social_events",
            "serious_judicial_events", "one_net_avg_days", "poor_rated_enterprise_share"} <= lower
    assert direction["blacklist_monthly_exit_share"] == "higher"
    assert direction["repaired_share_of_blacklist"] == "higher"
    assert "D1_direction" in [r.id for r in scheme.readings]


# ------------------------------------------------------------------------------------ inferred rows
def test_two_rows_without_category_cell_are_inferred_into_category_one(scheme):
    """Lines 77–78 have three cells, not four: “26\t联合奖惩绩效测评\t…”, “21\t严重失信事件监测评价\t…”.
    一 declares 85 but its own rows give 6+10+10+12 = 38; 38 + 26 + 21 = 85."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    assert len(lines[76].split("\t")) == 3 and len(lines[77].split("\t")) == 3
    assert len(lines[72].split("\t")) == 4
    sec_of = scheme.section_of()
    assert sec_of["linyi.1.5.1"] == ["linyi.1", "linyi.1.5"]
    assert sec_of["linyi.1.6.1"] == ["linyi.1", "linyi.1.6"]
    one = scheme.sections[0]
    assert sum(it.max_points for it in one.items) == 6 + 10 + 10 + 12 == 38
    assert [(s.id, bool(s.inferred), s.max_points) for s in one.sections] == [("linyi.1.5", True, 26), ("linyi.1.6", True, 21)]
    fs = [f for f in check_scheme(scheme) if f.code == "inferred_category"]
    assert sorted((f.target, f.computed) for f in fs) == [("linyi.1.5", 26), ("linyi.1.6", 21)]
    assert all("85" in f.message and "38" in f.message for f in fs)


def test_inferred_rows_count_towards_category_one(scheme):
    """Same clause: the 26 and 21 are added into 一 (85)."""
    pts = {"linyi.1.1": 5, "linyi.1.5.1": 20, "linyi.1.6.1": 15.5}
    r = xinyong.score(scheme, judged(scheme, pts))
    assert r.sections.at["u1", "linyi.1"] == 5 + 20 + 15.5
    assert r.sections.at["u1", "linyi.1.5"] == 20
    assert r.sections.at["u1", "linyi.1.6"] == 15.5
    assert r.units.at["u1", "total"] == 40.5


# ------------------------------------------------------------------------------------ judgements
def test_full_marks_everywhere_give_150(scheme):
    """Line 92 “…=150分”: every measure judged at its printed maximum adds up to 150."""
    r = xinyong.score(scheme, judged(scheme, {it.id: it.max_points for it in scheme.walk_items()}))
    assert r.units.at["u1", "total"] == 150
    assert r.units.at["u1", "unknown_points"] == 0
    assert (r.status.loc["u1"] == "scored").all()


def test_points_above_the_cap_are_refused(scheme):
    """Line 73 “10 综合失信状况量化测评”: an assessor may give at most 10. The engine refuses 10.5 with an
    error naming the unit, the column and the allowed range; it does not silently clip."""
    with pytest.raises(InputError) as exc:
        xinyong.score(scheme, judged(scheme, {"linyi.1.2": 10.5}))
    probs = exc.value.fields["problems"]
    assert len(probs) == 1
    p = probs[0]
    assert (p.unit, p.column, p.value) == ("u1", "judge:linyi.1.2", 10.5)
    assert "超出" in p.message and p.expected.startswith("[0, 10]")


def test_points_at_the_cap_and_below_zero(scheme):
    """Line 87 “2 失信案例调查”: 2 is accepted as 2; −1 is refused (points lie in [0, 2])."""
    r = xinyong.score(scheme, judged(scheme, {"linyi.4.2": 2}))
    assert r.points.at["u1", "linyi.4.2"] == 2
    with pytest.raises(InputError):
        xinyong.score(scheme, judged(scheme, {"linyi.4.2": -1}))


def test_judgement_without_reason_is_refused(scheme):
    """SCHEMES.md judgement: “assessor enters points in [0, max] + justification”."""
    df = pd.DataFrame([{"unit_id": "u1", "unit_kind": "县", "judge:linyi.6.1": 6}])
    with pytest.raises(InputError) as exc:
        xinyong.score(scheme, df)
    assert "理由" in exc.value.fields["problems"][0].message


def test_missing_judgement_is_pending_never_zero(scheme):
    """SEED_NOTES D1 “Everything is judgement”: a measure not yet judged is 待评审, its points unknown.
    Judged: 1.1 = 4, 2.2 = 3, 6.1 = 7.5 → 14.5 known; unknown = 150 − 6 − 4 − 8 = 132."""
    r = xinyong.score(scheme, judged(scheme, {"linyi.1.1": 4, "linyi.2.2": 3, "linyi.6.1": 7.5}))
    st = r.status.loc["u1"]
    assert st["linyi.1.2"] == "pending_judgement"
    assert np.isnan(r.points.at["u1", "linyi.1.2"])
    assert (st == "pending_judgement").sum() == 17 - 3
    assert r.units.at["u1", "total"] == 4 + 3 + 7.5
    assert r.units.at["u1", "unknown_points"] == 150 - 6 - 4 - 8
    assert r.units.at["u1", "max_possible"] == 14.5 + 132


def test_sub_metrics_alone_never_score(scheme):
    """SEED_NOTES D1: “sub-metrics … unweighted”, no formulas: recording every sub-metric without a
    judgement leaves every measure pending and the total unknown (0 known points of 150)."""
    values = {}
    for spec in scheme.inputs:
        values[spec.id] = 1 if spec.type == "bool" else (50.0 if spec.type == "percent" else 7)
    r = xinyong.score(scheme, judged(scheme, {}, **values))
    assert (r.status.loc["u1"] == "pending_judgement").all()
    assert r.units.at["u1", "total"] == 0 and r.units.at["u1", "unknown_points"] == 150


def test_readings_have_no_computational_effect(scheme):
    """SEED_NOTES D1 readings (pass mark, weights, direction, “当月”, 1.6 items 2 and 3, 50% target, L1):
    recorded with options whose ``set`` is empty; scoring under any alternative gives the same points."""
    ids = {r.id for r in scheme.readings}
    assert {"D1", "D1_pass", "D1_direction", "D1_month", "D1_split", "D1_target", "L1"} <= ids
    df = judged(scheme, {"linyi.1.2": 7, "linyi.1.6.1": 12})
    base = xinyong.score(scheme, df)
    for r in scheme.readings:
        assert all(o.set == {} for o in r.options), r.id
        for o in r.options:
            alt = xinyong.score(scheme, df, readings={r.id: o.id})
            pd.testing.assert_frame_equal(alt.points, base.points)
    assert scheme.grades is None and not scheme.gates  # D1_pass: no pass mark in the document


def test_judgement_only_inputs_reach_the_result_frame(scheme):
    """The comparison reads ``result.frame``; inputs that only judgement items list must be there (NaN
    where not given, never 0)."""
    r = xinyong.score(scheme, judged(scheme, {}, one_net_avg_days=3.5))
    assert {s.id for s in scheme.inputs} <= set(r.frame.columns)
    assert r.frame.at["u1", "one_net_avg_days"] == 3.5
    assert np.isnan(r.frame.at["u1", "blacklist_share_of_city"])


# ------------------------------------------------------------------------------------ comparison
def three_counties(scheme):
    """Line 73, sub-metrics of 综合失信状况量化测评:
    “1. 各区县黑名单及重点关注名单总量占全市的比重” (lower is better): 甲 1.5, 乙 3.0, 丙 1.5 (a tie);
    “5. 各区县黑名单及重点关注名单违法记录次数” (lower): 甲 7, 乙 missing, 丙 2;
    “4. 当月各区县黑名单及重点关注名单退出量占黑名单总量的比重” (higher): 甲 10, 乙 30, 丙 20."""
    df = pd.DataFrame({
        "unit_id": ["jia", "yi", "bing"], "unit_name": ["示例甲县", "示例乙区", "示例丙县"], "unit_kind": ["县", "区", "县"],
        "blacklist_share_of_city": [1.5, 3.0, 1.5],
        "blacklist_violation_records": [7, np.nan, 2],
        "blacklist_monthly_exit_share": [10, 30, 20],
    })
    return xinyong.score(scheme, df)


def rows(table, input_id):
    return table[table["input"] == input_id]


def test_lower_is_better_ranks_with_a_tie(scheme):
    """Share of the city's blacklist (lower is better): 甲 1.5 and 丙 1.5 tie for 1st (method min), 乙 3.0
    is 3rd. Median of (1.5, 3.0, 1.5) = 1.5. Percentile = units at least as good / n: 甲, 丙 3/3 = 100;
    乙 1/3 = 33.33."""
    t = rows(cross_unit_comparison(three_counties(scheme), labels="en"), "blacklist_share_of_city")
    assert list(t.index) == ["jia", "bing", "yi"]  # best first; the tie keeps the units' order
    assert t["rank"].tolist() == [1, 1, 3]
    assert t["value"].tolist() == [1.5, 1.5, 3.0]
    assert (t["n"] == 3).all() and (t["median"] == 1.5).all()
    assert t["percentile"].tolist() == pytest.approx([100, 100, 100 / 3])
    assert (t["direction"] == "lower").all() and (t["item"] == "linyi.1.2").all()
    assert t.loc["yi", "unit_name"] == "示例乙区" and t.loc["yi", "measure"] == "%"


def test_missing_value_stays_missing_and_is_not_ranked(scheme):
    """Violation records (lower is better): 丙 2 → 1st, 甲 7 → 2nd, 乙 missing: no value (not 0), no rank,
    listed last. n = 2, median of (7, 2) = 4.5; percentiles 丙 2/2 = 100, 甲 1/2 = 50."""
    t = rows(cross_unit_comparison(three_counties(scheme), labels="en"), "blacklist_violation_records")
    assert list(t.index) == ["bing", "jia", "yi"]
    assert t.loc["bing", "rank"] == 1 and t.loc["jia", "rank"] == 2
    assert np.isnan(t.loc["yi", "value"]) and np.isnan(t.loc["yi", "rank"]) and np.isnan(t.loc["yi", "percentile"])
    assert (t["n"] == 2).all() and (t["median"] == 4.5).all()
    assert t.loc["bing", "percentile"] == 100 and t.loc["jia", "percentile"] == 50
    # had 乙's blank been read as 0 it would be 1st with 0 records
    assert t.loc["yi", "rank"] != 1


def test_higher_is_better_ranks_the_other_way(scheme):
    """Exit share (higher is better): 乙 30 → 1, 丙 20 → 2, 甲 10 → 3; median 20; percentiles 100, 66.67, 33.33."""
    t = rows(cross_unit_comparison(three_counties(scheme), labels="en"), "blacklist_monthly_exit_share")
    assert t["rank"].to_dict() == {"yi": 1, "bing": 2, "jia": 3}
    assert (t["median"] == 20).all()
    assert t["percentile"].tolist() == pytest.approx([100, 200 / 3, 100 / 3])


def test_sub_metric_nobody_reported(scheme):
    """Line 73 “2. 各区县黑名单及重点关注名单占法人企业的比重”, given by no county: n = 0, no median, no rank."""
    t = rows(cross_unit_comparison(three_counties(scheme), labels="en"), "blacklist_share_of_legal_entities")
    assert len(t) == 3 and (t["n"] == 0).all()
    assert t[["value", "rank", "median", "percentile"]].isna().all().all()


def test_direction_none_is_not_ranked(scheme):
    """Reading D1_direction option ``unranked``: with direction ``none`` a sub-metric is listed with its
    values, n and median (甲 10, 乙 30, 丙 20 → 20) but no rank or percentile."""
    s = scheme.model_copy(deep=True)
    for sm in s.item("linyi.1.2").meta["sub_metrics"]:
        if sm["input"] == "blacklist_monthly_exit_share":
            sm["direction"] = "none"
    r = three_counties(s)
    t = rows(cross_unit_comparison(r, labels="en"), "blacklist_monthly_exit_share")
    assert t["rank"].isna().all() and t["percentile"].isna().all()
    assert (t["median"] == 20).all() and (t["n"] == 3).all()
    assert list(t.index) == ["jia", "yi", "bing"]  # the result's order, nothing ranked


def test_table_covers_every_sub_metric_and_unit_in_document_order(scheme):
    """Every item has meta.compare; 3 units × every sub-metric of the 17 measures, items in document order."""
    t = cross_unit_comparison(three_counties(scheme), labels="en")
    n_sub = sum(len(it.meta["sub_metrics"]) for it in scheme.walk_items())
    assert len(t) == 3 * n_sub
    order = [it.id for it in scheme.walk_items()]
    assert list(dict.fromkeys(t["item"])) == order
    assert list(t.columns) == list(COLUMNS)


def test_chinese_labels_for_the_report(scheme):
    """Default labels are Chinese (user-facing); the report renders ``table.reset_index().itertuples()``
    and marks rows whose first cell is the unit id."""
    r = three_counties(scheme)
    zh = cross_unit_comparison(r)
    en = cross_unit_comparison(r, labels="en")
    assert list(zh.columns) == list(COLUMNS.values())
    assert zh.index.name == "单位编号" and en.index.name == "unit"
    assert set(zh["方向"]) == {"越高越好", "越低越好"}
    first = next(zh.reset_index().itertuples(index=False))
    assert first[0] == "jia"
    np.testing.assert_array_equal(zh["名次"].to_numpy(), en["rank"].to_numpy())


def test_run_file_carries_the_comparison_once(scheme, tmp_path):
    """The cross-unit comparison is the same for every unit's report: a run computes it once, a run file
    carries it (issue 13: ≈ 0.3 s a report for the demo's 12 units before), and each caller gets a copy."""
    from xinyong.report import load_run, save_run
    from xinyong.report.analysis import comparison

    df = pd.DataFrame({"unit_id": ["jia", "yi", "bing"], "unit_name": ["示例甲县", "示例乙区", "示例丙县"],
                       "unit_kind": ["县", "区", "县"], "blacklist_share_of_city": [1.5, 3.0, 1.5]})
    run = load_run(scheme, df, period="2019")
    want = cross_unit_comparison(run.result)
    path = save_run(run, tmp_path / "run.pkl")
    again = load_run("linyi", "unused.xlsx", period="2019", run_file=path)
    assert "_comparison" in again.__dict__  # computed before saving
    got = comparison(again)
    pd.testing.assert_frame_equal(got, want)
    got.loc[:, "value"] = -1.0
    pd.testing.assert_frame_equal(comparison(again), want)
