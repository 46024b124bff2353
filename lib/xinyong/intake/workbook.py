"""Open an .xlsx once and give its sheets as grids of values: the one way a workbook is read.

:func:`open_workbook` is the entry for anyone who needs a workbook's cells (``collect``'s first look at
a return, a units file); :func:`load_workbook` is the same with the problems logged (``read_inputs``).
For every sheet asked for, in this order:

1. the zip directory against :mod:`.limits` (sizes, parts, ratio); every part but the worksheets read
   through ``zipfile`` (bounded by its declared size), a DOCTYPE anywhere refused;
2. the sheets and their parts (``workbook.xml`` and its relationships) and the percent styles
   (``styles.xml``), parsed with ``xml.etree`` once the DOCTYPE check has passed;
3. each sheet's XML scanned before it is parsed (:mod:`.scan`): its rows against the limits, its merged
   ranges, whether it holds formulas, error cells or percent formats, and whether calamine may build it;
4. the values read by calamine (python-calamine's public API: ``CalamineWorkbook.from_filelike``,
   ``get_sheet_by_name``, ``iter_rows``), kept a column at a time (:class:`~.grid.SheetRows`); what
   calamine does not tell (formula texts, error texts, percent formats) put on them through openpyxl's
   public read-only API (:mod:`.styled`); a sheet calamine must not build read by openpyxl alone;
5. a text that a spreadsheet would run as a formula refused as a formula is; the cells of the grids
   counted against :attr:`~.limits.Limits.cells`.

A value is as calamine gives it, but for two things the sheet readers rely on: a whole number is an
int (calamine gives every number as a float) and a date is a date-time at midnight (calamine gives a
date when the time is zero; openpyxl, and so Excel's users' files read before, a date-time).
"""
from __future__ import annotations

import io
import itertools
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..errors import InputError
from .grid import Grid, SheetRows, set_cells
from .limits import LIMITS, Limits, Refused, archive_problem, file_problem, too_big, verify_parts
from .problems import Log
from .scan import SheetScan, cut_after, scan_sheet_xml
from .styled import Formats, overlay, read_sheet

WORKSHEETS = "xl/worksheets/"
XLSX_EXPECTED = "Excel 工作簿（.xlsx）"
DOCTYPE_REFUSED = "的 XML 含有 DOCTYPE（实体声明），Excel 不会写出这样的文件，已拒绝读取"
BUILTIN_PERCENT = (9, 10)  # the built-in number formats 0% and 0.00%
CUSTOM_FORMATS_FROM = 164  # number format ids below are built in


@dataclass(frozen=True)
class SheetPart:
    """A sheet of the workbook: its name, its part in the zip, and whether it has cells (a chartsheet
    has none)."""

    title: str
    part: str
    cells: bool


@dataclass
class Workbook:
    """A workbook's sheets as grids, in the workbook's order; a sheet not asked for is an empty grid."""

    path: Path
    grids: dict[str, Grid]

    @property
    def names(self) -> list[str]:
        return list(self.grids)

    def sheet(self, name: str) -> Grid | None:
        """The sheet ``name``, None when the workbook has none of that name."""
        return self.grids.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.grids


def open_workbook(path: str | Path, data: bytes | None = None, sheets: tuple[str, ...] | None = None,
                  limits: Limits = LIMITS) -> Workbook:
    """The sheets of the .xlsx at ``path`` (only ``sheets``, when given; ``data``: its bytes, when they
    are read already). Raises :class:`~xinyong.errors.InputError`, in Chinese and naming the file (and
    the sheet to blame), for a file that cannot or must not be read."""
    path = Path(path)
    if data is None:
        problem = file_problem(path.stat().st_size, limits)
        if problem is not None:
            raise InputError(f"{path.name}：{problem[0]}", problem[1], file=str(path))
        data = path.read_bytes()
    try:
        return Workbook(path, read_xlsx(path, data, sheets, limits))
    except Refused as exc:
        raise InputError(exc.message, exc.detail, file=str(path), sheet=exc.sheet, expected=exc.expected) from None


def load_workbook(path: Path, data: bytes, log: Log, sheets: tuple[str, ...] | None = None,
                  limits: Limits = LIMITS) -> dict[str, Grid] | None:
    """:func:`read_xlsx`, a refusal logged as a problem (None then)."""
    try:
        return read_xlsx(path, data, sheets, limits)
    except Refused as exc:
        log.error(exc.message, exc.detail, sheet=exc.sheet, value=path.name, expected=exc.expected)
        return None


def read_xlsx(path: Path, data: bytes, sheets: tuple[str, ...] | None = None,
              limits: Limits = LIMITS) -> dict[str, Grid]:
    """Every sheet (or only ``sheets``) of the .xlsx ``data`` as a grid, by name in the workbook's order.
    Raises :class:`~.limits.Refused` with the message to show (naming ``path``) when the file asks more
    than ``limits`` allow, holds a DOCTYPE, or cannot be read."""
    bomb = archive_problem(data, limits)
    if bomb is not None:
        raise Refused(f"{path.name}：{bomb[0]}", bomb[1], XLSX_EXPECTED)
    try:
        hostile = verify_parts(data, (WORKSHEETS,))
        if hostile is not None:
            raise Refused(f"部件 {hostile}{DOCTYPE_REFUSED}", f"DOCTYPE in {hostile}", "Excel 保存的 .xlsx")
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts, styles = book_parts(z)
            reader = _SheetReader(data, z, percent_styles(z, styles), limits)
            return reader.read(parts, sheets)
    except Refused as exc:
        raise Refused(f"{path.name}：{exc.message}", exc.detail, exc.expected, exc.sheet) from None
    # zip, XML, calamine's and openpyxl's errors, KeyError for a missing part: a damaged file, or one
    # that is not a workbook
    except Exception as exc:  # noqa: BLE001
        raise Refused(_unreadable(path, exc), f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}",
                      XLSX_EXPECTED) from None


def _unreadable(path: Path, exc: BaseException) -> str:
    """Why a workbook could not be read: entities refused by openpyxl's XML parser (defusedxml, when
    installed, refuses them and says so), or a damaged file."""
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__module__.startswith("defusedxml"):
            return f"{path.name}：文件{DOCTYPE_REFUSED}"
        seen = seen.__cause__ or seen.__context__
    return "文件不是有效的 Excel 工作簿（.xlsx），无法打开"


# ------------------------------------------------------------------------------------------ the parts
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el: ElementTree.Element, name: str) -> str | None:
    """An attribute by its local name, whatever its namespace (``r:id``)."""
    for k, v in el.attrib.items():
        if _local(k) == name:
            return v
    return None


def _relationships(z: zipfile.ZipFile, part: str) -> list[ElementTree.Element]:
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels not in z.namelist():
        return []
    return [el for el in ElementTree.fromstring(z.read(rels)).iter() if _local(el.tag) == "Relationship"]


def _target(base: str, target: str) -> str:
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def book_parts(z: zipfile.ZipFile) -> tuple[list[SheetPart], str | None]:
    """The sheets in the workbook's order, and the styles part (None when there is none)."""
    book = next((_target("", el.get("Target", "")) for el in _relationships(z, "")
                 if (el.get("Type") or "").endswith("/officeDocument")), "xl/workbook.xml")
    rels = {el.get("Id"): el for el in _relationships(z, book)}
    styles = next((_target(book, el.get("Target", "")) for el in rels.values()
                   if (el.get("Type") or "").endswith("/styles")), None)
    out = []
    for el in ElementTree.fromstring(z.read(book)).iter():
        if _local(el.tag) != "sheet":
            continue
        rel = rels.get(_attr(el, "id"))
        kind = (rel.get("Type") or "") if rel is not None else ""
        part = _target(book, rel.get("Target", "")) if rel is not None else ""
        out.append(SheetPart(el.get("name", ""), part, kind.endswith("/worksheet")))
    return out, styles


def percent_styles(z: zipfile.ZipFile, part: str | None) -> tuple[int, ...]:
    """The cell style ids (``s="…"``) whose number format is a percent format."""
    if part is None or part not in z.namelist():
        return ()
    root = ElementTree.fromstring(z.read(part))
    custom = {el.get("numFmtId"): el.get("formatCode") or "" for el in root.iter() if _local(el.tag) == "numFmt"}
    xfs = next((el for el in root if _local(el.tag) == "cellXfs"), None)
    out = []
    for k, xf in enumerate(x for x in (xfs if xfs is not None else ()) if _local(x.tag) == "xf"):
        fid = xf.get("numFmtId") or "0"
        pct = int(fid) in BUILTIN_PERCENT if fid.isdigit() and int(fid) < CUSTOM_FORMATS_FROM \
            else "%" in custom.get(fid, "")
        if pct:
            out.append(k)
    return tuple(out)


# ------------------------------------------------------------------------------------------ the sheets
class _SheetReader:
    """The sheets of one workbook read in turn, the cells of their grids counted together."""

    def __init__(self, data: bytes, z: zipfile.ZipFile, styles: tuple[int, ...], limits: Limits):
        self.data, self.z, self.styles, self.limits = data, z, styles, limits
        self.book: Any = None  # calamine's workbook, opened when a sheet first needs it
        self.formats = Formats(data)
        self.cells = 0  # in the grids read so far

    def read(self, parts: list[SheetPart], wanted: tuple[str, ...] | None) -> dict[str, Grid]:
        grids: dict[str, Grid] = {}
        try:
            for p in parts:
                asked = wanted is None or p.title in wanted
                grids[p.title] = self.sheet(p) if asked and p.cells else Grid(p.title, [])
        finally:
            self.formats.close()
        return grids

    def sheet(self, p: SheetPart) -> Grid:
        with self.z.open(p.part) as stream:
            scan = scan_sheet_xml(stream, self.styles)
        if scan.doctype:
            raise Refused(f"工作表“{p.title}”{DOCTYPE_REFUSED}", "DOCTYPE in the worksheet XML", "Excel 保存的 .xlsx",
                          p.title)
        _raise(too_big(p.title, scan.last_row or 0, 0, self.limits))
        if scan.calamine:
            grid = self.calamine(p, scan)
            changes = overlay(grid, self.formats, scan.last_row) if scan.needs_formats else {}
            if isinstance(grid.rows, SheetRows):
                texts = grid.rows.formula_texts()
                grid.formulas.update(texts)
                changes.update(dict.fromkeys(texts))
            if changes:
                set_cells(grid, changes)
            cells = grid.n_rows * grid.width  # calamine's dense grid
        else:
            try:
                grid, cells = read_sheet(self.formats, p.title, scan.last_row, self.limits,
                                         self.limits.cells - self.cells)
            except OverflowError as exc:
                rows = exc.args[0]
                _raise(too_big(p.title, rows, 0, self.limits) if rows > 0
                       else too_big(p.title, 0, self.limits.cells + 1, self.limits))
        grid.merged = scan.merged
        self.cells += cells
        _raise(too_big(p.title, 0, self.cells, self.limits))
        return grid

    def calamine(self, p: SheetPart, scan: SheetScan) -> Grid:
        """The sheet's rows down to the scan's last row, as calamine reads them."""
        import python_calamine

        title = p.title
        if scan.long_tail:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self.cut(p, scan)))
        else:
            if self.book is None:
                self.book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self.data))
            book = self.book
        sheet = book.get_sheet_by_name(title)
        if not sheet.height or not scan.last_row:
            return Grid(title, [])
        r0, c0 = sheet.start
        found = sheet.iter_rows()
        first = next(found, None)
        # python-calamine 0.9.1's iter_rows starts at row 1, the empty rows above the first value included,
        # while its columns start at the first value's. Should a release start at the first value's row,
        # that row holds a value: told apart by the first row given.
        top = 0 if r0 and first is not None and all(v == "" for v in first) else r0
        rows = SheetRows.build(itertools.chain([first] if first is not None else [], found),
                               max(scan.last_row - top, 0), min(top, scan.last_row), c0)
        return Grid(title, rows)

    def cut(self, p: SheetPart, scan: SheetScan) -> bytes:
        """A workbook for calamine holding every part but the worksheets, and sheet ``p`` cut after its
        last row with data (:func:`~.scan.cut_after`): Excel's formatted columns are a million empty rows
        that calamine would parse to the end (the other sheets' parts are never asked for)."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as w:
            for info in self.z.infolist():
                if info.filename == p.part:
                    with self.z.open(info) as stream:
                        w.writestr(info.filename, cut_after(stream, scan.last_row or 0))
                elif not info.filename.startswith(WORKSHEETS):
                    w.writestr(info.filename, self.z.read(info))
        return out.getvalue()


def _raise(refusal: Refused | None) -> None:
    if refusal is not None:
        raise refusal

