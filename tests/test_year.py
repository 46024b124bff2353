"""Issue 14 §5–§6: the follow-up ledger (整改台账), the annual summary (年度汇总) and the early warning (预警).

Clauses: 004 六 "县社会信用体系建设领导小组将每季度考核结果作为年度目标考核的重要参考依据……并将落后单位定为
重点检查、抽查对象" (the year is made of quarters; the units that fell behind are followed up); 004 五
"考核得分 90 分以上……为优秀……60 分以下为不合格" (SEED_NOTES E8: <60 不合格 is below 合格); reading Y1 of
both 郏县 schemes (the year is the mean of the quarters; sum and last as alternatives; a missing quarter
makes the year unknown, never 0).
"""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from xinyong.report.annual import annual_data, annual_html, year_of, years
from xinyong.report.followup import STATE_ZH, follow_up, ledger, state_of
from xinyong.report.load import load_run, read_data
from xinyong.report.warn import due_date, period_end, warn_lines, warnings
from xinyong.scheme import load_scheme

TOWN = ROOT / "params" / "demo" / "jiaxian_township"


@pytest.fixture(scope="module")
def township():
    return load_scheme("jiaxian_township")


def fake_result(totals: dict[str, float], grades: dict[str, str] | None = None, readings=None):
    """A period's result as the annual summary reads it: units with name, total, rank, grade."""
    u = pd.DataFrame({"unit_name": {k: f"单位{k}" for k in totals}, "total": totals})
    u["rank"] = u["total"].rank(method="min", ascending=False).astype(int)
    u["grade"] = pd.Series(grades or {}, dtype=object).reindex(u.index)
    u["grade_certain"] = True
    u["grade_if_all_known_full"] = u["grade"]
    u["unknown_points"] = 0.0
    u["gate_outcome"] = "none"
    return SimpleNamespace(units=u, readings_used=dict(readings or {}))


# ------------------------------------------------------------------------------------------ the year
def test_periods_group_into_years_with_two_periods_or_more():
    assert year_of("2022Q3") == "2022" and year_of("2022-03") == "2022" and year_of("2019") is None
    assert years(["2022Q2", "2022Q1", "2023Q1", "2019"]) == {"2022": ["2022Q1", "2022Q2"]}


def test_annual_figure_is_the_mean_of_the_quarters_reading_y1(township):
    """Y1 (chosen: mean): A = (80 + 90 + 70 + 100) / 4 = 85; B has no 2022Q4 result: its year is unknown
    (缺, never a 0 that would make it 67.5) and it is not ranked; C = (95 + 95 + 95 + 95) / 4 = 95 is first."""
    q = {"2022Q1": {"A": 80, "B": 90, "C": 95}, "2022Q2": {"A": 90, "B": 90, "C": 95},
         "2022Q3": {"A": 70, "B": 90, "C": 95}, "2022Q4": {"A": 100, "C": 95}}
    a = annual_data(township, "2022", [(p, fake_result(t)) for p, t in q.items()])
    assert a.method.method == "mean" and a.method.reading == "Y1"
    rk = a.ranking.set_index("unit")
    assert rk.at["C", "figure"] == 95 and rk.at["C", "rank"] == 1
    assert rk.at["A", "figure"] == 85 and rk.at["A", "rank"] == 2
    assert rk.at["B", "figure"] is None and rk.at["B", "rank"] is None and rk.at["B", "missing"] == ["2022Q4"]
    assert list(a.ranking["unit"]) == ["C", "A", "B"]  # the unknown year last
    assert a.not_held == ()


def test_a_quarter_not_reported_is_que_not_zero(township):
    """Contract A: a unit 未报送 in a quarter is scored with every item unknown (0 known points); the
    year counts that quarter as 缺, so its year is unknown rather than (0 + 90) / 2 = 45."""
    q1 = fake_result({"A": 0.0, "B": 80})
    q1.unreported = frozenset({"A"})
    a = annual_data(township, "2022", [("2022Q1", q1), ("2022Q2", fake_result({"A": 90, "B": 70}))])
    rk = a.ranking.set_index("unit")
    assert rk.at["A", "figure"] is None and rk.at["A", "missing"] == ["2022Q1"]
    assert rk.at["B", "figure"] == 75 and rk.at["B", "rank"] == 1


def test_annual_figure_under_the_alternative_readings(township):
    """Y1 sum: A = 80 + 90 = 170; Y1 last: the latest quarter held (2022Q2) decides, B 100 before A 90.
    With Q3 and Q4 not in the run set they are listed as not held, and the year is that of two quarters."""
    q = {"2022Q1": {"A": 80, "B": 60}, "2022Q2": {"A": 90, "B": 100}}
    s = annual_data(township, "2022", [(p, fake_result(t, readings={"Y1": "sum"})) for p, t in q.items()])
    assert s.method.method == "sum" and s.method.overridden
    assert s.ranking.set_index("unit").at["A", "figure"] == 170
    last = annual_data(township, "2022", [(p, fake_result(t, readings={"Y1": "last"})) for p, t in q.items()])
    assert list(last.ranking["unit"]) == ["B", "A"] and last.ranking["figure"].tolist() == [100, 90]
    assert s.not_held == ("2022Q3", "2022Q4")


def test_units_below_pass_in_any_quarter_are_listed(township):
    """004 五: below 60 is 不合格, below 合格; 合格 itself is not."""
    q = {"2022Q1": fake_result({"A": 59.5, "B": 60}, {"A": "不合格", "B": "合格"}),
         "2022Q2": fake_result({"A": 70, "B": 61}, {"A": "合格", "B": "合格"})}
    a = annual_data(township, "2022", list(q.items()))
    assert a.below[["unit", "period"]].values.tolist() == [["A", "2022Q1"]]


@pytest.mark.slow
def test_annual_page_of_scored_quarters_says_the_reading_and_shows_missing_as_que(township):
    """Two real quarters of the township demo, one unit dropped from Q2: its Q2 cell is 缺 and its year
    未知; the page states the reading (its question and the option used) and the alternatives."""
    res = []
    for p in ("2022Q1", "2022Q2"):
        d = read_data(township, TOWN / f"{p}.xlsx", p)
        frame = d.frame.drop(index=d.frame.index[0]) if p == "2022Q2" else d.frame
        from xinyong.scoring import score

        res.append((p, score(township, frame)))
    gone = str(res[0][1].units.index[0])
    a = annual_data(township, "2022", res)
    assert a.ranking.set_index("unit").at[gone, "figure"] is None
    html = annual_html(a)
    assert "缺" in html and "未知" in html and a.method.chosen_label in html
    assert all(alt in html for alt in a.method.alternatives)
    assert "第三季度" in html  # not held: shown, as 未知



def test_annual_word_says_what_the_page_says(township):
    """The year as Word (forwarded to leaders): the same verdict, the reading used, a row per unit with
    each quarter's total (rank), 缺 for a quarter without a result and 未知 for its year — never 0."""
    import io

    from docx import Document

    from xinyong.report.docx import annual_docx
    from xinyong.scoring import score

    res = []
    for p in ("2022Q1", "2022Q2"):
        d = read_data(township, TOWN / f"{p}.xlsx", p)
        frame = d.frame.drop(index=d.frame.index[0]) if p == "2022Q2" else d.frame
        res.append((p, score(township, frame)))
    a = annual_data(township, "2022", res)
    doc = Document(io.BytesIO(annual_docx(a)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2022年度汇总" in text and a.method.chosen_label in text
    assert all(alt in text for alt in a.method.alternatives)
    table = doc.tables[0]
    head = [c.text for c in table.rows[0].cells]
    assert head == ["年度名次", "单位", "第一季度", "第二季度", "第三季度", "第四季度", "年度得分"]
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert len(rows) == len(a.ranking)
    gone = a.ranking.set_index("unit").loc[str(res[0][1].units.index[0])]
    assert rows[gone["name"]][0] == "—" and rows[gone["name"]][3] == "缺" and rows[gone["name"]][-1].startswith("未知")
    top = a.ranking.iloc[0]
    q1 = res[0][1].units.loc[top["unit"]]
    assert rows[top["name"]][0] == "1" and rows[top["name"]][2].startswith(f"{q1['total']:.2f}（{q1['rank']}）")
    assert rows[top["name"]][4] == "未知"  # Q3 not held yet: unknown, not 0


# ------------------------------------------------------------------------------------------ follow-up
def test_follow_up_states():
    assert state_of(2, "scored", 0) == "recovered"
    assert state_of(2, "scored", 1) == "partly"
    assert state_of(2, "scored", 2) == "still_lost"
    assert state_of(2, "scored", 3) == "worse"
    assert state_of(2, "missing_input", None) == "unknown"
    assert state_of(2, "pending_judgement", None) == "unknown"
    assert state_of(2, "not_applicable", None) == "not_applicable"


def test_follow_up_ledger_on_two_constructed_periods():
    """Six items of 2 points; the unit lost points on five of them last period (a: full, not followed)."""
    items = [SimpleNamespace(id=i, name=f"条目{i}") for i in "abcdefg"]
    cols = list("abcdefg")

    def res(points, status):
        return SimpleNamespace(points=pd.DataFrame([points], index=["u"], columns=cols, dtype=float),
                               status=pd.DataFrame([status], index=["u"], columns=cols),
                               max_points=pd.DataFrame([[2.0] * 7], index=["u"], columns=cols))

    before = res([2, 0, 0.5, 1, 1.5, 1, 0], ["scored"] * 7)
    now = res([2, 2, 1.5, 1, 0.5, np.nan, np.nan],
              ["scored", "scored", "scored", "scored", "scored", "missing_input", "not_applicable"])
    df = ledger(items, now, before, "u").set_index("item")
    assert list(df.index) == list("bcdefg")  # a had full marks: nothing to follow up
    assert df["state"].to_dict() == {"b": "recovered", "c": "partly", "d": "still_lost", "e": "worse",
                                     "f": "unknown", "g": "not_applicable"}
    assert df.at["b", "change"] == 2 and df.at["c", "change"] == 1 and df.at["e", "change"] == -1
    assert df.at["f", "points"] is None and df.at["f", "change"] is None  # unknown is not 0
    assert df.at["f", "state_zh"] == STATE_ZH["unknown"] == "未知"


def test_follow_up_in_the_unit_report_has_no_ids(township):
    hist = [{"period": "2022Q1", "data": TOWN / "2022Q1.xlsx"}]
    run = load_run(township, TOWN / "2022Q2.xlsx", period="2022Q2", history=hist)
    from xinyong.report import UnitReport

    for uid in run.result.units.index:
        f = follow_up(run, uid)
        if f is not None and len(f.items) >= 2:
            break
    html = UnitReport(run, uid).follow_up().html
    assert "上期失分整改情况" in html and "2022年第一季度" in html
    assert "jiaxian_township" not in html and "2022Q" not in html
    assert sum(f.counts.values()) == len(f.items)
    first = load_run(township, TOWN / "2022Q1.xlsx", period="2022Q1")
    assert follow_up(first, uid) is None
    assert "没有上一考核期" in UnitReport(first, uid).follow_up().html


# ------------------------------------------------------------------------------------------ 预警
def test_deadlines_as_the_documents_write_them():
    """000's column 工作进度要求 (SEED_NOTES C6: "11月前" and "11月底前" both occur)."""
    assert due_date("4月底前", "2020") == dt.date(2020, 4, 30)
    assert due_date("与4月25日前报区联合征信中心", "2020") == dt.date(2020, 4, 25)
    assert due_date("11月前", "2020") == dt.date(2020, 10, 31)  # before November
    assert due_date("11月底前", "2020") == dt.date(2020, 11, 30)
    assert due_date("全年持续工作", "2020") == dt.date(2020, 12, 31)
    assert due_date("2018年12月15日前全部整改到位", "2019") == dt.date(2018, 12, 15)
    assert due_date("及时报送", "2020") is None and due_date(None, "2022Q2") is None
    assert period_end("2022Q2") == dt.date(2022, 6, 30) and period_end("2022Q1") == dt.date(2022, 3, 31)


@pytest.fixture(scope="module")
def partial(township):
    """2022Q2 of the township demo as a frame (so no evidence registered), with one unit's inputs
    blanked: partial data, mid-June."""
    d = read_data(township, TOWN / "2022Q2.xlsx", "2022Q2")
    frame = d.frame.copy()
    unit = str(frame.index[0])
    inputs = [c for c in frame.columns if c in township.input_catalogue]
    frame.loc[unit, inputs] = np.nan
    return load_run(township, frame, period="2022Q2"), unit


def test_warn_grade_worst_and_best_case(partial):
    run, unit = partial
    w = warnings(run, "2022-06-20")
    g = w.grades.set_index("unit")
    assert unit in g.index  # every input missing: its band is anything from 不合格 up
    u = run.result.units.loc[unit]
    assert g.at[unit, "total"] == float(u["total"]) and g.at[unit, "best_total"] == float(u["max_possible"])
    assert g.at[unit, "grade"] != g.at[unit, "grade_best"]
    assert g.at[unit, "below_pass"] == (g.at[unit, "grade"] == "不合格")
    # only units whose band is not settled
    settled = run.result.units[run.result.units["grade_certain"].astype(bool)].index
    assert not set(settled) & set(g.index)


def test_warn_deadline_near_only_while_the_period_is_open(partial):
    run, unit = partial
    near = warnings(run, "2022-06-20", days=14)
    assert near.open and len(near.deadlines)
    assert set(near.deadlines["days_left"]) == {10}  # 004 items are due at the quarter's end
    assert not near.deadlines["dated"].any()
    far = warnings(run, "2022-05-01", days=14)
    assert far.open and not len(far.deadlines)  # 60 days ahead: not near
    after = warnings(run, "2022-07-15")
    assert not after.open and not len(after.deadlines)
    text = "\n".join(warn_lines(near))
    assert "最坏" in text and "最好" in text and "还有 10 天" in text


def test_overview_warns_only_when_there_is_something(partial):
    from xinyong.report import Overview

    run, unit = partial
    ov = Overview(run)
    assert "预警" in ov.warnings("2022-06-20").html
    # the Word overview carries the same 预警: the blanked unit's worst and best case
    import io

    from docx import Document

    from xinyong.report.docx import overview_docx

    w = warnings(run, "2022-06-20")
    doc = Document(io.BytesIO(overview_docx(run, as_of="2022-06-20")))
    assert "预警" in [p.text.split("、")[-1] for p in doc.paragraphs if p.style.name == "Heading 1"]
    g = w.grades.set_index("unit").loc[unit]
    rows = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
    # the page's columns and words: 单位, 未知分, 最坏情况, 最好情况
    assert [g["name"], f"{g['unknown']:.2f}", f"{g['total']:.2f} 分，{g['grade']}",
            f"{g['best_total']:.2f} 分，{g['grade_best']}"] in rows
    settled = load_run("wangyi", ROOT / "params" / "demo" / "wangyi" / "2020.xlsx", period="2020")
    w = warnings(settled, "2021-03-01")
    if w.empty:
        assert Overview(settled).warnings("2021-03-01").html == ""


@pytest.mark.slow
def test_warn_command_prints_chinese_and_json(partial, tmp_path):
    import json

    from typer.testing import CliRunner

    from xinyong.cli import app

    r = CliRunner().invoke(app, ["warn", "jiaxian_township", "--period", "2022Q2", "--data",
                                 str(TOWN / "2022Q2.xlsx"), "--as-of", "2022-06-25", "--days", "7"])
    assert r.exit_code == 0, r.output
    assert "2022年第二季度预警（截至 2022年6月25日）" in r.output
    r = CliRunner().invoke(app, ["warn", "jiaxian_township", "--period", "2022Q2", "--data",
                                 str(TOWN / "2022Q2.xlsx"), "--as-of", "2022-06-25", "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["as_of"] == "2022-06-25" and d["open"] is True and isinstance(d["grades"], list)


# ------------------------------------------------------------------------------------------ in a browser
def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (make chromium)")
def test_annual_page_in_chromium_shows_no_ids(township, tmp_path):
    """The DOM Chromium builds from the annual page: its visible text has no unit, input or scheme id,
    no period code, no operator; the quarters are in words."""
    import re

    from test_reader_surface import OPERATORS, PERIOD_CODE, unquoted, visible

    from xinyong.scheme.loader import SCHEME_IDS
    from xinyong.scoring import score

    res = [(p, score(township, read_data(township, TOWN / f"{p}.xlsx", p).frame)) for p in ("2022Q1", "2022Q2")]
    page = tmp_path / "annual.html"
    page.write_text(annual_html(annual_data(township, "2022", res)), encoding="utf-8")
    dom = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--disable-background-networking", f"--user-data-dir={tmp_path / 'chr'}", "--dump-dom",
                          page.as_uri()], check=True, timeout=120, capture_output=True, text=True).stdout
    assert "年度排名与各季度结果" in dom
    # Chromium writes void elements as <meta …> / <br>; the reader-surface parser pairs tags
    dom = re.sub(r"<(meta|br|img|link|hr|input)\b([^>]*?)/?>", r"<\1\2/>", dom)
    text = visible(dom)
    units = list(res[0][1].units.index)
    ids = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, [*units, *township.input_catalogue, *SCHEME_IDS]))
                     + r")(?![A-Za-z0-9_])")
    for pat in (ids, PERIOD_CODE):
        assert not pat.search(text), pat.search(text)
    assert not OPERATORS.search(unquoted(visible(dom, own=True)))
    assert "第一季度" in text and "第二季度" in text
