"""A period's file with the units whose rows are invalid cut out, so one unit's bad data stops no one else.

Intake refuses a file with any error; a report of unit A must not wait for unit B's bad cell. Intake
attributes every problem to the unit its row names (``Problem.unit``; :attr:`IntakeResult.unit_errors`
keeps all of them, listed or not): those units fail on their own, and the rest is scored from a copy
of the file without their rows. Problems that belong to no unit (a missing sheet, an unknown column,
a row without a unit id) fail the whole file: nobody can say which reports they would change.
Used by ``xinyong report`` / ``overview`` (``report/commands.py``) and by the batch (``batch/prepare.py``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem
from ..intake import read_inputs
from ..intake.cells import text
from ..intake.read import ID_HEADERS, IntakeResult
from ..intake.problems import Log
from ..intake.sources import csv_rows, decode_text, open_source, sniff_delimiter
from ..intake.template import DATA_SHEETS
from ..safe import csv_bytes, editable
from ..scheme.model import Scheme
from ..util import atomic_write_bytes
from .load import InvalidUnit


@dataclass
class PeriodInput:
    """One period's file as read, and what the notebooks read instead."""

    period: str
    source: Path  # the file given
    path: Path  # the file the notebooks read: ``source``, or a copy without the invalid units
    intake: IntakeResult
    bad: dict[str, list[Problem]] = field(default_factory=dict)  # unit id -> its errors
    path_intake: IntakeResult | None = None  # ``path`` as read (``intake`` itself when path is source)

    @property
    def read(self) -> IntakeResult:
        """What intake gave for :attr:`path`, the file the run is scored from: handed to ``load_run``
        so the client reads each file once, not once here and again there."""
        return self.path_intake if self.path_intake is not None else self.intake

    @property
    def frame(self) -> pd.DataFrame:
        return self.intake.frame

    @property
    def evidence(self) -> pd.DataFrame:
        return self.intake.evidence


def _id_column(header: list[object]) -> int | None:
    """0-based column of the unit id in a header row."""
    return next((j for j, v in enumerate(header) if text(v) in ID_HEADERS), None)


def without_units(path: Path, drop: set[str]) -> bytes:
    """The bytes of ``path`` with every data row of the units in ``drop`` removed (xlsx or CSV)."""
    data = path.read_bytes()
    if data.startswith(b"PK"):
        from ..intake.template import workbook_bytes

        wb = editable(data)
        # the rows to drop, read from the file: walking the openpyxl workbook's rows would create cells
        for title, g in open_source(path, data, Log(str(path)), sheets=DATA_SHEETS).grids.items():
            j = _id_column(list(g.rows[0]) if g.n_rows else [])
            if j is None or title not in wb.sheetnames:
                continue
            rows = [r for r in range(2, g.n_rows + 1) if text(g.value(r, j + 1)) in drop]
            for r in reversed(rows):
                wb[title].delete_rows(r)
        return workbook_bytes(wb)
    got = decode_text(data)
    if got is None:  # unreachable after a successful read: intake decoded it the same way
        raise InputError("无法识别 CSV 文件的编码", f"cannot decode {path}", file=str(path))
    delim = sniff_delimiter(got[0])
    rows = csv_rows(got[0], delim)
    j = _id_column(rows[0] if rows else [])
    # through the one CSV writer: a text that begins like a formula is quoted, and intake's CSV reader
    # takes the quote off again, so the notebooks read exactly the cells of the file given
    keep = [row for i, row in enumerate(rows)
            if not (i > 0 and j is not None and j < len(row) and text(row[j]) in drop)]
    return csv_bytes(keep, delimiter=delim, lineterminator="\n", encoding="utf-8")


def read_period(scheme: Scheme, period: str, source: str | os.PathLike, copy_dir: Path) -> PeriodInput:
    """Read ``source`` through intake; write a clean copy into ``copy_dir`` when some units are invalid.

    Raises :class:`InputError` for problems that belong
    to no unit, and for a workbook whose period is not ``period``.
    """
    src = Path(source)
    res = read_inputs(scheme, src)
    if res.period is not None and str(res.period) != str(period):
        raise InputError(f"文件 {src.name} 的考核期为“{res.period}”，与要求的“{period}”不一致",
                         f"{src}: workbook period {res.period!r} != requested {period!r}", file=str(src))
    bad, general, n_general = res.unit_errors, res.general_errors, res.n_general_errors
    if n_general:
        raise InputError(f"文件 {src.name} 有 {n_general} 处错误不属于任何单位，整批无法计分",
                         f"{n_general} errors in {src} belong to no unit", problems=general, total=n_general,
                         file=str(src))
    path, check = src.resolve(), None
    if bad and set(map(str, res.frame.index)) <= set(bad):
        pass  # every unit is invalid: nothing is scored, no copy is read (it would hold no unit at all)
    elif bad:
        path = Path(copy_dir) / src.name
        atomic_write_bytes(path, without_units(src, set(bad)))
        check = read_inputs(scheme, path)
        if check.errors:  # e.g. a merged range spanning two units: the copy is not clean
            raise InputError(f"去除有误单位后，文件 {src.name} 仍有 {len(check.errors)} 处错误", "clean copy still has errors",
                             problems=check.errors, file=str(src))
    return PeriodInput(str(period), src.resolve(), path, res, bad, check)


def invalid_units(cur: PeriodInput) -> tuple[InvalidUnit, ...]:
    """The units of the file whose rows are invalid, with their errors, in the file's order (what the
    overview lists as 数据有误, ``Run.invalid``)."""
    f = cur.frame
    out = []
    for uid, probs in cur.bad.items():
        name = kind = None
        if uid in f.index:
            name, kind = (None if pd.isna(v) else str(v) for v in (f.at[uid, "unit_name"], f.at[uid, "unit_kind"]))
        out.append(InvalidUnit(uid, name, kind, tuple(probs)))
    order = {u: k for k, u in enumerate(map(str, f.index))}
    return tuple(sorted(out, key=lambda u: order.get(u.unit, len(order))))
