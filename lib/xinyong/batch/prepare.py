"""Read a run's data files once, find which units' rows are invalid, and give the notebooks clean copies.

The report notebooks read the whole data file (``load_run``), and intake refuses a file with any
error, so one unit's bad cell would fail every report of the run. Here every problem is attributed to
a unit (its ``unit`` field, or the unit id found on the problem's sheet and row); those units fail on
their own, and the notebooks read a copy of the file without their rows. Problems that belong to no
unit (a missing sheet, an unknown column, a row without a unit id) fail the whole run: nobody can say
which reports they would change.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem
from ..intake import read_inputs
from ..intake.read import CSV_ENCODINGS, IntakeResult, _text
from ..intake.template import DATA_SHEETS, UNIT_ID_HEADER, UNIT_ID_LABEL, UNIT_ID_RANGE
from ..scheme.model import Scheme
from ..util import atomic_write_bytes
from .names import safe_component

ID_HEADERS = (UNIT_ID_HEADER, UNIT_ID_LABEL)
NOT_IDS = (UNIT_ID_LABEL, UNIT_ID_RANGE)  # the template's label and range rows under the header


@dataclass
class PeriodInput:
    """One period's file as read, and what the notebooks read instead."""

    period: str
    source: Path  # the file given
    path: Path  # the file the notebooks read: ``source``, or a copy without the invalid units
    intake: IntakeResult
    bad: dict[str, list[Problem]] = field(default_factory=dict)  # unit id -> its errors

    @property
    def frame(self) -> pd.DataFrame:
        return self.intake.frame

    @property
    def evidence(self) -> pd.DataFrame:
        return self.intake.evidence


def _grids(path: Path) -> dict[str | None, list[list[object]]]:
    """Sheet name (None for a CSV) -> rows of raw values, enough to find the unit id of a row."""
    data = path.read_bytes()
    if data.startswith(b"PK"):
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False, read_only=True)
        try:
            return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets
                    if ws.title in DATA_SHEETS}
        finally:
            wb.close()
    text = _decode(data)[0]
    return {None: [list(r) for r in csv.reader(io.StringIO(text), delimiter=_delimiter(text))]}


def _decode(data: bytes) -> tuple[str, str]:
    for enc in CSV_ENCODINGS:
        if enc == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
            continue
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("csv", data[:1], 0, 1, "no known encoding")


def _delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text.splitlines()[0] if text.strip() else ",", delimiters=",\t;").delimiter
    except csv.Error:
        return ","


def _id_column(rows: list[list[object]]) -> int | None:
    """0-based column of the unit id in a header row."""
    for j, v in enumerate(rows[0] if rows else []):
        if _text(v) in ID_HEADERS:
            return j
    return None


def row_units(path: Path) -> dict[tuple[str | None, int], str]:
    """(sheet, 1-based row) -> unit id text on that row, for every data sheet."""
    out: dict[tuple[str | None, int], str] = {}
    try:
        grids = _grids(path)
    except Exception:  # noqa: BLE001 — unreadable files already carry a file-level problem
        return out
    for sheet, rows in grids.items():
        j = _id_column(rows)
        if j is None:
            continue
        for i, row in enumerate(rows[1:], start=2):
            uid = _text(row[j]) if j < len(row) else ""
            if uid and uid not in NOT_IDS:
                out[(sheet, i)] = uid
    return out


def attribute(intake: IntakeResult, path: Path) -> tuple[dict[str, list[Problem]], list[Problem]]:
    """Split intake errors into (unit id -> errors, errors of no unit)."""
    by_row: dict | None = None
    bad: dict[str, list[Problem]] = {}
    general: list[Problem] = []
    for p in intake.errors:
        uid = p.unit
        if uid is None and p.row is not None and p.row > 1:
            if by_row is None:
                by_row = row_units(path)
            uid = by_row.get((p.sheet, p.row))
        if uid is None:
            general.append(p)
        else:
            bad.setdefault(str(uid), []).append(p)
    return bad, general


def without_units(path: Path, drop: set[str]) -> bytes:
    """The bytes of ``path`` with every data row of the units in ``drop`` removed (xlsx or CSV)."""
    data = path.read_bytes()
    if data.startswith(b"PK"):
        import openpyxl

        from ..intake.template import workbook_bytes

        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
        for ws in wb.worksheets:
            if ws.title not in DATA_SHEETS:
                continue
            header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1), [])]
            j = _id_column([header])
            if j is None:
                continue
            rows = [r for r in range(2, ws.max_row + 1) if _text(ws.cell(r, j + 1).value) in drop]
            for r in sorted(rows, reverse=True):
                ws.delete_rows(r)
        return workbook_bytes(wb)
    text, enc = _decode(data)
    delim = _delimiter(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    j = _id_column(rows)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator="\n")
    for i, row in enumerate(rows):
        if i > 0 and j is not None and j < len(row) and _text(row[j]) in drop:
            continue
        w.writerow(row)
    return buf.getvalue().encode("utf-8")


def read_period(scheme: Scheme, period: str, source: str | os.PathLike, work_dir: Path) -> PeriodInput:
    """Read ``source`` through intake; write a clean copy into ``work_dir`` when some units are invalid.

    Raises :class:`InputError` for problems that belong
    to no unit, and for a workbook whose period is not ``period``.
    """
    src = Path(source)
    res = read_inputs(scheme, src)
    if res.period is not None and str(res.period) != str(period):
        raise InputError(f"文件 {src.name} 的考核期为“{res.period}”，与要求的“{period}”不一致",
                         f"{src}: workbook period {res.period!r} != requested {period!r}", file=str(src))
    bad, general = attribute(res, src)
    if general:
        raise InputError(f"文件 {src.name} 有 {len(general)} 处错误不属于任何单位，整批无法计分",
                         f"{len(general)} errors in {src} belong to no unit", problems=general, file=str(src))
    path = src.resolve()
    if bad:
        path = work_dir / safe_component(period) / src.name
        atomic_write_bytes(path, without_units(src, set(bad)))
        check = read_inputs(scheme, path)
        if check.errors:  # e.g. a merged range spanning two units: the copy is not clean
            raise InputError(f"去除有误单位后，文件 {src.name} 仍有 {len(check.errors)} 处错误", "clean copy still has errors",
                             problems=check.errors, file=str(src))
    return PeriodInput(str(period), src.resolve(), path, res, bad)
