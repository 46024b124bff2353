"""The merged period workbook ``collect`` writes: the template for the units that reported, their values,
their evidence (the files copied beside it) and the receipt (报送情况), contracts A, B and C of
:mod:`.collect`. Every cell goes through :func:`xinyong.safe.put` (a text that begins like a formula is
written as text)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from ...errors import Problem, where
from ...safe import put
from ...scheme.model import Scheme
from .. import evidence_paths as ep
from ..cells import text
from ..template import RECEIPT_COLUMNS as RECEIPT_HEADERS, SHEET_RECEIPTS
from ..template import (EVIDENCE_COLUMNS, EVIDENCE_INFO_COLUMNS, INPUT_FIRST_DATA_ROW, INPUT_ID_ROW, NO,
                        REPORTED, SHEET_EVIDENCE, SHEET_INPUTS, SHEET_UNITS, TEMPLATE_UNIT_COLUMNS, UNIT_COLUMNS,
                        UNREPORTED, YES, UnitRow, build_template, head_cells, save_workbook)
from .answers import box_label, item_boxes
from .split import EVIDENCE_FOLDER, EVIDENCE_SUFFIX
from .returned import Submission
from .units import Manifest

if TYPE_CHECKING:
    import datetime as dt

RECEIPT_SHEET = SHEET_RECEIPTS
RECEIPT_COLUMNS = [h[0] for h in RECEIPT_HEADERS.values()]  # the reader's columns (contract B), as written
STATUS_COLUMN = UNIT_COLUMNS["status"][0]  # the 单位 sheet's column the reader knows (contract A)
REFUSED = "已拒收"  # receipt rows only; REPORTED / UNREPORTED are the reader's values
SUMMARY_LISTED = 3


@dataclass(frozen=True)
class Merged:
    """What the merged workbook holds besides the values: the receipt table, the units not reported
    (the manifest's order) and the evidence rows (with path, SHA-256 and 资料盒)."""

    receipts: pd.DataFrame
    unreported: tuple[str, ...]
    evidence: pd.DataFrame


def write_merged(scheme: Scheme, period: str, manifest: Manifest, subs: list[Submission],
                 chosen: dict[str, Submission], output: Path, stamp: "dt.datetime | None" = None) -> Merged:
    """Write the merged workbook to ``output`` (the evidence files copied beside it) from the returns
    ``chosen`` for each unit."""
    reported = [u for u in manifest.units if u.unit_id in chosen]
    unreported = tuple(u.unit_id for u in manifest.units if u.unit_id not in chosen)
    note = (f"由 xinyong collect 汇总：{len(manifest.units)} 个单位中 {len(reported)} 个已报送、"
            f"{len(unreported)} 个未报送；收取情况见“{RECEIPT_SHEET}”表。")
    wb = build_template(scheme, period, [UnitRow(u.unit_id, u.unit_name, u.unit_kind) for u in reported],
                        title_note=note)
    _units_sheet(wb[SHEET_UNITS], manifest, len(reported), unreported)
    _inputs_sheet(wb[SHEET_INPUTS], scheme, reported, chosen)
    ev_rows = _evidence_rows(scheme, reported, chosen, output.parent)
    _evidence_sheet(wb[SHEET_EVIDENCE], ev_rows)
    receipts = _receipts(manifest, subs, chosen)
    _receipts_sheet(wb.create_sheet(RECEIPT_SHEET), receipts)
    save_workbook(wb, output, stamp)
    ev = pd.DataFrame(ev_rows, columns=["item", "unit_id", "title", "link", "date", "sha256", "box"])
    return Merged(receipts, unreported, ev)


def _units_sheet(ws: Any, manifest: Manifest, n_reported: int, unreported: tuple[str, ...]) -> None:
    """报送状态 after the template's columns (contract A): 已报送 for the units written, then a row 未报送
    for each unit of the manifest with no return taken."""
    status_col = len(TEMPLATE_UNIT_COLUMNS) + 1
    head_cells(ws, [STATUS_COLUMN], col=status_col)
    for i in range(2, n_reported + 2):
        put(ws, i, status_col, REPORTED)
    for k, uid in enumerate(unreported, n_reported + 2):
        u = manifest.unit(uid)
        for j, v in enumerate((u.unit_id, u.unit_name or None, u.unit_kind or None, UNREPORTED), 1):
            put(ws, k, j, v)
    ws.column_dimensions["D"].width = 10


def _inputs_sheet(ws: Any, scheme: Scheme, reported: list[UnitRow], chosen: dict[str, Submission]) -> None:
    """Each reported unit's valid values in its row (an invalid cell stays blank: missing, never zero)."""
    col_of = {ws.cell(INPUT_ID_ROW, j).value: j for j in range(2, ws.max_column + 1)}
    cat = scheme.input_catalogue
    for k, u in enumerate(reported):
        s = chosen[u.unit_id]
        frame = s.result.frame
        bad = {p.input for p in s.result.unit_errors.get(u.unit_id, []) if p.input}
        row = INPUT_FIRST_DATA_ROW + k
        assert text(ws.cell(row, 1).value) == u.unit_id
        for i, j in col_of.items():
            if i not in frame.columns or i in bad:
                continue
            x = frame.at[u.unit_id, i]
            if pd.notna(x) and np.isfinite(float(x)):
                put(ws, row, j, _cell_value(cat[i], float(x)))


def _evidence_rows(scheme: Scheme, reported: list[UnitRow], chosen: dict[str, Submission],
                   folder: Path) -> list[dict[str, Any]]:
    """Each reported unit's evidence rows, their files copied into ``folder`` (a file naming two units is
    read for both at once)."""
    boxes = {it: box_label(scheme, b) for it, b in item_boxes(scheme).items()}
    per_file: dict[int, list[dict[str, Any]]] = {}
    for u in reported:
        s = chosen[u.unit_id]
        if id(s) not in per_file:
            per_file[id(s)] = _collect_evidence(s, folder, boxes)
    return [r for u in reported for r in per_file[id(chosen[u.unit_id])] if r["unit_id"] == u.unit_id]


def _evidence_sheet(ws: Any, ev_rows: list[dict[str, Any]]) -> None:
    """The 证据 rows; SHA-256 and 资料盒 after the template's columns (unless the template has come to
    write them itself)."""
    extra = [k for k in ("sha256", "box") if k not in EVIDENCE_COLUMNS]
    head_cells(ws, [EVIDENCE_INFO_COLUMNS[k][0] for k in extra], col=len(EVIDENCE_COLUMNS) + 1)
    keys = list(EVIDENCE_COLUMNS) + extra
    for r, e in enumerate(ev_rows, 2):
        for j, key in enumerate(keys, 1):
            put(ws, r, j, e.get(key) or None)
    for j, key in enumerate(keys, 1):
        if key in ("sha256", "box"):
            ws.column_dimensions[get_column_letter(j)].width = 66 if key == "sha256" else 14


def _receipts_sheet(rs: Any, receipts: pd.DataFrame) -> None:
    head_cells(rs, RECEIPT_COLUMNS)
    for r, vals in enumerate(receipts.itertuples(index=False), 2):
        for j, v in enumerate(vals, 1):
            put(rs, r, j, v if not (isinstance(v, str) and v == "") else None)
    for col, w in zip("ABCDEFGH", (12, 30, 10, 40, 20, 66, 8, 80)):
        rs.column_dimensions[col].width = w
    rs.freeze_panes = "A2"


# ------------------------------------------------------------------------------------------ evidence
def _collect_evidence(sub: Submission, out_folder: Path, boxes: dict[str, str]) -> list[dict[str, Any]]:
    """The file's 证据 rows for the merged workbook, their files copied to ``证据/<unit>/`` beside it.
    Every path is judged by :mod:`..evidence_paths` below the workbook's folder; a refused one is an
    error at its cell, its file is not copied and its link cell in the merged workbook holds
    :data:`~..evidence_paths.REFUSED_MARK` (the row and its title stay)."""
    from ..problems import col_letter

    rows = []
    link_col = col_letter(list(EVIDENCE_COLUMNS).index("link") + 1)
    stem = sub.path.stem
    folders = f"“{stem}{EVIDENCE_SUFFIX}”或“{EVIDENCE_FOLDER}”"
    if sub.result is not None:  # the reader's notes on these links: collect's own errors below say it
        sub.result.problems = [p for p in sub.result.problems
                               if not (p.sheet == SHEET_EVIDENCE and p.detail.startswith("evidence link refused"))]
    for r in sub.result.evidence.itertuples(index=False):
        link = r.link or ""
        row = {"item": r.item, "unit_id": r.unit_id, "title": r.title, "link": link or None, "date": r.date,
               "sha256": None, "box": boxes.get(r.item, "")}
        rows.append(row)
        at = dict(file=str(sub.path), sheet=SHEET_EVIDENCE, row=int(r.sheet_row), column=link_col,
                  unit=r.unit_id, input=r.item, value=link)

        def refuse(why: str, detail: str) -> None:
            row["link"] = ep.REFUSED_MARK
            sub.problems.append(Problem(f"证据链接已拒绝：{why}", f"evidence link refused: {detail}",
                                        expected=f"{folders}文件夹中的文件名，或网址", **at))

        got = ep.classify(link)
        if got.kind == ep.REFUSED:
            refuse(got.why, got.detail)
            continue
        if got.kind != ep.PATH:
            continue
        unit_dir = ep.classify(f"{r.unit_id}/x.pdf")
        if unit_dir.kind != ep.PATH or len(unit_dir.rel.parts) != 2:
            refuse(f"单位编号“{r.unit_id}”不能用作文件夹名", "unit id is not a folder name")
            continue
        cands, below = ep.return_candidates(stem, got.rel)
        found = ep.locate_first(sub.path.parent, cands)
        if found.state == ep.MISSING:
            sub.problems.append(Problem(f"证据文件“{link}”不存在", f"evidence file not found: {link}",
                                        expected=f"放在{folders}文件夹中的文件", **at))
            continue
        dest_rel = PurePosixPath(EVIDENCE_FOLDER, r.unit_id, *below.parts)
        try:
            if found.state == ep.REFUSED:
                raise ep.Refused(found.why, found.detail)
            row["sha256"] = ep.copy_regular(sub.path.parent, found.rel, out_folder.joinpath(*dest_rel.parts))
        except ep.Refused as e:
            refuse(e.why, e.detail)
            continue
        except FileNotFoundError:  # gone since it was looked at
            sub.problems.append(Problem(f"证据文件“{link}”不存在", f"evidence file not found: {link}",
                                        expected=f"放在{folders}文件夹中的文件", **at))
            continue
        row["link"] = dest_rel.as_posix()
    return rows


# ------------------------------------------------------------------------------------------ the merge
def _summary(problems: list[Problem], extra: Sequence[str] = ()) -> str:
    errs = [p for p in problems if p.severity == "error"]
    # the row of the receipt names the unit and the file already
    at = [where({**p.as_dict(), "unit": None}, file=False) for p in errs[:SUMMARY_LISTED]]
    parts = [f"{p.message}（{w}）" if w else p.message for p, w in zip(errs, at)]
    if len(errs) > SUMMARY_LISTED:
        parts.append(f"另有 {len(errs) - SUMMARY_LISTED} 个错误")
    n_notes = len(problems) - len(errs)
    if n_notes:
        parts.append(f"{n_notes} 个提示")
    return "；".join([*extra, *parts])


def _cell_value(spec, x: float) -> Any:
    if spec.type == "bool":
        return YES if x >= 0.5 else NO
    if spec.type == "integer" and float(x).is_integer():
        return int(x)
    return float(x)


def _receipts(manifest: Manifest, subs: list[Submission], chosen: dict[str, Submission]) -> pd.DataFrame:
    rows = []
    by_unit: dict[str, list[Submission]] = {}
    for s in subs:
        for u in s.units:
            by_unit.setdefault(u, []).append(s)
    for u in manifest.units:
        mine = by_unit.get(u.unit_id, [])
        others = [s for s in mine if s is not chosen.get(u.unit_id)]
        extra = []
        for s in others:
            if s.refused:
                extra.append(f"文件 {s.rel} 已拒收：{s.refused}")
            elif s.blank:
                extra.append(f"文件 {s.rel} 没有填写任何数据")
            elif s.superseded_by is not None:
                extra.append(f"文件 {s.rel} 未采用（另有更晚保存的 {s.superseded_by.rel}）")
        s = chosen.get(u.unit_id)
        if s is None:
            rows.append([u.unit_id, u.unit_name, UNREPORTED, "、".join(x.rel for x in mine), "", "",
                         sum(bool(x.refused) for x in mine), "；".join(extra) or "未交回"])
            continue
        probs = [p for p in s.all_problems() if p.unit in (None, u.unit_id)]
        rows.append([u.unit_id, u.unit_name, REPORTED, s.rel, s.received.isoformat(), s.sha256,
                     sum(p.severity == "error" for p in probs), _summary(probs, extra)])
    for s in subs:
        if s.refused and not any(manifest.unit(x) for x in s.units):
            uid = s.units[0] if s.units else ""
            rows.append([uid, s.names.get(uid, ""), REFUSED, s.rel, s.received.isoformat(), s.sha256, 1, s.refused])
    df = pd.DataFrame(rows, columns=RECEIPT_COLUMNS)
    df["错误数"] = df["错误数"].astype(int)
    return df
