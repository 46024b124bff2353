"""Text from outside (a unit's returned workbook, a units file) made safe to write back out: file names,
spreadsheet cells, CSV cells; and the characters a name may not hold.

A department returns a workbook; the office's tools copy its unit names, reasons and titles into the
workbooks, CSV files and reports they publish. Three things must not follow them there:

- **Formulas.** openpyxl stores any text that begins with ``=`` as a formula. Every cell xinyong
  writes into a workbook goes through :func:`put` (or :func:`append`, a row of them): a text is stored as
  a text cell, never a formula, and a text that a spreadsheet would take for a formula when the cell is
  edited (``= + - @`` first, after blanks, or a tab or CR first) gets Excel's quote prefix; the
  characters XML cannot hold are replaced (openpyxl would raise). A workbook xinyong loads to change
  (``review --apply``, a batch's data copy) is opened by :func:`editable`, which does the same to the
  cells it read. xinyong writes no formula of its own, so nothing is lost; :func:`formula_parts` checks
  the bytes written (``intake.template.workbook_bytes``, the one place that writes xlsx bytes).
- **CSV formulas.** :func:`csv_cell` prefixes a single quote to a text cell that begins (after blanks
  and control characters) with ``=``, ``+``, ``-``, ``@``, or begins with a tab or a carriage return,
  as OWASP advises. A number (int, float) is written as it is: ``-5`` stays a negative number. A
  *text* ``"-5"`` is text and is quoted like any other (``'-5``): xinyong writes numbers as numbers, so
  a text that looks like one came from someone's typing. Quotes already leading such a text are kept,
  so :func:`csv_unquote` (which the CSV reader applies) gives back exactly the text written: xinyong's
  own CSV files (a manifest, a batch's data copy) read back as they were. :func:`csv_bytes` is the one
  CSV writer.
- **Names.** :func:`bad_char` finds control characters (``\\x00``–``\\x1f``, ``\\x7f``) and Unicode
  bidi overrides/isolates (U+202A–U+202E, U+2066–U+2069) that the reader refuses in unit ids and names
  (free text may keep a newline and a tab). :func:`safe_file_name` is the one function that turns text
  into a file or folder name.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from typing import Any, Iterable

# --------------------------------------------------------------------------------------- characters
_BIDI = "\u202a-\u202e\u2066-\u2069"
_NAME_BAD = re.compile(f"[\x00-\x1f\x7f{_BIDI}]")
_TEXT_BAD = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{_BIDI}]")  # free text keeps \t \n \r
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what XML 1.0 (and so xlsx, docx) cannot hold at all
_LEAD = re.compile(f"^[\\s\x00-\x1f\x7f{_BIDI}]+")  # blanks and invisible characters before the text


def bad_char(text: str, free_text: bool = False) -> tuple[int, str] | None:
    """(1-based position, character) of the first character a unit id or name may not hold; with
    ``free_text`` (a reason, a title) a tab, newline or carriage return is allowed. None when clean."""
    m = (_TEXT_BAD if free_text else _NAME_BAD).search(text)
    return (m.start() + 1, m.group()) if m else None


def char_name(ch: str) -> str:
    """How a message names an invisible character: ``U+0007``, ``U+202E（从右到左覆盖）``."""
    words = {"\x00": "空字符", "\t": "制表符", "\n": "换行符", "\r": "回车符", "\x7f": "删除符",
             "\u202e": "从右到左覆盖", "\u202d": "从左到右覆盖", "\u2066": "从左到右隔离", "\u2067": "从右到左隔离",
             "\u2068": "方向隔离", "\u2069": "结束方向隔离", "\u202a": "从左到右嵌入", "\u202b": "从右到左嵌入",
             "\u202c": "结束方向格式"}
    zh = words.get(ch) or ("控制字符" if ord(ch) < 32 else "")
    return f"U+{ord(ch):04X}" + (f"（{zh}）" if zh else "")


def visible(text: str, free_text: bool = False) -> str:
    """``text`` with every character :func:`bad_char` refuses written as ``\\x07`` / ``\\u202e``, for an
    error message that must be printable anywhere (a terminal, a CSV, a Word table)."""
    pattern = _TEXT_BAD if free_text else _NAME_BAD
    if pattern.search(text) is None:
        return text
    return pattern.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def formula_like(v: Any) -> bool:
    """A text a spreadsheet would run as a formula: ``=`` and something after it, once the blanks and
    invisible characters before it are stripped (`` =1+1``, ``\\t=cmd|…``, ``\\u202e=1``)."""
    if type(v) is not str or not v:
        return False
    c = v[0]
    if c == "=":
        return len(v) > 1
    if c.isprintable() and not c.isspace():  # the common case, decided without the pattern
        return False
    m = _LEAD.match(v)
    return m is not None and v[m.end():m.end() + 1] == "=" and len(v) > m.end() + 1


# ------------------------------------------------------------------------------------ spreadsheet cells
_DANGER = ("=", "+", "-", "@")


def _dangerous(s: str) -> bool:
    """A text a spreadsheet may run: a tab or carriage return first, or ``= + - @`` after blanks and
    invisible characters."""
    c = s[:1]
    if c in _DANGER or c in ("\t", "\r"):
        return True
    if not c or (c.isprintable() and not c.isspace()):  # the common case, decided without the pattern
        return False
    m = _LEAD.match(s)
    return m is not None and s[m.end():m.end() + 1] in _DANGER


def sheet_text(v: Any) -> Any:
    """A value ready for an openpyxl cell: a text loses the characters XML cannot hold (each becomes
    U+FFFD, so the reader sees that something was there); anything else is returned as it is."""
    if isinstance(v, str) and _XML_BAD.search(v):
        return _XML_BAD.sub("\ufffd", v)
    return v


def _as_text(cell: Any) -> None:
    """Make a cell holding text a text cell (never a formula), quote-prefixed when it looks like one."""
    v = cell.value
    if cell.data_type == "f":
        if not isinstance(v, str):  # an ArrayFormula or DataTableFormula object
            v = str(getattr(v, "text", v) or "")
        cell.value = sheet_text(v)
        cell.data_type = "s"  # public attribute: openpyxl writes the value as a string, with no <f>
    if isinstance(cell.value, str) and cell.value and _dangerous(cell.value) and not cell.quotePrefix:
        cell.quotePrefix = True  # Excel keeps it text even when the cell is edited


def put(ws: Any, row: int, col: int, value: Any) -> Any:
    """Write ``value`` to ``ws`` at (``row``, ``col``), a text as text (see the module's notes); the cell.
    The one way xinyong puts a value in a cell (``tests/security/test_cell_writes.py`` holds the code to it)."""
    cell = ws.cell(row, col)
    cell.value = sheet_text(value)
    if isinstance(cell.value, str):
        _as_text(cell)
    return cell


def append(ws: Any, values: Iterable[Any]) -> None:
    """``ws.append(values)`` through :func:`put`'s rules."""
    row = [sheet_text(v) for v in values]
    ws.append(row)
    r = ws.max_row  # the row just appended: it holds a cell in every column up to len(row)
    for j, v in enumerate(row, 1):
        if isinstance(v, str):
            _as_text(ws.cell(r, j))  # a cell append made, so looking it up creates nothing


def editable(data: bytes) -> Any:
    """The workbook ``data`` (xlsx bytes) loaded by openpyxl to be changed and saved again, its formula
    cells already text and its texts that begin like one quote-prefixed, as :func:`put` writes them.

    Those cells come from a file (a period workbook a department filled), not from :func:`put`. They are
    found by openpyxl's read-only reader over the same bytes, which walks the cells the file holds:
    walking the loaded workbook's rows instead would create a cell at every empty place it passes (an
    empty row in the XML written back)."""
    import openpyxl

    found: dict[str, list[tuple[int, int]]] = {}
    view = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for ws in view.worksheets:
            ws.reset_dimensions()  # the declared dimension is not trusted: every cell the sheet holds
            found[ws.title] = [(c.row, c.column) for row in ws.iter_rows() for c in row if _unsafe(c)]
    finally:
        view.close()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for title, cells in found.items():
        ws = wb[title]
        for r, c in cells:
            _as_text(ws.cell(r, c))  # a cell the file holds: looking it up creates nothing
    return wb


def _unsafe(cell: Any) -> bool:
    """A cell :func:`_as_text` must see: a formula, or a text that begins like one."""
    if cell.data_type == "f":
        return True
    v = cell.value
    return isinstance(v, str) and bool(v) and _dangerous(v)


_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def formula_parts(archive: Any) -> list[str]:
    """The worksheet parts of the open xlsx zip ``archive`` (a ``zipfile.ZipFile``) that hold a formula
    (an ``<f>`` element): none in what xinyong writes. Reads the written bytes, so it creates no cell."""
    return [n for n in archive.namelist()
            if n.startswith("xl/worksheets/") and n.endswith(".xml") and _FORMULA_ELEMENT.search(archive.read(n))]


# ------------------------------------------------------------------------------------------ CSV cells
def csv_cell(v: Any) -> Any:
    """One CSV cell as written: a dangerous text gets a leading ``'``; numbers and other texts as they are."""
    if isinstance(v, str) and _dangerous(v.lstrip("'")):
        return "'" + v  # quotes already there are kept, so csv_unquote gives back exactly ``v``
    return v


def csv_unquote(v: str) -> str:
    """The text :func:`csv_cell` was given, from what it wrote (any other text is returned unchanged)."""
    if len(v) > 1 and v[0] == "'" and csv_cell(v[1:]) == v:
        return v[1:]
    return v


def csv_bytes(rows: Iterable[Iterable[Any]], delimiter: str = ",", lineterminator: str = "\r\n",
              encoding: str = "utf-8-sig") -> bytes:
    """The bytes of a CSV file whose every cell went through :func:`csv_cell` (UTF-8 with a BOM by
    default, so Excel on a Chinese Windows shows the Chinese right)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator)
    for row in rows:
        w.writerow(["" if v is None else csv_cell(v) for v in row])
    return buf.getvalue().encode(encoding)


def frame_csv_bytes(df: Any, lineterminator: str = "\r\n", encoding: str = "utf-8-sig") -> bytes:
    """A pandas frame (its columns as the header, no index) through :func:`csv_bytes`. A missing value
    is an empty cell, as ``DataFrame.to_csv`` writes it."""
    import pandas as pd

    def cell(v: Any) -> Any:
        return "" if v is None or (not isinstance(v, str) and bool(pd.isna(v))) else v

    rows = [list(map(str, df.columns))] + [[cell(v) for v in r] for r in df.itertuples(index=False, name=None)]
    return csv_bytes(rows, lineterminator=lineterminator, encoding=encoding)


# ------------------------------------------------------------------------------------------ file names
# Windows device names: reserved as the stem of any file name, with any extension, in any case.
# Windows also treats the superscript digits ¹²³ as digits here.
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])$", re.IGNORECASE)
_PLAIN_BAD = re.compile(r"[^\w\-]+", re.UNICODE)  # anything but letters (CJK too), digits, '_' and '-'
# what Windows refuses in a name, and what is invisible or deceives (controls, format characters such
# as the bidi overrides); each becomes '_' (in a name a person reads, its length stays recognisable)
_TYPED_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\u0080-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]')
NAME_MAX_BYTES = 255  # a file name on Linux, macOS and Windows file systems


def cut_utf8(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 encoding fits in ``limit`` bytes (never half a character)."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", errors="ignore")


def is_reserved(stem: str) -> bool:
    """True for a Windows device name (``CON``, ``nul``, ``COM1``, ``LPT²``…), ignoring any extension."""
    return bool(_RESERVED.match(stem.split(".")[0].rstrip(" ")))


def short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


def safe_file_name(text: Any, max_bytes: int = 120, plain: bool = False, fallback: str = "_") -> str:
    """One file or folder name (no extension added) from text people typed, the same on Windows, macOS
    and Linux.

    Always: NFC; the characters Windows refuses (``\\ / : * ? " < > |``) and every control, invisible or
    direction-changing character become ``_``; no trailing dot or blank; a
    name that would be hidden or read as an option (leading ``.`` or ``-``), or a Windows device name
    (``CON``, ``nul.txt``), gets a leading ``_``; at most ``max_bytes`` UTF-8 bytes (bytes, not
    characters: a Chinese character is three), cut between characters; never empty (``fallback``).

    ``plain``: letters (Chinese included), digits, ``_`` and ``-`` only — for names a program makes
    (a batch's folders and report stems, evidence folders), safe in a URL and a shell without quoting.
    Otherwise the name keeps what a person reads (blanks, dots, brackets): a unit's own workbook.

    Two different texts can give one name; a caller that needs distinct names adds :func:`short_hash`.
    """
    s = unicodedata.normalize("NFC", "" if text is None else str(text))
    if plain:
        s = re.sub(r"_+", "_", _PLAIN_BAD.sub("_", s)).strip("_")
    else:
        s = _TYPED_BAD.sub("_", s).strip()
    s = cut_utf8(s, max_bytes - 1).rstrip(". ")  # one byte kept for a leading '_'
    if plain:
        s = s.rstrip("_")
    if not s:
        return fallback
    if s[0] in ".-" or is_reserved(s):
        s = "_" + s
    return s


def temp_prefix(name: str) -> str:
    """The ``prefix`` for ``tempfile.mkstemp`` beside a file named ``name``: hidden, and short enough
    that prefix, random part and suffix stay far below the 255-byte limit whatever ``name`` is."""
    return f".{cut_utf8(name, 60)}."
