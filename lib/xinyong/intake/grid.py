"""A sheet (or a CSV) as rows of values: :class:`Grid`, and :class:`SheetRows`, the compact rows calamine gives.

Row and column numbers are 1-based, as Excel shows them. A value is what the cell holds: a text, an int
(a whole number), a float, a bool, a date-time, a time or a duration; an empty cell is None. A formula
cell is blank in the rows and listed, with its text, in :attr:`Grid.formulas` (formulas are refused,
never evaluated); the cells formatted as a percent are listed in :attr:`Grid.percent` (the only format
the sheet readers look at).
"""
from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from ..safe import formula_like
from ..scheme.values import is_blank

SHEET_CHUNK_ROWS = 8192  # calamine's rows turned into columns this many at a time (bounds their memory)


@dataclass(slots=True)
class Cell:
    value: Any
    fmt: str = "General"


@dataclass
class Grid:
    """One sheet (or a CSV) as rows of values; row and column numbers are 1-based like Excel's.

    Only values are kept per cell; the few cells whose number format is a percent format are listed in
    ``percent``. Formula cells are blank in ``rows`` and listed, with their text, in ``formulas``.
    ``rows`` is a list of tuples (a CSV, a sheet calamine could not be trusted with), or a
    :class:`SheetRows` (a sheet read by calamine) that builds each row when it is asked for;
    :meth:`column` and :meth:`row_numbers` read such a sheet a column at a time without building rows.
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
    """One value of a :class:`SheetRows` column as a row gives it: a whole number is an int, "" or NaN (a
    blank in a column of numbers) an empty cell; anything else (a bool, a date) as calamine gave it."""
    t = type(v)
    if t is str:
        return v or None
    if t is not float and t is not np.float64:
        return v
    x = float(v)
    if x != x:
        return None
    return int(x) if x.is_integer() else x


class _Numbers:
    """A column of numbers as a float array, NaN where a cell is empty (a NaN written in a cell, which no
    spreadsheet writes, reads as empty too), with its few other cells (a header, the template's label rows above the
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

    def add(self, col: tuple[Any, ...]) -> None:
        """The next cells; a date as the date-time at its midnight (calamine gives a date when the time
        is zero, openpyxl always a date-time: the readers and the problems they show read one type)."""
        kinds = set(map(type, col))
        if dt.date in kinds:
            col = tuple(dt.datetime(v.year, v.month, v.day) if type(v) is dt.date else v for v in col)
            kinds = set(map(type, col))
        if self.texts is None:
            if kinds == {float}:
                self.xs.append(np.array(col, dtype=float))
            elif col.count("") == len(col):  # empty cells only
                self.xs.append(np.full(len(col), np.nan))
            elif float not in kinds or not kinds <= {str, float}:  # texts; a bool, a date…: kept as they are
                self._to_texts()
            else:
                texts = [k for k, t in enumerate(map(type, col)) if t is str]
                other = [(k, col[k]) for k in texts if col[k]]
                if len(self.other) + len(other) <= max(16, (self.n + len(col)) // 100):
                    x = np.array(col, dtype=object)
                    x[texts] = np.nan
                    self.xs.append(x.astype(float))
                    self.other.update((self.n + k, v) for k, v in other)
                else:
                    self._to_texts()
        if self.texts is not None:
            if bool in kinds:  # True == 1.0: equal values of other types must not share one object
                self.texts.append(tuple(self.canon.setdefault((type(v), v), v) for v in col))
            else:
                self.texts.append(tuple(map(self.canon.setdefault, col, col)))
        self.n += len(col)

    def _to_texts(self) -> None:
        """From numbers to a tuple: calamine's values back (floats, "" for NaN, the texts in their places)."""
        vals = np.concatenate(self.xs).tolist() if self.xs else []
        vals = ["" if v != v else v for v in vals]
        for k, v in self.other.items():
            vals[k] = v
        self.texts = [tuple(vals)] if vals else []
        self.xs, self.other = [], {}

    def done(self) -> "_Numbers | tuple[Any, ...]":
        if self.texts is None and len(self.other) > max(16, self.n // 100):
            self._to_texts()
        if self.texts is not None:
            return tuple(itertools.chain.from_iterable(self.texts))
        return _Numbers(np.concatenate(self.xs) if self.xs else np.empty(0), self.other)


class SheetRows(Sequence):
    """The rows of a sheet read by calamine, kept a column at a time (:class:`_ColumnBuilder`: numbers in float
    arrays, texts in tuples; ``r0`` rows above and ``c0`` columns left of them empty). A row tuple is
    built only when asked for (:func:`_cell`); the sheet readers read whole
    columns (:meth:`column`) and the filled rows (:meth:`filled`) without building any. Trailing blank
    rows are dropped, as :func:`trim` does. Build it with :meth:`build`."""

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
    def build(cls, found: Iterator[list[Any]], n: int, r0: int, c0: int) -> "SheetRows":
        """From calamine's first ``n`` rows, a chunk of :data:`SHEET_CHUNK_ROWS` at a time."""
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
                b.add(col)
            total += len(chunk)
        return cls([b.done() for b in cols], total, r0, c0)

    def formula_texts(self) -> dict[tuple[int, int], str]:
        """The text cells a spreadsheet would run as formulas (:func:`~xinyong.safe.formula_like`), by
        (row, column): they are refused as formula cells are."""
        off = 1 + self.r0
        out: dict[tuple[int, int], str] = {}
        for k, c in enumerate(self.cols):
            cells = c.other.items() if isinstance(c, _Numbers) else enumerate(c)
            out.update(((i + off, self.c0 + k + 1), v) for i, v in cells if type(v) is str and formula_like(v))
        return out

    def _blank_rows(self) -> np.ndarray:
        """Per row, whether it holds nothing (empty cells, or texts of whitespace only)."""
        blank = np.ones(self.n, dtype=bool)
        for c in sorted(self.cols, key=lambda c: not isinstance(c, _Numbers)):  # the cheap ones first
            if not blank.any():
                break
            if isinstance(c, _Numbers):
                empty = np.isnan(c.x)
                for k, v in c.other.items():
                    empty[k] = type(v) is str and not v.strip()
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


def set_cells(grid: Grid, cells: dict[tuple[int, int], Any]) -> None:
    """Put ``cells`` (by row and column; None blank) in ``grid``, its rows built as tuples: each row
    reaches to its last cell set, a formula's included (so a sheet's formula cells read as a row-by-row
    reader leaves them, blank in their places)."""
    rows = [list(r) for r in grid.rows]
    for (i, j), v in sorted(cells.items()):
        rows += [[] for _ in range(i - len(rows))]
        row = rows[i - 1]
        row += [None] * (j - len(row))
        row[j - 1] = v
    grid.rows = [tuple(r) for r in rows]
    trim(grid)


def trim(grid: Grid) -> None:
    """Drop trailing rows that hold nothing (a formula counts as something)."""
    with_formula = {r for r, _ in grid.formulas}
    while grid.rows and len(grid.rows) not in with_formula and all(is_blank(v) for v in grid.rows[-1]):
        grid.rows.pop()
