"""Read a filled workbook (or a wide CSV) into the frame ``xinyong.score`` takes, checking every cell.

Every finding becomes a :class:`~xinyong.errors.Problem` naming the file, sheet, row (as Excel shows
it), column (letter, plus the input id), the value found and what was expected, in Chinese with an
English detail. All findings are collected; nothing is dropped or converted without a note. Formulas
are refused, never evaluated: the workbook is opened with ``data_only=False`` so a formula cell shows
its text, and the analyst is asked to paste values.
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..scheme.model import InputSpec, Scheme
from ..scoring.plan import check_problems
from ..scheme.values import FALSE_WORDS, JUDGE, TRUE_WORDS, WHY, judge_col, why_col
from .template import (
    DATA_SHEETS, EVIDENCE_COLUMNS, EVIDENCE_REQUIRED, INPUT_FIRST_DATA_ROW, JUDGE_COLUMNS, JUDGE_REQUIRED,
    META_PERIOD, META_SCHEME, SHEET_EVIDENCE, SHEET_INPUTS, SHEET_JUDGE, SHEET_README, SHEET_UNITS,
    UNIT_COLUMNS, UNIT_ID_HEADER, UNIT_ID_LABEL, UNIT_ID_RANGE, is_percent, judgement_slots, range_text, slots_for,
)

CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")  # GB18030 is a superset of GBK
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
THOUSANDS = re.compile(r"^[+-]?\d{1,3}([,，]\d{3})+(\.\d+)?$")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m", "%Y年%m月")
EVIDENCE_FRAME_COLUMNS = ["item", "unit_id", "title", "link", "date", "sheet_row"]


@dataclass
class IntakeResult:
    """What one file gave: the wide frame for ``score``, the evidence list and every problem."""

    frame: pd.DataFrame
    evidence: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    file: str = ""
    scheme_id: str = ""
    period: str | None = None
    encoding: str | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def table(self) -> pd.DataFrame:
        cols = list(Problem.__dataclass_fields__)
        return pd.DataFrame([p.as_dict() for p in self.problems], columns=cols)

    def raise_if_errors(self) -> "IntakeResult":
        if self.errors:
            n = len(self.errors)
            raise InputError(f"文件 {Path(self.file).name} 有 {n} 处错误，无法计分",
                             f"{n} errors in {self.file}", problems=list(self.problems), file=self.file)
        return self


# ------------------------------------------------------------------------------------------ cells
@dataclass
class Cell:
    value: Any
    fmt: str = "General"
    formula: bool = False


def col_letter(j: int) -> str:
    """1-based column number -> Excel letters."""
    s = ""
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _text(v: Any) -> str:
    """A cell as an identifier text: 101 and 101.0 both read as "101"."""
    if _blank(v):
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


class Log:
    """Collects problems for one file; every call names where the finding is."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, severity: str, message: str, detail: str, sheet=None, row=None, col=None, input=None,
            unit=None, value=None, expected=None) -> None:
        column = col_letter(col) if isinstance(col, int) else col
        self.problems.append(Problem(message, detail, file=self.file, sheet=sheet, row=row, column=column,
                                     unit=unit, input=input, value=value, expected=expected, severity=severity))

    def error(self, *a, **k):
        self.add("error", *a, **k)

    def note(self, *a, **k):
        self.add("note", *a, **k)


# ------------------------------------------------------------------------------------------ values
def coerce_cell(cell: Cell, spec: InputSpec) -> tuple[float, str | None, str | None, str | None]:
    """(number, error zh, note zh, English detail). Blank gives NaN: missing, never 0."""
    v = cell.value
    if _blank(v):
        return np.nan, None, None, None
    if spec.type == "bool":
        if isinstance(v, bool):
            return float(v), None, None, None
        if isinstance(v, (int, float)) and float(v) in (0.0, 1.0):
            return float(v), None, None, None
        s = str(v).strip().lower()
        if s in TRUE_WORDS:
            return 1.0, None, None, None
        if s in FALSE_WORDS:
            return 0.0, None, None, None
        return np.nan, "应填“是”或“否”", None, "expected yes/no"
    if isinstance(v, bool):
        return np.nan, "应为数值，不是是/否", None, "boolean in a number column"
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return np.nan, "应为数值，不是日期", None, "date in a number column"
    note = detail = None
    pct = is_percent(spec)
    if isinstance(v, (int, float)):
        x = float(v)
        if "%" in (cell.fmt or ""):
            if not pct:
                return np.nan, "该输入不是百分比，但单元格为百分比格式", None, "percent-formatted cell in a non-percent column"
            x = round(x * 100, 10)
            note, detail = f"单元格为百分比格式，已按 {x:g}% 读取为 {x:g}", "percent-formatted cell read as percent number"
    else:
        s = str(v).strip().replace("\u3000", "")
        if s.endswith(("%", "％")):
            if not pct:
                return np.nan, "该输入不是百分比，不应带 % 号", None, "percent sign in a non-percent column"
            s = s[:-1].strip()
            note, detail = f"“{v}”按百分数读取为 {s}", "percent sign accepted"
        if THOUSANDS.match(s):
            s = s.replace(",", "").replace("，", "")
            note, detail = f"“{v}”含千位分隔符，读取为 {s}", "thousands separator accepted"
        try:
            x = float(s)
        except ValueError:
            return np.nan, f"应为数值，“{v}”不是数字", None, "text in a number column"
    if not math.isfinite(x):
        return np.nan, "应为有限数值", None, "not finite"
    if spec.type == "integer" and not float(x).is_integer():
        return np.nan, "应为整数", None, "not an integer"
    if (spec.min is not None and x < spec.min) or (spec.max is not None and x > spec.max):
        return np.nan, "超出允许范围", None, "out of range"
    return x, None, note, detail


def _parse_date(v: Any) -> tuple[str | None, bool]:
    """(ISO date text or None, ok)."""
    if _blank(v):
        return None, True
    if isinstance(v, dt.datetime):
        return v.date().isoformat(), True
    if isinstance(v, dt.date):
        return v.isoformat(), True
    if isinstance(v, str):
        s = v.strip()
        for f in DATE_FORMATS:
            try:
                d = dt.datetime.strptime(s, f).date()
            except ValueError:
                continue
            return (d.isoformat() if "%d" in f else d.isoformat()[:7]), True
    return None, False


def _suggest(word: str, choices: dict[str, str]) -> str | None:
    """Best match for ``word`` among ids and labels (label -> id)."""
    if word in choices:
        return choices[word]
    hit = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return choices[hit[0]] if hit else None


# ------------------------------------------------------------------------------------------ sources
@dataclass
class Grid:
    """One sheet (or a CSV) as rows of cells; row numbers are 1-based like Excel's."""

    name: str | None
    rows: list[list[Cell]]
    merged: list[str] = field(default_factory=list)

    def cell(self, r: int, c: int) -> Cell:
        if r - 1 < len(self.rows) and c - 1 < len(self.rows[r - 1]):
            return self.rows[r - 1][c - 1]
        return Cell(None)

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    def row_blank(self, r: int) -> bool:
        return all(_blank(c.value) for c in self.rows[r - 1]) if r - 1 < len(self.rows) else True


def _sniff_kind(path: Path, data: bytes) -> str:
    if data.startswith(b"PK"):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        return "xls"
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return "csv"
    return "unknown"


def _load_workbook(path: Path, data: bytes, log: Log) -> dict[str, Grid] | None:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        log.error("文件不是有效的 Excel 工作簿（.xlsx），无法打开", f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}",
                  value=path.name, expected="Excel 工作簿（.xlsx）")
        return None
    except Exception as exc:  # noqa: BLE001 — openpyxl raises its own InvalidFileException and others
        log.error("文件不是有效的 Excel 工作簿（.xlsx），无法打开", f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}",
                  value=path.name, expected="Excel 工作簿（.xlsx）")
        return None
    grids = {}
    for ws in wb.worksheets:
        rows = []
        for r in ws.iter_rows():
            rows.append([Cell(c.value, c.number_format or "General", c.data_type == "f"
                              or (isinstance(c.value, str) and c.value.startswith("=") and len(c.value) > 1))
                         for c in r])
        while rows and all(_blank(c.value) for c in rows[-1]):
            rows.pop()
        grids[ws.title] = Grid(ws.title, rows, [str(m) for m in ws.merged_cells.ranges])
    return grids


def _load_csv(path: Path, data: bytes, log: Log) -> tuple[Grid | None, str | None]:
    text = enc = None
    for e in CSV_ENCODINGS:
        if e == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
            continue  # the BOM would stay glued to the first header
        try:
            text, enc = data.decode(e), e
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        log.error("无法识别 CSV 文件的编码", "cannot decode as UTF-8, UTF-8-BOM or GBK/GB18030",
                  expected="UTF-8 或 GBK 编码的 CSV")
        return None, None
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text.strip() else ",", delimiters=",\t;")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    rows = [[Cell(v if v.strip() else None) for v in row] for row in csv.reader(io.StringIO(text), delimiter=delim)]
    for row in rows:
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("=") and len(c.value) > 1:
                c.formula = True
    while rows and all(_blank(c.value) for c in rows[-1]):
        rows.pop()
    return Grid(None, rows), enc


# ------------------------------------------------------------------------------------------ main
def read_inputs(scheme: Scheme | str, path: str | os.PathLike, strict: bool = False) -> IntakeResult:
    """Read ``path`` (.xlsx workbook from :func:`write_template`, or a wide CSV) for ``scheme``.

    Returns an :class:`IntakeResult` with every problem found; ``strict=True`` raises
    :class:`~xinyong.errors.InputError` listing them all when any is an error.
    """
    from ..scheme import load_scheme

    scheme = load_scheme(scheme) if not isinstance(scheme, Scheme) else scheme
    path = Path(path)
    r = _Reader(scheme, path)
    res = r.run()
    return res.raise_if_errors() if strict else res


class _Reader:
    def __init__(self, scheme: Scheme, path: Path):
        self.s = scheme
        self.path = path
        self.log = Log(str(path))
        self.cat = scheme.input_catalogue
        self.slots = judgement_slots(scheme)
        # document order, so suggestions and listings do not depend on set ordering
        self.judge_ids = list(dict.fromkeys(i for it in scheme.walk_items() for k in self.slots.values()
                                            for i in k if i == it.id))
        self.units: dict[str, dict[str, Any]] = {}  # unit id -> {unit_name, unit_kind, row}
        self.values: dict[str, dict[str, float]] = {}
        self.judge: dict[tuple[str, str], tuple[float, str]] = {}
        self.evidence: list[dict[str, Any]] = []
        self.cells: dict[tuple[str, str], tuple[str | None, int, int]] = {}  # (unit, input) -> sheet, row, col
        self.period: str | None = None
        self.encoding: str | None = None

    # -------------------------------------------------------------- driver
    def run(self) -> IntakeResult:
        log, path = self.log, self.path
        if not path.exists():
            log.error("文件不存在", f"no such file: {path}", value=str(path), expected="已填写的 .xlsx 或 .csv 文件")
            return self._result()
        data = path.read_bytes()
        if not data.strip():
            log.error("文件为空", "the file is empty (zero bytes or only whitespace)", value=f"{len(data)} 字节",
                      expected="已填写的 .xlsx 或 .csv 文件")
            return self._result()
        kind = _sniff_kind(path, data)
        if kind == "xls":
            log.error("这是旧版 Excel 97-2003（.xls）文件，请在 Excel 中另存为 .xlsx 后再提交",
                      "legacy .xls (OLE) workbook; save as .xlsx", value=path.name, expected="Excel 工作簿（.xlsx）")
        elif kind == "unknown":
            looks_text = b"\x00" not in data[:4096]
            log.error("文件不是 Excel 工作簿（.xlsx）" + ("；看起来是文本文件，如果是 CSV 请把扩展名改为 .csv" if looks_text else ""),
                      "not a workbook (no zip signature)", value=path.name, expected="Excel 工作簿（.xlsx）或 .csv")
        elif kind == "csv":
            grid, self.encoding = _load_csv(path, data, log)
            if grid is not None:
                self._read_csv(grid)
        else:
            grids = _load_workbook(path, data, log)
            if grids is not None:
                self._read_workbook(grids)
        return self._result()

    def _read_workbook(self, grids: dict[str, Grid]) -> None:
        log = self.log
        missing = [s for s in DATA_SHEETS if s not in grids]
        for name in missing:
            near = difflib.get_close_matches(name, [g for g in grids if g not in DATA_SHEETS], n=1, cutoff=0.3)
            log.error(f"缺少工作表“{name}”" + (f"（是否为“{near[0]}”？）" if near else ""), f"missing sheet {name!r}",
                      sheet=name, value="、".join(grids), expected="工作表：" + "、".join((SHEET_README,) + DATA_SHEETS))
        if SHEET_README in grids:
            self._read_readme(grids[SHEET_README])
        for name in DATA_SHEETS:
            if name in grids:
                self._refuse_formulas_and_merges(grids[name])
        if SHEET_UNITS in grids:
            self._read_units(grids[SHEET_UNITS])
        if SHEET_INPUTS in grids:
            self._read_inputs_grid(grids[SHEET_INPUTS], units_sheet=SHEET_UNITS in grids)
        if SHEET_JUDGE in grids:
            self._read_judge(grids[SHEET_JUDGE])
        if SHEET_EVIDENCE in grids:
            self._read_evidence(grids[SHEET_EVIDENCE])
        if not self.units and not missing:
            log.error("文件中没有任何单位数据", "no units in the workbook", sheet=SHEET_UNITS, row=2, col=1,
                      expected="“单位”表从第 2 行起每个单位一行")

    def _read_csv(self, grid: Grid) -> None:
        self._refuse_formulas_and_merges(grid)
        self._read_inputs_grid(grid, units_sheet=False)
        if not self.units:
            self.log.error("文件中没有任何单位数据", "no data rows in the CSV", row=2, col=1,
                           expected="第 1 行为输入编号（unit_id, unit_name, unit_kind, 各输入），其后每个单位一行")

    def _result(self) -> IntakeResult:
        frame = self._frame()
        # the scheme's cross-input checks (已整改 ≤ 事件数), located at the cells they read
        self.log.problems.extend(check_problems(self.s, frame, self._locate))
        return IntakeResult(frame, self._evidence_frame(), self.log.problems, str(self.path), self.s.id,
                            self.period, self.encoding)

    def _locate(self, unit: str, input_id: str) -> dict[str, Any] | None:
        if (unit, input_id) not in self.cells:
            return None
        sheet, row, col = self.cells[(unit, input_id)]
        return {"file": str(self.path), "sheet": sheet, "row": row, "column": col_letter(col),
                "ref": f"{col_letter(col)}{row}"}

    # -------------------------------------------------------------- shared checks
    def _refuse_formulas_and_merges(self, g: Grid) -> None:
        for rng in g.merged:
            from openpyxl.utils.cell import range_boundaries

            c1, r1, _, _ = range_boundaries(rng)
            self.log.error(f"不能使用合并单元格（{rng}），请取消合并并在每个单元格填写", f"merged cells {rng}",
                           sheet=g.name, row=r1, col=c1, value=rng, expected="每个单元格单独填写")
        for i, row in enumerate(g.rows, 1):
            for j, c in enumerate(row, 1):
                if c.formula:
                    self.log.error("单元格含有公式；程序不计算公式，请复制后“选择性粘贴为数值”",
                                   "formula cell refused (formulas are never evaluated)",
                                   sheet=g.name, row=i, col=j, value=str(c.value), expected="数值（非公式）")
                    c.value = None  # reported above; the value is unknown, not zero

    def _headers(self, g: Grid, spec: dict[str, tuple[str, ...]], required: Iterable[str]) -> dict[str, int]:
        alias = {h: key for key, hs in spec.items() for h in hs}
        found: dict[str, int] = {}
        for j, c in enumerate(g.rows[0] if g.rows else [], 1):
            h = _text(c.value)
            if not h:
                continue
            key = alias.get(h)
            if key is None:
                near = _suggest(h, {h2: spec[k][0] for h2, k in alias.items()})
                self.log.note(f"未知列“{h}”，该列内容不会被读取" + (f"（是否为“{near}”？）" if near else ""),
                              f"unknown column {h!r} ignored", sheet=g.name, row=1, col=j, value=h,
                              expected="、".join(v[0] for v in spec.values()))
            elif key in found:
                self.log.error(f"列“{h}”重复", f"duplicate column {h!r}", sheet=g.name, row=1, col=j, value=h,
                               expected="每列只出现一次")
            else:
                found[key] = j
        for key in required:
            if key not in found:
                self.log.error(f"缺少列“{spec[key][0]}”", f"missing column {key!r}", sheet=g.name, row=1,
                               expected="、".join(v[0] for v in spec.values()))
        return found

    def _check_kind(self, kind: str, sheet, row, col, unit) -> str:
        kinds = self.s.unit_kinds
        if not kind:
            if len(kinds) == 1:
                self.log.note(f"单位类型为空，按“{kinds[0]}”处理", "blank unit kind: the scheme has one kind",
                              sheet=sheet, row=row, col=col, unit=unit, value=None, expected=kinds[0])
                return kinds[0]
            if len(kinds) > 1:
                self.log.error("单位类型为空，请从下拉列表选择", "blank unit kind", sheet=sheet, row=row, col=col,
                               unit=unit, value=None, expected="、".join(kinds))
            return ""
        if kinds and kind not in kinds:
            near = difflib.get_close_matches(kind, kinds, n=1, cutoff=0.3)
            self.log.error(f"未知的单位类型“{kind}”" + (f"（是否为“{near[0]}”？）" if near else ""),
                           f"unknown unit kind {kind!r}", sheet=sheet, row=row, col=col, unit=unit, value=kind,
                           expected="、".join(kinds))
            return ""
        return kind

    # -------------------------------------------------------------- sheets
    def _read_readme(self, g: Grid) -> None:
        for i in range(1, min(g.n_rows, 30) + 1):
            key, val = _text(g.cell(i, 1).value), _text(g.cell(i, 2).value)
            if key == META_SCHEME and val and val != self.s.id:
                self.log.error(f"该文件是方案“{val}”的填报表，不能按方案“{self.s.id}”校验",
                               f"workbook is for scheme {val!r}, not {self.s.id!r}", sheet=g.name, row=i, col=2,
                               value=val, expected=self.s.id)
            if key == META_PERIOD and val:
                self.period = val

    def _read_units(self, g: Grid) -> None:
        cols = self._headers(g, UNIT_COLUMNS, ("unit_id",))
        if "unit_id" not in cols:
            return
        for i in range(2, g.n_rows + 1):
            if g.row_blank(i):
                continue
            uid = _text(g.cell(i, cols["unit_id"]).value)
            name = _text(g.cell(i, cols["unit_name"]).value) if "unit_name" in cols else ""
            kind_raw = _text(g.cell(i, cols["unit_kind"]).value) if "unit_kind" in cols else ""
            if not uid:
                self.log.error("单位编号为空", "blank unit id", sheet=g.name, row=i, col=cols["unit_id"],
                               value=name or None, expected="唯一的单位编号")
                continue
            if uid in self.units:
                self.log.error(f"单位编号“{uid}”重复（第 {self.units[uid]['row']} 行已有）", f"duplicate unit id {uid!r}",
                               sheet=g.name, row=i, col=cols["unit_id"], unit=uid, value=uid, expected="每个单位一行")
                continue
            kind = self._check_kind(kind_raw, g.name, i, cols.get("unit_kind", "C"), uid)
            self.units[uid] = {"unit_name": name or None, "unit_kind": kind or None, "row": i}

    def _read_inputs_grid(self, g: Grid, units_sheet: bool) -> None:
        log, sheet = self.log, g.name
        if not g.rows:
            log.error("输入表为空", "the inputs sheet is empty", sheet=sheet, row=1,
                      expected="第 1 行为输入编号（unit_id 及各输入）")
            return
        header = [_text(c.value) for c in g.rows[0]]
        id_col = next((j for j, h in enumerate(header, 1) if h in (UNIT_ID_HEADER, UNIT_ID_LABEL)), None)
        if id_col is None:
            log.error("缺少单位编号列（第 1 行应有 unit_id）", "no unit_id column in the header row", sheet=sheet, row=1,
                      col=1, value=header[0] if header else None, expected=UNIT_ID_HEADER)
            return
        choices = {i: i for i in self.cat}
        choices.update({spec.label: i for i, spec in self.cat.items()})
        cols: dict[int, str] = {}  # column -> input id / unit_name / unit_kind / judge:… / why:…
        seen: dict[str, int] = {}
        for j, h in enumerate(header, 1):
            if j == id_col:
                continue
            if not h:
                has_data = any(not _blank(g.cell(i, j).value) for i in range(2, g.n_rows + 1))
                if has_data:
                    log.error("该列有数据但第 1 行没有输入编号", "data in a column without an input id", sheet=sheet,
                              row=1, col=j, expected="输入编号")
                continue
            if h in seen:
                log.error(f"输入列“{h}”重复（{col_letter(seen[h])} 列已有）", f"duplicate column {h!r}", sheet=sheet,
                          row=1, col=j, input=h, value=h, expected="每个输入一列")
                continue
            ok = h in self.cat or h in ("unit_name", "unit_kind")
            if h.startswith((JUDGE, WHY)):
                item = h.split(":", 1)[1]
                ok = item in self.judge_ids
                if not ok:
                    near = _suggest(item, {i: i for i in self.judge_ids})
                    log.error(f"未知的评审条目“{item}”" + (f"（是否为“{near}”？）" if near else ""),
                              f"unknown judgement item in column {h!r}", sheet=sheet, row=1, col=j, input=h,
                              value=h, expected="酌情评分条目编号：" + "、".join(self.judge_ids))
                    continue
            if not ok:
                near = _suggest(h, choices)
                log.error(f"未知的输入列“{h}”" + (f"（是否为“{near}”？）" if near else ""),
                          f"unknown input column {h!r}" + (f"; did you mean {near!r}?" if near else ""),
                          sheet=sheet, row=1, col=j, input=h, value=h,
                          expected=f"本方案的输入编号（共 {len(self.cat)} 个，见 xinyong inputs {self.s.id}）")
                continue
            seen[h] = j
            cols[j] = h
        absent = [i for i in self.cat if i not in seen]
        if absent and len(absent) < len(self.cat):
            log.note(f"缺少 {len(absent)} 个输入列，这些输入按缺失处理：" + "、".join(absent[:20]) + ("…" if len(absent) > 20 else ""),
                     f"{len(absent)} input columns absent (treated as missing)", sheet=sheet, row=1,
                     value=None, expected="、".join(absent))
        # where the data starts: the template's label and range rows are not data
        start = 2
        if _text(g.cell(2, id_col).value) == UNIT_ID_LABEL:
            start = 3
            if _text(g.cell(3, id_col).value) == UNIT_ID_RANGE:
                start = 4
        elif sheet is not None:
            start = INPUT_FIRST_DATA_ROW
        rows_of: dict[str, int] = {}
        raw_judge: dict[tuple[str, str], dict[str, Any]] = {}
        percent_plain: dict[str, list[tuple[int, str, float]]] = {}
        for i in range(start, g.n_rows + 1):
            if g.row_blank(i):
                continue
            uid = _text(g.cell(i, id_col).value)
            if not uid:
                log.error("单位编号为空，但该行有数据", "data row without a unit id", sheet=sheet, row=i, col=id_col,
                          expected="单位编号")
                continue
            if uid in rows_of:
                log.error(f"单位编号“{uid}”重复（第 {rows_of[uid]} 行已有）", f"duplicate unit id {uid!r}", sheet=sheet,
                          row=i, col=id_col, unit=uid, value=uid, expected="每个单位一行")
                continue
            rows_of[uid] = i
            if units_sheet and uid not in self.units:
                near = difflib.get_close_matches(uid, list(self.units), n=1, cutoff=0.6)
                log.error(f"单位编号“{uid}”不在“单位”表中" + (f"（是否为“{near[0]}”？）" if near else ""),
                          f"unknown unit id {uid!r}", sheet=sheet, row=i, col=id_col, unit=uid, value=uid,
                          expected="“单位”表中的单位编号")
                continue
            if not units_sheet:
                name = _text(g.cell(i, seen["unit_name"]).value) if "unit_name" in seen else ""
                kj = seen.get("unit_kind")
                kind = self._check_kind(_text(g.cell(i, kj).value) if kj else "", sheet, i, kj or id_col, uid) \
                    if (kj or self.s.unit_kinds) else ""
                self.units[uid] = {"unit_name": name or None, "unit_kind": kind or None, "row": i}
            vals = self.values.setdefault(uid, {})
            for j, h in cols.items():
                c = g.cell(i, j)
                if h in ("unit_name", "unit_kind"):
                    if units_sheet and not _blank(c.value):
                        known = self.units[uid].get(h) or ""
                        if _text(c.value) != known:
                            log.error(f"与“单位”表不一致：“单位”表为“{known}”", f"{h} differs from the units sheet",
                                      sheet=sheet, row=i, col=j, unit=uid, input=h, value=c.value, expected=known)
                    continue
                if h.startswith((JUDGE, WHY)):
                    item = h.split(":", 1)[1]
                    raw_judge.setdefault((uid, item), {"row": i})["why" if h.startswith(WHY) else "points"] = (c, j)
                    continue
                spec = self.cat[h]
                x, err, note, detail = coerce_cell(c, spec)
                if err:
                    log.error(f"“{spec.label}”：{err}", f"{h}: {detail}", sheet=sheet, row=i, col=j, unit=uid, input=h,
                              value=c.value, expected=range_text(spec))
                elif note:
                    log.note(f"“{spec.label}”：{note}", f"{h}: {detail}", sheet=sheet, row=i, col=j, unit=uid, input=h,
                             value=c.value, expected=range_text(spec))
                if is_percent(spec) and not np.isnan(x) and not note:
                    percent_plain.setdefault(h, []).append((i, uid, x, j, c.value))
                vals[h] = x
                self.cells[(uid, h)] = (sheet, i, j)
        for h, got in percent_plain.items():
            if not any(x > 1 for _, _, x, _, _ in got):
                continue
            for i, uid, x, j, v in got:
                if 0 < x < 1:
                    spec = self.cat[h]
                    log.note(f"“{spec.label}”：{x:g} 可能是小数形式（百分比按百分数填写，95% 应填 95）；未作改动",
                             f"{h}: {x:g} looks like a fraction while other values are percent numbers; left as is",
                             sheet=sheet, row=i, col=j, unit=uid, input=h, value=v, expected=range_text(spec))
        for (uid, item), d in raw_judge.items():
            pc, pj = d.get("points", (Cell(None), None))
            wc, wj = d.get("why", (Cell(None), None))
            self._judge_entry(uid, item, pc, wc, sheet, d["row"], pj, wj, None)
        if units_sheet:
            for uid, u in self.units.items():
                if uid not in rows_of:
                    log.note("“输入”表中没有该单位的行，全部输入按缺失处理", f"unit {uid!r} has no row in the inputs sheet",
                             sheet=sheet, unit=uid, value=uid, expected="每个单位一行")

    def _judge_entry(self, uid, item, pc: Cell, wc: Cell, sheet, row, pcol, wcol, cap_cell: Cell | None,
                     cap_col=None) -> None:
        log = self.log
        kind = (self.units.get(uid) or {}).get("unit_kind") or ""
        slots = slots_for(self.slots, kind)
        if item not in slots:
            log.error(f"单位类型为“{kind or '未填'}”时，条目 {item} 不按评审计分，得分不会被使用",
                      f"item {item} is not a judgement for unit kind {kind!r}", sheet=sheet, row=row, col=pcol,
                      unit=uid, input=item, value=pc.value, expected="该单位适用的酌情评分条目")
            return
        cap = slots[item].cap
        why = _text(wc.value)
        spec = InputSpec(id="judge", label="评审得分", type="number", min=None, max=None)
        x, err, _, detail = coerce_cell(pc, spec)
        if cap_cell is not None and not _blank(cap_cell.value):
            try:
                differs = abs(float(cap_cell.value) - cap) > 1e-9
            except (TypeError, ValueError):
                differs = True
            if differs:
                log.note(f"“满分”与方案不一致，以方案的 {cap:g} 分为准", f"cap cell differs from the scheme's {cap:g}",
                         sheet=sheet, row=row, col=cap_col, unit=uid, input=item, value=cap_cell.value, expected=f"{cap:g}")
        where = dict(sheet=sheet, row=row, col=pcol, unit=uid, input=item, value=pc.value)
        if err:
            log.error(f"条目 {item} 的评审得分：{err}", f"judgement {item}: {detail}", **where, expected=f"0 到 {cap:g} 之间的数值")
            return
        if np.isnan(x):
            if why:
                log.note(f"条目 {item} 填了理由但没有得分，按“待评审”处理", f"judgement {item}: reason without points",
                         sheet=sheet, row=row, col=wcol, unit=uid, input=item, value=why, expected="得分")
            return
        if x > cap + 1e-9:
            log.error(f"条目 {item} 的评审得分 {x:g} 超过满分 {cap:g}", f"judgement {item}: {x:g} above cap {cap:g}",
                      **where, expected=f"0 到 {cap:g} 之间")
            return
        if x < 0:
            log.error(f"条目 {item} 的评审得分不能为负数", f"judgement {item}: negative", **where, expected=f"0 到 {cap:g} 之间")
            return
        if not why:
            log.error(f"条目 {item} 有评审得分但没有填写理由，得分不予采用", f"judgement {item}: points without justification",
                      sheet=sheet, row=row, col=wcol or pcol, unit=uid, input=item, value=pc.value, expected="评审理由（文字）")
            return
        self.judge[(uid, item)] = (x, why)

    def _read_judge(self, g: Grid) -> None:
        cols = self._headers(g, JUDGE_COLUMNS, JUDGE_REQUIRED)
        if any(k not in cols for k in JUDGE_REQUIRED):
            return
        seen: dict[tuple[str, str], int] = {}
        all_items = {it.id: it for it in self.s.walk_items()}
        for i in range(2, g.n_rows + 1):
            if g.row_blank(i):
                continue
            c = {k: g.cell(i, j) for k, j in cols.items()}
            uid, item = _text(c["unit_id"].value), _text(c["item"].value)
            if not uid or not item:
                self.log.error("单位编号或条目编号为空", "blank unit id or item id", sheet=g.name, row=i,
                               col=cols["unit_id"] if not uid else cols["item"], value=None, expected="单位编号和条目编号")
                continue
            if uid not in self.units:
                self.log.error(f"单位编号“{uid}”不在“单位”表中", f"unknown unit id {uid!r}", sheet=g.name, row=i,
                               col=cols["unit_id"], unit=uid, value=uid, expected="“单位”表中的单位编号")
                continue
            if item not in self.judge_ids:
                if item in all_items:
                    msg = f"条目 {item} 不是酌情评分条目（按规则计分），不应在“评审”表填写"
                else:
                    near = _suggest(item, {x: x for x in self.judge_ids})
                    msg = f"未知的条目编号“{item}”" + (f"（是否为“{near}”？）" if near else "")
                self.log.error(msg, f"item {item!r} is not a judgement item of {self.s.id}", sheet=g.name, row=i,
                               col=cols["item"], unit=uid, input=item, value=item,
                               expected="酌情评分条目：" + "、".join(self.judge_ids))
                continue
            if (uid, item) in seen:
                self.log.error(f"单位“{uid}”的条目 {item} 重复（第 {seen[(uid, item)]} 行已有）", "duplicate judgement row",
                               sheet=g.name, row=i, col=cols["item"], unit=uid, input=item, value=item, expected="每个单位每个条目一行")
                continue
            seen[(uid, item)] = i
            self._judge_entry(uid, item, c["points"], c["why"], g.name, i, cols["points"], cols["why"], c.get("max"), cols.get("max"))

    def _read_evidence(self, g: Grid) -> None:
        cols = self._headers(g, EVIDENCE_COLUMNS, EVIDENCE_REQUIRED)
        if any(k not in cols for k in EVIDENCE_REQUIRED):
            return
        targets = {it.id for it in self.s.walk_items()} | {s.id for s in self.s.walk_sections()}
        targets |= {c.id for gt in self.s.gates for c in gt.conditions} | {gt.id for gt in self.s.gates}
        for i in range(2, g.n_rows + 1):
            if g.row_blank(i):
                continue
            c = {k: g.cell(i, j) for k, j in cols.items()}
            item, uid = _text(c["item"].value), _text(c["unit_id"].value)
            title, link = _text(c["title"].value), _text(c["link"].value)
            bad = False
            if item not in targets:
                near = _suggest(item, {x: x for x in targets}) if item else None
                self.log.error(("条目编号为空" if not item else f"未知的条目编号“{item}”") + (f"（是否为“{near}”？）" if near else ""),
                               f"unknown item {item!r}", sheet=g.name, row=i, col=cols["item"], unit=uid or None,
                               value=item or None, expected="本方案的条目编号")
                bad = True
            if uid not in self.units:
                self.log.error("单位编号为空" if not uid else f"单位编号“{uid}”不在“单位”表中", f"unknown unit id {uid!r}",
                               sheet=g.name, row=i, col=cols["unit_id"], unit=uid or None, value=uid or None,
                               expected="“单位”表中的单位编号")
                bad = True
            if not title:
                self.log.error("文件标题为空", "blank document title", sheet=g.name, row=i, col=cols["title"],
                               unit=uid or None, value=None, expected="佐证文件的标题")
                bad = True
            if not link:
                self.log.note("没有填写文件名或链接", "no file name or link", sheet=g.name, row=i, col=cols["link"],
                              unit=uid or None, value=None, expected="文件名或网址")
            date, ok = _parse_date(c["date"].value)
            if not ok:
                self.log.error("日期无法识别", "unreadable date", sheet=g.name, row=i, col=cols["date"], unit=uid or None,
                               value=c["date"].value, expected="日期，如 2022-03-31")
                bad = True
            elif date is None:
                self.log.note("没有填写日期", "no date", sheet=g.name, row=i, col=cols["date"], unit=uid or None,
                              value=None, expected="日期，如 2022-03-31")
            if not bad:
                self.evidence.append({"item": item, "unit_id": uid, "title": title, "link": link or None,
                                      "date": date, "sheet_row": i})

    # -------------------------------------------------------------- outputs
    def _frame(self) -> pd.DataFrame:
        ids = list(self.units)
        jitems = self.judge_ids
        data: dict[str, Any] = {
            "unit_name": pd.array([self.units[u]["unit_name"] for u in ids], dtype="string"),
            "unit_kind": pd.array([self.units[u]["unit_kind"] for u in ids], dtype="string"),
        }
        if self.period:
            data["period"] = pd.array([self.period] * len(ids), dtype="string")
        for i in self.cat:
            data[i] = np.array([self.values.get(u, {}).get(i, np.nan) for u in ids], dtype=float)
        for it in jitems:
            data[judge_col(it)] = np.array([self.judge.get((u, it), (np.nan, ""))[0] for u in ids], dtype=float)
            data[why_col(it)] = pd.array([self.judge[(u, it)][1] if (u, it) in self.judge else None for u in ids],
                                         dtype="string")
        frame = pd.DataFrame(data, index=pd.Index(ids, name="unit_id", dtype=object))
        return frame

    def _evidence_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.evidence, columns=EVIDENCE_FRAME_COLUMNS)
