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
    alias = {h: k for k, hs in MANIFEST_COLUMNS.items() for h in hs}
    cols: dict[str, int] = {}
    for j, v in enumerate(grid.rows[0], 1):
        key = alias.get(text(v))
        if key and key not in cols:
            cols[key] = j
    heads = "单位编号, 单位名称, 单位类型"
    for key, zh in (("unit_id", "单位编号"), ("unit_name", "单位名称")):
        if key not in cols:
            log.error(f"单位清单第 1 行缺少“{zh}”列", f"missing column {key}", row=1,
                      value="、".join(text(v) for v in grid.rows[0] if text(v)) or None, expected=heads)
    if log.total_errors:
        raise _error(path, log)
    kinds = scheme.unit_kinds
    units: list[UnitRow] = []
    seen: dict[str, int] = {}
    files: dict[str, str] = {}
    meta: dict[str, set[str]] = {"scheme": set(), "period": set()}
    for i in grid.row_numbers(2):
        get = (lambda k: text(grid.value(i, cols[k])) if k in cols else "")
        uid, name, kind = get("unit_id"), get("unit_name"), get("unit_kind")
        bad = False
        if not uid and (i, cols["unit_id"]) in grid.formulas:
            continue  # refused above as a formula, at its cell
        if not uid:
            log.error("单位编号为空", "blank unit id", row=i, col=cols["unit_id"], value=name or None,
                      expected="每个单位一个编号（字母或数字）")
            continue
        if uid in seen:
            log.error(f"单位编号“{uid}”重复（第 {seen[uid]} 行已有）", f"duplicate unit id {uid!r}", row=i,
                      col=cols["unit_id"], unit=uid, value=uid, expected="每个单位一行")
            continue
        seen[uid] = i
        for key, zh, en, val in (("unit_id", "单位编号", "unit id", uid), ("unit_name", "单位名称", "unit name", name)):
            got = unclean(val, zh, en)
            if got is not None:
                log.error(*got, row=i, col=cols[key], unit=uid, value=val, expected=CLEAN_TEXT_EXPECTED)
                bad = True
        if bad:
            continue
        if BAD_ID.search(uid):
            log.error(f"单位编号“{uid}”含有不能用于文件夹名的字符", f"unit id {uid!r} is not a safe folder name",
                      row=i, col=cols["unit_id"], unit=uid, value=uid,
                      expected='不含 \\ / : * ? " < > | 的编号，不以点开头或结尾')
            bad = True
        if not name and (i, cols["unit_name"]) in grid.formulas:
            bad = True  # refused above as a formula, at its cell
        elif not name:
            log.error("单位名称为空", "blank unit name", row=i, col=cols["unit_name"], unit=uid, value=None,
                      expected="单位全称（用于文件名和表头）")
            bad = True
        if not kind and len(kinds) == 1:
            kind = kinds[0]
        elif not kind and kinds:
            log.error("单位类型为空", "blank unit kind", row=i, col=cols.get("unit_kind", 3), unit=uid, value=None,
                      expected="、".join(kinds))
            bad = True
        elif kinds and kind not in kinds:
            near = difflib.get_close_matches(kind, kinds, n=1, cutoff=0.3)
            log.error(f"未知的单位类型“{kind}”" + (f"（是否为“{near[0]}”？）" if near else ""),
                      f"unknown unit kind {kind!r}", row=i, col=cols["unit_kind"], unit=uid, value=kind,
                      expected="、".join(kinds))
            bad = True
        for key in ("scheme", "period"):
            if get(key):
                meta[key].add(get(key))
        if get("file"):
            files[uid] = get("file")
        if not bad:
            units.append(UnitRow(uid, name, kind))
    if not seen:
        log.error("单位清单中没有任何单位", "no units", row=2, col=1, expected="第 2 行起每个单位一行：" + heads)
    for key, zh in (("scheme", "方案编号"), ("period", "考核期")):
        if len(meta[key]) > 1:
            log.error(f"单位清单的“{zh}”不一致：" + "、".join(sorted(meta[key])), f"several {key} values",
                      col=cols[key], value="、".join(sorted(meta[key])), expected=f"同一个{zh}")
    if log.total_errors:
        raise _error(path, log)
    one = (lambda k: next(iter(meta[k]), ""))
    return Manifest(tuple(units), str(path), one("scheme"), one("period"), files)


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
