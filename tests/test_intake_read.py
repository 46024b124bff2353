"""Reading filled workbooks and CSVs: every problem named by file, sheet, row, column (issue 5).

Issue 5: "Every problem is reported, not just the first, as a table: file, sheet, row, column, the
value found, what was expected, in Chinese with an English detail beside it." Each bad file here is
built by the test from the template of tests/fixtures/mini.yaml. Layout of the 输入 sheet: A unit_id,
B npl_rate (%), C has_a (是/否), D has_b, E approved (整数), F total_depts, G share (%), H events;
unit a (城市) on row 4, unit b (开发区) on row 5.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import xinyong
from xinyong.cli import main
from xinyong.errors import InputError
from xinyong.intake import UnitRow, build_template, read_inputs

from conftest import MINI

UNITS = [UnitRow("a", "示例甲市", "城市"), UnitRow("b", "示例开发区", "开发区")]
GOOD_A = {"B4": 2.6, "C4": "是", "D4": "否", "E4": 3, "F4": 4, "G4": 75, "H4": 2}


@pytest.fixture(scope="module")
def scheme():
    return xinyong.load_scheme(MINI)


def make(tmp_path, scheme, cells=None, edit=None, units=UNITS, name="f.xlsx"):
    """The template with ``cells`` ({"输入!B4": value} or {"B4": value} for 输入) filled in."""
    wb = build_template(scheme, "2019", units)
    for ref, v in (cells or {}).items():
        sheet, _, cell = ref.rpartition("!")
        wb[sheet or "输入"][cell] = v
    if edit:
        edit(wb)
    p = tmp_path / name
    wb.save(p)  # a department's file, written by openpyxl: a formula stays a formula
    return p


def at(res, sheet, cell, severity="error"):
    """Problems at one cell (sheet None for CSV)."""
    col = "".join(ch for ch in cell if ch.isalpha())
    row = int("".join(ch for ch in cell if ch.isdigit())) if any(ch.isdigit() for ch in cell) else None
    hits = [p for p in res.problems if p.sheet == sheet and p.column == (col or None) and p.row == row
            and p.severity == severity]
    assert hits, f"no {severity} at {sheet}!{cell}; got {[(p.sheet, p.column, p.row, p.message) for p in res.problems]}"
    return hits[0]


# ------------------------------------------------------------------ round trip
def test_round_trip_fill_validate_score(tmp_path, scheme):
    p = make(tmp_path, scheme, {**GOOD_A, "评审!E2": 1.5, "评审!F2": "材料齐全，酌情给 1.5 分",
                                "证据!A2": "mini.2.2", "证据!B2": "a", "证据!C2": "示例市信用工作总结",
                                "证据!D2": "https://example.org/a.pdf", "证据!E2": "2019-12-31"})
    res = read_inputs(scheme, p, strict=True)
    assert res.problems == [] and res.ok
    f = res.frame
    assert f.at["a", "unit_name"] == "示例甲市" and f.at["b", "unit_kind"] == "开发区"
    assert f.at["a", "has_a"] == 1.0 and f.at["a", "has_b"] == 0.0
    assert math.isnan(f.at["b", "npl_rate"])  # blank stays missing
    assert f.at["a", "why:mini.2.2"] == "材料齐全，酌情给 1.5 分"
    assert res.evidence.to_dict("records")[0] == {"item": "mini.2.2", "unit_id": "a", "title": "示例市信用工作总结",
                                                  "link": "https://example.org/a.pdf", "date": "2019-12-31",
                                                  "sheet_row": 2}
    r = xinyong.score(scheme, f)
    pts, st = r.points.loc["a"], r.status.loc["a"].astype(str)
    assert pts["mini.1.1"] == pytest.approx(2 / 3 * (5 - 2.6))  # piecewise 2 <= x < 5
    assert pts["mini.1.2"] == 0.0  # has_b 否
    assert pts["mini.1.3"] == pytest.approx(3 / 4 * 2)
    assert pts["mini.2.2"] == 1.5 and st["mini.2.2"] == "scored"
    assert st["mini.2.3"] == "pending_judgement"
    assert (r.status.loc["b"].astype(str) != "scored").all()


# ------------------------------------------------------------------ units
def test_duplicate_unit_id_in_units_sheet(tmp_path, scheme):
    p = make(tmp_path, scheme, {"单位!A4": "a", "单位!B4": "重复的市", "单位!C4": "城市"})
    res = read_inputs(scheme, p)
    prob = at(res, "单位", "A4")
    assert prob.message == "单位编号“a”重复（第 2 行已有）" and prob.value == "a"
    assert prob.file == str(p) and prob.detail == "duplicate unit id 'a'"


def test_unknown_unit_id_in_inputs_sheet(tmp_path, scheme):
    p = make(tmp_path, scheme, {"A6": "aa", "B6": 3})
    res = read_inputs(scheme, p)
    prob = at(res, "输入", "A6")
    assert prob.message == "单位编号“aa”不在“单位”表中（是否为“a”？）"
    assert "aa" not in res.frame.index


def test_duplicate_unit_row_in_inputs_sheet(tmp_path, scheme):
    p = make(tmp_path, scheme, {"A6": "a", "B6": 3})
    prob = at(read_inputs(scheme, p), "输入", "A6")
    assert prob.message == "单位编号“a”重复（第 4 行已有）"


def test_unknown_unit_kind(tmp_path, scheme):
    p = make(tmp_path, scheme, {"单位!C2": "城区"})
    prob = at(read_inputs(scheme, p), "单位", "C2")
    assert prob.message.startswith("未知的单位类型“城区”") and prob.expected == "城市、开发区"


# ------------------------------------------------------------------ columns
def test_unknown_input_column_with_did_you_mean(tmp_path, scheme):
    p = make(tmp_path, scheme, {"I1": "npl_rat", "I4": 1, "J1": "诚信分覆盖率"})
    res = read_inputs(scheme, p)
    prob = at(res, "输入", "I1")
    assert prob.message == "未知的输入列“npl_rat”（是否为“npl_rate”？）" and prob.input == "npl_rat"
    assert "did you mean 'npl_rate'" in prob.detail
    # a Chinese label typed in the id row points to the input id
    assert at(res, "输入", "J1").message == "未知的输入列“诚信分覆盖率”（是否为“share”？）"


def test_missing_input_column_is_a_note_not_silence(tmp_path, scheme):
    p = make(tmp_path, scheme, edit=lambda wb: wb["输入"].delete_cols(8))  # drop events
    res = read_inputs(scheme, p)
    assert res.ok
    note = at(res, "输入", "1", severity="note")
    assert note.message == "缺少 1 个输入列，这些输入按缺失处理：events"
    assert res.frame["events"].isna().all()


# ------------------------------------------------------------------ values
def test_text_in_number_column(tmp_path, scheme):
    p = make(tmp_path, scheme, {**GOOD_A, "B4": "三"})
    res = read_inputs(scheme, p)
    prob = at(res, "输入", "B4")
    assert prob.message == "“不良贷款率”：应为数值，“三”不是数字"
    assert (prob.input, prob.unit, prob.value, prob.expected) == ("npl_rate", "a", "三", "0 到 100 之间的数（%）")
    assert math.isnan(res.frame.at["a", "npl_rate"])


def test_errors_are_all_collected(tmp_path, scheme):
    p = make(tmp_path, scheme, {**GOOD_A, "B4": "三", "E4": 2.5, "H4": -1, "C4": "也许", "B5": 120})
    res = read_inputs(scheme, p)
    where = sorted((p.column, p.row) for p in res.errors)
    assert where == [("B", 4), ("B", 5), ("C", 4), ("E", 4), ("H", 4)]
    assert at(res, "输入", "E4").message == "“已实施部门数”：应为整数"
    assert at(res, "输入", "H4").message == "“失信事件数”：超出允许范围"
    assert at(res, "输入", "B5").message == "“不良贷款率”：超出允许范围"
    assert at(res, "输入", "C4").message == "“条件A”：应填“是”或“否”"
    with pytest.raises(InputError) as ei:
        read_inputs(scheme, p, strict=True)
    assert len(ei.value.problems) == 5 and "5 处错误" in ei.value.message


def test_percent_sign_accepted_with_note(tmp_path, scheme):
    p = make(tmp_path, scheme, {**GOOD_A, "G4": "95%"})
    res = read_inputs(scheme, p)
    assert res.ok
    note = at(res, "输入", "G4", severity="note")
    assert note.message == "“诚信分覆盖率”：“95%”按百分数读取为 95"
    assert res.frame.at["a", "share"] == 95.0


def test_percent_formatted_cell_read_as_percent_number(tmp_path, scheme):
    def fmt(wb):
        wb["输入"]["G4"] = 0.95
        wb["输入"]["G4"].number_format = "0%"

    res = read_inputs(scheme, make(tmp_path, scheme, GOOD_A, edit=fmt))
    assert res.ok and res.frame.at["a", "share"] == 95.0
    assert at(res, "输入", "G4", severity="note").message == "“诚信分覆盖率”：单元格为百分比格式，已按 95% 读取为 95"


def test_bare_fraction_in_percent_column_is_noted_not_coerced(tmp_path, scheme):
    p = make(tmp_path, scheme, {**GOOD_A, "G4": 0.95, "G5": 80})
    res = read_inputs(scheme, p)
    assert res.ok
    note = at(res, "输入", "G4", severity="note")
    assert note.message.startswith("“诚信分覆盖率”：0.95 可能是小数形式")
    assert res.frame.at["a", "share"] == 0.95  # left as is
    assert not [n for n in res.notes if n.row == 5]


def test_percent_sign_in_non_percent_column_is_an_error(tmp_path, scheme):
    p = make(tmp_path, scheme, {**GOOD_A, "E4": "3%"})
    assert at(read_inputs(scheme, p), "输入", "E4").message == "“已实施部门数”：该输入不是百分比，不应带 % 号"


# ------------------------------------------------------------------ judgement
def test_judgement_above_cap(tmp_path, scheme):
    p = make(tmp_path, scheme, {"评审!E2": 3, "评审!F2": "很好"})
    prob = at(read_inputs(scheme, p), "评审", "E2")
    assert prob.message == "条目 mini.2.2 的评审得分 3 超过满分 2" and prob.expected == "0 到 2 之间"


def test_judgement_without_justification(tmp_path, scheme):
    p = make(tmp_path, scheme, {"评审!E3": 1})
    res = read_inputs(scheme, p)
    prob = at(res, "评审", "F3")
    assert prob.message == "条目 mini.2.3 有评审得分但没有填写理由，得分不予采用"
    assert math.isnan(res.frame.at["a", "judge:mini.2.3"])


def test_unknown_and_rule_items_in_judgement_sheet(tmp_path, scheme):
    p = make(tmp_path, scheme, {"评审!A6": "a", "评审!B6": "mini.2.22", "评审!E6": 1, "评审!F6": "x",
                                "评审!A7": "a", "评审!B7": "mini.1.1", "评审!E7": 1, "评审!F7": "x"})
    res = read_inputs(scheme, p)
    assert at(res, "评审", "B6").message == "未知的条目编号“mini.2.22”（是否为“mini.2.2”？）"
    assert at(res, "评审", "B7").message == "条目 mini.1.1 不是酌情评分条目（按规则计分），不应在“评审”表填写"


def test_reason_without_points_is_pending_with_note(tmp_path, scheme):
    res = read_inputs(scheme, make(tmp_path, scheme, {"评审!F2": "材料尚未收齐"}))
    assert res.ok
    assert at(res, "评审", "F2", severity="note").message == "条目 mini.2.2 填了理由但没有得分，按“待评审”处理"
    r = xinyong.score(scheme, res.frame)
    assert str(r.status.at["a", "mini.2.2"]) == "pending_judgement"


# ------------------------------------------------------------------ evidence
def test_evidence_problems(tmp_path, scheme):
    p = make(tmp_path, scheme, {"证据!A2": "mini.9", "证据!B2": "a", "证据!C2": "标题", "证据!D2": "x.pdf",
                                "证据!E2": "去年"})
    res = read_inputs(scheme, p)
    assert at(res, "证据", "A2").message.startswith("未知的条目编号“mini.9”")
    assert at(res, "证据", "E2").message == "日期无法识别"
    assert res.evidence.empty


# ------------------------------------------------------------------ structure
def test_missing_sheet(tmp_path, scheme):
    p = make(tmp_path, scheme, edit=lambda wb: wb.remove(wb["证据"]))
    res = read_inputs(scheme, p)
    prob = [x for x in res.errors if x.sheet == "证据"][0]
    assert prob.message == "缺少工作表“证据”" and prob.row is None


def test_renamed_sheet_gets_a_suggestion(tmp_path, scheme):
    def rename(wb):
        wb["输入"].title = "输入表"

    prob = [x for x in read_inputs(scheme, make(tmp_path, scheme, edit=rename)).errors if x.sheet == "输入"][0]
    assert prob.message == "缺少工作表“输入”（是否为“输入表”？）"


def test_workbook_for_another_scheme(tmp_path, scheme):
    prob = at(read_inputs(scheme, make(tmp_path, scheme, {"说明!B2": "quzhou"})), "说明", "B2")
    assert prob.message == "该文件是方案“quzhou”的填报表，不能按方案“mini”校验"


@pytest.mark.parametrize("content, message", [
    (b"", "文件为空"),
    (b"unit_id,npl_rate\na,1\n", "文件不是 Excel 工作簿（.xlsx）；看起来是文本文件，如果是 CSV 请把扩展名改为 .csv"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "这是旧版 Excel 97-2003（.xls）文件，请在 Excel 中另存为 .xlsx 后再提交"),
    (b"PK\x03\x04 broken zip", "文件不是有效的 Excel 工作簿（.xlsx），无法打开"),
])
def test_not_a_workbook(tmp_path, scheme, content, message):
    p = tmp_path / "bad.xlsx"
    p.write_bytes(content)
    res = read_inputs(scheme, p)
    assert [x.message for x in res.problems] == [message]
    assert res.problems[0].file == str(p) and res.frame.empty


def test_formula_refused_never_evaluated(tmp_path, scheme):
    p = make(tmp_path, scheme, {**GOOD_A, "B4": "=1+1"})
    res = read_inputs(scheme, p)
    prob = at(res, "输入", "B4")
    assert prob.message == "单元格含有公式；程序不计算公式，请复制后“选择性粘贴为数值”"
    assert prob.value == "=1+1"
    assert math.isnan(res.frame.at["a", "npl_rate"])
    assert len([x for x in res.errors if x.column == "B" and x.row == 4]) == 1  # not also "not a number"


def test_merged_cells_refused(tmp_path, scheme):
    p = make(tmp_path, scheme, {**GOOD_A}, edit=lambda wb: wb["输入"].merge_cells("C4:D4"))
    prob = at(read_inputs(scheme, p), "输入", "C4")
    assert prob.message == "不能使用合并单元格（C4:D4），请取消合并并在每个单元格填写"


# ------------------------------------------------------------------ CSV
CSV_TEXT = "unit_id,unit_name,unit_kind,npl_rate,has_a,share\na,示例甲市,城市,2.6,是,95%\nb,示例开发区,开发区,,否,60\n"


@pytest.mark.parametrize("encoding, detected", [("gbk", "gb18030"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")])
def test_csv_encodings(tmp_path, scheme, encoding, detected):
    p = tmp_path / "in.csv"
    p.write_bytes(CSV_TEXT.encode(encoding))
    res = read_inputs(scheme, p)
    assert res.ok and res.encoding == detected
    assert res.frame.at["a", "unit_name"] == "示例甲市" and res.frame.at["b", "unit_kind"] == "开发区"
    assert res.frame.at["a", "share"] == 95.0 and res.frame.at["a", "has_a"] == 1.0
    assert math.isnan(res.frame.at["b", "npl_rate"])
    note = at(res, None, "F2", severity="note")
    assert note.message == "“诚信分覆盖率”：“95%”按百分数读取为 95"


def test_csv_exported_from_inputs_sheet_skips_label_rows(tmp_path, scheme):
    text = ("unit_id,npl_rate,unit_kind\n单位编号,不良贷款率,单位类型\n必填，与“单位”表一致,% [0, 100],\n"
            "a,3.5,城市\n")
    p = tmp_path / "in.csv"
    p.write_bytes(text.encode("gb18030"))
    res = read_inputs(scheme, p)
    assert res.ok, res.table()
    assert list(res.frame.index) == ["a"] and res.frame.at["a", "npl_rate"] == 3.5


def test_csv_errors_name_row_and_column(tmp_path, scheme):
    text = "unit_id,unit_kind,npl_rat,judge:mini.2.2,why:mini.2.2\na,城市,1,3,太多\n,城市,2,,\n"
    p = tmp_path / "in.csv"
    p.write_text(text, encoding="utf-8")
    res = read_inputs(scheme, p)
    assert at(res, None, "C1").message == "未知的输入列“npl_rat”（是否为“npl_rate”？）"
    assert at(res, None, "D2").message == "条目 mini.2.2 的评审得分 3 超过满分 2"
    assert at(res, None, "A3").message == "单位编号为空，但该行有数据"


def test_empty_csv(tmp_path, scheme):
    p = tmp_path / "in.csv"
    p.write_text("unit_id,npl_rate\n", encoding="utf-8")
    assert [x.message for x in read_inputs(scheme, p).errors] == ["文件中没有任何单位数据"]


# ------------------------------------------------------------------ CLI
def test_cli_validate_exit_codes(tmp_path, scheme, capsys):
    good = make(tmp_path, scheme, {**GOOD_A, "G4": "95%"}, name="good.xlsx")
    assert main(["validate", str(MINI), str(good)]) == 0  # a note does not fail
    out = capsys.readouterr().out
    assert "校验通过" in out and "1 个提示" in out
    bad = make(tmp_path, scheme, {**GOOD_A, "B4": "三"}, name="bad.xlsx")
    problems = tmp_path / "problems.csv"
    assert main(["validate", str(MINI), str(bad), "--csv", str(problems), "--lang", "en"]) == 2
    out = capsys.readouterr().out
    assert "校验未通过：1 个错误" in out and "输入!B4" in out
    import pandas as pd

    df = pd.read_csv(problems, encoding="utf-8-sig")
    assert df.loc[0, ["sheet", "row", "column", "input"]].tolist() == ["输入", 4, "B", "npl_rate"]
