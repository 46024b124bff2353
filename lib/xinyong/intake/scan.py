"""One pass over a worksheet's raw XML before anything parses it: what the bounds need to know.

A returned workbook may be hostile, and a parser commits memory before it can count anything, so each
sheet's XML is first streamed through ``zipfile`` (bounded by the part's declared size) a chunk at a
time and searched with ``re`` and ``bytes.find`` (C speed, ~0.1 s per 100 MB). The scan finds:

- the last row holding a value, a formula or an inline string: the rows a sheet has for
  :attr:`~xinyong.intake.limits.Limits.rows`, and where reading stops (Excel writes a row element for
  every formatted cell: a formatted column is a million empty rows). The declared dimension is never
  trusted;
- a DOCTYPE (entities: "billion laughs", external files), which Excel never writes: refused;
- the merged ranges (after the rows);
- whether the rows hold a formula, an error cell or a cell of a percent style: what calamine's values
  cannot tell, looked up through openpyxl (:mod:`.styled`);
- whether calamine may build the sheet (``canonical``). calamine builds one dense grid from the first
  to the last value, placed by the cells' own references (not the rows'; a second ``r`` wins): two
  values at A1 and XFD100000 would be 1.6 billion cells, an abort. So calamine reads a sheet only when
  every cell tag is as Excel writes it (``<c r="REF"`` then only s, t, cm, vm, ph attributes) with
  REF within column BZ and row 109,999, or within column DZ and row 65,999 (a wide sheet, such as the
  widest scheme's 输入 sheet of 102 columns): at most :data:`CALAMINE_CELLS` cells either way.
  Anything else (no reference, another attribute first, a second ``r``, a reference beyond those) in
  the rows down to the last one with data sends the sheet to openpyxl's streaming reader, which places
  a cell by its row and is bounded as it reads; below the last row with data, the sheet is cut before
  calamine sees it (Excel's formatted columns are a million empty rows, numbered past the bound).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

CHUNK = 1 << 20
NARROW_COLUMNS, WIDE_COLUMNS = 78, 130  # BZ, DZ
WIDE_ROWS = 65_999
CALAMINE_CELLS = NARROW_COLUMNS * 109_999  # the largest dense grid calamine may build (8.6 million cells)

# a cell's value, inline string or formula element, with or without a namespace prefix
_DATA = re.compile(rb"(?s).*<(?:\w+:)?(?:v|is|f)[\s>/]")
_ROW = re.compile(rb"(?s).*<(?:\w+:)?row[\s>]")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>|<(?:\w+:)?sheetData\s*/>")
# a formula element, with or without a prefix (two searches with a literal prefix, not six)
_FORMULA_TAGS = (re.compile(rb"<f[\s>/]"), re.compile(rb":f[\s>/]"))
_DATA_TAGS = (b"<v", b":v", b"<is", b":is", b"<f", b":f")  # candidates; _DATA confirms
_PREFIXED = re.compile(rb":(?:c|row|v|is|t|r|f)[\s>/]")  # an element name with a prefix
_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\s[^>]*?ref\s*=\s*["']([A-Z]+\d+(?::[A-Z]+\d+)?)["']""")
_ERROR = b't="e"'
# a cell tag as Excel writes it, its reference within the narrow or the wide bounds; one search with a
# literal prefix finds the first cell that is not
_CELL_ATTRS = rb'(?: (?:s|cm|vm|ph)="\w*+"| t="(?:s|n|b|e|d|str|inlineStr)")*+/?>)'
_NOT_NARROW_CELL = re.compile(rb'<c(?![^\s>/]| r="[A-B]?[A-Z](?:[1-9]\d{0,4}+|10\d{4})"' + _CELL_ATTRS)
_NOT_WIDE_CELL = re.compile(rb'<c(?![^\s>/]| r="[A-D]?[A-Z](?:[1-9]\d{0,3}+|[1-5]\d{4}|6[0-5]\d{3})"' + _CELL_ATTRS)
_ROW_TAG = re.compile(rb"""<(\w+:)?row\s[^>]*?\br\s*=\s*["'](\d+)["']""")
TAIL_ROWS = 10_000  # formatted-empty rows below the data beyond which calamine reads the sheet cut after it


@dataclass
class SheetScan:
    last_row: int | None  # None: no data, or rows without numbers (then read everything)
    merged: list[str] = field(default_factory=list)
    formulas: bool = False  # a formula element somewhere in the rows
    complete: bool = True  # the end of the rows was found
    doctype: bool = False  # a DOCTYPE before the rows (entity declarations): refused, Excel never writes one
    canonical: bool = False  # every cell as Excel writes it, within calamine's bounds
    wide: bool = False  # a reference beyond column BZ (so the rows are within 65,999)
    errors: bool = False  # an error cell (t="e")
    styled: bool = False  # a cell or row of one of the styles asked about (percent formats)
    last_tag: int | None = None  # the number of the last row tag (formatted-empty rows included)
    cut: bool = False  # cells that are not canonical below the last row with data: calamine reads the sheet cut

    @property
    def calamine(self) -> bool:
        """Whether calamine may read the sheet: its dense grid within :data:`CALAMINE_CELLS`."""
        cols = WIDE_COLUMNS if self.wide else NARROW_COLUMNS
        return self.canonical and self.complete and (self.last_row or 0) * cols <= CALAMINE_CELLS

    @property
    def long_tail(self) -> bool:
        """Whether calamine is given the sheet cut after its last row with data (:func:`cut_after`): cells
        that are not canonical follow the data, or more formatted-empty rows than the data has rows
        (Excel's formatted columns), which calamine would parse to the end."""
        last, tag = self.last_row or 0, self.last_tag or 0
        return self.cut or tag - last > max(last, TAIL_ROWS)

    @property
    def needs_formats(self) -> bool:
        """Whether the sheet holds what calamine's values do not tell: formulas, error cells, percent formats."""
        return self.formulas or self.errors or self.styled


def _row_number(buf: bytes, tag_end: int) -> int | None:
    """The ``r`` of the row tag whose name ends at ``tag_end``; None if the writer left it out."""
    close = buf.find(b">", tag_end)
    num = _ROW_NUMBER.search(buf, tag_end, close if close >= 0 else len(buf))
    return int(num.group(1)) if num else None


def _rows_end(buf: bytes) -> re.Match | None:
    """The end of the rows (``</sheetData>`` or an empty ``<sheetData/>``), found by a plain search."""
    i = buf.find(b"sheetData")
    while i >= 0:
        m = _SHEET_DATA_END.match(buf, max(buf.rfind(b"<", 0, i), 0))
        if m:
            return m
        i = buf.find(b"sheetData", i + 9)
    return None


class _Scanner:
    """The state of one scan, a chunk at a time (:meth:`feed`); :func:`scan_sheet_xml` drives it."""

    def __init__(self, styles: tuple[int, ...]):
        # s="3" without the space before it: finding more (xs="3") only costs a look through openpyxl
        self.styles = tuple(b's="%d"' % i for i in styles)
        self.last_row: int | None = None
        self.prev_row: int | None = None  # number of the last row tag before the current buffer
        self.unnumbered = self.formulas = self.errors = self.styled = self.wide = False
        self.bad_row: int | None = None  # the row of the first cell that is not canonical (0: unknown)
        self.cells_seen = False  # a cell tag in an earlier chunk
        self.head = True  # before <sheetData>: where a DOCTYPE would be
        self.unprefixed = True  # no element name with a prefix seen so far

    def doctype(self, buf: bytes, cut: int) -> bool:
        """A DOCTYPE precedes the root element, so it is looked for only until the rows start."""
        if not self.head:
            return False
        if buf.find(b"<!DOCTYPE", 0, cut) >= 0 or buf.find(b"<!ENTITY", 0, cut) >= 0:
            return True
        self.head = buf.find(b"sheetData", 0, cut) < 0
        return False

    def check_cells(self, buf: bytes, cut: int) -> None:
        """Where the first cell tag that is not canonical is (the number of its row), among the tags
        starting before ``cut``; a tag that starts after it is searched again with the next chunk (the
        margin is longer than a cell tag). A sheet turns wide only in the first chunk with cells (where
        its header row is): the narrow search of an earlier chunk admitted rows beyond the wide bound."""
        if self.bad_row is not None:
            return
        hit = (_NOT_WIDE_CELL if self.wide else _NOT_NARROW_CELL).search(buf)
        if hit is not None and hit.start() < cut and not self.wide and not self.cells_seen:
            self.wide = True
            hit = _NOT_WIDE_CELL.search(buf)
        self.cells_seen = self.cells_seen or buf.find(b"<c", 0, cut) >= 0
        if hit is None or hit.start() >= cut:
            return
        r = _ROW.match(buf, 0, hit.start())
        num = _row_number(buf, r.end() - 1) if r else self.prev_row
        self.bad_row = 0 if num is None else num

    def feed(self, buf: bytes, cut: int) -> None:
        """Everything but the DOCTYPE, in ``buf[:cut]``."""
        self.check_cells(buf, cut)
        self.unprefixed = self.unprefixed and not _PREFIXED.search(buf, 0, cut)
        tags = _DATA_TAGS[::2] if self.unprefixed else _DATA_TAGS
        self.formulas = self.formulas or any(
            f.search(buf, 0, cut) for f in (_FORMULA_TAGS[:1] if self.unprefixed else _FORMULA_TAGS))
        pos = max(buf.rfind(d, 0, cut) for d in tags)
        # an error cell, a percent-formatted one, matters only with a value: where none is (formatted,
        # empty rows; the margin after the cut too), nothing to look for
        if pos >= 0 or any(buf.find(d, cut) >= 0 for d in tags):
            self.errors = self.errors or buf.find(_ERROR, 0, cut) >= 0
            self.styled = self.styled or any(buf.find(s, 0, cut) >= 0 for s in self.styles)
        m = _DATA.match(buf, 0, min(pos + 8, cut)) if pos >= 0 else None
        if m:
            r = _ROW.match(buf, 0, m.end())
            num = _row_number(buf, r.end() - 1) if r else self.prev_row
            if num is None:
                self.unnumbered = True
            else:
                self.last_row = num
        r = _ROW.match(buf, 0, cut)
        if r:
            self.prev_row = _row_number(buf, r.end() - 1)

    def result(self, tail: bytes | None) -> SheetScan:
        if tail is None:  # no end of the rows: a damaged part; openpyxl's reader finds out what it is
            return SheetScan(None, complete=False)
        merged = [m.group(1).decode("ascii") for m in _MERGE.finditer(tail)]
        last = None if self.unnumbered else self.last_row
        # cells below the last row with data never reach calamine: the sheet is cut after it (cut_after)
        canonical = not self.unnumbered and (self.bad_row is None or self.bad_row > (last or 0))
        return SheetScan(last, merged, self.formulas, True, canonical=canonical, wide=self.wide, errors=self.errors,
                         styled=self.styled, last_tag=self.prev_row, cut=self.bad_row is not None)


def scan_sheet_xml(stream: Any, styles: tuple[int, ...] = ()) -> SheetScan:
    """What a worksheet's XML, read from ``stream`` in chunks, holds (see the module's docstring);
    ``styles``: the style ids whose cells matter (percent formats).

    The row number is None when the sheet holds no data, or when the writer left out the rows' ``r``
    attribute (then the whole sheet is read). Over-counting is harmless (a row with an empty ``<v/>`` is
    read and found blank); under-counting would drop data, so anything that may be a value counts.
    """
    scan = _Scanner(styles)
    carry = b""
    tail: bytes | None = None  # everything after the rows (merged ranges live there)
    while chunk := stream.read(CHUNK):
        if tail is not None:
            tail += chunk
            continue
        buf = carry + chunk
        end = _rows_end(buf)
        # keep a margin unsearched so no tag is cut in two; it is searched with the next chunk
        cut = end.start() if end else max(len(buf) - 256, 0)
        if scan.doctype(buf, cut):
            return SheetScan(None, complete=False, doctype=True)
        scan.feed(buf, cut)
        if end:
            tail = buf[end.start():]
        else:
            carry = buf[cut:]
    return scan.result(tail)


def cut_after(stream: Any, last_row: int) -> bytes:
    """A worksheet's XML cut before the first row tag numbered beyond ``last_row``, its rows and root
    closed again (what follows the rows is left out: the scan has read the merged ranges). Read a chunk
    at a time, only as far as the cut."""
    buf = b""
    searched = 0
    while chunk := stream.read(1 << 16):
        buf += chunk
        for m in _ROW_TAG.finditer(buf, searched):
            if int(m.group(2)) > last_row:
                prefix = m.group(1) or b""
                return buf[:m.start()] + b"</%ssheetData></%sworksheet>" % (prefix, prefix)
        searched = max(len(buf) - 256, 0)
    return buf
