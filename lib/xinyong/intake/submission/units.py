"""The units file an office keeps (who reports) and the manifest ``split`` writes (who was sent what).

units.csv: one row per unit with the columns 单位编号, 单位名称, 单位类型 (the 单位 sheet's headers; the
English unit_id, unit_name, unit_kind are accepted too). CSV in UTF-8 (with or without BOM) or GBK, as
Excel on a Chinese Windows saves it, or a workbook (its 单位 sheet, else its first sheet). Every
problem is listed with its row and column before anything is written.

报送名单.csv (:data:`MANIFEST_NAME`), written by ``split`` beside the workbooks: the same three columns
and 文件名, 方案编号, 考核期 — the list ``collect`` checks the returned workbooks against. Either file
can be given to ``collect --units``.
"""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InputError
from ...safe import csv_bytes
from ...scheme.model import Scheme
from ..cells import CLEAN_TEXT_EXPECTED, text, unclean
from ..limits import file_problem
from ..problems import Log
from ..read import refuse_formulas_and_merges
from ..sources import Grid, load_csv, open_source
from ..template import SHEET_UNITS, TEMPLATE_UNIT_COLUMNS, UNIT_COLUMNS, UnitRow

MANIFEST_NAME = "报送名单.csv"
MANIFEST_COLUMNS = {**{k: UNIT_COLUMNS[k] for k in TEMPLATE_UNIT_COLUMNS}, "file": ("文件名", "file"), "scheme": ("方案编号", "scheme"),
                    "period": ("考核期", "period")}
# a unit id names the folder its evidence is copied to (证据/<单位编号>/): no character Windows refuses
BAD_ID = re.compile(r'[\\/:*?"<>|\x00-\x1f]|^\.|\.$')


@dataclass(frozen=True)
class Manifest:
    """Who is expected to report: the units in file order; for a manifest written by ``split``, also the
    file each was sent and the scheme and period it was for ("" when the file does not say)."""

    units: tuple[UnitRow, ...]
    path: str = ""
    scheme_id: str = ""
    period: str = ""
    files: dict[str, str] = field(default_factory=dict)  # unit id -> workbook file name

    def unit(self, unit_id: str) -> UnitRow | None:
        return next((u for u in self.units if u.unit_id == unit_id), None)

    @property
    def ids(self) -> list[str]:
        return [u.unit_id for u in self.units]


def _grid(path: Path, log: Log) -> Grid | None:
    too_big = file_problem(path.stat().st_size)
    if too_big is not None:
        log.error(f"{path.name}：{too_big[0]}", too_big[1], value=path.name)
        return None
    data = path.read_bytes()
    if data.startswith(b"PK"):
        src = open_source(path, data, log)
        grids = src.grids if src else {}
        return grids.get(SHEET_UNITS) or next(iter(grids.values()), None)
    src = load_csv(data, log)
    return src.grids[None] if src else None


def read_units(path: str | os.PathLike, scheme: Scheme) -> Manifest:
    """The units of ``path`` (units.csv or a manifest), checked against ``scheme``'s unit kinds.

    Raises :class:`~xinyong.errors.InputError` listing every problem (row, column, value, expected)."""
    path = Path(path)
    log = Log(str(path))
    if not path.is_file() or path.stat().st_size == 0:
        raise InputError(f"单位清单 {path.name} 不存在或为空", f"units file missing or empty: {path}", file=str(path))
    grid = _grid(path, log)
    if grid is None or not grid.rows:
        raise InputError(f"无法读取单位清单 {path.name}", f"cannot read units from {path}",
                         problems=log.problems or None, file=str(path))
    refuse_formulas_and_merges(log, grid)  # " =HYPERLINK(…)" as a unit's name is a formula, not a name
    cols = _columns(grid, log)
    if log.total_errors:
        raise _error(path, log)
    units: list[UnitRow] = []
    seen: dict[str, int] = {}
    files: dict[str, str] = {}
    meta: dict[str, set[str]] = {"scheme": set(), "period": set()}
    for i in grid.row_numbers(2):
        get = (lambda k: text(grid.value(i, cols[k])) if k in cols else "")
        uid = _unit_id(grid, cols, i, get, seen, log)
        if uid is None:
            continue
        unit, clean = _unit(grid, cols, i, get, scheme.unit_kinds, log)
        if not clean:
            continue
        for key in ("scheme", "period"):
            if get(key):
                meta[key].add(get(key))
        if get("file"):
            files[uid] = get("file")
        if unit is not None:
            units.append(unit)
    if not seen:
        log.error("单位清单中没有任何单位", "no units", row=2, col=1, expected="第 2 行起每个单位一行：" + HEADS)
    for key, zh in (("scheme", "方案编号"), ("period", "考核期")):
        if len(meta[key]) > 1:
            log.error(f"单位清单的“{zh}”不一致：" + "、".join(sorted(meta[key])), f"several {key} values",
                      col=cols[key], value="、".join(sorted(meta[key])), expected=f"同一个{zh}")
    if log.total_errors:
        raise _error(path, log)
    one = (lambda k: next(iter(meta[k]), ""))
    return Manifest(tuple(units), str(path), one("scheme"), one("period"), files)


HEADS = "单位编号, 单位名称, 单位类型"


def _columns(grid: Grid, log: Log) -> dict[str, int]:
    """The header row's known columns (the first of each), the missing required ones logged."""
    alias = {h: k for k, hs in MANIFEST_COLUMNS.items() for h in hs}
    cols: dict[str, int] = {}
    for j, v in enumerate(grid.rows[0], 1):
        key = alias.get(text(v))
        if key and key not in cols:
            cols[key] = j
    for key, zh in (("unit_id", "单位编号"), ("unit_name", "单位名称")):
        if key not in cols:
            log.error(f"单位清单第 1 行缺少“{zh}”列", f"missing column {key}", row=1,
                      value="、".join(text(v) for v in grid.rows[0] if text(v)) or None, expected=HEADS)
    return cols


def _unit_id(grid: Grid, cols: dict[str, int], i: int, get, seen: dict[str, int], log: Log) -> str | None:
    """The unit id of row ``i``, None (and a problem) when it is blank or seen before."""
    uid = get("unit_id")
    if not uid and (i, cols["unit_id"]) in grid.formulas:
        return None  # refused as a formula, at its cell
    if not uid:
        log.error("单位编号为空", "blank unit id", row=i, col=cols["unit_id"], value=get("unit_name") or None,
                  expected="每个单位一个编号（字母或数字）")
        return None
    if uid in seen:
        log.error(f"单位编号“{uid}”重复（第 {seen[uid]} 行已有）", f"duplicate unit id {uid!r}", row=i,
                  col=cols["unit_id"], unit=uid, value=uid, expected="每个单位一行")
        return None
    seen[uid] = i
    return uid


def _unit(grid: Grid, cols: dict[str, int], i: int, get, kinds: list[str], log: Log) -> tuple[UnitRow | None, bool]:
    """Row ``i`` as a unit, None when any of its cells is wrong (each one logged at its cell); and False
    when its id or name holds an invisible character (the rest of the row is not read then)."""
    uid, name, kind = get("unit_id"), get("unit_name"), get("unit_kind")
    bad = False
    for key, zh, en, val in (("unit_id", "单位编号", "unit id", uid), ("unit_name", "单位名称", "unit name", name)):
        got = unclean(val, zh, en)
        if got is not None:
            log.error(*got, row=i, col=cols[key], unit=uid, value=val, expected=CLEAN_TEXT_EXPECTED)
            bad = True
    if bad:
        return None, False
    if BAD_ID.search(uid):
        log.error(f"单位编号“{uid}”含有不能用于文件夹名的字符", f"unit id {uid!r} is not a safe folder name",
                  row=i, col=cols["unit_id"], unit=uid, value=uid,
                  expected='不含 \\ / : * ? " < > | 的编号，不以点开头或结尾')
        bad = True
    if not name and (i, cols["unit_name"]) in grid.formulas:
        bad = True  # refused as a formula, at its cell
    elif not name:
        log.error("单位名称为空", "blank unit name", row=i, col=cols["unit_name"], unit=uid, value=None,
                  expected="单位全称（用于文件名和表头）")
        bad = True
    kind, kind_ok = _kind(kind, kinds, cols, i, uid, log)
    return (UnitRow(uid, name, kind) if not bad and kind_ok else None), True


def _kind(kind: str, kinds: list[str], cols: dict[str, int], i: int, uid: str, log: Log) -> tuple[str, bool]:
    """The unit's kind (the scheme's only one when blank) and whether it is one the scheme knows."""
    if not kind and len(kinds) == 1:
        return kinds[0], True
    if not kind and kinds:
        log.error("单位类型为空", "blank unit kind", row=i, col=cols.get("unit_kind", 3), unit=uid, value=None,
                  expected="、".join(kinds))
        return kind, False
    if kinds and kind not in kinds:
        near = difflib.get_close_matches(kind, kinds, n=1, cutoff=0.3)
        log.error(f"未知的单位类型“{kind}”" + (f"（是否为“{near[0]}”？）" if near else ""),
                  f"unknown unit kind {kind!r}", row=i, col=cols["unit_kind"], unit=uid, value=kind,
                  expected="、".join(kinds))
        return kind, False
    return kind, True


def _error(path: Path, log: Log) -> InputError:
    n = log.total_errors
    return InputError(f"单位清单 {path.name} 有 {n} 处错误", f"{n} errors in units file {path}", problems=log.problems,
                      total=n, file=str(path))


def read_manifest(folder: str | os.PathLike, scheme: Scheme) -> Manifest:
    """The manifest ``split`` wrote in ``folder`` (:data:`MANIFEST_NAME`)."""
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        raise InputError(f"文件夹 {Path(folder).name} 中没有报送名单（{MANIFEST_NAME}），请用 --units 给出单位清单",
                         f"no {MANIFEST_NAME} in {folder}; pass --units", file=str(path))
    return read_units(path, scheme)


def manifest_csv(units: list[UnitRow], files: dict[str, str], scheme_id: str, period: str) -> bytes:
    """The manifest's bytes: UTF-8 with a BOM, so Excel on Windows shows the Chinese right; every cell
    through :func:`xinyong.safe.csv_bytes` (a name that begins like a formula is quoted)."""
    rows = [[v[0] for v in MANIFEST_COLUMNS.values()]]
    rows += [[u.unit_id, u.unit_name, u.unit_kind, files.get(u.unit_id, ""), scheme_id, period] for u in units]
    return csv_bytes(rows)
