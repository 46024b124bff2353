"""Every sentence agrees with the score: the words of the reports under caps, the bonus ceiling, a veto,
unknown points and readings (``tests/fixtures/every_construct.yaml``, one scheme with every construct,
and ``every_construct.csv``, five units).

By hand, from the clauses of ``every_construct_source.txt`` (line numbers in brackets):

| unit | 信息报送 | 信用应用 [13] | 政务诚信 [16] | 综合评价 | 附加分 [3] | 总分 | 等级 | 名次 |
|---|---|---|---|---|---|---|---|---|
| jia | 9+10+9 = 28 | 20+12 = 32 → 30 | 20 | 18 | 6+3 = 9 → 5 | 101 | 优秀 | 1 |
| yi | 5 (12×0.5 = 6, 最高扣5 [10]) +10+10 = 25 | 15+9 = 24 | 20 | 19 | 3 | 91 | 不合格 (否决 [6]) | 不参加 |
| bing | 10+未知+5 = 15 | 14+6 = 20 | 12 | 未知 | 2 | 49 (+30 未知) | 不合格，未定 | 暂列 4 (2–4) |
| ding | 8+7.5+8 = 23.5 | 12+9 = 21 | 20−24 = −4 → 0 | 16 | 4 | 64.5 | 合格 | 暂列 3 (3–4) |
| wu | 9.5+10+10 (0/0 [12]) = 29.5 | 5+3 = 8 | 20 | 15 | 3+1 = 4 | 76.5 | 合格 (上限 [7]) | 暂列 2 (2–3) |

丙局 (bing) has 30 points unknown (数据归集率 missing, 工作成效 pending): with all of them it has 79, above
戊局's 76.5 and below 甲局's 101, so its rank is 2nd at best; with none, 4th (乙局 is not ranked).
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import xinyong
from test_properties import unit_frames
from xinyong.report.analysis import OverviewAnalysis, UnitAnalysis, rank_sentence
from xinyong.report.load import load_run
from xinyong.report.sections import UnitReport
from xinyong.scheme.loader import SCHEME_IDS

FIX = Path(__file__).parent / "fixtures"
SCHEME = FIX / "every_construct.yaml"
UNITS = FIX / "every_construct.csv"


@pytest.fixture(scope="module")
def run():
    return load_run(SCHEME, UNITS, period="2025")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_scheme_checks_clean_and_quotes_its_source():
    """The test scheme is a scheme like the shipped ones: its declared totals agree with its items after
    the caps (30 + 30 + 20 + 20 = 100, bonus 5) and every quote is on its line of the source text."""
    from xinyong.scoring.scheme_audit import check_quotes, check_scheme

    scheme = xinyong.load_scheme(SCHEME)
    assert check_scheme(scheme) == []
    assert check_quotes(scheme) == ([], [])
    assert scheme.base_max == 100 and scheme.bonus_max == 5


def test_hand_computed_totals(run):
    u = run.result.units
    assert u["total"].to_dict() == pytest.approx({"jia": 101, "yi": 91, "bing": 49, "ding": 64.5, "wu": 76.5})
    assert u["grade"].to_dict() == {"jia": "优秀", "yi": "不合格", "bing": "不合格", "ding": "合格", "wu": "合格"}


# ------------------------------------------------------------------------------ a capped deduction
def test_a_capped_deduction_says_the_cap_in_its_line(run):
    """[10] “迟报、错报的每条扣0.5分，最高扣5分”: 乙局 has 12 → 12 × 0.5 = 6, at most 5: 10 − 5 = 5. The line
    says the cap; it never reads as 10 − 6 = 4 → 5."""
    d = run.result.description("yi", "every_construct.1.1")
    assert d == ("“双公示”迟报、错报条数 12条；每条扣 0.5 分：12条 × 0.5 = 6 分，最多扣 5 分：10 − 5 = 5 分"
                 " → 得 5.00 分")


def test_a_deduction_per_percentage_point_says_points(run):
    """[11] “每低1个百分点扣0.5分”: 丁局's 90% is 5 points short: 10 − 2.5 = 7.5 (never “每项”)."""
    d = run.result.description("ding", "every_construct.1.2")
    assert "差 5 个百分点；每个百分点扣 0.5 分：10 − 2.5 = 7.5 分" in d and "每项" not in d


def test_a_formula_that_cannot_be_computed_says_why(run):
    """[12] “没有审批事项的得满分”: 戊局 has 0 审批事项, 0/0: the line says the division and the rule."""
    d = run.result.description("wu", "every_construct.1.3")
    assert "公式要除以审批事项数，而它为 0，无法计算；方案规定这种情况得 10 分 → 得 10.00 分" in d


def test_a_section_cap_is_said_in_the_section_line(run):
    """[13] “本部分最高不超过30分”: 甲局's 20 + 12 = 32 counts 30; [16] “扣完为止”: 丁局's −4 counts 0."""
    jia = text(UnitReport(run, "jia").item_table().html)
    assert "信用应用 — 得分 30.00 / 30（各条目合计 32.00 分，本部分最高 30 分）" in jia
    ding = text(UnitReport(run, "ding").item_table().html)
    assert "政务诚信 — 得分 0.00 / 20（各条目合计 -4.00 分，本部分扣完为止，最低 0 分）" in ding


# ------------------------------------------------------------------------------ a capped bonus
def test_the_bonus_shows_what_counts_against_its_ceiling(run):
    """[3] “附加分最高5分”: 甲局's bonus items add up to 6 + 3 = 9, 5 counts. The item table and the chart
    show 5 / 5, not 9 / 10; the bonus is not lost and nothing of it is still to win."""
    a = UnitAnalysis(run, "jia")
    secs = a.sections()
    b = secs.loc["every_construct.5"]
    assert (b["points"], b["max"], b["raw"], bool(b["counted"])) == (5, 5, 9, True)
    assert secs["points"].sum() == pytest.approx(101)
    page = text(UnitReport(run, "jia").item_table().html)
    assert "附加分 — 计入 5.00 / 5（附加分最多计 5 分；各条目合计 9.00 分，按 5.00 分计入）" in page
    acts = a.actions()
    assert not any(acts["item"].str.startswith("every_construct.5"))
    st = a.standing()
    assert st.to_win == pytest.approx(4) == acts["to_win"].sum()  # 2 + 1 + 1: base items only


def test_bonus_items_are_never_losses(run):
    """乙局 won 3 of the bonus's 5: 创新经验 (3 of 6) is not among its losses, nor the 通报's common problems."""
    from xinyong.report.notice import notice

    assert not any(UnitAnalysis(run, u).lost(20)["bonus"].any() for u in run.result.unit_ids)
    bonus = {i.id for i in run.scheme.walk_items() if i.bonus}
    assert not set(OverviewAnalysis(run).lost_items(20)["item"]) & bonus
    names = {i.name for i in run.scheme.walk_items() if i.bonus}
    assert not any(n in "".join(notice(run).common) for n in names)


def test_points_to_win_stop_at_the_bonus_ceiling(run):
    """丙局 has 2 of the bonus's 5: 创新经验 could add 3 more, not its 6."""
    acts = UnitAnalysis(run, "bing").actions().set_index("item")
    assert acts.at["every_construct.5.1", "to_win"] == pytest.approx(3)
    assert "附加分最多计 5 分，最多还能增加 3.00 分" in acts.at["every_construct.5.1", "state"]


# ------------------------------------------------------------------------------ a vetoed unit
def test_the_vetoed_unit_is_not_ranked_anywhere(run, tmp_path):
    """[6] “实行一票否决，考核等次定为不合格，不参加排名”: 乙局 (91 points) is 不合格 and has no rank in its
    report, the Word report, the overview and the 通报; it is listed after the ranked units."""
    from xinyong.report.notice import notice_html
    from xinyong.report.unit_docx import unit_docx
    from xinyong.report.overview import Overview

    summary = UnitReport(run, "yi").summary().html
    assert "无论得分高低，等级定为“不合格”，不参加排名。" in text(summary)
    assert "本期不参加排名，列于参加排名的 4 个单位之后" in summary and "排名第" not in summary
    import docx

    words = "\n".join(p.text for p in docx.Document(io.BytesIO(unit_docx(run, "yi"))).paragraphs)
    assert "本期不参加排名，列于参加排名的 4 个单位之后。" in words and "排名第" not in words
    ov = text(Overview(run).ranking().html)
    assert "不参加 乙局" in ov
    brief = text(notice_html(run))
    assert "不参加 乙局" in brief


def test_a_veto_that_keeps_the_unit_ranked_does_not_say_it_ranks_last(run, tmp_path):
    """A veto whose consequence sets the grade and keeps the unit ranked (``exclude_from_ranking: false``;
    left out, the default would leave it unranked): the unit keeps its place by score, and no sentence
    says it comes after the others (the overview neither)."""
    text_yaml = SCHEME.read_text(encoding="utf-8").replace(
        "      grade: 不合格\n      exclude_from_ranking: true\n", "      grade: 不合格\n      exclude_from_ranking: false\n")
    path = tmp_path / "every_construct.yaml"
    path.write_text(text_yaml, encoding="utf-8")
    (tmp_path / "every_construct_source.txt").write_bytes((FIX / "every_construct_source.txt").read_bytes())
    r2 = load_run(path, UNITS, period="2025")
    assert bool(r2.result.units.at["yi", "ranked"]) and int(r2.result.units.at["yi", "rank"]) == 2
    s = text(UnitReport(r2, "yi").summary().html)
    assert "无论得分高低，等级定为“不合格”。" in s and "之后" not in s
    assert "在参加考核的 5 个单位中" in s
    from xinyong.report.overview import Overview

    assert "不参加排名的单位" not in text(Overview(r2).ranking().html)


# ------------------------------------------------------------------------------ a rank still open
def test_a_rank_unknown_points_could_change_is_provisional(run):
    """丙局: 49 known and 30 unknown (1.2 missing [11], 4.1 pending [19]). All 30 won: 79, second after 甲局's
    101; none: fourth. So it is 暂列第 4 名, between 2nd and 4th — never “排名第 4” as if settled."""
    st = UnitAnalysis(run, "bing").standing()
    assert (st.rank, st.rank_best, st.rank_worst, st.rank_settled) == (4, 2, 4, False)
    assert rank_sentence(st) == "在参加排名的 4 个单位中暂列第 4 名（名次未定：未知分数补齐后，可能在第 2 至第 4 名之间）"
    assert st.rank_text == "暂列第 4 名（第 2–4 名）"
    jia = UnitAnalysis(run, "jia").standing()
    assert jia.rank_settled and rank_sentence(jia) == "在参加排名的 4 个单位中排名第 1"
    # scores.xlsx: the same rank, and the range beside it
    assert _xlsx_places(run) == {"jia": 1, "wu": 2, "ding": 3, "bing": 4, "yi": "不参加排名"}
    assert _xlsx_places(run, "名次已确定") == {"jia": "是", "wu": "否（2–3）", "ding": "否（3–4）", "bing": "否（2–4）",
                                           "yi": None}


def test_a_grade_unknown_points_could_change_is_provisional(run):
    """丙局's 49 is 不合格; with the 30 unknown points it could be 79, 良好 [4]."""
    s = text(UnitReport(run, "bing").summary().html)
    assert "等级暂为“不合格”（未定：尚有 30.00 分未知，若全部取得，等级最高可为“良好”）" in s


def test_a_reading_that_changes_the_grade_is_said_in_the_verdict(run):
    """R1: counting only unrectified 政务失信 [17], 丁局 has 20 − 8 = 12 instead of 0: 76.5, 良好."""
    s = text(UnitReport(run, "ding").summary().html)
    assert ("若按“只扣未整改的事件”理解，总分为 76.50 分，等级为“良好”") in s
    assert not UnitAnalysis(run, "jia").reading_grade_changes()  # 甲局 has no 政务失信: no change


def test_the_grade_cap_is_said(run):
    """[7] “未按期报送年度信用工作总结的，考核等次不得评为良好以上”: 戊局's 76.5 would be 良好; it is 合格."""
    s = text(UnitReport(run, "wu").summary().html)
    assert "等级为“合格”" in s and "等级最高为“合格”" in s


# ------------------------------------------------------------------------------ schemes without
def test_no_sentence_about_vetoes_or_grades_where_the_scheme_has_none():
    """linyi has neither grades nor a veto: its 通报 does not say “没有被否决或低于合格的单位” (a unit at 58.00 has
    68 points unknown), it names the last unit with its full marks and unknown points instead."""
    from xinyong.report.notice import notice

    run = load_run("linyi", Path(xinyong.__file__).parent / "demo" / "linyi" / "2019.xlsx", period="2019")
    n = notice(run)
    said = "".join(t for _, t in n.individual)
    assert "没有被否决" not in said and "低于合格" not in said
    assert "为排名末位" in said and "未知" in said
    assert "满分" in n.score_head or all("（" in r.score for r in n.rows)


def test_the_scheme_authors_notes_are_said_in_words():
    """A reading's note that names a scheme field or the review notes (SEED_NOTES) reads in Chinese."""
    from xinyong.report.narrative import for_readers, in_words

    scheme = xinyong.load_scheme(SCHEME)
    say = in_words(scheme)
    assert say("需允许条目最低 −2 分（min_points）。") == "需允许条目最低 −2 分。"
    assert say("满分不可达（SEED_NOTES §1：全方案最多 96 分）；SEED_NOTES A9 只记为说明") == "满分不可达；审读笔记只记为说明"
    fr = for_readers(scheme)
    assert fr("major_events == 0") == "“重大失信事件数” = 0"
    assert fr("0.8768893408790717/1×0.002/100=0.0000") == "0.88/1×0.002/100=0.00"



def test_a_formula_with_a_choice_is_said_from_its_tree():
    """004 附件1 三.3 (“(0.5×模板+0.5×使用次数) if 使用次数 > 0 else 0”): the folded computation and the
    formula itself say the choice as a person does — written from the parsed tree, not by a regex."""
    from xinyong.scoring.describe import Names
    from xinyong.scoring.kinds import default_registry

    scheme = xinyong.load_scheme("jiaxian_county_dept")
    expr = "(0.5 * commitment_template + 0.5 * credit_product_uses) if credit_product_uses > 0 else 0"
    p = default_registry().get("formula").parse_params({"expr": expr, "cap": 6}, 6)
    text = default_registry().get("formula").explain({"commitment_template": 1.0, "credit_product_uses": 28.0}, p, 6.0)
    assert text == "（28 > 0 时取 0.5×1+0.5×28，否则取 0）=14.5000，超过上限取 6"
    said = Names(scheme.input_catalogue).formula(expr)
    assert "时取 0.5×“" in said and said.endswith("，否则取 0") and "credit_product_uses" not in said


# ------------------------------------------------------------------------------ for any data
# the shipped schemes render every unit's summary for each example: slow; the test scheme stays fast
WORD_SCHEMES = [*(pytest.param(s, marks=pytest.mark.slow) for s in SCHEME_IDS), str(SCHEME)]


def _xlsx_places(run, column: str = "排名") -> dict:
    """A column (排名) of the batch's scores.xlsx for ``run``, by unit id (the batch's own writer)."""
    import openpyxl

    from xinyong.batch.model import BatchSummary, UnitOutcome
    from xinyong.batch.outputs import scores_xlsx
    from xinyong.batch.plan import UnitPlan
    from xinyong.batch.publish import unit_scores

    units = []
    for u in run.result.unit_ids:
        name = str(run.result.units.at[u, "unit_name"])
        p = UnitPlan(id=u, name=name, kind=None, stem=u, state="scored")
        units.append(UnitOutcome(id=u, name=name, kind=None, status="ok", stem=u, **unit_scores(p, run.result)))
    s = BatchSummary(scheme=run.scheme.id, scheme_title=run.scheme.title, period="2025", run_dir=Path("."),
                     data="data.csv", units=units)
    ws = openpyxl.load_workbook(io.BytesIO(scores_xlsx(s, run.scheme, run.result)))["得分"]
    head = [c.value for c in ws[1]]
    return {r[head.index("单位编号")]: r[head.index(column)] for r in ws.iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize("scheme_id", WORD_SCHEMES)
def test_what_a_page_says_adds_up(scheme_id):
    """For random data: the sections a page shows add up to the total, each as its items add up through
    the cap it states; 可争取 never exceeds the reachable maximum less the total; no bonus item is a loss;
    a unit out of the ranking prints the rank scores.xlsx has for it, and a ranked one its number."""
    from xinyong.scheme.totals import section_is_bonus

    scheme = xinyong.load_scheme(scheme_id)
    ceiling = scheme.bonus_cap.max if scheme.bonus_cap is not None else None

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(unit_frames(scheme))
    def check(df):
        run = load_run(scheme, df, period="2025")
        res = run.result
        places = _xlsx_places(run)
        bonus = {i.id for i in scheme.walk_items() if i.bonus}
        for u in res.unit_ids:
            a = UnitAnalysis(run, u)
            st = a.standing()
            secs = a.sections()
            items = a.unit_items
            known = float(res.units.at[u, "total_before_gates"])
            assert secs["points"].sum() == pytest.approx(known, abs=1e-6)
            for s in scheme.sections:
                row = secs.loc[s.id]
                pts = items.loc[items["section"] == s.id, "points"].fillna(0).sum()
                if not any(x.cap is not None for x in s.walk_sections() if x is not s):  # no nested caps
                    stated = float(np.clip(pts, -np.inf if row["cap_min"] is None else row["cap_min"],
                                           np.inf if row["cap_max"] is None else row["cap_max"]))
                    if row["counted"]:
                        stated = min(stated, ceiling)
                    assert row["points"] == pytest.approx(stated, abs=1e-6)
                assert row["points"] <= row["max"] + 1e-6
                if row["counted"]:
                    assert section_is_bonus(s) and row["max"] <= ceiling + 1e-9
            assert st.to_win <= st.reachable - known + 1e-6
            acts = a.actions()
            assert (acts["to_win"] <= st.to_win + 1e-6).all()
            html = UnitReport(run, u).action_list().html
            if len(acts):
                assert f"合计还可争取 {st.to_win:.2f} 分" in html
            assert not set(a.lost(50)["item"]) & bonus
            summary = UnitReport(run, u).summary().html
            if u in res.unreported:
                continue
            if not st.ranked:
                assert places[u] == "不参加排名" and 'data-rank="不参加排名"' in summary and "排名第" not in summary
            else:
                assert places[u] == st.rank
                assert (f"排名第 {st.rank}" if st.rank_settled else f"暂列第 {st.rank} 名") in summary
        assert not set(OverviewAnalysis(run).lost_items(50)["item"]) & bonus

    check()
