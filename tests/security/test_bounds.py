"""Hostile files: every one refused with a Chinese message (or read harmlessly) within bounds of time and
memory, never a traceback. Each hostile file is built here, at test time (a zip written by hand, a CFB
header written by hand, YAML and XML as strings); nothing binary is committed.

What each test checks is in docs/security/bounds.md: the zip directory is checked before anything
is decompressed (``intake/limits.py``), a part cannot inflate beyond what it declares, the scan counts
rows and values before a sheet is parsed, a DOCTYPE is refused, a password-protected workbook is named
as such, a scheme's aliases and a formula's nesting are bounded. The times are bounds, not benchmarks.
"""
from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from xinyong.errors import FormulaError, SchemeError
from xinyong.formula import MAX_FORMULA_DEPTH, parse
from xinyong.intake import UnitRow, build_template, read_inputs, workbook_bytes
from xinyong.intake.limits import LIMITS, Limits, archive_problem, is_encrypted, verify_parts
from xinyong.intake.problems import Log
from xinyong.intake.sources import open_source
from xinyong.intake.submission import collect, read_manifest, split
from xinyong.scheme import load_scheme

TESTS = Path(__file__).resolve().parents[1]
MINI = TESTS / "fixtures" / "mini.yaml"
SCHEME = "jiaxian_county_dept"
PERIOD = "2022Q2"
BOMB = "文件解压后过大，疑似压缩炸弹"
INVALID = "文件不是有效的 Excel 工作簿（.xlsx），无法打开"
MB = 1 << 20


# ------------------------------------------------------------------------------------------ builders
def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def write_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand from (name, raw deflate data, CRC-32, declared uncompressed size): what a
    crafted file can declare, which ``zipfile`` would not let us write."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in members:
        offset, raw = out.tell(), name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(raw), 0))
        out.write(raw + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                                  len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central.getvalue()),
                          start, 0))
    return out.getvalue()


def honest(name: str, data: bytes) -> tuple[str, bytes, int, int]:
    return name, _deflate(data), zlib.crc32(data), len(data)


def template_parts() -> tuple[dict[str, bytes], dict[str, str]]:
    """The parts of a fill-in workbook of :data:`SCHEME`, and the part of each sheet by its name."""
    scheme = load_scheme(SCHEME)
    wb = build_template(scheme, PERIOD, [UnitRow("u1", "单位1", scheme.unit_kinds[0])])
    names = wb.sheetnames
    with zipfile.ZipFile(io.BytesIO(workbook_bytes(wb))) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    return parts, {n: f"xl/worksheets/sheet{k}.xml" for k, n in enumerate(names, 1)}


def rebuilt(parts: dict[str, bytes], replace: dict[str, tuple[str, bytes, int, int]]) -> bytes:
    return write_zip([replace.get(n) or honest(n, d) for n, d in parts.items()])


def sheet_of_rows(rows: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>' + rows + b"</sheetData></worksheet>")


def bomb_member(name: str, inflated: int) -> tuple[str, bytes, int, int]:
    """A sheet that inflates to ``inflated`` bytes from a few MB: one compressed block of repeated rows,
    flushed so that it stands alone, written again and again (declared honestly; the CRC is not needed
    for a part that must never be decompressed)."""
    block = b'<row r="5"><c r="B5"><v>1</v></c></row>' * (MB // 39)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(sheet_of_rows(b"")[:-len(b"</sheetData></worksheet>")]) + c.flush(zlib.Z_FULL_FLUSH)
    one = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    n = inflated // len(block)
    tail = c.compress(b"</sheetData></worksheet>") + c.flush()
    return name, head + one * n + tail, 0, n * len(block) + 200


def cfb(streams: list[str], body: bytes = b"") -> bytes:
    """An OLE2 (CFB) file: the header, one directory sector naming ``streams``, then ``body``."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)  # versions, byte order, sector sizes
    struct.pack_into("<I", header, 0x30, 0)  # the directory starts at sector 0
    directory = bytearray()
    for name in ["Root Entry", *streams]:
        entry = bytearray(128)
        raw = (name + "\0").encode("utf-16-le")
        entry[:len(raw)] = raw
        struct.pack_into("<HB", entry, 64, len(raw), 5 if name == "Root Entry" else 2)
        directory += entry
    directory += bytes(-len(directory) % 512)
    return bytes(header + directory) + body


def messages(res) -> str:
    return " | ".join(p.message for p in res.problems)


def timed(fn, *a, **k):
    t0 = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t0


@pytest.fixture(scope="module")
def parts():
    return template_parts()


@pytest.fixture(scope="module")
def scheme():
    return load_scheme(SCHEME)


# ------------------------------------------------------------------------------------------ zip bombs
def test_a_zip_bomb_is_refused_before_decompression(tmp_path, parts, scheme):
    """A 1.2 GB sheet in a few MB: refused from the zip directory alone, in well under a second (inflating
    it would take seconds, parsing it minutes), with the file named."""
    files, sheets = parts
    name = sheets["输入"]
    data = rebuilt(files, {name: bomb_member(name, 1200 * MB)})
    assert len(data) < 5 * MB
    path = tmp_path / "炸弹.xlsx"
    path.write_bytes(data)
    res, took = timed(read_inputs, scheme, path)
    assert took < 1.0
    assert not res.ok and BOMB in messages(res) and "炸弹.xlsx" in messages(res)
    assert name in messages(res)  # which part


def test_a_high_ratio_part_under_the_size_cap_is_refused(tmp_path, parts, scheme):
    """100 MB from about 100 KB: under the part cap, but no sheet Excel writes compresses a thousandfold."""
    files, sheets = parts
    name = sheets["单位"]
    member = bomb_member(name, 100 * MB)
    assert member[3] < LIMITS.member_bytes and member[3] / len(member[1]) > LIMITS.ratio
    path = tmp_path / "比例.xlsx"
    path.write_bytes(rebuilt(files, {name: member}))
    res, took = timed(read_inputs, scheme, path)
    assert took < 1.0 and BOMB in messages(res) and "压缩比" in messages(res)


def test_too_many_parts_and_too_large_a_total_are_refused(parts):
    files, _ = parts
    many = rebuilt({**files, **{f"xl/media/x{i}.bin": b"" for i in range(LIMITS.members + 1)}}, {})
    assert "个部件" in archive_problem(many)[0]
    # each part under its cap, together over the total: limits passed explicitly
    small = Limits(total_bytes=100_000)
    assert "解压后共" in archive_problem(rebuilt(files, {}), small)[0]
    assert archive_problem(rebuilt(files, {})) is None


def test_the_shipped_workbooks_pass_the_limits():
    """The limits leave room for every demo workbook (and the bench's 100,000 units: bench/intake_bench.py)."""
    demo = TESTS.parent / "lib" / "xinyong" / "demo"
    books = sorted(demo.rglob("*.xlsx"))
    assert books
    for p in books:
        assert archive_problem(p.read_bytes()) is None, p


def test_a_part_that_lies_about_its_size_stops_at_what_it_declares(tmp_path, parts, scheme):
    """A header declaring 1 MB for a sheet of 1.2 GB passes the directory check; zipfile then stops
    reading at the declared size (the CRC fails): refused as damaged, quickly, in read and in collect."""
    files, sheets = parts
    name = sheets["输入"]
    member = bomb_member(name, 1200 * MB)
    liar = (name, member[1], 0, MB)
    path = tmp_path / "谎报.xlsx"
    path.write_bytes(rebuilt(files, {name: liar}))
    res, took = timed(read_inputs, scheme, path)
    assert took < 10 and INVALID in messages(res)
    # the parts calamine would read are checked through zipfile too (collect looks at 说明 and 单位 first)
    name = sheets["单位"]
    path.write_bytes(rebuilt(files, {name: (name, bomb_member(name, 1200 * MB)[1], 0, MB)}))
    res, took = timed(read_inputs, scheme, path)
    assert took < 10 and INVALID in messages(res)


def test_collect_refuses_a_bomb_and_takes_the_others(tmp_path, parts, scheme):
    """One hostile return does not stall the quarter: refused, named on the receipt; the others taken."""
    units = [UnitRow("dept01", "发改委", "县直单位"), UnitRow("dept02", "财政局", "县直单位")]
    sent = split(scheme, PERIOD, units, tmp_path / "sent", due="2022年7月5日")
    back = tmp_path / "back"
    back.mkdir()
    good = back / "发改委.xlsx"
    good.write_bytes(sent.files["dept01"].read_bytes())
    with zipfile.ZipFile(sent.files["dept02"]) as z:
        own = {i.filename: z.read(i) for i in z.infolist()}
    sheet = next(n for n in own if n.startswith("xl/worksheets/") and b"dept02" in own[n])
    (back / "财政局.xlsx").write_bytes(rebuilt(own, {sheet: bomb_member(sheet, 1200 * MB)}))
    lying = rebuilt(own, {sheet: (sheet, bomb_member(sheet, 1200 * MB)[1], 0, MB)})
    (back / "财政局_谎报.xlsx").write_bytes(lying)
    # collect first looks at 说明 and 单位 with calamine: two values far apart there are not a dense grid
    import openpyxl

    units = f"xl/worksheets/sheet{openpyxl.load_workbook(sent.files['dept02']).sheetnames.index('单位') + 1}.xml"
    wide = own[units].replace(b"</sheetData>", b'<row r="99999"><c r="XFD99999"><v>1</v></c></row></sheetData>')
    (back / "财政局_远.xlsx").write_bytes(rebuilt({**own, units: wide}, {}))
    res, took = timed(collect, scheme, PERIOD, back, tmp_path / "merged.xlsx", read_manifest(sent.folder, scheme))
    assert took < 10
    by_name = {s.path.name: s for s in res.submissions}
    assert BOMB in by_name["财政局.xlsx"].refused
    assert by_name["财政局_谎报.xlsx"].refused and not by_name["财政局_谎报.xlsx"].taken
    assert INVALID in " ".join(p.message for p in by_name["财政局_谎报.xlsx"].all_problems() + by_name["财政局_谎报.xlsx"].problems)
    # read by the bounded path instead (a row of 16,384 cells, not a grid of 100,000 × 16,384): the far row
    # is named as a row without a unit id
    assert "单位编号为空" in " ".join(p.message for p in by_name["财政局_远.xlsx"].all_problems())
    assert not by_name["发改委.xlsx"].refused


def test_collect_refuses_a_return_too_large_to_read(tmp_path, scheme):
    """A return above the file limit (64 MB; a sparse file here, nothing written to the disk) is refused
    unread, named on the receipt with its hash, and the collect goes on (it raised NameError once: the
    refusal hashed the file with a function the module no longer imported)."""
    units = [UnitRow("dept01", "发改委", "县直单位"), UnitRow("dept02", "财政局", "县直单位")]
    sent = split(scheme, PERIOD, units, tmp_path / "sent", due="2022年7月5日")
    back = tmp_path / "back"
    back.mkdir()
    (back / "发改委.xlsx").write_bytes(sent.files["dept01"].read_bytes())
    with open(back / "财政局.xlsx", "wb") as f:
        f.truncate(65 * MB)
    res, took = timed(collect, scheme, PERIOD, back, tmp_path / "merged.xlsx", read_manifest(sent.folder, scheme))
    assert took < 10
    by_name = {s.path.name: s for s in res.submissions}
    big = by_name["财政局.xlsx"]
    assert "文件过大" in big.refused and len(big.sha256) == 64 and not by_name["发改委.xlsx"].refused


# ------------------------------------------------------------------------------------------ encrypted
def test_a_password_protected_workbook_is_named_as_such(tmp_path, scheme):
    path = tmp_path / "加密.xlsx"
    path.write_bytes(cfb(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"], bytes(4096)))
    res, took = timed(read_inputs, scheme, path)
    assert took < 10
    assert "文件有密码保护，请去掉密码后再提交" in messages(res) and "加密.xlsx" in messages(res)
    assert "旧版" not in messages(res)


def test_an_xls_is_still_an_xls(tmp_path, scheme):
    """A real .xls (the committed Excel 97 fixture, and a CFB with a Workbook stream whose cell says
    EncryptionInfo away from a directory entry) is still the old format, not a password."""
    assert not is_encrypted((TESTS / "badinput" / "old_excel_97.xls").read_bytes())
    path = tmp_path / "旧.xls"
    path.write_bytes(cfb(["Workbook"], b"\x00" * 7 + "EncryptionInfo".encode("utf-16-le")))
    res = read_inputs(scheme, path)
    assert "旧版 Excel 97-2003（.xls）" in messages(res) and "密码" not in messages(res)


# ------------------------------------------------------------------------------------------ XML
SECRET = "绝密-不应出现"


def _doctype(secret: Path) -> bytes:
    lol = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    return (f'<!DOCTYPE worksheet [<!ENTITY l0 "lol">{lol}<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>').encode()


SST = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
       b'uniqueCount="1"><si><t>&l9;&xxe;</t></si></sst>')
SST_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.sharedStrings+xml"/></Types>')


@pytest.mark.parametrize("part", ["输入", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml"])
def test_entities_are_refused_or_harmless(tmp_path, parts, scheme, part):
    """A DOCTYPE with a billion laughs and an external entity in a sheet (refused by the scan), the
    shared strings, the workbook or the styles part (refused when every part is read through zipfile
    before calamine opens the file): refused, nothing expanded; the secret file's text never appears."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    files, sheets = parts
    name = sheets.get(part, part)
    files = dict(files)
    if name == "xl/sharedStrings.xml":
        files[name] = SST
        files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(b"</Types>", SST_TYPE)
    xml = re.sub(rb"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or b"") + _doctype(secret), files[name], count=1)
    if part == "输入":
        xml = xml.replace(b"</sheetData>", b'<row r="9"><c r="B9" t="inlineStr"><is><t>&l9;&xxe;</t></is></c></row>'
                          b"</sheetData>")
    path = tmp_path / "实体.xlsx"
    path.write_bytes(rebuilt({**files, name: xml}, {}))
    res, took = timed(read_inputs, scheme, path)
    assert took < 10
    shown = messages(res) + res.frame.to_string()
    assert SECRET not in shown and "lollol" not in shown
    # the scan (a sheet), the check of every other part before calamine opens the file
    assert "DOCTYPE" in messages(res) and "实体.xlsx" in messages(res)


def test_a_doctype_in_any_part_is_named_before_calamine_opens_the_file(parts):
    """calamine's XML reader is handed no part with a DOCTYPE: every part but the worksheets is read
    through zipfile first and the first one holding a DOCTYPE is named (the worksheets: by the scan)."""
    files, _ = parts
    hostile = {**files, "xl/styles.xml": b"<!DOCTYPE x []>" + files["xl/styles.xml"]}
    assert verify_parts(rebuilt(files, {}), ("xl/worksheets/",)) is None
    assert verify_parts(rebuilt(hostile, {}), ("xl/worksheets/",)) == "xl/styles.xml"


# ------------------------------------------------------------------------------------------ rows
def test_rows_and_cells_are_bounded(tmp_path, parts):
    """Tighter limits passed explicitly: the scan's last row refuses a sheet before it is parsed, the grid's
    cells as it is built; a CSV is counted before it is split into cells."""
    files, sheets = parts
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>u%d</t></is></c><c r="B%d"><v>1</v></c></row>'
                    % (r, r, r, r) for r in range(4, 504))
    name = sheets["输入"]
    data = rebuilt({**files, name: sheet_of_rows(rows)}, {})
    path = tmp_path / "多.xlsx"
    log = Log(str(path))
    open_source(path, data, log, limits=Limits(rows=400))
    assert "工作表“输入”有 503 行，超过上限 400 行" in log.problems[0].message
    log = Log(str(path))
    open_source(path, data, log, limits=Limits(cells=900))  # 500 rows × 2 columns
    assert "工作表“输入”的表格过大（各表行数×列数合计超过 900 个单元格）" in log.problems[0].message
    log = Log("多.csv")
    open_source(tmp_path / "多.csv", b"unit_id,a\n" + b"u,1\n" * 500, log, limits=Limits(rows=100))
    assert "文件有 502 行，超过上限 100 行" in log.problems[0].message


FAR = [b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(4, 1504)]


@pytest.mark.parametrize("far", [
    b'<row r="1504"><c r="A1504"><v>1</v></c><c r="XFD1504"><v>2</v></c></row>',  # the last column
    b'<row r="1504"><c r="A1504"><v>1</v></c><c r="B1504" r="XFD100000"><v>2</v></c></row>',  # a second r
    b'<row r="1504"><c r="A1504"><v>1</v></c>' + b"<c/>" * 20_000 + b"<c><v>2</v></c></row>",  # no references
])
def test_two_far_apart_values_are_not_a_dense_grid_bomb(tmp_path, parts, scheme, far):
    """calamine builds one dense grid from the first to the last value, placed by the cells' references:
    A4 and XFD1504 would be 25 million cells, a second ``r`` of XFD100000 1.6 billion (the process
    aborted), and 3,000 rows ending in XFD took 2.4 GB. Such a sheet is kept off calamine; openpyxl's
    streaming reader places cells by their rows and the grid is bounded as it is built: read (or
    refused) in seconds, the process growing by well under 300 MB."""
    import resource

    files, sheets = parts
    path = tmp_path / "远.xlsx"
    path.write_bytes(rebuilt({**files, sheets["输入"]: sheet_of_rows(b"".join(FAR) + far)}, {}))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res, took = timed(read_inputs, scheme, path)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024  # MiB
    assert took < 10 and grown < 300
    assert res.problems and "Traceback" not in messages(res)


def test_a_cell_placed_far_below_its_row_is_read_where_its_row_is(tmp_path, parts, scheme):
    """A cell whose reference names row 900,000 inside row 1504: calamine would place it there (a grid of
    900,000 rows); openpyxl's streaming reader places it in its row, so the sheet is read, not refused."""
    files, sheets = parts
    far = b'<row r="1504"><c r="A1504"><v>1</v></c><c r="B900000"><v>2</v></c></row>'
    path = tmp_path / "低.xlsx"
    path.write_bytes(rebuilt({**files, sheets["输入"]: sheet_of_rows(b"".join(FAR) + far)}, {}))
    res, took = timed(read_inputs, scheme, path)
    assert took < 10 and "表格过大" not in messages(res) and "超过上限" not in messages(res)


def test_a_file_too_large_is_not_read(tmp_path, scheme, monkeypatch):
    """The size on disk is checked before the file is read into memory (a smaller limit, for the test)."""
    import functools

    import xinyong.intake.limits as limits
    import xinyong.intake.read as read

    monkeypatch.setattr(read, "file_problem", functools.partial(limits.file_problem, limits=Limits(file_bytes=100)))
    path = tmp_path / "大.csv"
    path.write_bytes(b"unit_id\n" + b"u\n" * 1000)
    res = read_inputs(scheme, path)
    assert "文件过大" in messages(res) and "大.csv" in messages(res)


def test_a_sheet_without_dimension_gets_one_and_others_are_left_alone(parts, scheme, tmp_path):
    """openpyxl's read-only mode parses a whole sheet at opening when it has no <dimension> (even behind
    64 KB of column definitions); such a sheet gets a dummy one first. A workbook that has them (every
    workbook Excel or the template writes) is not rewritten. The sheet's rows start in row 2: calamine's
    iter_rows yields the empty row above them too, which once placed every row one lower (u49998 in row
    49,999)."""
    from xinyong.intake.styled import with_dimensions as _with_dimensions

    files, sheets = parts
    plain = rebuilt(files, {})
    assert _with_dimensions(plain) is plain
    head = b"<cols>" + b'<col min="1" max="1" width="9"/>' * 4000 + b"</cols>"
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>u%d</t></is></c></row>' % (r, r, r)
                    for r in range(2, 50_000))
    xml = sheet_of_rows(rows).replace(b"<sheetData>", head + b"<sheetData>")
    data = rebuilt({**files, sheets["单位"]: xml}, {})
    fixed = _with_dimensions(data)
    with zipfile.ZipFile(io.BytesIO(fixed)) as z:
        got = z.read(sheets["单位"])
    assert got.index(b'<dimension ref="A1"/>') < got.index(b"<cols>") and got.count(b"<row ") == 49_998
    path = tmp_path / "无维度.xlsx"
    log = Log(str(path))
    src, took = timed(open_source, path, data, log)
    assert took < 10 and not log.problems and src.grids["单位"].value(49_999, 1) == "u49999"


CHILD = r"""
import sys, time
from xinyong.cli import main
t0 = time.process_time()  # CPU, not wall: the machine running the tests may be shared
try:
    code = main(sys.argv[1:])
except SystemExit as e:
    code = e.code
took = time.process_time() - t0
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
print("\nRESULT", code, round(took, 2), round(hwm), flush=True)
"""


@pytest.mark.slow
def test_a_million_filled_rows_are_refused_within_bounds(tmp_path, parts):
    """1,048,576 filled rows (Excel's last row) on the 输入 sheet: ``xinyong validate`` refuses them after
    the streamed scan, before parsing, in seconds of CPU and well under 500 MB (reading them took 1.8 GB).
    The sheet has no ``<dimension>``, which once made openpyxl parse all of it when it opened the file."""
    files, sheets = parts
    body = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>u%d</t></is></c><c r="B%d"><v>%d</v></c></row>'
                    % (r, r, r, r, r % 7) for r in range(4, 1_048_577))
    path = tmp_path / "百万行.xlsx"
    path.write_bytes(rebuilt({**files, sheets["输入"]: sheet_of_rows(body)}, {}))
    del body
    out = subprocess.run([sys.executable, "-c", CHILD, "validate", SCHEME, str(path), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    code, took, hwm = out.stdout.rsplit("RESULT", 1)[1].split()
    assert int(code) == 2 and float(took) < 10 and int(hwm) < 500, out.stdout[-500:]
    assert "工作表“输入”有 1,048,576 行，超过上限" in out.stdout and "Traceback" not in out.stderr


# ------------------------------------------------------------------------------------------ schemes
LAUGHS = "".join(f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 10))


@pytest.mark.parametrize("where", ["top", "title"])
def test_a_yaml_alias_bomb_is_refused(tmp_path, where):
    """Nine levels of ten aliases (a billion strings) in a scheme: refused at the line that crosses the
    bound, in milliseconds (it took 44 s and was accepted; in ``title:`` over a minute)."""
    text = MINI.read_text(encoding="utf-8")
    bomb = "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + LAUGHS
    if where == "title":
        text = bomb + re.sub(r"(?m)^title:.*$", "title: *a9", text, count=1)
    else:
        text = bomb + text
    path = tmp_path / "炸弹.yaml"
    path.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    with pytest.raises(SchemeError, match="别名（\\*）展开后超过") as exc:
        load_scheme(path)
    assert time.perf_counter() - t0 < 1.0
    assert exc.value.fields["line"] and "炸弹.yaml" in str(exc.value)


def test_scheme_aliases_in_moderation_and_recursion(tmp_path):
    """A recursive alias is refused; a few aliases (the YAML an author might write) still load."""
    path = tmp_path / "r.yaml"
    path.write_text("a: &x [1, *x]\n", encoding="utf-8")
    with pytest.raises(SchemeError, match="引用了包含它自身的内容"):
        load_scheme(path)
    text = MINI.read_text(encoding="utf-8")
    path.write_text("x-note: &n 说明\ny-note: *n\n" + text, encoding="utf-8")
    with pytest.raises(SchemeError) as exc:  # the model has no such keys: refused as unknown, not as a bomb
        load_scheme(path)
    assert "别名" not in str(exc.value)


def test_a_scheme_file_too_large_or_too_deep(tmp_path):
    path = tmp_path / "大.yaml"
    path.write_bytes(b"# " + b"x" * (5 * MB) + b"\nid: x\n")
    with pytest.raises(SchemeError, match="过大"):
        load_scheme(path)
    path.write_text("id: x\ntitle: " + "[" * 900 + "]" * 900 + "\n", encoding="utf-8")
    with pytest.raises(SchemeError, match="嵌套层数过多"):
        load_scheme(path)


# ------------------------------------------------------------------------------------------ formulas
@pytest.mark.parametrize("text", ["-" * 1000 + "x", "+".join(["x"] * 900), "(" * 500 + "x" + ")" * 500,
                                  "min(" * 300 + "x" + ")" * 300])
def test_deeply_nested_formulas_are_refused_with_their_text(text):
    with pytest.raises(FormulaError, match="嵌套") as exc:
        parse(text)
    assert exc.value.fields["formula"] == text
    assert isinstance(exc.value, FormulaError)


def test_a_formula_nested_a_thousand_deep_in_a_scheme(tmp_path):
    """In a scheme file: a located Chinese error, not RecursionError."""
    text = MINI.read_text(encoding="utf-8").replace('"approved/total_depts*2"',
                                                    '"' + "-" * 1000 + 'approved/total_depts*2"', 1)
    path = tmp_path / "深.yaml"
    path.write_text(text, encoding="utf-8")
    from xinyong.scoring.plan import compile

    with pytest.raises(SchemeError, match="嵌套超过"):
        compile(load_scheme(path))


def test_formulas_of_the_shipped_schemes_are_within_the_depth():
    """Long sums stay legal: 60 terms is 61 levels, under the bound."""
    assert parse("+".join(f"a{i}" for i in range(60)))
    assert MAX_FORMULA_DEPTH >= 61
