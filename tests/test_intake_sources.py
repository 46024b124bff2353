"""One reading path: files opened once and streamed, one parser for values (calamine), one coercer,
problems carrying their unit, a capped listing. Nothing here is timed; bench/intake_bench.py measures
time and memory.

Issue 11: "The reader streams, stops at the last row with data, and lists at most a few hundred problems
followed by a count … every problem carries its unit." Issue 23: "one parser for values (calamine) and
openpyxl only where formatting or writing is needed, through public APIs … keep the hidden-row,
merged-cell and formula-cell behaviour."
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import xinyong
from xinyong.errors import InputError
from xinyong.intake import UnitRow, build_template, read_inputs, save_workbook
from xinyong.intake import grid as grid_module
from xinyong.intake import scan as scan_module
from xinyong.intake import sources, workbook
from xinyong.intake.problems import MAX_LISTED, Log
from xinyong.scheme.values import coerce, coerce_column

MINI = Path(__file__).parent / "fixtures" / "mini.yaml"
UNITS = [UnitRow("a", "示例甲市", "城市"), UnitRow("b", "示例开发区", "开发区")]
GOOD_A = {"B4": 2.6, "C4": "是", "D4": "否", "E4": 3, "F4": 4, "G4": 75, "H4": 2}


@pytest.fixture(scope="module")
def scheme():
    return xinyong.load_scheme(MINI)


def _rewrite_sheet(data: bytes, sheet_xml: str, change) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            raw = zin.read(info.filename)
            zout.writestr(info, change(raw) if info.filename == sheet_xml else raw)
    return out.getvalue()


def _formatted_rows(first: int, last: int, cols: str) -> bytes:
    return b"".join(f'<row r="{r}">'.encode() + b"".join(f'<c r="{c}{r}" s="1"/>'.encode() for c in cols) + b"</row>"
                    for r in range(first, last + 1))


def test_formatted_empty_rows_read_as_without_them(tmp_path, scheme):
    """20,000 formatted-but-empty rows under the data (what Excel writes for a formatted column), and a
    dimension claiming A1 only: the same frame, evidence and problems as the plain workbook."""
    wb = build_template(scheme, "2019", UNITS)
    for ref, v in {**GOOD_A, "B5": "三"}.items():
        wb["输入"][ref] = v
    plain = save_workbook(wb, tmp_path / "plain.xlsx")
    names = {n: f"xl/worksheets/sheet{i}.xml" for i, n in enumerate(wb.sheetnames, 1)}

    def pad(raw: bytes) -> bytes:
        raw = raw.replace(b"</sheetData>", _formatted_rows(10, 20_009, "ABCDEFGH") + b"</sheetData>")
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', raw)  # a wrong dimension
    data = plain.read_bytes()
    for sheet in ("单位", "输入"):
        data = _rewrite_sheet(data, names[sheet], pad)
    padded = tmp_path / "padded.xlsx"
    padded.write_bytes(data)
    a, b = read_inputs(scheme, plain), read_inputs(scheme, padded)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(a.evidence, b.evidence)
    strip = lambda ps: [{k: v for k, v in p.as_dict().items() if k != "file"} for p in ps]  # noqa: E731
    assert strip(a.problems) == strip(b.problems) and len(a.errors) == 1
    # the parser stopped at the last row with data: the grid holds no formatted row
    src = sources.open_source(padded, padded.read_bytes(), Log("x"))
    assert src.grids["输入"].n_rows == 5 and src.grids["单位"].n_rows == 3


def test_formatted_rows_past_the_bounds_are_cut_before_calamine(tmp_path, scheme):
    """A formatted column down to row 120,000 (past the rows calamine may be handed): the sheet is cut
    after its last row with data and read by calamine, quickly, with the same frame as without them."""
    wb = build_template(scheme, "2019", UNITS)
    for ref, v in GOOD_A.items():
        wb["输入"][ref] = v
    plain = save_workbook(wb, tmp_path / "plain.xlsx")
    sheet = f"xl/worksheets/sheet{wb.sheetnames.index('输入') + 1}.xml"
    data = _rewrite_sheet(plain.read_bytes(), sheet,
                          lambda raw: raw.replace(b"</sheetData>", _formatted_rows(10, 120_000, "A") + b"</sheetData>"))
    padded = tmp_path / "padded.xlsx"
    padded.write_bytes(data)
    pd.testing.assert_frame_equal(read_inputs(scheme, plain).frame, read_inputs(scheme, padded).frame)
    g = sources.open_source(padded, data, Log("x")).grids["输入"]
    assert isinstance(g.rows, grid_module.SheetRows) and g.n_rows == 5


def test_scan_finds_the_last_row_with_data_and_the_merged_ranges():
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b'<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="7" spans="1:2"><c r="B7"><v>3</v></c></row>'
           + _formatted_rows(8, 30_000, "AB") +
           b'</sheetData><mergeCells count="1"><mergeCell ref="A2:B3"/></mergeCells></worksheet>')
    scan = scan_module.scan_sheet_xml(io.BytesIO(xml))
    assert (scan.last_row, scan.merged, scan.formulas, scan.complete) == (7, ["A2:B3"], False, True)
    prefixed = xml.replace(b"<row", b"<x:row").replace(b"</row", b"</x:row").replace(b"<v>", b"<x:v>")
    assert scan_module.scan_sheet_xml(io.BytesIO(prefixed)).last_row == 7


def test_every_kind_of_cell_reads_as_openpyxl_reads_it():
    """The values come from calamine; the formula cells, error cells and percent formats calamine cannot
    tell are put on them through openpyxl's public read-only API: the grid is the one openpyxl alone
    reads (the bounded path for sheets calamine must not build), type by type. A date is a date-time at
    midnight either way; a formula cell is blank and listed with its text (shared formulas translated),
    an error cell is the text it shows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B2"], ws["C2"], ws["D2"], ws["E3"], ws["F3"] = "x", 3.5, True, dt.datetime(2022, 1, 2), "文本", 7
    ws["F3"].number_format = "0%"
    ws["G3"], ws["H3"], ws["I3"] = dt.date(2021, 5, 6), dt.datetime(2021, 5, 6, 13, 30), "=SUM(B2:B3)"
    ws["J3"], ws["K3"] = " =1+1", 12345678901234
    extra = (b'<row r="4"><c r="A4" t="inlineStr"><is><r><t>ab</t></r><r><t>cd</t></r><rPh sb="0" eb="1"><t>PH</t>'
             b'</rPh></is></c><c r="B4" t="inlineStr"><is><t>plain &amp; x</t></is></c><c r="C4" t="b"><v>0</v></c>'
             b'<c r="D4" t="e"><v>#N/A</v></c><c r="E4" t="str"><v>s</v></c><c r="F4"><v>12</v></c>'
             b'<c r="G4"><f t="shared" ref="G4:G5" si="0">A1&amp;"y"</f><v>xy</v></c></row>'
             b'<row r="5"><c r="G5"><f t="shared" si="0"/><v>y</v></c></row>')
    data = _rewrite_sheet(workbook_bytes_of(wb), "xl/worksheets/sheet1.xml",
                          lambda raw: raw.replace(b"</sheetData>", extra + b"</sheetData>"))
    ((_, by_openpyxl, by_calamine),), _ = _both_paths(data)
    _same(by_openpyxl, by_calamine)
    g = by_calamine
    assert isinstance(g.value(2, 4), dt.datetime) and g.value(3, 7) == dt.datetime(2021, 5, 6)
    assert (g.value(4, 1), g.value(4, 4), g.value(4, 6), g.value(3, 11)) == ("abcd", "#N/A", 12, 12345678901234)
    assert g.formulas == {(3, 9): "=SUM(B2:B3)", (3, 10): " =1+1", (4, 7): '=A1&"y"', (5, 7): '=A2&"y"'}
    assert g.value(4, 7) is None and g.percent == {(3, 6)}


def test_every_problem_names_its_unit(tmp_path, scheme):
    """A formula cell on unit b's row carries unit b (the batch no longer re-reads the file for it)."""
    wb = build_template(scheme, "2019", UNITS)
    for ref, v in GOOD_A.items():
        wb["输入"][ref] = v
    wb["输入"]["G5"] = "=80+10"
    wb.save(tmp_path / "f.xlsx")  # a department's file, written by openpyxl: a formula stays a formula
    res = read_inputs(scheme, tmp_path / "f.xlsx")
    (p,) = res.errors
    assert (p.sheet, p.column, p.row, p.unit) == ("输入", "G", 5, "b")
    assert res.unit_errors == {"b": [p]} and res.general_errors == []


def test_problem_listing_is_capped_with_a_count(tmp_path, scheme):
    """300 units with two bad cells each: 200 problems listed, then "另有 N 个问题未列出"; the totals and
    every unit's own errors are kept."""
    units = [UnitRow(f"u{k:03d}", f"单位{k}", "城市") for k in range(300)]
    wb = build_template(scheme, "2019", units)
    for r in range(4, 304):
        wb["输入"][f"B{r}"] = "三"
        wb["输入"][f"E{r}"] = -1
    res = read_inputs(scheme, save_workbook(wb, tmp_path / "many.xlsx"))
    assert len(res.problems) == MAX_LISTED + 1 and res.n_errors == 600 and res.n_problems == 600
    last = res.problems[-1]
    assert last.message == "另有 400 个问题未列出（其中 400 个错误）" and last.severity == "error"
    assert len(res.unit_errors) == 300 and all(len(v) == 2 for v in res.unit_errors.values())
    with pytest.raises(InputError) as ei:
        res.raise_if_errors()
    assert "有 600 处错误" in ei.value.message and ei.value.total == 600 and len(ei.value.problems) == MAX_LISTED + 1


def test_one_coercer_for_cells_and_frames(scheme):
    """The same rules for a workbook cell and a DataFrame value (issue 11: two coercers disagreed)."""
    cat = scheme.input_catalogue
    count, share = cat["approved"], cat["share"]
    assert coerce(True, count).error == "应为数值，不是是/否"
    assert coerce("1,00", count).error == "应为数值，“1,00”不是数字"
    assert coerce("1,000", count).value == 1000
    assert coerce("95％", share).value == 95 and coerce("3%", count).error == "该输入不是百分比，不应带 % 号"
    assert coerce(dt.date(2022, 1, 1), count).error == "应为数值，不是日期"
    x, errs = coerce_column(pd.Series([1.0, np.inf, 2.5, -1.0, np.nan], index=list("abcde")), count)
    assert [e[0] for e in errs] == ["b", "c", "d"] and [e[2].error for e in errs] == ["应为有限数值", "应为整数", "超出允许范围"]
    assert np.isnan(x[1:]).all() and x[0] == 1.0
    x, errs = coerce_column(pd.Series(["95%", "是", True], dtype=object), share)
    assert x[0] == 95 and [e[2].error for e in errs] == ["应为数值，“是”不是数字", "应为数值，不是是/否"]


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch):
    """The fixtures are small: calamine's rows are turned into columns three at a time (so columns that
    start in a later chunk, or turn from numbers to texts, are met)."""
    monkeypatch.setattr(grid_module, "SHEET_CHUNK_ROWS", 3)


def _both_paths(data: bytes):
    """Every sheet's grid as openpyxl's read-only reader alone gives it (the path of a sheet calamine must
    not build) and as the reader gives it (calamine, and openpyxl for formats), and how many sheets
    calamine read."""
    out = []
    with monkeypatch_context() as mp:
        mp.setattr(scan_module.SheetScan, "calamine", property(lambda self: False))
        slow = workbook.read_xlsx(Path("x.xlsx"), data)
    quick = workbook.read_xlsx(Path("x.xlsx"), data)
    n_fast = sum(isinstance(g.rows, grid_module.SheetRows) for g in quick.values())
    for title in slow:
        out.append((title, slow[title], quick[title]))
    return out, n_fast


def monkeypatch_context():
    return pytest.MonkeyPatch.context()


def _same(slow, quick):
    assert (list(slow.rows), slow.merged, slow.percent, slow.formulas) == \
        (list(quick.rows), quick.merged, quick.percent, quick.formulas)
    assert [[type(v) for v in r] for r in slow.rows] == [[type(v) for v in r] for r in quick.rows]
    # the column-at-a-time reading the sheet readers use: same rows, same width, same values (a whole
    # number may come as a float from calamine's rows, nothing else differs)
    assert (list(slow.row_numbers(1)), list(slow.row_numbers(3)), slow.width) == \
        (list(quick.row_numbers(1)), list(quick.row_numbers(3)), quick.width)
    rows = list(range(1, slow.n_rows + 1))
    for c in range(1, slow.width + 2):
        a, b = slow.column(c, rows, exact=True), quick.column(c, rows, exact=True)
        assert a == b and [type(v) for v in a] == [type(v) for v in b]
        fast = quick.column(c, rows)
        if isinstance(fast, np.ndarray):  # numbers only: NaN where the cell is empty
            assert np.array_equal(fast, np.array(a, dtype=float), equal_nan=True)
        else:
            assert fast == a and all(type(x) is type(y) or (type(x) is int and type(y) is float) for x, y in zip(a, fast))


DEMO = Path(__file__).parent.parent / "params" / "demo"


@pytest.mark.parametrize("path", sorted(DEMO.glob("*/*.xlsx")) + sorted((Path(__file__).parent / "badinput").glob("*.xlsx")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_calamine_grid_equals_openpyxl_grid_on_every_workbook(path):
    """Every sheet is read by calamine: every cell, its type, the percent cells, formulas and merged ranges
    are exactly what openpyxl's reader gives."""
    data = path.read_bytes()
    try:
        sheets, _ = _both_paths(data)
    except Exception:  # noqa: BLE001 — not a workbook (the bad-input corpus): nothing to compare
        return
    for _, slow, quick in sheets:
        _same(slow, quick)


PLAIN_BASE = {"A1": "x", "B2": 3.5, "C2": 7, "E3": " lead", "F3": "a & b <c>", "G3": "换\n行", "H3": -2, "I3": 0.1}
ODD_CELLS = [  # cells a hand-written parser got wrong once; calamine's values, with openpyxl's formats, stay exact
    b'<c r="D4" t="e"><v>#N/A</v></c>', b'<c r="K4" t="inlineStr"><is/></c>', b'<c r="M4" t="inlineStr"><is><t></t></is></c>',
    b'<c r="C4" t="b"><v>0</v></c>',
    b'<c r="C4" t="d"><v>2022-01-01T00:00:00</v></c>',
    b'<c r="C4" t="inlineStr"><is><r><t>ab</t></r><rPh sb="0" eb="1"><t>PH</t></rPh></is></c><c t="n"><v>12</v></c>',
    # every <t is counted against <t>: an empty <t/>, one with attributes, empty or not, is still found
    b'<c r="K4" t="inlineStr"><is><t/></is></c>', b'<c r="K4" t="inlineStr"><is><t xml:space="preserve"/></is></c>',
    b'<c r="K4" t="inlineStr"><is><t\txml:space="preserve"/></is></c>',
    b'<c r="K4" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>',
]
# numbers no spreadsheet writes so: calamine reads the same value, as another type (.0 as the int 0; " 3"
# as the text, which the coercer reads as the number 3)
SAME_VALUE_CELLS = {b'<c r="C4"><v>.0</v></c>': (0.0, 0), b'<c r="C4"><v> 3</v></c>': (3, " 3"),
                    b'<c r="C4"><v>1.0</v></c>': (1.0, 1), b'<c r="C4"><v>1E3</v></c>': (1000.0, 1000)}


@pytest.mark.parametrize("cell", list(SAME_VALUE_CELLS))
def test_numbers_written_oddly_keep_their_value(cell, scheme):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    data = _rewrite_sheet(workbook_bytes_of(wb), "xl/worksheets/sheet1.xml",
                          lambda raw: raw.replace(b"</sheetData>", b'<row r="4">' + cell + b"</row></sheetData>"))
    ((_, slow, quick),), _ = _both_paths(data)
    assert (slow.value(4, 3), quick.value(4, 3)) == SAME_VALUE_CELLS[cell]
    spec = scheme.input_catalogue["approved"]
    assert coerce(slow.value(4, 3), spec).value == coerce(quick.value(4, 3), spec).value


@pytest.mark.parametrize("cell", ODD_CELLS)
def test_calamine_path_keeps_odd_cells_exact(cell):
    wb = openpyxl.Workbook()
    for ref, v in PLAIN_BASE.items():
        wb.active[ref] = v
    buf = io.BytesIO()
    wb.save(buf)
    data = _rewrite_sheet(buf.getvalue(), "xl/worksheets/sheet1.xml",
                          lambda raw: raw.replace(b"</sheetData>", b'<row r="4">' + cell + b"<c r=\"Z4\"><v>5</v></c></row></sheetData>"))
    (_, slow, quick), = _both_paths(data)[0]
    _same(slow, quick)


def test_calamine_reads_plain_sheets_and_percent_formats_stay_exact(tmp_path, scheme):
    """The template's sheets go through calamine; a percent-formatted cell is found through openpyxl's
    number format (its format is what the reader needs), with the same grid either way."""
    wb = build_template(scheme, "2019", UNITS)
    for ref, v in GOOD_A.items():
        wb["输入"][ref] = v
    plain = workbook_bytes_of(wb)
    sheets, n_fast = _both_paths(plain)
    assert n_fast == len(sheets)
    for _, slow, quick in sheets:
        _same(slow, quick)
    # read by calamine, the filled sheets keep calamine's rows (built one at a time when asked for)
    assert {t for t, _, q in sheets if isinstance(q.rows, grid_module.SheetRows)} >= {"单位", "输入"}
    wb["输入"]["G5"] = 0.75
    wb["输入"]["G5"].number_format = "0%"
    sheets, _ = _both_paths(workbook_bytes_of(wb))
    (inputs,) = [(s, q) for t, s, q in sheets if t == "输入"]
    _same(*inputs)
    assert inputs[1].percent == {(5, 7)}


def workbook_bytes_of(wb) -> bytes:
    """The bytes of a department's file, written by openpyxl (xinyong's own writer writes no formula)."""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_sheet_rows_keep_every_cell_when_a_column_turns_to_texts():
    """A column of numbers that meets more texts than _Numbers keeps beside them (here in the third chunk of
    three rows) becomes a tuple, with every earlier value, blank and text in its place; trailing blank rows go."""
    raw = [["id", "x", ""]] + [[f"u{k}", float(k) if k % 5 else "", ""] for k in range(1, 30)] \
        + [[f"t{k}", f"w{k}", 2.5] for k in range(20)] + [["", "", ""], ["  ", "", ""]]
    rows = grid_module.SheetRows.build(iter(raw), len(raw), 1, 0)
    assert isinstance(rows.cols[1], tuple) and isinstance(rows.cols[2], grid_module._Numbers)
    want = [(), ("id", "x"), *[(f"u{k}", k) if k % 5 else (f"u{k}",) for k in range(1, 30)],
            *[(f"t{k}", f"w{k}", 2.5) for k in range(20)]]  # row 1 above calamine's first: empty
    assert list(rows) == want and len(rows) == 1 + 1 + 29 + 20 and rows.width == 3
    g = sources.Grid("s", rows)
    assert list(g.row_numbers(1)) == list(range(2, 52))
    assert g.column(2, [2, 3, 7, 32]) == ["x", 1.0, None, "w0"]
    assert [type(v) for v in g.column(2, [3, 4], exact=True)] == [int, int] and list(g.column(3, [32, 33])) == [2.5, 2.5]


def test_open_workbook_gives_typed_sheets_and_refuses_in_chinese(tmp_path, scheme):
    """The one reader for anyone who needs a workbook's cells (collect's first look at a return): the
    sheets in the workbook's order, only those asked for read, and a file it will not read refused with
    a located Chinese error, not a traceback."""
    wb = build_template(scheme, "2019", UNITS)
    path = save_workbook(wb, tmp_path / "t.xlsx")
    book = workbook.open_workbook(path, sheets=("单位",))
    assert book.names == wb.sheetnames and "单位" in book and book.sheet("没有") is None
    units = book.sheet("单位")
    assert [units.value(i, 1) for i in (2, 3)] == ["a", "b"] and book.sheet("输入").rows == []
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(InputError) as ei:
        workbook.open_workbook(bad)
    assert ei.value.message == "文件不是有效的 Excel 工作簿（.xlsx），无法打开" and ei.value.fields["file"] == str(bad)
