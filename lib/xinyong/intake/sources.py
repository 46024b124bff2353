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

A returned file may be hostile. Before anything is parsed, the zip directory is checked against
:mod:`.limits` (sizes, parts, compression ratio); the scan finds a sheet's rows before it is parsed, and
whether its cells keep calamine's dense grid bounded; the grids' cells are counted as they are built; a
sheet's XML with a DOCTYPE (entities: "billion laughs", external files) is refused, as Excel never
writes one.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Sequence
from typing import Any, Iterator

import numpy as np

from ..safe import csv_unquote, formula_like
from ..scheme.values import is_blank
from .limits import LIMITS, Limits, archive_problem, is_encrypted, verify_parts
from .problems import Log

CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")  # GB18030 is a superset of GBK
CSV_DELIMITERS = ",\t;"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CHUNK = 1 << 20
SHEET_CHUNK_ROWS = 8192  # calamine's rows turned into columns this many at a time (bounds their memory)
CALAMINE_MIN_ROWS = 1000  # smaller plain sheets are read by the expat parser: fast enough, and no calamine to open

# a cell's value, inline string or formula element, with or without a namespace prefix
_DATA = re.compile(rb"(?s).*<(?:\w+:)?(?:v|is|f)[\s>/]")
_ROW = re.compile(rb"(?s).*<(?:\w+:)?row[\s>]")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>|<(?:\w+:)?sheetData\s*/>")
# a formula element, with or without a prefix (two searches with a literal prefix, not six)
_FORMULA_TAGS = (re.compile(rb"<f[\s>/]"), re.compile(rb":f[\s>/]"))
_DATA_TAGS = (b"<v", b":v", b"<is", b":is", b"<f", b":f")  # candidates; _DATA confirms
_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\s[^>]*?ref\s*=\s*["']([A-Z]+\d+(?::[A-Z]+\d+)?)["']""")
# What keeps a sheet off the calamine path (see :class:`_Calamine`): anything whose cell value calamine gives
# differently from the expat parser, or that the value alone cannot tell apart. Searched in the rows only,
# before parsing; any hit sends the sheet through the expat parser as before. Each is a search with a
# literal prefix (C speed, ~0.1 s per 100 MB); one alternation without a common prefix would be ten times
# slower. Checked by hand against calamine 0.9.1: error cells (t="e") read as empty; an empty inline text
# (<is/>, <t/>) as empty, where the expat parser gives ""; ISO dates (t="d") as calamine sees fit; numbers
# always as floats, where the expat parser gives an int exactly when the text has no point and no exponent
# (so: no exponent, nothing but a plain decimal, at most 15 characters, and no integral value written with a
# point, like 1.0); prefixed element names would hide all of these from the searches; CDATA, to be safe.
# Same in both (so not searched): booleans (calamine gives bool, which sends the sheet back anyway), t="str",
# rich text runs and phonetic runs, cells without r, single-quoted attributes, <v/>.
# The fixed texts are found by bytes.find (several times faster than a regex whose literal prefix, like <t or
# t=", occurs at every cell); a regex confirms only what a fixed text cannot say.
_PREFIXED = re.compile(rb":(?:c|row|v|is|t|r|f)[\s>/]")  # an element name with a prefix
_NOT_PLAIN_V = re.compile(rb"<v>(?:[^<]*[^0-9.+\-<]|[^<]{16}|[-+]?\d*\.0*</v>)")
# t="e", t="d"; <is/>, <is></is>; <t/>, <t></t> and <t …></t> (all end in ></t>); CDATA
_NOT_PLAIN_TEXTS = (b't="e"', b't="d"', b"<is/>", b"<is></is>", b"<t/>", b"></t>", b"<![CDATA[")
_T_WITH_ATTRS = (tuple(b"<t" + w for w in (b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c")), re.compile(rb"<t\s[^>]*/>"))
_TEXTS_BUT_T = tuple(t for t in _NOT_PLAIN_TEXTS if not t.startswith(b"<t"))  # when every <t is <t>
# kept for the docstrings that name it: every check of a plain sheet
_NOT_PLAIN = (_NOT_PLAIN_V, _PREFIXED, _NOT_PLAIN_TEXTS, _T_WITH_ATTRS)
# calamine builds a sheet as one dense grid from its first to its last cell with a value, placed by the
# cells' own references (not the rows'; a second ``r`` attribute wins): two values at A1 and XFD100000
# would be 1.6 billion cells, an abort. So a sheet reaches calamine only when every cell tag is as Excel
# writes it, ``<c r="REF"`` then only s, t, cm, vm, ph attributes, with REF within column BZ (78; the
# widest scheme's 输入 sheet has 102 columns and goes to the expat parser) and row 109,999
# (:attr:`Limits.rows`): at most 8.6 million cells. Anything else (no reference, another attribute first,
# a second r, a wider or lower reference) sends the sheet to the expat parser, which places a cell by its
# row and bounds the grid as it reads (:func:`_read_sheet`). One search with a literal prefix; since it
# admits only the types s, n, b, str and inlineStr, the searches for t="e" and t="d" are left out where
# it ran (:func:`_not_plain`), which pays for a third of it.
_NOT_CANONICAL_CELL = re.compile(
    rb'<c(?![^\s>/]| r="[A-B]?[A-Z](?:[1-9]\d{0,4}+|10\d{4})"'
    rb'(?: (?:s|cm|vm|ph)="\w*+"| t="(?:s|n|b|str|inlineStr)")*+/?>)')


def _not_plain(buf: bytes, start: int, cut: int, styles: tuple[bytes, ...], unprefixed: bool,
               typed: bool = False) -> bool:
    """Whether ``buf[start:cut]`` holds anything of :data:`_NOT_PLAIN` or a cell of one of ``styles``
    (``s="3"``: a date, time or percent style); ``unprefixed``: no prefixed element name occurs there;
    ``typed``: every cell's type is known to be other than e and d (:data:`_NOT_CANONICAL_CELL`)."""
    # every <t here followed by > (counted: two passes instead of the seven finds of <t/> and <t + a
    # space): no <t/> and no <t with attributes, so those need no search
    t_plain = buf.count(b"<t", start, cut) == buf.count(b"<t>", start, cut)
    texts = _TEXTS_BUT_T if t_plain else _NOT_PLAIN_TEXTS
    if typed:
        texts = texts[2:]  # t="e", t="d"
    if any(buf.find(t, start, cut) >= 0 for t in texts + styles):
        return True
    starts, t_attrs = _T_WITH_ATTRS
    if not t_plain and any(buf.find(t, start, cut) >= 0 for t in starts) and t_attrs.search(buf, start, cut):
        return True
    if not unprefixed and _PREFIXED.search(buf, start, cut):
        return True
    return _NOT_PLAIN_V.search(buf, start, cut) is not None


@dataclass(slots=True)
class Cell:
    value: Any
    fmt: str = "General"


@dataclass
class Grid:
    """One sheet (or a CSV) as rows of values; row and column numbers are 1-based like Excel's.

    Only values are kept per cell; the few cells whose number format is a percent format are listed in
    ``percent`` (the only format the reader looks at). Formula cells are blank in ``rows`` and listed,
    with their text, in ``formulas``. ``rows`` is a list of tuples, or (a large sheet read by calamine)
    a :class:`SheetRows` that builds each row when it is asked for; :meth:`column` and
    :meth:`row_numbers` read such a sheet a column at a time without building its rows.
    """

    name: str | None
    rows: "list[tuple[Any, ...]] | SheetRows"
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

    def column(self, c: int, rows: list[int], exact: bool = False) -> "list[Any] | np.ndarray":
        """The values of column ``c`` in the sheet rows ``rows`` (each in 1..n_rows), as :meth:`value` gives
        them. Unless ``exact``, a sheet read by calamine gives a whole number as the float of the same value,
        and a column of it that holds only numbers as a float array with NaN for the blanks (not building a
        Python value per cell is what makes reading a column fast)."""
        if isinstance(self.rows, SheetRows):
            return self.rows.column(c, rows, exact)
        out = []
        for i in rows:
            row = self.rows[i - 1]
            out.append(row[c - 1] if 0 < c <= len(row) else None)
        return out

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        if isinstance(self.rows, SheetRows):
            return self.rows.width
        return max((len(r) for r in self.rows), default=0)

    def row_blank(self, r: int) -> bool:
        if not 0 < r <= len(self.rows):
            return True
        row = self.rows[r - 1]
        if row and not is_blank(row[-1]):  # the parsers end a row at its last value: usually enough
            return False
        return all(is_blank(v) for v in row)

    def row_numbers(self, start: int) -> Iterator[int]:
        """Rows from ``start`` that hold something."""
        if isinstance(self.rows, SheetRows):
            yield from self.rows.filled(start)
            return
        for i in range(start, len(self.rows) + 1):
            if not self.row_blank(i):
                yield i


def _cell(v: Any) -> Any:
    """One value of a :class:`SheetRows` column as the expat parser gives it: an integral number is the int
    it was written as (the scan made sure it was written without a point), "" or NaN (a blank in a column
    of numbers) an empty cell."""
    if type(v) is str:
        return v or None
    x = float(v)
    if x != x:
        return None
    return int(x) if x.is_integer() else x


class _Numbers:
    """A column of numbers as a float array, NaN where a cell is empty (calamine never gives NaN: the scan
    allows only plain decimals), with its few other cells (a header, the template's label rows above the
    data) by position in ``other``."""

    __slots__ = ("x", "other")

    def __init__(self, x: np.ndarray, other: dict[int, Any]):
        self.x, self.other = x, other

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, k: int) -> Any:
        v = self.other.get(k)
        return self.x[k] if v is None else v

    def head(self, n: int) -> "_Numbers":
        return _Numbers(self.x[:n], {k: v for k, v in self.other.items() if k < n})


class _ColumnBuilder:
    """One column of a calamine sheet, stored compactly as its rows arrive a chunk at a time: mostly
    numbers (and empty cells) as :class:`_Numbers`, anything else as a tuple whose equal values share one
    object. Calamine's Python rows of a whole 100,000-row sheet would take more memory than its parsed
    sheet; a chunk at a time, they never exist all together."""

    def __init__(self, empty: int):
        self.n = empty
        self.xs: list[np.ndarray] = [np.full(empty, np.nan)] if empty else []
        self.other: dict[int, Any] = {}
        self.texts: list[tuple[Any, ...]] | None = None
        self.canon: dict[Any, Any] = {}

    def add(self, col: tuple[Any, ...]) -> bool:
        """The next cells; False when one is anything but a text or a number."""
        kinds = set(map(type, col))
        if not kinds <= {str, float}:
            return False
        if self.texts is None:
            if kinds == {float}:
                self.xs.append(np.array(col, dtype=float))
            elif col.count("") == len(col):  # empty cells only
                self.xs.append(np.full(len(col), np.nan))
            elif float not in kinds:
                self._to_texts()
            else:
                texts = [k for k, t in enumerate(map(type, col)) if t is str]
                other = [(k, col[k]) for k in texts if col[k]]
                if len(self.other) + len(other) <= max(16, (self.n + len(col)) // 100):
                    x = np.array(col, dtype=object)
                    x[texts] = np.nan  # calamine never gives NaN (the scan allows only plain decimals)
                    self.xs.append(x.astype(float))
                    self.other.update((self.n + k, v) for k, v in other)
                else:
                    self._to_texts()
        if self.texts is not None:
            self.texts.append(tuple(map(self.canon.setdefault, col, col)))
        self.n += len(col)
        return True

    def _to_texts(self) -> None:
        """From numbers to a tuple: calamine's values back (floats, "" for NaN, the texts in their places)."""
        vals = np.concatenate(self.xs).tolist() if self.xs else []
        vals = ["" if v != v else v for v in vals]
        for k, v in self.other.items():
            vals[k] = v
        self.texts = [tuple(map(self.canon.setdefault, vals, vals))] if vals else []
        self.xs, self.other = [], {}

    def done(self) -> "_Numbers | tuple[Any, ...]":
        if self.texts is None and len(self.other) > max(16, self.n // 100):
            self._to_texts()
        if self.texts is not None:
            return tuple(itertools.chain.from_iterable(self.texts))
        return _Numbers(np.concatenate(self.xs) if self.xs else np.empty(0), self.other)


class SheetRows(Sequence):
    """The rows of a sheet read by calamine, kept a column at a time (:class:`_ColumnBuilder`: numbers in float
    arrays, texts in tuples; ``r0`` rows above and ``c0`` columns left of them empty). A row tuple, as the
    expat parser gives it, is built only when asked for (:func:`_cell`); the sheet readers read whole
    columns (:meth:`column`) and the filled rows (:meth:`filled`) without building any. Trailing blank
    rows are dropped, as :func:`_trim` does. Build it with :meth:`build`."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, cols: list[Any], n: int, r0: int, c0: int):
        self.cols, self.n, self.r0, self.c0 = cols, n, r0, c0
        self.pad: tuple[None, ...] = (None,) * c0
        self._last: tuple[int, tuple[Any, ...]] = (-1, ())
        self._blank = self._blank_rows()
        filled = np.flatnonzero(~self._blank)
        self.n = int(filled[-1]) + 1 if len(filled) else 0
        if self.n < n:
            self.cols = [c.head(self.n) if isinstance(c, _Numbers) else c[:self.n] for c in self.cols]
            self._blank = self._blank[:self.n]

    @classmethod
    def build(cls, found: Iterator[list[Any]], n: int, r0: int, c0: int) -> "SheetRows | None":
        """From calamine's first ``n`` rows, a chunk at a time; None when a cell is anything but a text or a
        number."""
        cols: list[_ColumnBuilder] = []
        total = 0
        found = itertools.islice(found, n)
        while chunk := list(itertools.islice(found, SHEET_CHUNK_ROWS)):
            width = max(map(len, chunk))
            cols += [_ColumnBuilder(total) for _ in range(width - len(cols))]
            width = len(cols)
            for k, r in enumerate(chunk):
                if len(r) < width:
                    chunk[k] = r + [""] * (width - len(r))
            for b, col in zip(cols, zip(*chunk)):
                if not b.add(col):
                    return None
            total += len(chunk)
        return cls([b.done() for b in cols], total, r0, c0)

    def has_formula_text(self) -> bool:
        """Whether a text cell would be refused as a formula (:func:`_is_formula_text`): such a sheet is
        read by the expat parser, which lists those cells."""
        for c in self.cols:
            if any(map(_is_formula_text, c.other.values() if isinstance(c, _Numbers) else set(c))):
                return True
        return False

    def _blank_rows(self) -> np.ndarray:
        """Per row, whether it holds nothing (empty cells, or texts of whitespace only)."""
        blank = np.ones(self.n, dtype=bool)
        for c in sorted(self.cols, key=lambda c: not isinstance(c, _Numbers)):  # the cheap ones first
            if not blank.any():
                break
            if isinstance(c, _Numbers):
                empty = np.isnan(c.x)
                for k, v in c.other.items():
                    empty[k] = not v.strip()
                blank &= empty
            else:
                empty = {v: type(v) is str and not v.strip() for v in set(c)}
                blank &= np.fromiter(map(empty.__getitem__, c), dtype=bool, count=len(c))
        return blank

    def __len__(self) -> int:
        return self.r0 + self.n if self.n else 0

    def __getitem__(self, i: Any) -> Any:
        n = len(self)
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(n))]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        if i < self.r0:
            return ()
        if self._last[0] != i:  # Grid.value reads a row a cell at a time: build it once
            k = i - self.r0
            vals = [_cell(c[k]) for c in self.cols]
            while vals and vals[-1] is None:
                vals.pop()
            self._last = (i, self.pad + tuple(vals) if vals else ())
        return self._last[1]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (list, tuple, SheetRows)) and list(self) == list(other)

    @property
    def width(self) -> int:
        """The last column holding a value (what max(len(row)) gives on the built rows)."""
        for k in range(len(self.cols) - 1, -1, -1):
            c = self.cols[k]
            if (c.other or (~np.isnan(c.x)).any()) if isinstance(c, _Numbers) else c.count("") != len(c):
                return self.c0 + k + 1
        return 0

    def column(self, c: int, rows: list[int], exact: bool = False) -> "list[Any] | np.ndarray":
        k, off = c - 1 - self.c0, 1 + self.r0
        if k < 0 or k >= len(self.cols):
            return [None] * len(rows)
        col = self.cols[k]
        if rows and rows[0] < off:  # rows above calamine's first: empty
            return [None if i < off else _cell(col[i - off]) for i in rows]
        if isinstance(col, _Numbers):
            idx = np.asarray(rows, dtype=np.int64) - off
            got = col.x[idx]
            hit = col.other and np.isin(idx, list(col.other)).any()
            if not hit and not exact:
                return got
            out = [_cell(x) if exact else (None if x != x else x) for x in got.tolist()]
            if hit:
                for pos in np.flatnonzero(np.isin(idx, list(col.other))).tolist():
                    out[pos] = col.other[int(idx[pos])]
            return out
        if rows and rows[-1] - rows[0] == len(rows) - 1:  # a run of rows: a slice
            out = list(col[rows[0] - off:rows[-1] - off + 1])
        else:
            out = [col[i - off] for i in rows]
        if "" in out:
            out = [None if v == "" else v for v in out]
        if exact and float in set(map(type, out)):
            out = [_cell(v) if type(v) is float else v for v in out]
        return out

    def filled(self, start: int) -> list[int]:
        """The row numbers from ``start`` of the rows holding something."""
        off = 1 + self.r0
        first = max(start, off)
        return (np.flatnonzero(~self._blank[first - off:]) + first).tolist()


@dataclass
class Source:
    """What a file holds: ``kind`` is xlsx, csv, xls, encrypted (a password-protected workbook) or unknown;
    grids by sheet name (None for a CSV)."""

    kind: str
    grids: dict[str | None, Grid] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None


def sniff_kind(path: Path, data: bytes) -> str:
    if data.startswith(b"PK"):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        return "encrypted" if is_encrypted(data) else "xls"
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


# a text cell a spreadsheet would run: ``=`` first once blanks and control characters are stripped;
# refused as a formula cell is
_is_formula_text = formula_like


def load_csv(data: bytes, log: Log, limits: Limits = LIMITS) -> Source | None:
    got = decode_text(data)
    if got is None:
        log.error("无法识别 CSV 文件的编码", "cannot decode as UTF-8, UTF-8-BOM or GBK/GB18030",
                  expected="UTF-8 或 GBK 编码的 CSV")
        return None
    text, enc = got
    delim = sniff_delimiter(text)
    # counted before the text is split into cells (a Python string per cell is what takes the memory);
    # a line break or delimiter inside quotes over-counts, which only errs on the side of refusing
    lines = text.count("\n") + 1
    too_big = _too_big(None, lines, lines + text.count(delim), limits)
    if too_big is not None:
        log.error(too_big.message, too_big.detail, expected=too_big.expected)
        return None
    grid = Grid(None, [])
    for i, row in enumerate(csv_rows(text, delim), 1):
        vals = []
        for j, v in enumerate(row, 1):
            if v[:1] == "'":
                v = csv_unquote(v)  # xinyong's own CSV files quote a text that begins like a formula
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


@dataclass
class SheetScan:
    last_row: int | None  # None: no data, or rows without numbers (then parse everything)
    merged: list[str]
    formulas: bool  # a formula element somewhere in the rows
    complete: bool  # the end of the rows was found
    plain: bool = False  # nothing in the rows that keeps the sheet off the calamine path (see _NOT_PLAIN)
    doctype: bool = False  # a DOCTYPE before the rows (entity declarations): refused, Excel never writes one
    canonical: bool = False  # every cell as Excel writes it, within calamine's bounds (_NOT_CANONICAL_CELL)


class Refused(Exception):
    """A file the reader will not read (too large, hostile XML): its Chinese message and English detail."""

    def __init__(self, message: str, detail: str, expected: str | None = None, sheet: str | None = None):
        super().__init__(detail)
        self.message, self.detail, self.expected, self.sheet = message, detail, expected, sheet


def _too_big(sheet: str | None, rows: int, cells: int, limits: Limits) -> Refused | None:
    """The refusal of a sheet (or a CSV) with ``rows`` rows, when the file's grids hold ``cells`` cells so
    far (rows × columns down to the last value, summed over the sheets)."""
    where = f"工作表“{sheet}”" if sheet else "文件"
    if rows > limits.rows:
        return Refused(f"{where}有 {rows:,} 行，超过上限 {limits.rows:,} 行，已拒绝读取（请检查是否交错了文件）",
                       f"{rows} rows, limit {limits.rows}", f"至多 {limits.rows:,} 行", sheet)
    if cells > limits.cells:
        return Refused(f"{where}的表格过大（各表行数×列数合计超过 {limits.cells:,} 个单元格），已拒绝读取"
                       "（请检查是否交错了文件，或有数据写在了很远的行列）",
                       f"more than {limits.cells} cells in the grids, limit {limits.cells}",
                       f"至多 {limits.cells:,} 个单元格", sheet)
    return None


def _rows_end(buf: bytes) -> re.Match | None:
    """The end of the rows (``</sheetData>`` or an empty ``<sheetData/>``), found by a plain search."""
    i = buf.find(b"sheetData")
    while i >= 0:
        m = _SHEET_DATA_END.match(buf, max(buf.rfind(b"<", 0, i), 0))
        if m:
            return m
        i = buf.find(b"sheetData", i + 9)
    return None


def scan_sheet_xml(stream: Any, odd_styles: tuple[int, ...] | None = None, certify: bool = False) -> SheetScan:
    """Last row number holding data, merged ranges, and whether any formula occurs, from a worksheet's
    XML, read in chunks. Whether its cells are within calamine's bounds (``canonical``) is found for a
    sheet that may be plain, or when ``certify``.

    The row number is None when the sheet holds no data, or when the writer left out the rows' ``r``
    attribute (then the whole sheet is parsed). Over-counting is harmless (a row with an empty ``<v/>``
    is parsed and found blank); under-counting would drop data, so anything that may be a value counts.
    """
    last_row: int | None = None
    unnumbered = False
    carry = b""
    tail: bytes | None = None  # everything after the rows (merged ranges live there)
    prev_row: int | None = None  # number of the last row tag before the current buffer
    formulas = False
    plain = odd_styles is not None
    # s="3" without the space before it: finding more (xs="3") only keeps a sheet off calamine
    styles = tuple(b's="%d"' % i for i in odd_styles or ())
    rows_from: int | None = None  # where <sheetData> starts, once found (only the rows are checked)
    head = True  # before <sheetData>: where a DOCTYPE would be
    canonical = certify or plain
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        if tail is not None:
            tail += chunk
            continue
        buf = carry + chunk
        end = _rows_end(buf)
        # keep a margin unsearched so no tag is cut in two; it is searched with the next chunk
        cut = end.start() if end else max(len(buf) - 256, 0)
        # a DOCTYPE precedes the root element, so it is looked for only until the rows start
        if head:
            if buf.find(b"<!DOCTYPE", 0, cut) >= 0 or buf.find(b"<!ENTITY", 0, cut) >= 0:
                return SheetScan(None, [], False, False, doctype=True)
            head = buf.find(b"sheetData", 0, cut) < 0
        if canonical and (plain or certify):
            # a tag that starts before the cut is seen whole (the margin is longer than a cell tag); one
            # that starts after it is searched again with the next chunk
            hit = _NOT_CANONICAL_CELL.search(buf)
            canonical = hit is None or hit.start() >= cut
        # plain searches first: a chunk of formatted-but-empty rows holds none of these, and the regex
        # (which only confirms) then never runs over it. While the sheet is plain, no element name so far
        # had a prefix (:data:`_NOT_PLAIN`), so the prefixed tags need no search in this chunk
        unprefixed = plain and rows_from is not None and not _PREFIXED.search(buf, 0, cut)
        tags = _DATA_TAGS[::2] if unprefixed else _DATA_TAGS
        formulas = formulas or any(f.search(buf, 0, cut) for f in (_FORMULA_TAGS[:1] if unprefixed else _FORMULA_TAGS))
        pos = max(buf.rfind(d, 0, cut) for d in tags)
        if plain:
            start = 0
            if rows_from is None:
                k = buf.find(b"<sheetData", 0, cut)
                if k >= 0:
                    rows_from = start = k
            # a chunk without any value tag holds only empty cells, which both parsers read as empty
            # whatever their style or type: nothing to check (formatted-empty rows cost no search)
            if rows_from is not None and pos >= 0:
                plain = canonical and not _not_plain(buf, start, cut, styles, unprefixed, typed=canonical)
        m = _DATA.match(buf, 0, min(pos + 8, cut)) if pos >= 0 else None
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
    if tail is None:  # no end of the rows: a damaged part; let openpyxl's parser find out
        return SheetScan(None, [], True, False)
    merged = [m.group(1).decode("ascii") for m in _MERGE.finditer(tail)]
    plain = plain and canonical and rows_from is not None and not unnumbered and not formulas
    # calamine parses a sheet to its end; the expat parser stops at the last row with data. Below the data,
    # more formatted-empty rows than data rows (Excel's formatted columns): the expat parser is faster there.
    if plain and last_row is not None and prev_row is not None and prev_row - last_row > max(last_row, 10_000):
        plain = False
    return SheetScan(None if unnumbered else last_row, merged, formulas, True, plain, canonical=canonical)


def load_workbook(path: Path, data: bytes, log: Log, sheets: tuple[str, ...] | None = None,
                  limits: Limits = LIMITS) -> Source | None:
    """Every sheet (or only ``sheets``) of an .xlsx, streamed; None (and a problem) if it cannot be opened
    or asks more than ``limits`` allow."""
    import openpyxl

    bomb = archive_problem(data, limits)
    if bomb is not None:
        log.error(f"{path.name}：{bomb[0]}", bomb[1], value=path.name, expected="Excel 工作簿（.xlsx）")
        return None
    try:
        data = _with_dimensions(data)
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 — zip, XML, KeyError, openpyxl's InvalidFileException and others
        log.error(_unreadable(path, exc), f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}",
                  value=path.name, expected="Excel 工作簿（.xlsx）")
        return None
    src = Source("xlsx")
    fast = _Calamine(data, wb)
    seen = [0]  # cells of the grids read so far
    try:
        for ws in wb.worksheets:
            if sheets is not None and ws.title not in sheets:
                src.grids[ws.title] = Grid(ws.title, [])
                continue
            src.grids[ws.title] = _read_sheet(wb, ws, fast, limits, seen)
    except Refused as exc:
        log.error(f"{path.name}：{exc.message}", exc.detail, sheet=exc.sheet, value=path.name, expected=exc.expected)
        return None
    except Exception as exc:  # noqa: BLE001 — a damaged part shows only when it is parsed
        log.error(_unreadable(path, exc), f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}",
                  value=path.name, expected="Excel 工作簿（.xlsx）")
        return None
    finally:
        wb.close()
    return src


_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")
_ROOT = re.compile(rb"<(\w+:)?worksheet[\s>][^>]*>")


def _lacks_dimension(part: Any) -> bool:
    """Whether a worksheet's XML has no ``<dimension>`` before its rows: read a chunk at a time, usually
    one, until the rows start."""
    carry = b""
    while chunk := part.read(1 << 16):
        buf = carry + chunk
        rows = _SHEET_DATA.search(buf)
        if b"dimension" in (buf[:rows.start()] if rows else buf):
            return False
        if rows:
            return True
        carry = buf[-64:]
    return False  # no rows at all: nothing for openpyxl to parse


def _with_dimensions(data: bytes) -> bytes:
    """The workbook with a ``<dimension>`` in every worksheet that has none. openpyxl's read-only mode looks
    for the dimension when it opens a sheet and, without one, parses the whole sheet to find out there is
    none (a minute for a large sheet, before the scan could count its rows). The reader never trusts the
    dimension (the scan finds the rows), so a dummy one, first in the root element, is enough. Excel
    always writes one: the workbook comes back unchanged, after reading only the head of each sheet."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        missing = set()
        for info in z.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with z.open(info) as part:
                    if _lacks_dimension(part):
                        missing.add(info.filename)
        if not missing:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as w:
            for info in z.infolist():
                with z.open(info) as src, w.open(zipfile.ZipInfo(info.filename, info.date_time), "w",
                                                 force_zip64=info.file_size > (1 << 30)) as dst:
                    chunk = src.read(1 << 16)
                    root = _ROOT.search(chunk) if info.filename in missing else None
                    if root is not None:
                        chunk = (chunk[:root.end()] + b'<%sdimension ref="A1"/>' % (root.group(1) or b"")
                                 + chunk[root.end():])
                    while chunk:
                        dst.write(chunk)
                        chunk = src.read(1 << 20)
    return out.getvalue()


def _unreadable(path: Path, exc: BaseException) -> str:
    """Why a workbook could not be read: entities refused by openpyxl's XML parser (defusedxml, when
    installed, refuses them and says so), or a damaged file."""
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__module__.startswith("defusedxml"):
            return f"{path.name}：文件的 XML 含有 DOCTYPE（实体声明），Excel 不会写出这样的文件，已拒绝读取"
        seen = seen.__cause__ or seen.__context__
    return "文件不是有效的 Excel 工作簿（.xlsx），无法打开"


def _read_sheet(wb: Any, ws: Any, fast: "_Calamine | None" = None, limits: Limits = LIMITS,
                seen: list[int] | None = None) -> Grid:
    """One sheet as a grid; raises :class:`Refused` when it asks more than ``limits`` allow (``seen``: the
    cells of the grids read before, a one-item list this adds the sheet's to)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    if not hasattr(ws, "_get_source"):  # a chartsheet has no cells
        return Grid(ws.title, [])
    pct_style: dict[int, bool] = {}  # style id -> is its number format a percent format

    def is_pct(style_id: int) -> bool:
        hit = pct_style.get(style_id)
        if hit is None:
            fid = wb._cell_styles[style_id].numFmtId
            fmt = BUILTIN_FORMATS.get(fid, "General") if fid < BUILTIN_FORMATS_MAX_SIZE \
                else wb._number_formats[fid - BUILTIN_FORMATS_MAX_SIZE]
            hit = pct_style[style_id] = "%" in (fmt or "")
        return hit

    odd_styles = None
    if fast is not None and fast.usable:
        odd_styles = tuple(i for i in range(len(wb._cell_styles))
                           if i in wb._date_formats or i in wb._timedelta_formats or is_pct(i))
    with ws._get_source() as stream:
        scan = scan_sheet_xml(stream, odd_styles)
    if scan.doctype:
        raise Refused(f"工作表“{ws.title}”的 XML 含有 DOCTYPE（实体声明），Excel 不会写出这样的文件，已拒绝读取",
                      "DOCTYPE in the worksheet XML", "Excel 保存的 .xlsx", ws.title)
    seen = seen if seen is not None else [0]
    too_big = _too_big(ws.title, scan.last_row or 0, 0, limits)
    if too_big is not None:
        raise too_big
    if scan.plain and fast is not None and (scan.last_row or 0) >= CALAMINE_MIN_ROWS:
        grid = fast.grid(ws.title, scan)
        if grid is not None:
            seen[0] += grid.n_rows * grid.width
            too_big = _too_big(ws.title, 0, seen[0], limits)
            if too_big is not None:
                raise too_big
            return grid
    grid = Grid(ws.title, [], scan.merged)
    budget = limits.cells - seen[0]  # cells this sheet's rows may still hold (each padded to its last value)

    rows = grid.rows
    with ws._get_source() as stream:
        # formulas (shared ones need openpyxl's translator) and damaged parts go through openpyxl's parser
        parse = _openpyxl_rows if (scan.formulas or not scan.complete) else _expat_rows
        for idx, cells in parse(wb, ws, stream, scan.last_row):
            if idx > limits.rows:  # rows without numbers: the scan could not count them
                raise _too_big(ws.title, idx, 0, limits)  # type: ignore[misc]
            while len(rows) < idx - 1:
                rows.append(())
            vals: list[Any] = []
            for j, v, data_type, style_id in cells:
                if v is None:
                    continue
                while len(vals) < j - 1:
                    vals.append(None)
                if data_type == "f" or _is_formula_text(v):
                    grid.formulas[(idx, j)] = str(v)
                    v = None
                elif isinstance(v, (int, float)) and is_pct(style_id):
                    grid.percent.add((idx, j))
                vals.append(v)
            budget -= len(vals)
            if budget < 0:
                raise _too_big(ws.title, 0, limits.cells + 1, limits)  # type: ignore[misc]
            rows.append(tuple(vals))
    seen[0] = limits.cells - budget
    _trim(grid)
    return grid


Cells = list[tuple[int, Any, str, int]]  # (column, value, data type, style id) of one row


class _Calamine:
    """The plain sheets of a workbook read by calamine (python-calamine, Rust): the same grid as the expat
    parser gives, several times faster, for sheets the raw-XML scan found plain (:data:`_NOT_PLAIN`: no
    formulas, dates, times, percent formats, booleans, errors, rich or phonetic text, empty texts, numbers
    written other than as plain decimals). What calamine gives is checked once more after reading:
    anything but text and numbers (a date calamine recognised by a format openpyxl does not) sends the
    sheet back to the expat parser. The rows are kept as calamine gives them (:class:`SheetRows`) and
    converted when asked for. Numbers: calamine gives floats; an integral one was written without a
    point (the scan made sure), so it is the int the expat parser gives. Empty texts cannot occur (the
    scan and the shared strings were checked), so calamine's "" is an empty cell.
    """

    def __init__(self, data: bytes, wb: Any):
        self.data = data
        self.book: Any = None
        self.usable = _plain_shared_strings(wb)

    def grid(self, title: str, scan: SheetScan) -> Grid | None:
        try:
            if self.book is None:
                import python_calamine

                # calamine inflates what the data holds, not what the part declares: every part but the
                # worksheets (which the scan read through zipfile before any reaches calamine) is read
                # once through zipfile, which stops at the declared size (BadZipFile: the expat parser reads)
                verify_parts(self.data, ("xl/worksheets/",))
                self.book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self.data))
            sheet = self.book.get_sheet_by_name(title)
            r0, c0 = sheet.start if sheet.height else (0, 0)
            found = sheet.iter_rows() if sheet.height else iter(())
        except Exception:  # noqa: BLE001 — whatever calamine cannot do, the expat parser does
            self.usable = False
            return None
        if r0:
            # python-calamine 0.9.1's iter_rows yields the empty rows above the first value too (its columns
            # start at the first value): SheetRows would place every row one lower per empty row. The
            # template's sheets start in row 1; a sheet that does not is read by the expat parser
            return None
        last = scan.last_row if scan.last_row is not None else 0
        # the rows down to the last one with data, kept a column at a time (SheetRows builds rows on demand);
        # anything but text and numbers (a date calamine recognised by a format openpyxl does not, a
        # boolean): the expat parser reads the sheet
        rows = SheetRows.build(found, max(last - r0, 0), min(r0, last), c0)
        del found, sheet
        return Grid(title, rows, scan.merged) if rows is not None and not rows.has_formula_text() else None


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\s[^>]*>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\s[^>]*>")


def _attr(tag: bytes, name: bytes) -> str | None:
    m = re.search(rb'\s(?:\w+:)?' + name + rb'\s*=\s*["\']([^"\']*)["\']', tag)
    return m.group(1).decode("utf-8", "replace") if m else None


def calamine_safe(data: bytes, titles: tuple[str, ...], limits: Limits = LIMITS) -> bool:
    """Whether calamine may open the sheets ``titles`` of an .xlsx (when they exist): the zip within
    ``limits``, every part but the worksheets read through zipfile (bounded by the declared sizes), and
    each of those sheets scanned (through zipfile) and found within calamine's bounds
    (:data:`_NOT_CANONICAL_CELL`) and ``limits.rows``. For a reader that takes a few cells with calamine
    before the workbook is read (collect's first look at a return)."""
    if archive_problem(data, limits) is not None:
        return False
    try:
        verify_parts(data, ("xl/worksheets/",))
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            book, rels = z.read("xl/workbook.xml"), z.read("xl/_rels/workbook.xml.rels")
            if b"<!DOCTYPE" in book or b"<!DOCTYPE" in rels:
                return False
            targets = {_attr(t, b"Id"): _attr(t, b"Target") for t in _REL_TAG.findall(rels)}
            names = set(z.namelist())
            for tag in _SHEET_TAG.findall(book):
                if _attr(tag, b"name") not in titles:
                    continue
                target = (targets.get(_attr(tag, b"id")) or "").lstrip("/")
                part = target if target.startswith("xl/") else "xl/" + target
                if part not in names:
                    return False
                with z.open(part) as stream:
                    scan = scan_sheet_xml(stream, certify=True)
                if scan.doctype or not scan.canonical or (scan.last_row or 0) > limits.rows:
                    return False
    # NotImplementedError: zipfile's word for a compression method it does not support (a hostile part)
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile, NotImplementedError):
        return False
    return True


def _plain_shared_strings(wb: Any) -> bool:
    """Whether calamine reads the shared strings as openpyxl does: no empty, rich-run, phonetic or escaped
    (``_x000D_``) strings, nothing in CDATA."""
    strings = wb.shared_strings if hasattr(wb, "shared_strings") else []
    if any(s == "" or _is_formula_text(s) for s in strings):
        return False  # an empty text, or a text refused as a formula (the expat parser lists it)
    archive = getattr(wb, "_archive", None)
    if archive is None:
        return False
    for name in archive.namelist():
        if name.lower().endswith("sharedstrings.xml"):
            raw = archive.read(name)
            if any(o in raw for o in (b"<rPh", b"_x", b"_X", b"<r>", b"<r ", b"<![CDATA[", b"<t/>", b"></t>")):
                return False
    return True


def _openpyxl_rows(wb: Any, ws: Any, stream: Any, last: int | None) -> Iterator[tuple[int, Cells]]:
    from openpyxl.worksheet._reader import WorkSheetParser

    parser = WorkSheetParser(stream, ws._shared_strings, data_only=False, epoch=wb.epoch,
                             date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
    for idx, cells in parser.parse():
        if last is not None and idx > last:
            return
        yield idx, [(c["column"], c["value"], c["data_type"], int(c["style_id"] or 0)) for c in cells]


SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REF = re.compile(r"([A-Z]+)(\d+)")
_COL_CACHE: dict[str, int] = {}


def _col_number(letters: str) -> int:
    n = _COL_CACHE.get(letters)
    if n is None:
        n = 0
        for ch in letters:
            n = n * 26 + ord(ch) - 64
        _COL_CACHE[letters] = n
    return n


def _expat_rows(wb: Any, ws: Any, stream: Any, last: int | None) -> Iterator[tuple[int, Cells]]:
    """Rows of a sheet without formulas, read with expat (C) callbacks: the cells openpyxl's parser would
    give (same shared strings, numbers, booleans, dates by style, inline strings), several times faster,
    because no element tree is built per cell. Tags are compared with their namespace, as openpyxl does."""
    from xml.parsers import expat

    from openpyxl.utils.datetime import from_excel, from_ISO8601

    strings = ws._shared_strings
    date_styles, td_styles, epoch = wb._date_formats, wb._timedelta_formats, wb.epoch
    ROW, C, V, IS, R, T = (f"{SHEET_NS} {t}" for t in ("row", "c", "v", "is", "r", "t"))
    done: list[tuple[int, Cells]] = []
    # state of the row and cell being read; a list, so the callbacks can change it without nonlocal
    row_no = [0]
    cells: Cells = []
    cur: list[Any] = [0, "n", 0, None, None]  # column, type, style, <v> text parts, inline text parts
    depth = [0, 0]  # inside <c> (1) / its <v> (2); inside <is> (1) / its text run <r> (2); 0 outside
    keep = [False]  # collecting an inline string's <t> text

    def start(name: str, attrs: dict) -> None:
        if name == C:
            ref = attrs.get("r")
            if ref:
                cur[0] = _col_number(_REF.match(ref).group(1))
            else:
                cur[0] += 1
            cur[1] = attrs.get("t", "n")
            sid = attrs.get("s")
            cur[2] = int(sid) if sid else 0
            cur[3] = cur[4] = None
            depth[0] = 1
        elif name == V:
            if depth[0] == 1:
                cur[3] = []
                depth[0] = 2
        elif name == ROW:
            r = attrs.get("r")
            row_no[0] = int(float(r)) if r else row_no[0] + 1
            cur[0] = 0
            cells.clear()
        elif name == IS:
            cur[4] = []
            depth[1] = 1
        elif name == R and depth[1] == 1:
            depth[1] = 2
        elif name == T and (depth[1] == 1 or depth[1] == 2):
            keep[0] = True
        elif depth[1] == 1 or depth[1] == 2:
            depth[1] += 10  # <rPh>, <phoneticPr>…: their <t> is not the cell's text

    def chars(data: str) -> None:
        if depth[0] == 2:
            cur[3].append(data)
        elif keep[0]:
            cur[4].append(data)

    def end(name: str) -> None:
        if name == V:
            if depth[0] == 2:
                depth[0] = 1
        elif name == C:
            depth[0] = 0
            t, sid = cur[1], cur[2]
            value: Any = None
            if t == "inlineStr":
                if cur[4] is not None:
                    value, t = "".join(cur[4]), "s"
            elif cur[3]:
                value = "".join(cur[3]) or None
                if value is not None:
                    if t == "n":
                        value = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                        if sid in date_styles:
                            t = "d"
                            try:
                                value = from_excel(value, epoch, timedelta=sid in td_styles)
                            except (OverflowError, ValueError):
                                t, value = "e", "#VALUE!"
                    elif t == "s":
                        value = strings[int(value)]
                    elif t == "b":
                        value = bool(int(value))
                    elif t == "str":
                        t = "s"
                    elif t == "d":
                        value = from_ISO8601(value)
            cells.append((cur[0], value, t, sid))
        elif name == ROW:
            done.append((row_no[0], list(cells)))
        elif name == T:
            keep[0] = False
        elif name == IS:
            depth[1] = 0
        elif name == R and depth[1] == 2:
            depth[1] = 1
        elif depth[1] > 10:
            depth[1] -= 10

    p = expat.ParserCreate(namespace_separator=" ")
    # the scan refused a DOCTYPE already; should one get here, entities are never expanded or fetched
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _refuse_doctype
    p.buffer_text = True
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
    while True:
        chunk = stream.read(1 << 16)
        p.Parse(chunk, not chunk)
        for item in done:
            if last is not None and item[0] > last:
                return
            yield item
        done.clear()
        if not chunk:
            return


def _refuse_doctype(*_: Any) -> None:
    raise Refused("工作表的 XML 含有 DOCTYPE（实体声明），Excel 不会写出这样的文件，已拒绝读取",
                  "DOCTYPE in the worksheet XML", "Excel 保存的 .xlsx")


def open_source(path: Path, data: bytes, log: Log, sheets: tuple[str, ...] | None = None,
                limits: Limits = LIMITS) -> Source:
    """The file's kind and, when it can be read, its grids; problems opening it go to ``log``."""
    kind = sniff_kind(path, data)
    if kind == "csv":
        return load_csv(data, log, limits) or Source("csv")
    if kind == "xlsx":
        return load_workbook(path, data, log, sheets, limits) or Source("xlsx")
    return Source(kind)
