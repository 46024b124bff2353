"""The fill-in workbook: sheets, headers, validations, and the untouched round trip (issue 5).

Issue 5: "reading an untouched template gives every item the status `missing_input`, never 0."
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pytest

import xinyong
from xinyong.cli import main
from xinyong.intake import UnitRow, build_template, read_inputs, save_workbook, workbook_bytes, write_template
from xinyong.intake.template import judgement_slots, ordered_inputs

from conftest import MINI

UNITS = [UnitRow("a", "示例甲市", "城市"), UnitRow("b", "示例开发区", "开发区")]


@pytest.fixture(scope="module")
def scheme():
    return xinyong.load_scheme(MINI)


@pytest.fixture
def book(tmp_path, scheme):
    p = write_template(scheme, tmp_path / "t.xlsx", period="2019", units=UNITS)
    return openpyxl.load_workbook(p)


def test_sheets_and_readme(book):
    assert book.sheetnames == ["说明", "单位", "输入", "评审", "证据"]
    ws = book["说明"]
    assert (ws["A2"].value, ws["B2"].value) == ("方案编号", "mini")
    assert (ws["A3"].value, ws["B3"].value) == ("考核期", "2019")
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    assert "留空表示“缺失”" in text and "绝不会按 0 分计算" in text
    assert "95 表示 95%" in text


def test_units_sheet_has_kind_list(book):
    ws = book["单位"]
    assert [c.value for c in ws[1]] == ["单位编号", "单位名称", "单位类型"]
    assert [c.value for c in ws[2]] == ["a", "示例甲市", "城市"]
    dvs = ws.data_validations.dataValidation
    assert len(dvs) == 1 and dvs[0].type == "list" and dvs[0].formula1 == '"城市,开发区"'
    assert "C2" in dvs[0].sqref


def test_inputs_sheet_header_rows_and_freeze(book, scheme):
    ws = book["输入"]
    ids = [c.value for c in ws[1]]
    assert ids[0] == "unit_id"
    assert set(ids[1:]) == set(scheme.input_catalogue)
    col = {v: openpyxl.utils.get_column_letter(j) for j, v in enumerate(ids, 1)}
    assert ws[f"{col['npl_rate']}2"].value == "不良贷款率"
    assert ws[f"{col['npl_rate']}3"].value == "0 到 100 之间的数（%）"
    assert ws[f"{col['has_a']}3"].value == "是/否"
    assert ws[f"{col['approved']}3"].value == "不小于 0 的整数（个）"
    assert ws.freeze_panes == "B4"
    assert [ws["A4"].value, ws["A5"].value] == ["a", "b"]
    by_type = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            by_type[rng.coord.split(":")[0]] = dv
    bool_dv = by_type[f"{col['has_a']}4"]
    assert bool_dv.type == "list" and bool_dv.formula1 == '"是,否"'
    pct = by_type[f"{col['npl_rate']}4"]
    assert (pct.type, pct.operator, pct.formula1, pct.formula2) == ("decimal", "between", "0", "100")
    whole = by_type[f"{col['approved']}4"]
    assert (whole.type, whole.operator, whole.formula1) == ("whole", "greaterThanOrEqual", "0")


def test_inputs_in_document_order(scheme):
    assert [s.id for s in ordered_inputs(scheme)] == ["npl_rate", "has_a", "has_b", "approved", "total_depts",
                                                     "share", "events"]


def test_judgement_sheet_prefilled_per_unit_and_item(book):
    rows = [list(r) for r in book["评审"].iter_rows(values_only=True)]
    assert rows[0] == ["单位编号", "条目编号", "条目名称", "满分", "得分", "理由"]
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [("a", "mini.2.2", 2), ("a", "mini.2.3", 2),
                                                     ("b", "mini.2.2", 2), ("b", "mini.2.3", 2)]
    assert all(r[4] is None and r[5] is None for r in rows[1:])


def test_judgement_slots_follow_variants(scheme):
    slots = judgement_slots(scheme)
    assert set(slots["城市"]) == {"mini.2.2", "mini.2.3"} == set(slots["开发区"])
    assert slots["城市"]["mini.2.2"].cap == 2.0


def test_evidence_sheet_headers(book):
    assert [c.value for c in book["证据"][1]] == ["条目编号", "单位编号", "文件标题", "文件名或链接", "日期"]


def test_untouched_template_is_missing_never_zero(tmp_path, scheme):
    """Issue 5: an untouched template reads back with every item missing_input / pending_judgement."""
    p = write_template(scheme, tmp_path / "t.xlsx", period="2019", units=UNITS)
    res = read_inputs(scheme, p)
    assert res.ok, res.table()
    assert res.problems == []
    r = xinyong.score(scheme, res.frame)
    st = r.status.astype(str)
    judged = {"mini.2.2", "mini.2.3"}
    for item in st.columns:
        want = "pending_judgement" if item in judged else "missing_input"
        assert st.at["a", item] == want, item
        # mini.1.2 does not apply to 开发区 (variant), everything else is unknown for b too
        assert st.at["b", item] == ("not_applicable" if item == "mini.1.2" else want), item
    assert r.points.isna().all().all()
    assert (r.units["unknown_points"] == r.units["max_applicable"]).all()


def test_template_without_units_reads_as_no_units(tmp_path, scheme):
    p = write_template(scheme, tmp_path / "t.xlsx")
    res = read_inputs(scheme, p)
    assert not res.ok
    assert [p.message for p in res.errors] == ["文件中没有任何单位数据"]
    assert (res.errors[0].sheet, res.errors[0].row, res.errors[0].column) == ("单位", 2, "A")


def test_fixed_stamp_gives_stable_bytes(scheme):
    stamp = dt.datetime(2023, 1, 1)
    a = workbook_bytes(build_template(scheme, "2019", UNITS), stamp)
    b = workbook_bytes(build_template(scheme, "2019", UNITS), stamp)
    assert a == b
    c = workbook_bytes(build_template(scheme, "2020", UNITS), stamp)
    assert a != c


def test_cli_template_with_gbk_units_file(tmp_path, scheme):
    units = tmp_path / "units.csv"
    units.write_bytes("单位编号,单位名称,单位类型\nx1,示例乙市,城市\n".encode("gbk"))
    out = tmp_path / "out.xlsx"
    assert main(["template", str(MINI), "-o", str(out), "--units", str(units), "--period", "2020"]) == 0
    wb = openpyxl.load_workbook(out)
    assert [c.value for c in wb["单位"][2]] == ["x1", "示例乙市", "城市"]
    assert wb["说明"]["B3"].value == "2020"
    res = read_inputs(scheme, out)
    assert res.ok and list(res.frame.index) == ["x1"] and res.period == "2020"
    assert np.isnan(res.frame.at["x1", "npl_rate"])


@pytest.mark.parametrize("sid", xinyong.SCHEME_IDS)
def test_every_shipped_scheme_template_round_trips(tmp_path, sid):
    s = xinyong.load_scheme(sid)
    units = [UnitRow(f"u{k}", f"示例单位{k}", kind) for k, kind in enumerate(s.unit_kinds or [""])]
    p = write_template(s, tmp_path / f"{sid}.xlsx", period="2022", units=units)
    wb = openpyxl.load_workbook(p)  # an Excel-compatible reader opens it
    assert wb.sheetnames == ["说明", "单位", "输入", "评审", "证据"]
    res = read_inputs(s, p)
    assert res.ok, res.table()[["message", "sheet", "row", "column"]]
    r = xinyong.score(s, res.frame)
    st = r.status.astype(str)
    assert set(np.unique(st.to_numpy())) <= {"missing_input", "pending_judgement", "not_applicable"}, \
        st.apply(lambda c: c.value_counts()).T
    assert r.points.isna().all().all()


def test_readme_sheet_lists_items_in_an_analysts_words():
    """The 说明 sheet's 条目一览: the item's number as the document writes it (3.1.1, not the scheme id), the
    rule kind's Chinese name (逐项计分, not checklist) and the inputs by their labels, never program names."""
    from xinyong.intake.template import build_template

    scheme = xinyong.load_scheme("jiaxian_county_dept")
    ws = build_template(scheme, "2022Q2")["说明"]
    rows = [r for r in ws.iter_rows(values_only=True) if r and r[0] and str(r[0])[:1].isdigit()]
    assert rows, "no item rows"
    by_no = {r[0]: r for r in rows}
    assert "3.1.1" in by_no and not any(str(r[0]).startswith("jiaxian") for r in rows)
    kinds = {r[3] for r in rows}
    assert not kinds & {"checklist", "deduction", "formula", "judgement", "count_factor", "threshold", "condition"}
    ids = set(scheme.input_catalogue)
    for r in rows:
        assert not set(str(r[4] or "").split("、")) & ids, r
