"""Open a data file once and give its sheets as grids: an .xlsx workbook (:mod:`.workbook`) or a CSV
(:mod:`.csvfile`); an .xls, a password-protected workbook or anything else is named as such.

Where to read on: :mod:`.workbook` (how a workbook is read, step by step), :mod:`.grid` (what a sheet
becomes), :mod:`.limits` and :mod:`.scan` (what a hostile file is refused for, and when).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .csvfile import CSV_DELIMITERS, CSV_ENCODINGS, csv_rows, decode_text, read_csv, sniff_delimiter
from .grid import Cell, Grid, SheetRows
from .limits import LIMITS, Limits, Refused, is_encrypted
from .problems import Log
from .workbook import Workbook, open_workbook, read_xlsx
from .workbook import load_workbook as _load_workbook

__all__ = ["CSV_DELIMITERS", "CSV_ENCODINGS", "Cell", "Grid", "LIMITS", "Limits", "OLE_MAGIC", "Refused",
           "SheetRows", "Source", "Workbook", "csv_rows", "decode_text", "load_csv", "load_workbook",
           "open_source", "open_workbook", "read_xlsx", "sniff_delimiter", "sniff_kind"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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


def load_csv(data: bytes, log: Log, limits: Limits = LIMITS) -> Source | None:
    """A CSV as a :class:`Source`; None (and a problem in ``log``) when it cannot be read."""
    got = read_csv(data, log, limits)
    if got is None:
        return None
    grid, enc, delim = got
    return Source("csv", {None: grid}, enc, delim)


def load_workbook(path: Path, data: bytes, log: Log, sheets: tuple[str, ...] | None = None,
                  limits: Limits = LIMITS) -> Source | None:
    """Every sheet (or only ``sheets``) of an .xlsx; None (and a problem in ``log``) when it cannot or
    must not be read."""
    grids = _load_workbook(path, data, log, sheets, limits)
    return None if grids is None else Source("xlsx", dict(grids))


def open_source(path: Path, data: bytes, log: Log, sheets: tuple[str, ...] | None = None,
                limits: Limits = LIMITS) -> Source:
    """The file's kind and, when it can be read, its grids; problems opening it go to ``log``."""
    kind = sniff_kind(path, data)
    if kind == "csv":
        return load_csv(data, log, limits) or Source("csv")
    if kind == "xlsx":
        return load_workbook(path, data, log, sheets, limits) or Source("xlsx")
    return Source(kind)
