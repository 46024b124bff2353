"""An office's own 考核办法/考核细则 (Word, plain text or Excel) as lines of text, one clause per line.

The lines are what ``xinyong new --from`` drafts from and what it writes beside the draft as the scheme's
``source.file``, so every quote of the draft is checked against exactly these lines. A table row becomes one
line with its cells separated by tabs (as in docs/seeds/004), so a quote stays within one cell.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import SchemeError

TEXT_SUFFIXES = (".txt", ".text", ".md")
SUFFIXES = (".docx", ".xlsx", *TEXT_SUFFIXES)
# Characters str.splitlines() breaks a line at: inside a cell they would shift every later line number
_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CLAUSE_VERB = re.compile(r"[得扣加减计]\s*\d")


def read_document(path: str | Path) -> list[str]:
    """The document's lines: paragraphs and table rows in the order they appear."""
    path = Path(path)
    if not path.is_file():
        raise SchemeError(f"找不到考核办法文件：{path}", f"{path} not found", file=str(path))
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SchemeError(f"不能读取“{path.name}”：考核办法原文应为 Word（.docx）、纯文本（.txt）或 Excel（.xlsx）；"
                          f".doc、.pdf 请先另存为 .docx 或 .txt，.xls 另存为 .xlsx",
                          f"unsupported document type {suffix!r}", file=str(path))
    try:
        if suffix == ".docx":
            lines = _docx_lines(path)
        elif suffix == ".xlsx":
            lines = _xlsx_lines(path)
        else:
            return decode_text(path.read_bytes(), path).splitlines()
    except SchemeError:
        raise
    except Exception as e:  # noqa: BLE001 — a damaged file is the user's problem to fix, said in Chinese
        raise SchemeError(f"读取“{path.name}”失败：文件可能已损坏或不是它的扩展名所说的格式（{type(e).__name__}）",
                          f"cannot read {path}: {e}", file=str(path)) from e
    return [_BREAKS.sub(" ", ln) for ln in lines]


def decode_text(data: bytes, path: Path) -> str:
    """UTF-8 (with or without a BOM), else GB18030 (a superset of GBK, which Chinese Windows saves)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SchemeError(f"“{path.name}”既不是 UTF-8 也不是 GBK 编码的文本；请用记事本另存为 UTF-8",
                      f"{path} is neither UTF-8 nor GBK", file=str(path))


def _row_line(cells: list[str]) -> str:
    """One table row: cells joined by tabs."""
    return "\t".join(_BREAKS.sub(" ", c).strip() for c in cells).rstrip("\t")


def _docx_lines(path: Path) -> list[str]:
    import docx
    from docx.table import Table

    lines: list[str] = []
    for block in docx.Document(str(path)).iter_inner_content():
        if isinstance(block, Table):
            lines += _table_lines(block)
        else:
            lines.append(block.text)
    return lines


def _table_lines(table) -> list[str]:
    """A Word table's rows. A cell merged across columns comes back once per column, as the same object:
    kept once. One merged down rows comes back in every row with the same text: kept in its first row
    (as a text export leaves it), unless it is a number (two items' 分值) or reads as a scoring clause, which
    two rows may share word for word."""
    out: list[str] = []
    above: list[str] = []
    for row in table.rows:
        cells = row.cells
        texts, seen = [], []
        for k, cell in enumerate(cells):
            if any(cell is c for c in seen):
                continue
            seen.append(cell)
            text = cell.text
            if k < len(above) and text == above[k] and _merged_text(text):
                text = ""
            texts.append(text)
        above = [c.text for c in cells]
        out.append(_row_line(texts))
    return out


def _merged_text(text: str) -> bool:
    text = text.strip()
    return bool(text) and not _NUMBER.fullmatch(text) and not _CLAUSE_VERB.search(text)


def _xlsx_lines(path: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    try:
        lines: list[str] = []
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells = ["" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)) for v in row]
                if any(c.strip() for c in cells):
                    lines.append(_row_line(cells))
        return lines
    finally:
        wb.close()
