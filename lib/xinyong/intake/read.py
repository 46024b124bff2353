"""Read a filled workbook (or a wide CSV) into the frame ``xinyong.score`` takes, checking every cell.

Every finding becomes a :class:`~xinyong.errors.Problem` naming the file, sheet, row (as Excel shows
it), column (letter, plus the input id), the unit the row belongs to, the value found and what was
expected, in Chinese with an English detail. All findings are collected; the first
:data:`~xinyong.intake.problems.MAX_LISTED` are listed and the rest counted. Formulas are refused,
never evaluated (see :mod:`xinyong.intake.grid`), and the analyst is asked to paste values.

The steps: :mod:`.sources` opens the file once (a workbook by :mod:`.workbook`, only down to its last
row with data); one reader per sheet (:mod:`.sheets`) checks it, every value going through the scheme's one
coercer (:func:`xinyong.scheme.values.coerce`); this module puts the results together.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..scheme.model import Scheme
from ..scheme.values import judge_col, why_col
from ..scoring.plan import check_problems
from .cells import text
from .limits import file_problem
from .problems import MAX_LISTED, Log, capped, col_letter  # noqa: F401 — col_letter: older imports
from .sheets import ReadContext, read_evidence, read_inputs_sheet, read_judge, read_readme, read_receipts, read_units
from .sources import CSV_ENCODINGS, Grid, Source, open_source  # noqa: F401 — CSV_ENCODINGS: older imports
from .template import DATA_SHEETS, SHEET_EVIDENCE, SHEET_INPUTS, SHEET_JUDGE, SHEET_README, SHEET_RECEIPTS, \
    SHEET_UNITS, \
    UNIT_ID_HEADER, UNIT_ID_LABEL, UNIT_ID_RANGE

EVIDENCE_FRAME_COLUMNS = ["item", "unit_id", "title", "link", "date", "sheet_row"]
ID_HEADERS = (UNIT_ID_HEADER, UNIT_ID_LABEL)
NOT_IDS = (UNIT_ID_LABEL, UNIT_ID_RANGE)  # the template's label and range rows under the header


@dataclass
class IntakeResult:
    """What one file gave: the wide frame for ``score``, the evidence list and the problems.

    ``problems`` lists at most :data:`~xinyong.intake.problems.MAX_LISTED` problems, then one line with
    the count of the others; ``n_problems``/``n_errors`` count them all. ``unit_errors`` holds every
    error that belongs to a unit (listed or not), by unit id; ``general_errors`` the errors of no unit
    (capped like ``problems``).

    ``unreported``: the units the 单位 sheet marks 未报送 (in its order; scored as every input missing,
    :attr:`~xinyong.scoring.ScoreResult.unreported`). ``receipts``: the optional 报送情况 sheet (columns
    unit_id, unit_name, status, file, received, sha256, n_errors, summary), None when absent.
    """

    frame: pd.DataFrame
    evidence: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    file: str = ""
    scheme_id: str = ""
    period: str | None = None
    encoding: str | None = None
    n_problems: int | None = None
    n_errors: int | None = None
    unit_errors: dict[str, list[Problem]] = field(default_factory=dict)
    general_errors: list[Problem] = field(default_factory=list)
    n_general_errors: int = 0
    unreported: tuple[str, ...] = ()
    receipts: pd.DataFrame | None = None

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
            n = self.n_errors if self.n_errors is not None else len(self.errors)
            raise InputError(f"文件 {Path(self.file).name} 有 {n} 处错误，无法计分",
                             f"{n} errors in {self.file}", problems=list(self.problems), file=self.file, total=n)
        return self


# ------------------------------------------------------------------------------------------ main
def read_inputs(scheme: Scheme | str, path: str | os.PathLike, strict: bool = False) -> IntakeResult:
    """Read ``path`` (.xlsx workbook from :func:`write_template`, or a wide CSV) for ``scheme``.

    Returns an :class:`IntakeResult` with every problem found; ``strict=True`` raises
    :class:`~xinyong.errors.InputError` listing them when any is an error.
    """
    from ..scheme import load_scheme

    scheme = load_scheme(scheme) if not isinstance(scheme, Scheme) else scheme
    # no collector switching here: ``run_all`` reads two runs in two threads, and the collector is the
    # process's (a batch worker tunes it at start-up, report/engine.py); reading 100,000 rows measured
    # the same with it on and off (bench/NOTES.md, "The collector while reading")
    res = _Reader(scheme, Path(path)).run()
    return res.raise_if_errors() if strict else res


class _Reader:
    """Drives one file through its source and the sheet readers, in a fixed order (so problems are
    listed in the same order every time): the file, the read-me, formulas and merged cells of every
    data sheet, then 单位, 输入, 评审, 证据."""

    def __init__(self, scheme: Scheme, path: Path):
        self.s = scheme
        self.path = path
        self.grids: dict[str | None, Grid] = {}
        self._id_cols: dict[str | None, int | None] = {}
        self.log = Log(str(path), unit_of=self.unit_of)
        self.ctx = ReadContext(scheme, self.log)
        self.encoding: str | None = None
        self.receipts: pd.DataFrame | None = None

    def unit_of(self, sheet: str | None, row: int) -> str | None:
        """The unit id written on ``row`` of a data sheet (as written, before any check), or None."""
        g = self.grids.get(sheet)
        if g is None or (sheet is not None and sheet not in DATA_SHEETS):
            return None
        if sheet not in self._id_cols:
            self._id_cols[sheet] = next((j for j in range(1, len(g.rows[0]) + 1 if g.rows else 1)
                                         if text(g.raw(1, j)) in ID_HEADERS), None)
        j = self._id_cols[sheet]
        uid = text(g.raw(row, j)) if j is not None else ""
        return uid if uid and uid not in NOT_IDS else None

    def run(self) -> IntakeResult:
        log, path = self.log, self.path
        if not path.exists():
            log.error("文件不存在", f"no such file: {path}", value=str(path), expected="已填写的 .xlsx 或 .csv 文件")
            return self._result()
        too_big = file_problem(path.stat().st_size)
        if too_big is not None:
            log.error(f"{path.name}：{too_big[0]}", too_big[1], value=path.name, expected="单位填报的 .xlsx 或 .csv 文件")
            return self._result()
        data = path.read_bytes()
        if not data.strip():
            log.error("文件为空", "the file is empty (zero bytes or only whitespace)", value=f"{len(data)} 字节",
                      expected="已填写的 .xlsx 或 .csv 文件")
            return self._result()
        src = open_source(path, data, log)
        self.grids, self.encoding = src.grids, src.encoding
        if src.kind == "encrypted":
            log.error(f"文件有密码保护，请去掉密码后再提交：{path.name}",
                      "password-protected (encrypted OOXML package in an OLE container)", value=path.name,
                      expected="未加密的 Excel 工作簿（.xlsx）")
        elif src.kind == "xls":
            log.error("这是旧版 Excel 97-2003（.xls）文件，请在 Excel 中另存为 .xlsx 后再提交",
                      "legacy .xls (OLE) workbook; save as .xlsx", value=path.name, expected="Excel 工作簿（.xlsx）")
        elif src.kind == "unknown":
            looks_text = b"\x00" not in data[:4096]
            log.error("文件不是 Excel 工作簿（.xlsx）" + ("；看起来是文本文件，如果是 CSV 请把扩展名改为 .csv" if looks_text else ""),
                      "not a workbook (no zip signature)", value=path.name, expected="Excel 工作簿（.xlsx）或 .csv")
        elif src.kind == "csv" and None in src.grids:
            self._read_csv(src.grids[None])
        elif src.kind == "xlsx" and src.grids:
            self._read_workbook(src.grids)
        return self._result()

    def _read_workbook(self, grids: dict[str | None, Grid]) -> None:
        log, ctx = self.log, self.ctx
        missing = [s for s in DATA_SHEETS if s not in grids]
        for name in missing:
            near = difflib.get_close_matches(name, [g for g in grids if g not in DATA_SHEETS], n=1, cutoff=0.3)
            log.error(f"缺少工作表“{name}”" + (f"（是否为“{near[0]}”？）" if near else ""), f"missing sheet {name!r}",
                      sheet=name, value="、".join(grids), expected="工作表：" + "、".join((SHEET_README,) + DATA_SHEETS))
        if SHEET_README in grids:
            read_readme(ctx, grids[SHEET_README])
        for name in DATA_SHEETS:
            if name in grids:
                self._refuse_formulas_and_merges(grids[name])
        if SHEET_UNITS in grids:
            read_units(ctx, grids[SHEET_UNITS])
        if SHEET_INPUTS in grids:
            read_inputs_sheet(ctx, grids[SHEET_INPUTS], units_sheet=SHEET_UNITS in grids)
        if SHEET_JUDGE in grids:
            read_judge(ctx, grids[SHEET_JUDGE])
        if SHEET_EVIDENCE in grids:
            read_evidence(ctx, grids[SHEET_EVIDENCE])
        if SHEET_RECEIPTS in grids:
            self.receipts = read_receipts(ctx, grids[SHEET_RECEIPTS])
        if not ctx.units and not missing:
            log.error("文件中没有任何单位数据", "no units in the workbook", sheet=SHEET_UNITS, row=2, col=1,
                      expected="“单位”表从第 2 行起每个单位一行")

    def _read_csv(self, grid: Grid) -> None:
        self._refuse_formulas_and_merges(grid)
        read_inputs_sheet(self.ctx, grid, units_sheet=False)
        if not self.ctx.units:
            self.log.error("文件中没有任何单位数据", "no data rows in the CSV", row=2, col=1,
                           expected="第 1 行为输入编号（unit_id, unit_name, unit_kind, 各输入），其后每个单位一行")

    def _refuse_formulas_and_merges(self, g: Grid) -> None:
        refuse_formulas_and_merges(self.log, g)

    # -------------------------------------------------------------- outputs
    def _result(self) -> IntakeResult:
        log = self.log
        frame = self._frame()
        # the scheme's cross-input checks (已整改 ≤ 事件数), located at the cells they read; an error stops
        # that unit as an invalid row does
        for p in check_problems(self.s, frame, self._locate):
            log.add(p.severity, p.message, p.detail, sheet=p.sheet, row=p.row, col=p.column, input=p.input,
                    unit=p.unit, value=p.value, expected=p.expected)
        return IntakeResult(frame, self._evidence_frame(), log.problems, str(self.path), self.s.id,
                            self.ctx.period, self.encoding, log.total, log.total_errors, log.unit_errors,
                            capped(log.general_listed, log.general_errors, log.general_errors, log.file),
                            log.general_errors, tuple(u for u in self.ctx.unreported if u in self.ctx.units),
                            self.receipts)

    def _locate(self, unit: str, input_id: str) -> dict[str, Any] | None:
        at, k = self.ctx.input_at, self.ctx.value_row.get(unit)
        if at is None or k is None or input_id not in at[2]:
            return None
        sheet, rows, cols = at
        row, col = rows[k], cols[input_id]
        return {"file": str(self.path), "sheet": sheet, "row": row, "column": col_letter(col),
                "ref": f"{col_letter(col)}{row}"}

    def _frame(self) -> pd.DataFrame:
        ctx = self.ctx
        ids = list(ctx.units)
        data: dict[str, Any] = {
            "unit_name": pd.array([ctx.units[u]["unit_name"] for u in ids], dtype="string"),
            "unit_kind": pd.array([ctx.units[u]["unit_kind"] for u in ids], dtype="string"),
        }
        if ctx.period:
            data["period"] = pd.array([ctx.period] * len(ids), dtype="string")
        pos = np.array([ctx.value_row.get(u, -1) for u in ids], dtype=np.int64)
        has = pos >= 0
        for i in ctx.cat:
            col = ctx.value_cols.get(i)
            data[i] = np.where(has, col[np.where(has, pos, 0)], np.nan) if col is not None and len(col) \
                else np.full(len(ids), np.nan)
        for it in ctx.judge_ids:
            data[judge_col(it)] = np.array([ctx.judge.get((u, it), (np.nan, ""))[0] for u in ids], dtype=float)
            data[why_col(it)] = pd.array([ctx.judge[(u, it)][1] if (u, it) in ctx.judge else None for u in ids],
                                         dtype="string")
        return pd.DataFrame(data, index=pd.Index(ids, name="unit_id", dtype=object))

    def _evidence_frame(self) -> pd.DataFrame:
        # ``sha256`` only when the 证据 sheet has the column (contract C: ``collect`` writes it)
        return pd.DataFrame(self.ctx.evidence, columns=EVIDENCE_FRAME_COLUMNS
                            + (["sha256"] if self.ctx.evidence_sha256 else []))


def refuse_formulas_and_merges(log: Log, g: Grid) -> None:
    """Every merged range and formula cell of ``g`` is an error (formulas are never evaluated)."""
    from openpyxl.utils.cell import range_boundaries

    for rng in g.merged:
        c1, r1, _, _ = range_boundaries(rng)
        log.error(f"不能使用合并单元格（{rng}），请取消合并并在每个单元格填写", f"merged cells {rng}",
                  sheet=g.name, row=r1, col=c1, value=rng, expected="每个单元格单独填写")
    for (i, j), formula in sorted(g.formulas.items()):
        log.error("单元格含有公式；程序不计算公式，请复制后“选择性粘贴为数值”",
                  "formula cell refused (formulas are never evaluated)",
                  sheet=g.name, row=i, col=j, value=formula, expected="数值（非公式）")
