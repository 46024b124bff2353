"""One workbook per unit: ``xinyong template SCHEME --period P --units units.csv --split -o dir/``.

Each workbook is the template (:func:`xinyong.intake.template.build_template`: the same sheets 说明, 单位,
输入, 评审, 证据 and layout, so :func:`xinyong.intake.read_inputs` reads a returned one as it reads any
filled template) cut to one unit:

- 单位: the unit's identity (单位编号, 单位名称, 单位类型), written and locked;
- 输入: the inputs the unit answers for (:mod:`.answers`), its id locked in A4, the row to fill unlocked;
- 评审: the header only — the assessor's points are not the unit's to give; locked;
- 证据: one row per item that needs evidence, with the item's name, the scheme's requirement, its 资料盒
  and deadline (locked), and 文件标题 / 文件名或链接 / 日期 to fill (unlocked), then spare rows;
- 说明: the unit, the period in words, the date to return it, how to fill, where to put the evidence
  files, and the items the unit answers for.

The sheets are protected with openpyxl's sheet protection **without a password** (Excel: 审阅 → 撤销工作表
保护): it keeps a unit from overwriting its identity or the headers by mistake, it is not a security
measure, and ``collect`` checks the identity anyway. Beside the workbooks, 报送名单.csv (:data:`MANIFEST_NAME`)
lists who was sent what; ``collect`` reads it to know who is expected.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter

from ...labels import num, period_zh
from ...scheme.model import Scheme
from ...scoring.plan import Plan, compile
from ...safe import cut_utf8, put, safe_file_name, short_hash
from ...util import atomic_write_bytes
# the evidence folder beside a returned workbook: <workbook stem>_证据/, or a folder named 证据 beside it
from ..evidence_paths import FOLDER as EVIDENCE_FOLDER, SUFFIX as EVIDENCE_SUFFIX
from ..template import (BOLD, EVIDENCE_COLUMNS, EVIDENCE_INFO_COLUMNS, INPUT_FIRST_DATA_ROW,
                        META_PERIOD, META_SCHEME, SHEET_EVIDENCE, SHEET_INPUTS, SHEET_JUDGE, SHEET_README,
                        SHEET_UNITS, UnitRow, build_template, head_cells, save_workbook)
from .answers import Answers, answers_for
from .units import MANIFEST_NAME, manifest_csv

# rows of a unit's 说明 sheet that collect reads (besides 方案编号 and 考核期, which the reader reads)
META_UNIT_ID = "单位编号"
META_UNIT_NAME = "单位名称"
META_DUE = "交回时限"
META_FILLED_BY = "填报人"
META_PHONE = "联系电话"
META_FILLED_ON = "填报日期"
SPARE_EVIDENCE_ROWS = 30
EVIDENCE_INFO = ("name", "requirement", "box", "deadline")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
UNLOCKED = Protection(locked=False)
# UTF-8 bytes of a workbook's file name: the unit's name, then the period and (when two names clash) the
# id; with ".xlsx", "_证据" or a temporary file's affixes the name stays under the 255-byte limit
NAME_BYTES, ID_BYTES, STEM_BYTES = 120, 32, 200


@dataclass(frozen=True)
class SplitResult:
    folder: Path
    manifest: Path
    files: dict[str, Path]  # unit id -> workbook
    answers: dict[str, Answers]


def safe_filename(stem: str, limit: int = STEM_BYTES) -> str:
    """``stem`` usable as a file name everywhere (:func:`xinyong.safe.safe_file_name`: no reserved or
    invisible characters, no trailing dot or blank, not hidden, not a device name), at most ``limit``
    UTF-8 bytes."""
    return safe_file_name(stem, limit)


def unit_file_names(units: Sequence[UnitRow], period: str) -> dict[str, str]:
    """Unit id -> ``<单位名称>_<考核期>.xlsx`` (the period in words; a long name cut at :data:`NAME_BYTES`
    bytes); the id is added when two units would get the same name (names compared as Windows does,
    ignoring case), and a short hash of the id when even that leaves two alike."""
    when = f"_{period_zh(period)}" if period else ""

    def stem(u: UnitRow, tail: str = "") -> str:
        return safe_filename(cut_utf8(u.unit_name or u.unit_id, NAME_BYTES) + when + tail)

    stems = {u.unit_id: stem(u) for u in units}
    for tail in (lambda u: "_" + cut_utf8(u.unit_id, ID_BYTES), lambda u: f"_{short_hash(u.unit_id)}"):
        count: dict[str, int] = {}
        for s in stems.values():
            count[s.lower()] = count.get(s.lower(), 0) + 1
        stems = {u.unit_id: stem(u, tail(u)) if count[stems[u.unit_id].lower()] > 1 else stems[u.unit_id]
                 for u in units}
    return {uid: s + ".xlsx" for uid, s in stems.items()}


def _protect(ws) -> None:
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # a unit may still widen a column or a row
    ws.protection.formatRows = False


def _unit_readme(ws, scheme: Scheme, period: str, a: Answers, due: str, file_name: str) -> None:
    u = a.unit
    when = period_zh(period) if period else "（未指定）"
    put(ws, 1, 1, f"《{scheme.title}》{when}数据填报表 — {u.unit_name}").font = Font(bold=True, size=14)
    # A2/A3 are what the reader checks (方案编号, 考核期); keep them there
    meta = [(META_SCHEME, scheme.id), (META_PERIOD, period), ("考核期（中文）", when), (META_UNIT_ID, u.unit_id),
            (META_UNIT_NAME, u.unit_name), ("单位类型", u.unit_kind or "（不区分）"),
            (META_DUE, due or "按考核办通知的时间"), (META_FILLED_BY, None), (META_PHONE, None),
            (META_FILLED_ON, None)]
    for r, (k, v) in enumerate(meta, 2):
        put(ws, r, 1, k).font = BOLD
        c = put(ws, r, 2, v)
        if k in (META_FILLED_BY, META_PHONE, META_FILLED_ON):
            c.protection = UNLOCKED
        else:
            c.fill = LOCKED_FILL
    stem = Path(file_name).stem
    lines = [
        "填写说明",
        f"1. 本表是{u.unit_name}（单位编号 {u.unit_id}）{when}的填报表，只列出本单位需要填报的内容。灰色单元格"
        "（单位编号、名称、类型、表头）已锁定，不能修改；工作表保护没有密码，请不要撤销保护。单位信息有误请联系考核办。",
        f"2. “输入”表：在第 {INPUT_FIRST_DATA_ROW} 行、单位编号右边逐项填写本单位的数据。第 2 行是每项的中文名称，"
        "第 3 行是单位和允许的范围；把鼠标停在名称上可以看到它用于哪些考核条目。",
        "3. 百分比按百分数填写：95 表示 95%。是/否类填写“是”或“否”。只填数值，不要写公式，不要合并单元格。",
        "4. 不知道或尚未取得的数据请留空。留空表示“缺少数据”，该条目显示为“缺少数据”，绝不会按 0 分计算。",
        "5. “证据”表：每行是一个需要佐证材料的考核条目，右侧灰色列是方案对材料的要求、资料盒编号和完成时限。"
        "请填写文件标题、文件名或链接、日期（如 2022-06-30）。同一条目有多份材料时，在下方空行另起一行，"
        "填写相同的条目编号。",
        f"6. 佐证文件放在哪里：在本表所在的文件夹里新建一个名为“{stem}{EVIDENCE_SUFFIX}”的文件夹"
        f"（或名为“{EVIDENCE_FOLDER}”的文件夹），把文件放进去，在“文件名或链接”中写文件名（如 工作制度.pdf；"
        "放在子文件夹里的写 子文件夹/文件名）。网上的材料直接写网址（http:// 或 https:// 开头）。"
        "考核办收表时逐一核对文件是否存在，并记录每个文件的校验值（SHA-256），交回后请不要再改动文件。",
        "7. 纸质材料按“资料盒”编号放入对应的资料盒（方案规定了资料盒的才有编号）。",
        "8. “评审”表由考核办评审人员填写，本单位不填。",
        f"9. 填好后，请在{due or '考核办通知的时间'}前，把本表和证据文件夹一起（可压缩为一个 zip 文件）交回考核办；"
        "文件名可以不改。也可以把“输入”表另存为 CSV（逗号分隔，UTF-8 或 GBK 编码均可）交回，但 CSV 不能带证据。",
        "10. 考核办收表时用程序逐项检查，发现的问题会写明所在的工作表、行、列和应填写的内容；有错的单元格按“缺少数据”处理，"
        "其余数据照常计分。同一单位交回两份时，以考核办确认的一份为准。",
    ]
    r = len(meta) + 3
    for k, line in enumerate(lines):
        c = put(ws, r + k, 1, line)
        c.font = BOLD if k == 0 else Font()
    r += len(lines) + 1
    put(ws, r, 1, "本单位填报的考核条目").font = BOLD
    r += 1
    head_cells(ws, ["条目编号", "条目名称", "满分", "需要填写的数据（“输入”表）", "佐证材料", "资料盒", "完成时限", "计分方式"],
               row=r)
    cat = scheme.input_catalogue
    mine = {s.id for s in a.inputs}
    boxes = {e.item_id: e.box for e in a.evidence}
    from .answers import deadline

    for it in a.items:
        r += 1
        labels = "；".join(cat[i].label for i in it.input_ids if i in cat and i in mine)
        how = "考核办评审赋分" if it.id in a.judged else ("附加分" if it.bonus else "按规则计分")
        vals = [it.id, it.name, num(it.max_points), labels, it.evidence, boxes.get(it.id, ""), deadline(it), how]
        for j, v in enumerate(vals, 1):
            put(ws, r, j, v).alignment = Alignment(wrap_text=j in (2, 4, 5), vertical="top")
    for col, w in zip("ABCDEFGH", (22, 36, 8, 40, 40, 14, 12, 14)):
        ws.column_dimensions[col].width = w
    _protect(ws)


def _evidence_rows(ws, a: Answers) -> None:
    first_info = len(EVIDENCE_COLUMNS) + 1
    info = [k for k in EVIDENCE_INFO if k not in EVIDENCE_COLUMNS]
    head_cells(ws, [EVIDENCE_INFO_COLUMNS[key][0] for key in info], col=first_info)
    order = list(EVIDENCE_COLUMNS)
    col = {key: order.index(key) + 1 for key in order}
    r = 1
    for e in a.evidence:
        r += 1
        put(ws, r, col["item"], e.item_id).fill = LOCKED_FILL
        put(ws, r, col["unit_id"], a.unit.unit_id).fill = LOCKED_FILL
        got = {"name": e.item_name, "requirement": e.requirement, "box": e.box, "deadline": e.deadline}
        for k, v in enumerate((got[key] for key in info), first_info):
            c = put(ws, r, k, v or None)
            c.fill, c.alignment = LOCKED_FILL, Alignment(wrap_text=True, vertical="top")
        for key in ("title", "link", "date"):
            ws.cell(r, col[key]).protection = UNLOCKED
    for _ in range(SPARE_EVIDENCE_ROWS):
        r += 1
        put(ws, r, col["unit_id"], a.unit.unit_id).fill = LOCKED_FILL
        for key in ("item", "title", "link", "date"):
            ws.cell(r, col[key]).protection = UNLOCKED
    widths = {"name": 30, "requirement": 50, "box": 14, "deadline": 12}
    for k, key in enumerate(info, first_info):
        ws.column_dimensions[get_column_letter(k)].width = widths[key]
    _protect(ws)


def build_unit_workbook(plan: Plan, period: str, a: Answers, due: str = "", file_name: str = "") -> Workbook:
    scheme = plan.scheme
    u = a.unit
    wb = build_template(scheme, period, [u], inputs=a.inputs, judge_rows=False)
    del wb[SHEET_README]
    _unit_readme(wb.create_sheet(SHEET_README, 0), scheme, period, a, due, file_name)
    wb.active = 0
    units = wb[SHEET_UNITS]
    for j in range(1, 4):
        units.cell(2, j).fill = LOCKED_FILL
    _protect(units)
    inputs = wb[SHEET_INPUTS]
    inputs.cell(INPUT_FIRST_DATA_ROW, 1).fill = LOCKED_FILL
    for j in range(2, len(a.inputs) + 2):
        inputs.cell(INPUT_FIRST_DATA_ROW, j).protection = UNLOCKED
    _protect(inputs)
    _protect(wb[SHEET_JUDGE])
    _evidence_rows(wb[SHEET_EVIDENCE], a)
    return wb


def split(scheme: Scheme, period: str, units: Sequence[UnitRow], folder: str | os.PathLike, due: str = "",
          plan: Plan | None = None) -> SplitResult:
    """Write one workbook per unit into ``folder`` and the manifest beside them."""
    plan = plan or compile(scheme)
    if len(scheme.unit_kinds) == 1:  # as the reader does: a blank kind of a one-kind scheme is that kind
        units = [u if u.unit_kind else UnitRow(u.unit_id, u.unit_name, scheme.unit_kinds[0]) for u in units]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = unit_file_names(units, period)
    files: dict[str, Path] = {}
    answers: dict[str, Answers] = {}
    for u in units:
        a = answers[u.unit_id] = answers_for(plan, u, units)
        files[u.unit_id] = save_workbook(build_unit_workbook(plan, period, a, due, names[u.unit_id]),
                                         folder / names[u.unit_id])
    manifest = atomic_write_bytes(folder / MANIFEST_NAME, manifest_csv(list(units), names, scheme.id, period))
    return SplitResult(folder, Path(manifest), files, answers)
