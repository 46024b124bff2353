"""Nobody silently dropped (issue 16 §5; contracts A and B of the collection work): every unit of a
period's file is listed with its state — 已评分, 数据有误（未评分） with each error and where it is, or 未报送 —
and a file in which every unit is invalid still gets an overview that shows the real errors.

The data is the mini scheme (tests/fixtures/mini.yaml) with three units: 甲市 (a) reports valid data,
乙区 (b) writes “也许” for 条件A (refused by intake), 丙市 (c) is marked 未报送 in the 单位 sheet's optional
报送状态 column. The 报送情况 sheet records who sent what, when.
"""
from __future__ import annotations

import json
import re

import pytest

import xinyong
from conftest import MINI
from test_reader_surface import visible
from xinyong.errors import Problem
from xinyong.intake import UnitRow, build_template, read_inputs, save_workbook

def page_text(html: str) -> str:
    """A batch page's text (its head has void tags the report parser does not expect): tags dropped."""
    html = re.sub(r"<(style|head)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


UNITS = [UnitRow("a", "甲市", "城市"), UnitRow("b", "乙区", "开发区"), UnitRow("c", "丙市", "城市")]
# 输入 columns: B npl_rate, C has_a, D has_b, E approved, F total_depts, G share, H events
ROW_A = [2.6, "是", "是", 3, 5, 70, 1]
ROW_B = [1, "也许", "否", 4, 5, 55, 0]
ROW_C = [3, "否", "是", 5, 5, "很多", 3]
HASH_A = "ab" * 32


@pytest.fixture(scope="module")
def scheme():
    return xinyong.load_scheme(MINI)


def workbook(scheme, path, *, b_invalid=True, all_invalid=False, c_row=None, status_c="未报送", receipts=True):
    wb = build_template(scheme, "2019", UNITS)
    ws = wb["输入"]
    rows = [ROW_A if not all_invalid else ROW_A[:1] + ["也许"] + ROW_A[2:],
            ROW_B if b_invalid or all_invalid else ROW_A, c_row if c_row else ROW_C if all_invalid else None]
    for r, vals in zip((4, 5, 6), rows):
        for j, v in enumerate(vals or [], start=2):
            ws.cell(r, j, v)
    if not all_invalid:
        u = wb["单位"]
        u["D1"], u["D4"] = "报送状态", status_c
        if receipts:
            rc = wb.create_sheet("报送情况")
            rc.append(["单位编号", "单位名称", "报送状态", "文件名", "收到时间", "SHA-256", "错误数", "问题摘要"])
            rc.append(["a", "甲市", "已报送", "甲市.xlsx", "2020-01-05T10:00:00", HASH_A, 0, None])
            rc.append(["b", "乙区", "已报送", "乙区.xlsx", "2020-01-06T11:30:00", "cd" * 32, 1, "条件A填写“也许”"])
            rc.append(["c", "丙市", "未报送", None, None, None, None, None])
    return save_workbook(wb, path)


# ------------------------------------------------------------------------------------------ intake
def test_report_status_and_receipts_are_read(scheme, tmp_path):
    """Contract A: 报送状态 未报送 → ``IntakeResult.unreported`` and no “输入表中没有该单位的行” note (the unit
    has no row by definition). Contract B: the 报送情况 sheet → ``IntakeResult.receipts``."""
    res = read_inputs(scheme, workbook(scheme, tmp_path / "w.xlsx", b_invalid=False))
    assert res.errors == [] and res.unreported == ("c",)
    assert not [p for p in res.problems if p.unit == "c"]
    rc = res.receipts
    assert list(rc.columns) == ["unit_id", "unit_name", "status", "file", "received", "sha256", "n_errors", "summary"]
    assert rc["unit_id"].tolist() == ["a", "b", "c"] and rc.at[0, "sha256"] == HASH_A
    assert rc.at[1, "n_errors"] == 1 and rc.at[2, "n_errors"] is None and rc.at[1, "received"].startswith("2020-01-06")
    plain = read_inputs(scheme, workbook(scheme, tmp_path / "p.xlsx", b_invalid=False, status_c="", receipts=False))
    assert plain.unreported == () and plain.receipts is None


def test_template_writes_no_status_column(scheme):
    """The column is optional: the analyst's template keeps its three columns."""
    ws = build_template(scheme, "2019", UNITS)["单位"]
    assert [c.value for c in ws[1]] == ["单位编号", "单位名称", "单位类型"]


def test_unreported_with_data_or_an_unknown_status_is_an_error(scheme, tmp_path):
    res = read_inputs(scheme, workbook(scheme, tmp_path / "w.xlsx", b_invalid=False, c_row=ROW_A))
    (p,) = res.unit_errors["c"]
    assert "未报送" in p.message and (p.sheet, p.row, p.column) == ("输入", 6, "B")
    res = read_inputs(scheme, workbook(scheme, tmp_path / "x.xlsx", b_invalid=False, status_c="没交"))
    (p,) = res.unit_errors["c"]
    assert "没交" in p.message and (p.sheet, p.row, p.column) == ("单位", 4, "D") and "未报送" in p.expected


def test_unreported_unit_is_all_unknown_never_zero_and_not_ranked(scheme, tmp_path):
    res = read_inputs(scheme, workbook(scheme, tmp_path / "w.xlsx", b_invalid=False))
    r = xinyong.score(scheme, res.frame, unreported=res.unreported)
    assert r.unreported == frozenset({"c"})
    st = r.status.loc["c"]
    assert set(st) == {"missing_input"} and r.points.loc["c"].isna().all()
    c = r.units.loc["c"]
    assert c["total"] == 0 and c["unknown_points"] == pytest.approx(c["max_applicable"])
    assert not c["ranked"] and c["rank"] == 3 and c["grade"] is None
    assert r.units.loc[["a", "b"], "ranked"].all()


# ------------------------------------------------------------------------------------------ report
@pytest.fixture(scope="module")
def run(scheme, tmp_path_factory):
    """The period as a batch scores it: b left out with its errors (``Run.invalid``), c unreported."""
    from xinyong.report import load_run
    from xinyong.report.load import InvalidUnit

    base = tmp_path_factory.mktemp("roster")
    src = workbook(scheme, base / "2019.xlsx")
    bad = read_inputs(scheme, src).unit_errors
    clean = workbook(scheme, base / "clean" / "2019.xlsx", b_invalid=False)  # b valid here, cut below
    run = load_run(scheme, clean, period="2019")
    keep = [u for u in run.result.units.index if u != "b"]
    run.result = xinyong.score(scheme, run.data.frame.loc[keep], unreported=run.data.unreported)
    run.invalid = (InvalidUnit("b", "乙区", "开发区", tuple(bad["b"])),)
    return run


def test_overview_lists_every_unit_with_its_state(run):
    from xinyong.report import Overview

    text = visible(Overview(run, {"b": "units/b.failed.html"}).roster().html)
    assert "共有 3 个单位：已评分 1 个，数据有误（未评分） 1 个，未报送 1 个" in text
    rows = " ".join(text.split())  # one row of the table: name, state, rank, total, what it means
    assert "丙市 未报送 — — 本期未报送数据" in rows and "乙区 数据有误（未评分） — — 1 处错误" in rows
    # the scored units are the ranking's; the complete list is folded under the table
    html = Overview(run).roster().html
    folded = " ".join(visible(html[html.index("<details"):].replace("<details", "<div", 1)).split())
    assert "甲市 已评分 1 7.80" in folded and "丙市 未报送" in folded and "乙区 数据有误（未评分）" in folded
    # the invalid unit's real error, with where it is
    assert "工作表=输入，行=5，列=C" in text and "条件A" in text and "也许" in text
    # 报送情况: who, when, problems; the hashes only folded
    assert "2020-01-06 11:30" in text and "条件A填写" in text
    assert HASH_A not in text and HASH_A in Overview(run).roster().html
    ranking = visible(Overview(run).ranking().html)
    assert "乙区" not in ranking and "未报送" in ranking


def test_unit_report_of_an_unreported_unit_says_so_first(run):
    from xinyong.report import UnitReport

    rep = UnitReport(run, "c")
    text = visible(rep.summary().html)
    assert text.strip().startswith("结论") and "未报送。" in text[:20] and "均为“未知”" in text
    assert "排名第" not in text
    assert set(rep.analysis.items()["status_zh"]) == {"未知（未报送）"}
    # its 0 points are nobody's median: 甲市's group is 甲市 alone
    assert "c" not in UnitReport(run, "a").group()


# ------------------------------------------------------------------------------------------ batch
def _batch(scheme_path, data, out, formats=("html",)):
    from xinyong.batch import run_batch

    return run_batch(scheme_path, "2019", data, out, jobs=1, progress=False, formats=formats)


@pytest.mark.slow
def test_batch_partly_invalid_lists_every_unit(scheme, tmp_path):
    """Done-when: “a partly invalid file lists every unit with its state” — through the batch, on the
    overview's visible text; the run index counts the units of each state."""
    s = _batch(MINI, workbook(scheme, tmp_path / "data" / "2019.xlsx"), tmp_path / "out")
    run_dir = tmp_path / "out" / "mini" / "2019"
    assert s.states == {"scored": 1, "invalid": 1, "unreported": 1}
    html = (run_dir / "overview.html").read_text(encoding="utf-8")
    ranking = " ".join(visible(html[html.index('class="xy-ranking"'):html.index('class="xy-roster"')]).split())
    roster = " ".join(visible(html[html.index('class="xy-roster"'):]).split())
    assert "1 甲市 城市 7.80" in ranking and "丙市 城市 未报送" in ranking
    assert "丙市 未报送 — —" in roster
    assert "乙区 数据有误（未评分） — — 1 处错误： 工作表=输入，行=5，列=C" in roster
    index = page_text((run_dir / "index.html").read_text(encoding="utf-8"))
    assert "3个：已评分1个，数据有误（未评分）1个，未报送1个" in index.replace(" ", "")
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["states"]["unreported"] == 1
    c_row = next(u for u in summary["units"] if u["id"] == "c")
    assert c_row["state_zh"] == "未报送" and c_row["total"] is None and c_row["rank"] is None  # never a 0
    c = visible(next((run_dir / "units").glob("c_*.html")).read_text(encoding="utf-8"))
    assert "未报送。" in c[:600]


@pytest.mark.slow
def test_batch_all_invalid_shows_the_real_errors(scheme, tmp_path):
    """Done-when: “an all-invalid file ... lists every unit with its state”: the overview is written (not a
    generic failure such as “文件中没有任何单位数据”) and names each unit's error and its cell."""
    s = _batch(MINI, workbook(scheme, tmp_path / "data" / "2019.xlsx", all_invalid=True), tmp_path / "out")
    run_dir = tmp_path / "out" / "mini" / "2019"
    assert s.run_error is None and s.states == {"scored": 0, "invalid": 3, "unreported": 0}
    assert s.overview["status"] == "empty"
    text = visible((run_dir / "overview.html").read_text(encoding="utf-8"))
    assert "没有任何单位数据" not in text and "本期没有可评分的单位" in text
    for name, where in (("甲市", "行=4，列=C"), ("乙区", "行=5，列=C"), ("丙市", "行=6，列=G")):
        assert name in text and where in text
    assert "很多" in text and "也许" in text
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="overview.html"' in index and "数据有误（未评分）3个" in page_text(index).replace(" ", "")
    # forwarded as Word too: the same units and cells (the batch's --format docx)
    import io

    from docx import Document


    rerun = _batch(MINI, tmp_path / "data" / "2019.xlsx", tmp_path / "out", formats=("html", "docx"))
    assert rerun.overview["status"] == "empty" and (run_dir / "overview.docx").is_file()
    assert rerun.overview.get("overview_docx") == "overview.docx"
    doc = Document(run_dir / "overview.docx")
    cells = " ".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    for name, where in (("甲市", "行=4，列=C"), ("乙区", "行=5，列=C"), ("丙市", "行=6，列=G")):
        assert name in cells and where in cells
    assert "本期没有可评分的单位" in [p.text for p in doc.paragraphs]


def test_word_overview_lists_every_unit_and_an_unreported_unit_says_so(run):
    import io

    from docx import Document

    from xinyong.report.analysis import UnitAnalysis
    from xinyong.report.docx import overview_docx

    doc = Document(io.BytesIO(overview_docx(run)))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "单位情况" in [p.text.split("、")[-1] for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert "乙区" in cells and "数据有误（未评分）" in cells and any("行=5，列=C" in c and "条件A" in c for c in cells)
    assert "未报送" in cells
    # the unit document's 结论 (unit_docx writes these lines first; the whole document costs a chart)
    lines = {u: UnitAnalysis(run, u).verdict_lines() for u in ("a", "c")}
    assert lines["c"][0].startswith("未报送。") and not lines["a"][0].startswith("未报送")


def test_the_notice_names_the_unreported_and_counts_the_invalid(run):
    from xinyong.report.notice import notice, notice_html

    n = notice(run)
    assert "其中 1 个单位未报送数据，1 个单位数据有误、未评分，已评分 1 个" in n.overall[0]
    assert dict(n.individual)["丙市"].startswith("本期未报送数据")
    text = page_text(notice_html(run))
    assert "— 丙市 （未报送） —" in text  # no rank, no score: 未报送 is not 0


def test_grade_shares_count_the_units_that_reported(run):
    from xinyong.report.analysis import OverviewAnalysis

    g = OverviewAnalysis(run).grades()
    assert g["n"].sum() == 1 and g["share"].sum() == pytest.approx(100)
