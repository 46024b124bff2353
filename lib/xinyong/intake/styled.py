"""What calamine's values do not tell, read through openpyxl's public read-only API.

calamine gives a cell's value: a formula cell's cached result, an error cell as empty, no number
format. For the sheets whose scan (:mod:`.scan`) found a formula, an error cell or a cell of a percent
style, openpyxl's streaming reader (``load_workbook(read_only=True, data_only=False)``,
``ws.iter_rows``) tells for each cell its formula text (``data_type == "f"``), its error text
(``"e"``: #N/A is read as the text it shows, which the reader then refuses as a number) and its
``number_format``; :func:`overlay` puts that on calamine's grid. A sheet calamine must not build (its
cells outside the bounds of :mod:`.scan`) is read here whole, values included (:func:`read_sheet`),
placing each cell in its row and counting the cells as the rows are built.
"""
from __future__ import annotations

import io
import re
import zipfile
from typing import Any, Iterator

from ..safe import formula_like
from .grid import Grid, trim
from .limits import Limits

_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")
_ROOT = re.compile(rb"<(\w+:)?worksheet[\s>][^>]*>")


class Formats:
    """openpyxl's read-only view of one workbook, opened when a sheet first needs it."""

    def __init__(self, data: bytes):
        self.data = data
        self.book: Any = None

    def rows(self, title: str, last: int | None) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, cells) of sheet ``title`` down to row ``last`` (all rows when None)."""
        if self.book is None:
            import openpyxl

            self.book = openpyxl.load_workbook(io.BytesIO(with_dimensions(self.data)), read_only=True,
                                               data_only=False)
        ws = self.book[title]
        ws.reset_dimensions()  # the declared dimension is never trusted: rows as long as their cells
        yield from enumerate(ws.iter_rows(max_row=last), 1)

    def close(self) -> None:
        if self.book is not None:
            self.book.close()


def _what(cell: Any) -> tuple[Any, str | None, bool]:
    """A cell's value for the grid, its formula text (None if it is none) and whether it is a number
    formatted as a percent."""
    v = cell.value
    if cell.data_type == "f" or formula_like(v):
        return None, str(v), False
    pct = isinstance(v, (int, float)) and "%" in (cell.number_format or "")
    return v, None, pct


def overlay(grid: Grid, fmt: Formats, last: int | None) -> dict[tuple[int, int], Any]:
    """On a grid calamine read: the formula cells and percent cells listed; returns the cells to change
    (:func:`~.grid.set_cells`): a formula blank, an error cell its text."""
    changes: dict[tuple[int, int], Any] = {}
    for i, row in fmt.rows(grid.name, last):
        for j, cell in enumerate(row, 1):
            if cell.value is None:
                continue
            v, formula, pct = _what(cell)
            if formula is not None:
                grid.formulas[(i, j)] = formula
                changes[(i, j)] = None
            elif cell.data_type == "e":
                changes[(i, j)] = v
            elif pct:
                grid.percent.add((i, j))
    return changes


def read_sheet(fmt: Formats, title: str, last: int | None, limits: Limits, budget: int) -> tuple[Grid, int]:
    """A sheet calamine must not build, read row by row, and its cells (each row's down to its last
    value); raises ``OverflowError`` with the row count, or -1, when the sheet asks more rows than
    ``limits`` or more cells than ``budget`` allow."""
    left = budget
    grid = Grid(title, [])
    rows = grid.rows
    for i, cells in fmt.rows(title, last):
        if i > limits.rows:  # rows without numbers: the scan could not count them
            raise OverflowError(i)
        vals: list[Any] = []
        for j, cell in enumerate(cells, 1):
            if cell.value is None or cell.value == "":  # an empty text is an empty cell, as calamine reads it
                continue
            v, formula, pct = _what(cell)
            if formula is not None:
                grid.formulas[(i, j)] = formula
            elif pct:
                grid.percent.add((i, j))
            vals += [None] * (j - 1 - len(vals))
            vals.append(v)
        left -= len(vals)
        if left < 0:
            raise OverflowError(-1)
        rows.append(tuple(vals))
    trim(grid)
    return grid, budget - left


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


def with_dimensions(data: bytes) -> bytes:
    """The workbook with a ``<dimension>`` in every worksheet that has none. openpyxl's read-only mode looks
    for the dimension when it opens a sheet and, without one, parses the whole sheet to find out there is
    none (a minute for a large sheet). The reader never trusts the dimension (``reset_dimensions``), so
    a dummy one, first in the root element, is enough. Excel always writes one: the workbook comes back
    unchanged, after reading only the head of each sheet."""
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
