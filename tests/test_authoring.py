"""Issue 12: a scheme written from a short source text (tests/fixtures/authoring/source.txt →
shifan.yaml, the worked example of docs/SCHEMES.md) uses every construct of the issue — a deduction
with “最高扣”, a section capped (“本部分最高不超过40分”) and one floored (“本部分扣完为止”), the bonus cap
(“附加分最高5分”), a veto with its stated consequence, cross-input checks, quotes checked against the
source file — and is scored to totals computed here by hand from the clauses of source.txt.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import xinyong
from xinyong.intake import read_inputs
from xinyong.scoring.scheme_audit import check_quotes, check_scheme

HERE = Path(__file__).parent / "fixtures" / "authoring"
SCHEME = HERE / "shifan.yaml"
UNITS = HERE / "units.csv"

# By hand, clause by clause (source.txt line in brackets):
#   1.1 [9]  20 − 0.5×迟报条数, 最高扣5分      1.2 [10] 10 − ⌊95 − 归集率⌋ (达到95%满分)
#   2.1 [12] 承诺/审批×25                       2.2 [13] 核查次数×1, 最高20       2 [11] 合计最高40
#   3.1 [15] 20 − 10×未整改 − 5×已整改          3 [14] 扣完为止 (≥ 0)
#   4.1 [17] 酌情计分 (assessor's points)       5 [18] 3×推广 (≤6) + 媒体 (≤4), 附加分最高5 [3]
HAND = {
    # 甲局: 20−2=18; 10−⌊2.5⌋=8; 18/20×25=22.5; 30→20; 42.5→40; 20; 8; bonus 3+3=6→5
    "jia": dict(items={"1.1": 18, "1.2": 8, "2.1": 22.5, "2.2": 20, "3.1": 20, "4.1": 8, "5.1": 3, "5.2": 3},
                sections={"1": 26, "2": 40, "3": 20, "4": 8, "5": 6}, base=94, bonus=5, total=99, grade="优秀", rank=1),
    # 乙局: 20; 10; 25; 15; 40; 1 event not rectified: 20−10=10; 9; bonus 0+4=4. 89+4 = 93, but the
    # veto [6] “考核等次定为不合格，不参加排名”: 不合格, after every ranked unit
    "yi": dict(items={"1.1": 20, "1.2": 10, "2.1": 25, "2.2": 15, "3.1": 10, "4.1": 9, "5.1": 0, "5.2": 4},
               sections={"1": 30, "2": 40, "3": 10, "4": 9, "5": 4}, base=89, bonus=4, total=93, grade="不合格", rank=4),
    # 丙局: 12 late → 6, 最高扣5 → 15; 10−5=5; 5/20×25=6.25; 10; 16.25; 5 rectified: 20−25 = −5, 扣完为止 → 0;
    # 6; bonus 6+0 = 6 → 5. 20 + 16.25 + 0 + 6 = 42.25, + 5 = 47.25
    "bing": dict(items={"1.1": 15, "1.2": 5, "2.1": 6.25, "2.2": 10, "3.1": -5, "4.1": 6, "5.1": 6, "5.2": 0},
                 sections={"1": 20, "2": 16.25, "3": 0, "4": 6, "5": 6}, base=42.25, bonus=5, total=47.25,
                 grade="不合格", rank=3),
    # 丁局: 19; 10; 20; 12; 32; 2 rectified: 20−10 = 10; 7; bonus 1. 78 + 1 = 79
    "ding": dict(items={"1.1": 19, "1.2": 10, "2.1": 20, "2.2": 12, "3.1": 10, "4.1": 7, "5.1": 0, "5.2": 1},
                 sections={"1": 29, "2": 32, "3": 10, "4": 7, "5": 1}, base=78, bonus=1, total=79, grade="良好", rank=2),
}


@pytest.fixture(scope="module")
def result():
    scheme = xinyong.load_scheme(SCHEME)
    intake = read_inputs(scheme, UNITS, strict=True)
    return xinyong.score(scheme, intake.frame)


def test_totals_by_hand(result):
    for unit, want in HAND.items():
        for item, pts in want["items"].items():
            assert result.points.at[unit, f"shifan.{item}"] == pytest.approx(pts), (unit, item)
        for sec, pts in want["sections"].items():
            assert result.sections.at[unit, f"shifan.{sec}"] == pytest.approx(pts), (unit, sec)
        u = result.unit(unit)
        assert (u.base_total, u.bonus, u.total) == pytest.approx((want["base"], want["bonus"], want["total"])), unit
        assert (u["grade"], u["rank"]) == (want["grade"], want["rank"]), unit


def test_caps_are_said_in_words(result):
    caps = {(c["target"], c["raw"], c["points"]) for c in result.cap_rows("bing")}
    assert caps == {("shifan.3", -5, 0), ("@bonus", 6, 5)}
    assert {c["target"] for c in result.cap_rows("jia")} == {"shifan.2", "@bonus"}
    assert "最多扣 5（已达最多扣分）" in result.computation("bing", "shifan.1.1")


def test_the_veto_says_what_it_does(result):
    """[6] “实行一票否决，考核等次定为不合格，不参加排名”: 乙局 has 93 points, 优秀 by score."""
    u = result.unit("yi")
    assert u.total == 93 and u.grade == "不合格" and not u.ranked
    assert u.verdict == "未通过“政务失信一票否决”：等级定为“不合格”，不参加排名"


def test_check_finds_nothing_and_every_quote_is_on_its_line():
    s = xinyong.load_scheme(SCHEME)
    assert check_scheme(s) == []  # 100 = 30+40(capped)+20+10; bonus 10 capped to the declared 5
    assert check_quotes(s) == ([], [])


def test_check_flags_a_wrong_quote(tmp_path, capsys):
    """A quote changed (扣0.5分 → 扣1分) and one on the wrong line are both reported by `xinyong check`."""
    shutil.copy(HERE / "source.txt", tmp_path / "source.txt")
    text = SCHEME.read_text(encoding="utf-8")
    text = text.replace("迟报、错报的每条扣0.5分，最高扣5分。}", "迟报、错报的每条扣1分，最高扣5分。}")
    text = text.replace("{file: source.txt, line: 13, quote: 每开展一次", "{file: source.txt, line: 12, quote: 每开展一次")
    (tmp_path / "shifan.yaml").write_text(text, encoding="utf-8")
    found, unchecked = check_quotes(xinyong.load_scheme(tmp_path / "shifan.yaml"))
    assert unchecked == []
    by = {f.target: f for f in found}
    assert set(by) == {"shifan.1.1", "shifan.2.2"}
    assert by["shifan.1.1"].code == "quote_missing" and "该行为：“1．“双公示”信息报送" in by["shifan.1.1"].message
    assert by["shifan.2.2"].code == "quote_mismatch" and "而在第13行" in by["shifan.2.2"].message
    from xinyong.cli import main

    assert main(["check", str(tmp_path / "shifan.yaml")]) == 1
    out = capsys.readouterr().out
    assert "[quote_missing] shifan.1.1" in out and "[quote_mismatch] shifan.2.2" in out


def test_check_says_which_source_files_it_could_not_read(tmp_path, capsys):
    shutil.copy(SCHEME, tmp_path / "shifan.yaml")  # no source.txt beside it
    assert check_quotes(xinyong.load_scheme(tmp_path / "shifan.yaml")) == ([], ["source.txt"])
    from xinyong.cli import main

    assert main(["check", str(tmp_path / "shifan.yaml")]) == 0
    assert "引文未核对：来源文件 source.txt 不在方案文件旁" in capsys.readouterr().out


# ------------------------------------------------------------------------------ cross-input checks
def bad_csv(tmp_path) -> Path:
    """乙局 reports 5 rectified of 1 event (source.txt line 22: “已整改到位的政务失信事件数不得多于政务失信事件数”);
    丁局 400 inspections (a warning only)."""
    text = UNITS.read_text(encoding="utf-8").replace("yi,乙局,0,99,20,20,15,1,0,", "yi,乙局,0,99,20,20,15,1,5,")
    text = text.replace("ding,丁局,2,95,20,16,12,", "ding,丁局,2,95,20,16,400,")
    p = tmp_path / "units.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_a_violated_check_is_located_at_both_cells(tmp_path):
    res = read_inputs(xinyong.load_scheme(SCHEME), bad_csv(tmp_path))
    (err,) = res.errors
    # header row 1, 乙局 on row 3; gov_events is column H, gov_events_rectified column I
    assert (err.unit, err.row, err.column, err.input, err.value) == ("yi", 3, "I", "gov_events_rectified", 5)
    assert err.message == ("已整改到位的政务失信事件数不能多于政务失信事件数：“已整改到位的政务失信事件数”（I3）= 5，"
                           "“政务失信事件数”（H3）= 1")
    (note,) = [p for p in res.notes if p.unit == "ding"]
    assert "请核实是否填错" in note.message and "（G5）= 400" in note.message


def test_validate_reports_the_check_and_fails(tmp_path, capsys):
    from xinyong.cli import main

    assert main(["validate", str(SCHEME), str(bad_csv(tmp_path))]) != 0
    out = capsys.readouterr().out
    assert "units.csv：1 个错误，1 个提示" in out and "校验未通过：1 个错误，1 个提示。" in out  # the check, the warning


def test_checks_on_a_frame_without_cells():
    """Scoring code and notebooks that hold a DataFrame, not a file: violations with unit and inputs."""
    import pandas as pd

    from xinyong.scoring.input_checks import check_inputs

    s = xinyong.load_scheme(SCHEME)
    frame = pd.DataFrame({"gov_events": [2, 2, None], "gov_events_rectified": [5, 2, 9],
                          "commit_items": [1, 30, 1], "approval_items": [20, 20, 20]}, index=["a", "b", "c"])
    got = {(v.unit, v.check, v.inputs, v.values) for v in check_inputs(s, frame)}
    assert got == {("a", "shifan.check.rectified", ("gov_events_rectified", "gov_events"), (5.0, 2.0)),
                   ("b", "shifan.check.commit", ("commit_items", "approval_items"), (30.0, 20.0))}  # c: missing → unchecked


# ------------------------------------------------------------------------------ one verdict everywhere
@pytest.mark.slow
def test_the_vetoed_unit_has_one_grade_in_every_output(tmp_path, result):
    """乙局 (93 points, vetoed: “考核等次定为不合格，不参加排名”) is 不合格 and last in ScoreResult.units, in
    summary.json and scores.xlsx of a batch, in the run's index.html, its unit report and the overview."""
    import json
    import re

    import openpyxl

    from xinyong.batch import run_batch

    s = run_batch(SCHEME, "2024", UNITS, tmp_path / "out", jobs=2, progress=False)
    assert s.exit_code == 0, [(u.id, u.error) for u in s.failed]
    run = tmp_path / "out" / "shifan" / "2024"
    want = {u: (result.units.at[u, "grade"], int(result.units.at[u, "rank"])) for u in HAND}
    assert want["yi"] == ("不合格", 4)
    js = {u["id"]: (u["grade"], u["rank"]) for u in json.loads((run / "summary.json").read_text(encoding="utf-8"))["units"]}
    assert js == want
    ws = openpyxl.load_workbook(run / "scores.xlsx")["得分"]
    head = [c.value for c in ws[1]]
    rows = {r[head.index("单位编号")]: (r[head.index("等级")], r[head.index("排名")]) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows == {**want, "yi": ("不合格", "不参加排名")}  # listed 4th, but that place is not a rank
    index = (run / "index.html").read_text(encoding="utf-8")
    assert re.search(r"乙局.*?不合格", index, re.S)
    page = (run / s.unit("yi").html).read_text(encoding="utf-8")
    assert 'data-grade="不合格"' in page and "等级定为“不合格”，不参加排名" in page
    assert 'data-rank="不参加排名"' in page and "排名第" not in page
    assert "附加分上限" in (run / s.unit("jia").html).read_text(encoding="utf-8")  # the bonus cap, in words


def test_the_batch_stops_only_the_unit_that_breaks_a_check(tmp_path):
    """An error of a check is a problem of one unit: the batch's reader sets that unit apart (its
    report fails alone) and hands the notebooks a copy of the file without its row."""
    from xinyong.batch.prepare import read_period

    got = read_period(xinyong.load_scheme(SCHEME), "2024", bad_csv(tmp_path), tmp_path / "work")
    assert list(got.bad) == ["yi"] and "已整改到位的政务失信事件数不能多于" in got.bad["yi"][0].message
    assert got.path != got.source and "乙局" not in got.path.read_text(encoding="utf-8")


def test_a_score_result_carries_the_violations():
    """Notebooks and scripts that score a DataFrame see the broken checks in ``ScoreResult.violations``."""
    import pandas as pd

    frame = read_inputs(xinyong.load_scheme(SCHEME), UNITS, strict=True).frame.copy()
    frame.loc["yi", "gov_events_rectified"] = 5
    v = xinyong.score(SCHEME, frame).violations
    assert v[["unit", "check", "severity"]].values.tolist() == [["yi", "shifan.check.rectified", "error"]]
    assert v.iloc[0]["values"] == (5.0, 1.0)
    assert xinyong.score(SCHEME, read_inputs(SCHEME, UNITS).frame).violations.empty


def test_a_clause_over_two_lines_is_quoted_across_them(tmp_path):
    """A clause that wraps in the source text (most real tables do): `line` and `end_line`, the quote as one
    text. It must start on the first line, end on the last and so run through every line of the span; a
    quote that sits on one line only, or does not join across the break, is reported."""
    shutil.copy(HERE / "source.txt", tmp_path / "source.txt")
    text = SCHEME.read_text(encoding="utf-8")
    # 12: “3．信用承诺（25分）。得分=…×25。” 13: “4．信用核查（20分）。每开展一次…”
    spans = {
        "good": "line: 12, end_line: 13, quote: 审批事项总数×25。4．信用核查",
        "one_line": "line: 12, end_line: 13, quote: 审批事项总数×25。",
        "no_join": "line: 12, end_line: 13, quote: 审批事项总数×25 4．信用核查",
    }
    found = {}
    for name, src in spans.items():
        t = text.replace("line: 12, quote: 得分=已实施信用承诺的审批事项数/审批事项总数×25。", src)
        assert t != text
        (tmp_path / "shifan.yaml").write_text(t, encoding="utf-8")
        found[name] = [f for f in check_quotes(xinyong.load_scheme(tmp_path / "shifan.yaml"))[0] if f.target == "shifan.2.1"]
    assert found["good"] == []
    assert found["one_line"] and "到第13行结束" in found["one_line"][0].message
    assert found["no_join"] and "找不到" in found["no_join"][0].message


def test_end_line_needs_a_line_before_it(tmp_path):
    text = SCHEME.read_text(encoding="utf-8").replace(
        "line: 12, quote: 得分=已实施信用承诺的审批事项数/审批事项总数×25。", "line: 12, end_line: 11, quote: 得分")
    (tmp_path / "shifan.yaml").write_text(text, encoding="utf-8")
    from xinyong.errors import SchemeError

    with pytest.raises(SchemeError) as ei:
        xinyong.load_scheme(tmp_path / "shifan.yaml")
    assert "end_line" in ei.value.message
