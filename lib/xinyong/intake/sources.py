"""Open a data file once and give its sheets as rows of cells: an .xlsx workbook, streamed, or a CSV.

A workbook is read with openpyxl's read-only parser, sheet by sheet, and only down to the last row that
holds a value. Excel writes a row element for every formatted cell, so a sheet whose whole column was
formatted carries a million empty rows; the parser would build a cell for each of them. Before parsing,
one pass over the sheet's XML bytes (decompressed in chunks, searched with ``re`` in C) finds the last
row with a value, a formula or an inline string, and the parser stops there. The sheet's declared
dimension is never trusted (read-only mode reports what the file says, which is often wrong).

Formulas are refused, never evaluated: the workbook is opened with ``data_only=False`` so a formula cell
shows its text; its value becomes blank and the cell is listed in :attr:`Grid.formulas`. Merged ranges
(which read-only mode does not parse) are read from the ``mergeCells`` part after the rows.

A CSV is decoded as UTF-8, UTF-8 with BOM, or GB18030 (a superset of GBK, what Excel on Chinese Windows
writes), in that order, and its delimiter sniffed from the first line among comma, tab and semicolon.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..scheme.values import is_blank
from .problems import Log

CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")  # GB18030 is a superset of GBK
CSV_DELIMITERS = ",\t;"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CHUNK = 1 << 20

# a cell's value, inline string or formula element, with or without a namespace prefix
_DATA = re.compile(rb"(?s).*<(?:\w+:)?(?:v|is|f)[\s>/]")
_ROW = re.compile(rb"(?s).*<(?:\w+:)?row[\s>]")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>|<(?:\w+:)?sheetData\s*/>")
_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\s[^>]*?ref\s*=\s*["']([A-Z]+\d+(?::[A-Z]+\d+)?)["']""")


@dataclass(slots=True)
class Cell:
    value: Any
    fmt: str = "General"


@dataclass
class Grid:
    """One sheet (or a CSV) as rows of values; row and column numbers are 1-based like Excel's.

    Only values are kept per cell; the few cells whose number format is a percent format are listed in
    ``percent`` (the only format the reader looks at). Formula cells are blank in ``rows`` and listed,
    with their text, in ``formulas``.
    """

    name: str | None
    rows: list[tuple[Any, ...]]
    merged: list[str] = field(default_factory=list)
    percent: set[tuple[int, int]] = field(default_factory=set)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)

    def value(self, r: int, c: int) -> Any:
        row = self.rows[r - 1] if 0 < r <= len(self.rows) else ()
        return row[c - 1] if 0 < c <= len(row) else None

    def raw(self, r: int, c: int) -> Any:
        """The value as written, formulas included (their text)."""
        return self.formulas.get((r, c), self.value(r, c))

    def cell(self, r: int, c: int) -> Cell:
        return Cell(self.value(r, c), "0%" if (r, c) in self.percent else "General")

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def row_blank(self, r: int) -> bool:
        return all(is_blank(v) for v in self.rows[r - 1]) if 0 < r <= len(self.rows) else True

    def row_numbers(self, start: int) -> Iterator[int]:
        """Rows from ``start`` that hold something."""
        for i in range(start, len(self.rows) + 1):
            if not self.row_blank(i):
                yield i


@dataclass
class Source:
    """What a file holds: ``kind`` is xlsx, csv, xls or unknown; grids by sheet name (None for a CSV)."""

    kind: str
    grids: dict[str | None, Grid] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None


def sniff_kind(path: Path, data: bytes) -> str:
    if data.startswith(b"PK"):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        return "xls"
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return "csv"
    return "unknown"


# ------------------------------------------------------------------------------------------ CSV
def decode_text(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) for the first of :data:`CSV_ENCODINGS` that decodes ``data``; None if none does."""
    for enc in CSV_ENCODINGS:
        if enc == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
            continue  # the BOM would stay glued to the first header
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return None


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line (comma, tab or semicolon); comma when it cannot tell."""
    try:
        return csv.Sniffer().sniff(text.splitlines()[0] if text.strip() else ",", delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


def csv_rows(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _is_formula_text(v: Any) -> bool:
    return isinstance(v, str) and v.startswith("=") and len(v) > 1


def load_csv(data: bytes, log: Log) -> Source | None:
    got = decode_text(data)
    if got is None:
        log.error("无法识别 CSV 文件的编码", "cannot decode as UTF-8, UTF-8-BOM or GBK/GB18030",
                  expected="UTF-8 或 GBK 编码的 CSV")
        return None
    text, enc = got
    delim = sniff_delimiter(text)
    grid = Grid(None, [])
    for i, row in enumerate(csv_rows(text, delim), 1):
        vals = []
        for j, v in enumerate(row, 1):
            if _is_formula_text(v):
                grid.formulas[(i, j)] = v
                v = None
            vals.append(v if v is not None and v.strip() else None)
        grid.rows.append(tuple(vals))
    _trim(grid)
    return Source("csv", {None: grid}, enc, delim)


# ------------------------------------------------------------------------------------------ workbook
def _trim(grid: Grid) -> None:
    """Drop trailing rows that hold nothing (a formula counts as something)."""
    with_formula = {r for r, _ in grid.formulas}
    while grid.rows and len(grid.rows) not in with_formula and all(is_blank(v) for v in grid.rows[-1]):
        grid.rows.pop()


def _row_number(buf: bytes, tag_end: int) -> int | None:
    """The ``r`` of the row tag whose name ends at ``tag_end``; None if the writer left it out."""
    close = buf.find(b">", tag_end)
    num = _ROW_NUMBER.search(buf, tag_end, close if close >= 0 else len(buf))
    return int(num.group(1)) if num else None


def scan_sheet_xml(stream: Any) -> tuple[int | None, list[str]]:
    """(last row number holding data, merged ranges) from a worksheet's XML, read in chunks.

    The row number is None when the sheet holds no data, or when the writer left out the rows' ``r``
    attribute (then the whole sheet is parsed). Over-counting is harmless (a row with an empty ``<v/>``
    is parsed and found blank); under-counting would drop data, so anything that may be a value counts.
    """
    last_row: int | None = None
    unnumbered = False
    carry = b""
    tail: bytes | None = None  # everything after the rows (merged ranges live there)
    prev_row: int | None = None  # number of the last row tag before the current buffer
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        if tail is not None:
            tail += chunk
            continue
        buf = carry + chunk
        end = _SHEET_DATA_END.search(buf)
        # keep a margin unsearched so no tag is cut in two; it is searched with the next chunk
        cut = end.start() if end else max(len(buf) - 256, 0)
        m = _DATA.match(buf, 0, cut)
        if m:
            r = _ROW.match(buf, 0, m.end())
            num = _row_number(buf, r.end() - 1) if r else prev_row
            if num is None:
                unnumbered = True
            else:
                last_row = num
        r = _ROW.match(buf, 0, cut)
        if r:
            prev_row = _row_number(buf, r.end() - 1)
        if end:
            tail = buf[end.start():]
        else:
            carry = buf[cut:]
    if tail is None:  # no end of the rows: a damaged part; let the parser find out
        return None, []
    merged = [m.group(1).decode("ascii") for m in _MERGE.finditer(tail)]
    return (None if unnumbered else last_row), merged


def load_workbook(path: Path, data: bytes, log: Log, sheets: tuple[str, ...] | None = None) -> Source | None:
    """Every sheet (or only ``sheets``) of an .xlsx, streamed; None (and a problem) if it cannot be opened."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 — zip, XML, KeyError, openpyxl's InvalidFileException and others
        log.error("文件不是有效的 Excel 工作簿（.xlsx），无法打开", f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}",
                  value=path.name, expected="Excel 工作簿（.xlsx）")
        return None
    src = Source("xlsx")
    try:
        for ws in wb.worksheets:
            if sheets is not None and ws.title not in sheets:
                src.grids[ws.title] = Grid(ws.title, [])
                continue
            src.grids[ws.title] = _read_sheet(wb, ws)
    except Exception as exc:  # noqa: BLE001 — a damaged part shows only when it is parsed
        log.error("文件不是有效的 Excel 工作簿（.xlsx），无法打开", f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}",
                  value=path.name, expected="Excel 工作簿（.xlsx）")
        return None
    finally:
        wb.close()
    return src


def _read_sheet(wb: Any, ws: Any) -> Grid:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
    from openpyxl.worksheet._reader import WorkSheetParser

    if not hasattr(ws, "_get_source"):  # a chartsheet has no cells
        return Grid(ws.title, [])
    with ws._get_source() as stream:
        last, merged = scan_sheet_xml(stream)
    grid = Grid(ws.title, [], merged)
    # number formats: style id -> is it a percent format (the only format the reader uses)
    pct_style: dict[int, bool] = {}

    def is_pct(style_id: int) -> bool:
        hit = pct_style.get(style_id)
        if hit is None:
            fid = wb._cell_styles[style_id].numFmtId
            fmt = BUILTIN_FORMATS.get(fid, "General") if fid < BUILTIN_FORMATS_MAX_SIZE \
                else wb._number_formats[fid - BUILTIN_FORMATS_MAX_SIZE]
            hit = pct_style[style_id] = "%" in (fmt or "")
        return hit

    rows = grid.rows
    with ws._get_source() as stream:
        parser = WorkSheetParser(stream, ws._shared_strings, data_only=False, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for idx, cells in parser.parse():
            if last is not None and idx > last:
                break
            while len(rows) < idx - 1:
                rows.append(())
            vals: list[Any] = []
            for c in cells:
                v = c["value"]
                if v is None:
                    continue
                j = c["column"]
                while len(vals) < j - 1:
                    vals.append(None)
                if c["data_type"] == "f" or _is_formula_text(v):
                    grid.formulas[(idx, j)] = str(v)
                    v = None
                elif isinstance(v, (int, float)) and is_pct(int(c["style_id"] or 0)):
                    grid.percent.add((idx, j))
                vals.append(v)
            rows.append(tuple(vals))
    _trim(grid)
    return grid


def open_source(path: Path, data: bytes, log: Log, sheets: tuple[str, ...] | None = None) -> Source:
    """The file's kind and, when it can be read, its grids; problems opening it go to ``log``."""
    kind = sniff_kind(path, data)
    if kind == "csv":
        return load_csv(data, log) or Source("csv")
    if kind == "xlsx":
        return load_workbook(path, data, log, sheets) or Source("xlsx")
    return Source(kind)
