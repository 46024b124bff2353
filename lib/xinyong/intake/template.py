"""Write the workbook an analyst fills in: one per scheme × period, built from the scheme model and its
compiled plan (which items take an assessor's points, with which cap, for which kind of unit).

Sheets: 说明 (read-me), 单位 (units), 输入 (one row per unit, one column per input), 评审 (assessor's
points and justification per unit × judgement item), 证据 (documents behind the scores). The layout
constants live here so the reader (:mod:`xinyong.intake.read`) checks exactly what was written.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from ..errors import XinyongError
from ..scheme.inventory import input_users
from ..scheme.model import InputSpec, Scheme
from ..scoring.plan import JudgeSlot, Plan, compile, rule_label
from ..safe import formula_parts, put
from ..util import atomic_write_bytes

# ---------------------------------------------------------------- layout (shared with the reader)
SHEET_README = "说明"
SHEET_UNITS = "单位"
SHEET_INPUTS = "输入"
SHEET_JUDGE = "评审"
SHEET_EVIDENCE = "证据"
DATA_SHEETS = (SHEET_UNITS, SHEET_INPUTS, SHEET_JUDGE, SHEET_EVIDENCE)
# optional, written by whoever merges the units' submissions (not by the template): who reported what, when
SHEET_RECEIPTS = "报送情况"

# column key -> accepted header texts (Chinese first: that is what the template writes)
UNIT_COLUMNS = {"unit_id": ("单位编号", "unit_id"), "unit_name": ("单位名称", "unit_name"),
                "unit_kind": ("单位类型", "unit_kind"),
                # optional (not in the template): 已报送 / 未报送; blank or absent = 已报送
                "status": ("报送状态", "report_status")}
TEMPLATE_UNIT_COLUMNS = ("unit_id", "unit_name", "unit_kind")  # what the template writes
REPORTED, UNREPORTED = "已报送", "未报送"
RECEIPT_COLUMNS = {"unit_id": ("单位编号", "unit_id"), "unit_name": ("单位名称", "unit_name"),
                   "status": ("报送状态", "report_status"), "file": ("文件名", "file"),
                   "received": ("收到时间", "received"), "sha256": ("SHA-256", "sha256"),
                   "n_errors": ("错误数", "n_errors"), "summary": ("问题摘要", "summary")}
JUDGE_COLUMNS = {"unit_id": ("单位编号", "unit_id"), "item": ("条目编号", "item"), "name": ("条目名称", "name"),
                 "max": ("满分", "max"), "points": ("得分", "points"), "why": ("理由", "why")}
EVIDENCE_COLUMNS = {"item": ("条目编号", "item"), "unit_id": ("单位编号", "unit_id"), "title": ("文件标题", "title"),
                    "link": ("文件名或链接", "link"), "date": ("日期", "date")}
# columns a 证据 sheet may carry beside EVIDENCE_COLUMNS, accepted without a note: what a unit's own workbook
# shows about the item (xinyong template --split) and the file hash a collected workbook records
EVIDENCE_INFO_COLUMNS = {"name": ("条目名称",), "requirement": ("佐证要求", "佐证材料要求"),
                         "box": ("资料盒", "资料盒编号"), "deadline": ("完成时限",), "sha256": ("SHA-256", "sha256")}
# ``xinyong review --apply`` records who judged and when (intake/review_workbook.py)
JUDGE_OPTIONAL = {"assessor": ("评审人", "assessor"), "reviewed": ("评审日期", "reviewed")}
JUDGE_REQUIRED = ("unit_id", "item", "points", "why")
EVIDENCE_REQUIRED = ("item", "unit_id", "title", "link", "date")

INPUT_ID_ROW, INPUT_LABEL_ROW, INPUT_RANGE_ROW, INPUT_FIRST_DATA_ROW = 1, 2, 3, 4
UNIT_ID_HEADER = "unit_id"
UNIT_ID_LABEL = "单位编号"
UNIT_ID_RANGE = "必填，与“单位”表一致"
META_SCHEME = "方案编号"
META_PERIOD = "考核期"
YES, NO = "是", "否"
DV_LAST_ROW = 1000  # data validation reaches this far below the header even when units are unknown

README_LINES = [
    "填写说明",
    "1. 先在“单位”表填写每个被考核单位：单位编号（字母或数字，不可重复）、单位名称、单位类型（从下拉列表选择）。",
    "2. 在“输入”表每个单位一行：第 1 行是输入编号（程序读取，请勿修改），第 2 行是中文名称，第 3 行是单位和允许范围；从第 4 行开始填写数据，第一列为单位编号。",
    "3. 百分比一律按百分数填写：95 表示 95%。填写“95%”也可接受（会给出提示）；0.95 会被当作 0.95%，程序会提示“可能是小数形式”但不会改动。",
    "4. 是/否类输入填写“是”或“否”（也可填 1 或 0）。",
    "5. 不知道或尚未取得的数据请留空。留空表示“缺失”，该条目显示为“缺少数据”，绝不会按 0 分计算。",
    "6. 请只填写数值，不要使用公式，不要合并单元格；公式单元格会被拒绝，请“选择性粘贴为数值”。",
    "7. “评审”表用于酌情计分的条目：每个单位每个条目一行，填写得分（0 到满分）和理由。没有理由的得分不予采用；得分留空表示“待评审”。",
    "8. “证据”表登记佐证材料：条目编号、单位编号、文件标题、文件名或链接、日期（如 2022-03-31）。",
    "9. 填好后运行：xinyong validate 方案编号 本文件.xlsx，检查所有问题（文件、工作表、行、列、值、应为）。",
]

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
ID_FONT = Font(color="808080", size=9)
BOLD = Font(bold=True)
ITALIC = Font(italic=True, color="595959", size=9)


@dataclass(frozen=True)
class UnitRow:
    unit_id: str
    unit_name: str = ""
    unit_kind: str = ""




def ordered_inputs(scheme: Scheme) -> list[InputSpec]:
    """Inputs in the order the document first reads them (items, then gates), then the rest."""
    cat = scheme.input_catalogue
    order: list[str] = []
    for it in scheme.walk_items():
        order += [i for i in it.input_ids if i in cat and i not in order]
    for g in scheme.gates:
        for c in g.conditions:
            order += [i for i in c.input_ids if i in cat and i not in order]
    order += [i for i in cat if i not in order]
    return [cat[i] for i in order]


def judgement_slots(scheme: Scheme | Plan) -> dict[str, dict[str, JudgeSlot]]:
    """unit kind ("" = a unit of no listed kind) -> item id -> slot (:class:`JudgeSlot`).

    From the compiled plan: a scheme is compiled under its chosen readings. Items that become
    judgements only under an alternative reading are listed for every kind with ``only_under`` set,
    so an assessor may prepare the points without them being used by default.
    """
    plan = scheme if isinstance(scheme, Plan) else compile(scheme)
    return {k: dict(slots) for k, slots in plan.judge_slots.items()}


def slots_for(scheme_slots: dict[str, dict[str, JudgeSlot]], unit_kind: str) -> dict[str, JudgeSlot]:
    return scheme_slots.get(unit_kind or "", scheme_slots[""])


# ---------------------------------------------------------------- building
def points_validation(ws, cells_by_cap: dict[float, list[str]]) -> None:
    """Excel refuses points outside 0..cap in the given cells (one rule per cap), with a Chinese message."""
    for cap, cells in cells_by_cap.items():
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=f"{cap:g}", allow_blank=True,
                            showErrorMessage=True, errorTitle="得分", error=f"得分应在 0 到 {cap:g} 之间")
        for cell in cells:
            dv.add(cell)
        ws.add_data_validation(dv)


def build_template(scheme: Scheme, period: str = "", units: Sequence[UnitRow] | None = None,
                   title_note: str = "", inputs: Sequence[InputSpec] | None = None,
                   judge_rows: bool = True) -> Workbook:
    """An empty (or unit-prefilled) workbook for ``scheme``; nothing but headers and validations.

    ``inputs``: the 输入 columns (all the scheme's inputs when None, in document order); ``judge_rows``:
    whether the 评审 sheet lists each unit's judgement items (a unit's own workbook leaves them to the
    assessor)."""
    units = list(units or [])
    wb = Workbook()
    _readme(wb.active, scheme, period, title_note)
    _units_sheet(wb.create_sheet(SHEET_UNITS), scheme, units)
    _inputs_sheet(wb.create_sheet(SHEET_INPUTS), scheme, units, inputs)
    _judge_sheet(wb.create_sheet(SHEET_JUDGE), scheme, units if judge_rows else [])
    _evidence_sheet(wb.create_sheet(SHEET_EVIDENCE))
    return wb


def _readme(ws, scheme: Scheme, period: str, title_note: str) -> None:
    ws.title = SHEET_README
    put(ws, 1, 1, f"《{scheme.title}》数据填报表").font = Font(bold=True, size=14)
    meta = ((META_SCHEME, scheme.id), (META_PERIOD, period), ("单位类型", "、".join(scheme.unit_kinds) or "（不区分）"))
    for r, (k, v) in enumerate(meta, 2):
        put(ws, r, 1, k).font = BOLD
        put(ws, r, 2, v)
    put(ws, 5, 1, title_note or "本表由 xinyong 按方案文件生成。")
    r = 7
    for line in README_LINES:
        put(ws, r, 1, line).font = BOLD if r == 7 else Font()
        r += 1
    r += 1
    put(ws, r, 1, "条目一览（计分方式、所需输入、佐证材料要求）").font = BOLD
    r += 1
    head_cells(ws, ["条目编号", "条目名称", "满分", "计分方式", "所需输入", "佐证材料", "责任单位", "完成时限"], row=r)
    catalogue = scheme.input_catalogue
    for it in scheme.walk_items():
        r += 1
        # in an analyst's words: the item's number as the document writes it, the rule kind's Chinese name,
        # the inputs by their labels (the 输入 sheet's column heads), never program names
        kind = rule_label(it.rule.kind) if it.rule else ""
        needs = [catalogue[i].label if i in catalogue else i for i in it.input_ids]
        vals = [it.id.removeprefix(scheme.id + "."), it.name, it.max_points, kind + ("（附加分）" if it.bonus else ""),
                "、".join(needs), it.evidence, "、".join(it.responsible), it.deadline or ""]
        for j, v in enumerate(vals, 1):
            put(ws, r, j, v)
    for col, w in zip("ABCDEFGH", (16, 40, 8, 14, 30, 40, 24, 14)):
        ws.column_dimensions[col].width = w


def head_cells(ws, heads: Iterable[str], row: int = 1, col: int = 1) -> None:
    """A row of column heads, bold on the header fill, from (``row``, ``col``) rightwards: every workbook
    xinyong writes (template, per-unit returns, merged period workbook, review workbook) heads its tables so."""
    for j, h in enumerate(heads, col):
        c = put(ws, row, j, h)
        c.font, c.fill = BOLD, HEADER_FILL


def _header(ws, heads: Iterable[str]) -> None:
    head_cells(ws, heads)
    ws.freeze_panes = "A2"


def _units_sheet(ws, scheme: Scheme, units: list[UnitRow]) -> None:
    _header(ws, [UNIT_COLUMNS[k][0] for k in TEMPLATE_UNIT_COLUMNS])
    for i, u in enumerate(units, 2):
        put(ws, i, 1, u.unit_id)
        put(ws, i, 2, u.unit_name or None)
        put(ws, i, 3, u.unit_kind or None)
    if scheme.unit_kinds:
        dv = DataValidation(type="list", formula1='"' + ",".join(scheme.unit_kinds) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="单位类型",
                            error="请从下拉列表选择：" + "、".join(scheme.unit_kinds))
        dv.add(f"C2:C{DV_LAST_ROW}")
        ws.add_data_validation(dv)
    for col, w in zip("ABC", (14, 36, 12)):
        ws.column_dimensions[col].width = w


def _inputs_sheet(ws, scheme: Scheme, units: list[UnitRow], inputs: Sequence[InputSpec] | None = None) -> None:
    specs = ordered_inputs(scheme) if inputs is None else list(inputs)
    used = input_users(scheme)
    put(ws, INPUT_ID_ROW, 1, UNIT_ID_HEADER).font = ID_FONT
    put(ws, INPUT_LABEL_ROW, 1, UNIT_ID_LABEL).font = BOLD
    put(ws, INPUT_RANGE_ROW, 1, UNIT_ID_RANGE).font = ITALIC
    ws.column_dimensions["A"].width = 14
    last = max(DV_LAST_ROW, INPUT_FIRST_DATA_ROW + len(units))
    bool_dv = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True, showErrorMessage=True,
                             errorTitle="是/否", error="请填写“是”或“否”，不知道请留空")
    ws.add_data_validation(bool_dv)
    for j, spec in enumerate(specs, 2):
        col = get_column_letter(j)
        put(ws, INPUT_ID_ROW, j, spec.id).font = ID_FONT
        lab = put(ws, INPUT_LABEL_ROW, j, spec.label)
        lab.font, lab.fill = BOLD, HEADER_FILL
        lab.alignment = Alignment(wrap_text=True, vertical="top")
        put(ws, INPUT_RANGE_ROW, j, spec.range_text()).font = ITALIC
        note = "用于：" + "、".join(used.get(spec.id, [])) + (f"\n{spec.note}" if spec.note else "")
        lab.comment = Comment(note, "xinyong", width=260, height=90)
        ws.column_dimensions[col].width = max(10, min(28, len(spec.label) * 2 + 2))
        rng = f"{col}{INPUT_FIRST_DATA_ROW}:{col}{last}"
        if spec.type == "bool":
            bool_dv.add(rng)
            continue
        dv = _number_dv(spec)
        if dv is not None:
            dv.add(rng)
            ws.add_data_validation(dv)
    for i, u in enumerate(units, INPUT_FIRST_DATA_ROW):
        put(ws, i, 1, u.unit_id)
    ws.freeze_panes = f"B{INPUT_FIRST_DATA_ROW}"
    ws.row_dimensions[INPUT_LABEL_ROW].height = 45


def _number_dv(spec: InputSpec) -> DataValidation | None:
    kind = "whole" if spec.type == "integer" else "decimal"
    lo, hi = spec.min, spec.max
    msg = f"应填{spec.range_text()}"
    common = dict(type=kind, allow_blank=True, showErrorMessage=True, errorTitle=spec.label[:32], error=msg)
    if lo is not None and hi is not None:
        return DataValidation(operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}", **common)
    if lo is not None:
        return DataValidation(operator="greaterThanOrEqual", formula1=f"{lo:g}", **common)
    if hi is not None:
        return DataValidation(operator="lessThanOrEqual", formula1=f"{hi:g}", **common)
    return None


def _judge_sheet(ws, scheme: Scheme, units: list[UnitRow]) -> None:
    _header(ws, [v[0] for v in JUDGE_COLUMNS.values()])
    slots = judgement_slots(scheme)
    by_cap: dict[float, list[str]] = {}
    r = 1
    for u in units:
        for s in slots_for(slots, u.unit_kind).values():
            r += 1
            name = s.name + (f"（仅在解读 {s.only_under} 时使用）" if s.only_under else "")
            for j, v in enumerate((u.unit_id, s.item, name, s.cap), 1):
                put(ws, r, j, v)
            by_cap.setdefault(s.cap, []).append(f"E{r}")
    points_validation(ws, by_cap)
    for col, w in zip("ABCDEF", (14, 18, 40, 8, 8, 60)):
        ws.column_dimensions[col].width = w


def _evidence_sheet(ws) -> None:
    _header(ws, [v[0] for v in EVIDENCE_COLUMNS.values()])
    for col, w in zip("ABCDE", (18, 14, 40, 40, 12)):
        ws.column_dimensions[col].width = w


# ---------------------------------------------------------------- saving
def workbook_bytes(wb: Workbook, stamp: dt.datetime | None = None) -> bytes:
    """The .xlsx bytes. With ``stamp`` the document properties and zip entry times are fixed, so the
    same content always gives the same bytes (demo data kept in git should not churn).

    Every workbook xinyong writes passes here. Its cells were written by :func:`xinyong.safe.put` (or
    loaded by :func:`xinyong.safe.editable`), so none is a formula: a unit name such as
    `` =HYPERLINK(…)`` is a text cell. The bytes are checked for a formula all the same
    (:func:`xinyong.safe.formula_parts`): one is a bug of the writer, and no file is written."""
    if stamp is not None:
        wb.properties.created = stamp
        wb.properties.modified = stamp
    wb.properties.creator = "xinyong"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    with zipfile.ZipFile(buf) as zin:
        bad = formula_parts(zin)
        if bad:
            raise XinyongError("内部错误：写出的工作簿含有公式，未写入文件，请报告此问题",
                               f"formula element in {', '.join(bad)}: a cell was written without xinyong.safe.put")
        if stamp is None:
            return buf.getvalue()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
                fixed.compress_type = zipfile.ZIP_DEFLATED
                fixed.external_attr = 0o600 << 16
                zout.writestr(fixed, zin.read(info.filename))
    return out.getvalue()


def save_workbook(wb: Workbook, path: str | os.PathLike, stamp: dt.datetime | None = None) -> Path:
    return atomic_write_bytes(path, workbook_bytes(wb, stamp))


def write_template(scheme: Scheme | str, path: str | os.PathLike, period: str = "",
                   units: Sequence[UnitRow] | None = None) -> Path:
    """Write the fill-in workbook for ``scheme`` to ``path`` (atomically)."""
    from ..scheme import load_scheme

    s = load_scheme(scheme) if not isinstance(scheme, Scheme) else scheme
    return save_workbook(build_template(s, period, units), path)
