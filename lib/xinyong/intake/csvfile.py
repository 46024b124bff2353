"""A wide CSV as a grid: decoded as UTF-8, UTF-8 with BOM, or GB18030 (a superset of GBK, what Excel on
Chinese Windows writes), in that order, its delimiter sniffed from the first line among comma, tab and
semicolon; its lines and cells counted against :mod:`.limits` before it is split."""
from __future__ import annotations

import csv
import io

from ..safe import csv_unquote, formula_like
from .grid import Grid, trim
from .limits import LIMITS, Limits, too_big
from .problems import Log

CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")  # GB18030 is a superset of GBK
CSV_DELIMITERS = ",\t;"


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


def read_csv(data: bytes, log: Log, limits: Limits = LIMITS) -> tuple[Grid, str, str] | None:
    """(grid, encoding, delimiter) of a CSV; None (and a problem) when it cannot be decoded or is too
    large. A text that begins like a formula is refused as a formula cell is."""
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
    refused = too_big(None, lines, lines + text.count(delim), limits)
    if refused is not None:
        log.error(refused.message, refused.detail, expected=refused.expected)
        return None
    grid = Grid(None, [])
    for i, row in enumerate(csv_rows(text, delim), 1):
        vals = []
        for j, v in enumerate(row, 1):
            if v[:1] == "'":
                v = csv_unquote(v)  # xinyong's own CSV files quote a text that begins like a formula
            if formula_like(v):
                grid.formulas[(i, j)] = v
                v = None
            vals.append(v if v is not None and v.strip() else None)
        grid.rows.append(tuple(vals))
    trim(grid)
    return grid, enc, delim
