"""Merge the workbooks the units returned: ``xinyong collect SCHEME --period P dir/ -o period.xlsx``.

Every ``.xlsx`` (``.xlsm``, old ``.xls`` — refused with a Chinese message by the reader) and ``.csv`` under
``dir/`` (recursively, any file name) is one return. Skipped: the manifest, Excel's lock files (``~$…``),
hidden files, the output itself, and anything inside an evidence folder (``证据/`` or ``…_证据/``). A
symbolic link among the returns is refused unread (it may name any file of this computer); folders that
are links are not entered. Each return is read by :func:`xinyong.intake.read_inputs` — the one reader —
so every problem is located by file, sheet, row and column exactly as ``xinyong validate`` shows it.

Decisions (written down in the README's "一个季度" section too):

- **Identity.** A workbook whose 说明 names another scheme, or another period, is refused, and so is a
  file naming a unit that is not in the manifest (报送名单.csv or ``--units``). A CSV carries neither
  scheme nor period: it is refused when its first row holds none of the scheme's input ids, and its
  period cannot be checked (a note says so). The manifest's name and kind of a unit win over what a
  file says (a difference is a note).
- **A file with errors is taken**: the unit counts as 已报送, its valid cells go in, its invalid cells
  stay blank (missing, never zero), and every error is listed in the receipt and on the console.
- **A workbook with nothing filled** (no value, no evidence) counts as not returned: it is the blank
  template, e.g. left in the folder the returns were dropped in.
- **Twice.** A unit with two returns stops the collect (nothing written) naming both files, unless
  ``latest=True`` (``--latest``): then the return **saved last** is taken — by the workbook's own
  last-saved time (docProps ``modified``, which Excel and WPS set on every save and copying does not
  change), else, for a CSV, the file's modification time. The receipt names the return not taken. Two
  returns saved in the same second are still refused.
- **未报送** (contract A): a unit of the manifest with no return taken is written in the 单位 sheet with
  报送状态 未报送 and has no row in 输入, 评审 or 证据; it is listed on the console.
- **The receipt** (contract B): sheet 报送情况 of the merged workbook (单位编号, 单位名称, 报送状态, 文件名,
  收到时间 — the file's modification time, ISO —, SHA-256 of the file, 错误数, 问题摘要), also written as
  ``<merged stem>_报送情况.csv`` beside it. A refused file of no listed unit gets a row of its own, 已拒收.
- **Evidence files** (contract C): an evidence row's 文件名或链接 names a file in the folder
  ``<returned workbook stem>_证据/`` beside the workbook, or else ``证据/`` beside it (a sub-path such as
  ``会议/纪要.pdf`` is allowed). Each named file must exist (a missing one is an error at its cell); it is
  copied to ``<merged workbook folder>/证据/<单位编号>/<name as written>``, and the merged 证据 sheet holds
  that relative path and the file's SHA-256. Web links (http…) stay as written. A path that leaves the
  workbook's folder, or reaches a symlink or something other than a regular file, is refused
  (:mod:`..evidence_paths`): an error at its cell, nothing copied, and the merged link cell holds
  “（已拒绝的链接）” so that the report shows the row as refused.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Sequence

import numpy as np
from openpyxl.utils import get_column_letter
import pandas as pd

from ...errors import InputError, Problem, where
from ...labels import period_zh
from ...scheme.model import Scheme
from ...scheme.values import JUDGE
from ...scoring.plan import Plan, compile
from .. import evidence_paths as ep
from ..cells import text
from ..limits import archive_problem, file_problem
from ..problems import Log
from ..read import IntakeResult, read_inputs
from ..grid import Grid
from ..sources import load_csv
from ..workbook import open_workbook
from ..template import RECEIPT_COLUMNS as RECEIPT_HEADERS, SHEET_RECEIPTS
from ..template import (EVIDENCE_COLUMNS, EVIDENCE_INFO_COLUMNS, INPUT_FIRST_DATA_ROW, INPUT_ID_ROW, META_PERIOD,
                        META_SCHEME, NO, SHEET_EVIDENCE, SHEET_INPUTS, SHEET_README, SHEET_UNITS, TEMPLATE_UNIT_COLUMNS, UNIT_COLUMNS,
                        REPORTED, UNREPORTED, YES, UnitRow, build_template, head_cells, save_workbook)
from ...safe import frame_csv_bytes, put, visible
from ...util import atomic_write_bytes, sha256_file
from .answers import item_boxes, answers_for, box_label
from .split import EVIDENCE_FOLDER, EVIDENCE_SUFFIX
from .units import MANIFEST_NAME, Manifest

RECEIPT_SHEET = SHEET_RECEIPTS
RECEIPT_COLUMNS = [h[0] for h in RECEIPT_HEADERS.values()]  # the reader's columns (contract B), as written
STATUS_COLUMN = UNIT_COLUMNS["status"][0]  # the 单位 sheet's column the reader knows (contract A)
REFUSED = "已拒收"  # receipt rows only; REPORTED / UNREPORTED are the reader's values
RETURN_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
SUMMARY_LISTED = 3
README_ROWS = 30  # the 说明 rows looked at for the scheme and the period
_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>")


class CollectError(InputError):
    """The collect cannot go on (a unit returned twice, a manifest for another scheme or period): nothing
    is written. ``problems`` names the files."""


@dataclass
class Submission:
    """One returned file, as collect saw it."""

    path: Path
    rel: str  # path relative to the collected folder, as the receipt names it
    sha256: str
    received: dt.datetime  # the file's modification time (local)
    saved: dt.datetime  # the workbook's last-saved time (UTC), else the modification time
    units: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # unit id -> name as the file writes it
    result: IntakeResult | None = None
    problems: list[Problem] = field(default_factory=list)  # collect's own findings about the file
    refused: str = ""  # why the file was refused (Chinese); "" when taken or blank
    blank: bool = False
    superseded_by: "Submission | None" = None

    @property
    def taken(self) -> bool:
        return not self.refused and not self.blank and self.superseded_by is None and bool(self.units)

    def all_problems(self) -> list[Problem]:
        got = list(self.result.problems) if self.result is not None and not self.refused else []
        return got + self.problems

    def errors_of(self, unit: str | None) -> list[Problem]:
        """The file's errors that concern ``unit`` (its own, and the file's errors of no unit)."""
        return [p for p in self.all_problems() if p.severity == "error" and p.unit in (None, unit)]


@dataclass
class CollectResult:
    output: Path
    scheme_id: str
    period: str
    manifest: Manifest
    submissions: list[Submission]
    receipts: pd.DataFrame  # the 报送情况 table
    unreported: tuple[str, ...]
    evidence: pd.DataFrame  # the merged 证据 rows, with path and sha256
    receipts_csv: Path | None = None

    @property
    def taken(self) -> list[Submission]:
        return [s for s in self.submissions if s.taken]

    @property
    def refused(self) -> list[Submission]:
        return [s for s in self.submissions if s.refused]

    @property
    def problems(self) -> list[Problem]:
        """Every problem of every file taken or refused (each located), in file order."""
        out: list[Problem] = []
        for s in self.submissions:
            out += s.all_problems() if not s.refused else s.problems
        return out

    @property
    def n_errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)


# ------------------------------------------------------------------------------------------ finding files
def find_returns(folder: Path, exclude: Sequence[Path] = ()) -> list[Path]:
    """The returned files under ``folder``, sorted by path (so every run lists them in the same order)."""
    skip = {p.resolve() for p in exclude}
    out = []
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.suffix.lower() not in RETURN_SUFFIXES or p.name == MANIFEST_NAME:
            continue
        rel = p.relative_to(folder)
        if p.name.startswith(("~$", ".")) or any(part.startswith(".") for part in rel.parts[:-1]):
            continue
        if any(part == EVIDENCE_FOLDER or part.endswith(EVIDENCE_SUFFIX) for part in rel.parts[:-1]):
            continue
        if p.resolve() in skip:
            continue
        out.append(p)
    return out


def saved_time(data: bytes, mtime: float) -> dt.datetime:
    """When the workbook was last saved (docProps/core.xml ``dcterms:modified``, UTC), else ``mtime``."""
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                m = _MODIFIED.search(z.read("docProps/core.xml"))
            if m:
                t = dt.datetime.fromisoformat(m.group(1).decode().strip().replace("Z", "+00:00"))
                return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)
        except (KeyError, ValueError, zipfile.BadZipFile):
            pass
    return dt.datetime.fromtimestamp(mtime, tz=dt.timezone.utc)


# ------------------------------------------------------------------------------------------ one file
def _identity(path: Path, data: bytes) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """What a workbook says about itself before it is read: its 说明 keys (方案编号, 考核期; 报送情况 when it
    has that sheet, i.e. it is a merged workbook) and the unit ids and names of its 单位 sheet. A CSV says
    nothing. Only those two sheets are read here (:func:`~..workbook.open_workbook`); the values
    themselves are read and checked by :func:`read_inputs` only."""
    if not data.startswith(b"PK"):
        return {}, {}, []
    try:
        book = open_workbook(path, data, sheets=(SHEET_README, SHEET_UNITS))
    except InputError:
        return {}, {}, []  # the reader reads the file and says what is wrong with it
    meta: dict[str, str] = {RECEIPT_SHEET: "yes"} if RECEIPT_SHEET in book else {}
    readme = book.sheet(SHEET_README)
    for i in range(1, min(readme.n_rows, README_ROWS) + 1 if readme is not None else 1):
        k = text(readme.value(i, 1))
        if k and k not in meta:
            meta[k] = text(readme.value(i, 2))
    return meta, *_unit_names(book.sheet(SHEET_UNITS))


def _unit_names(units: Grid | None) -> tuple[dict[str, str], list[str]]:
    """The unit ids (in their order) and names of a 单位 sheet, shown as they are written, invisible
    characters and a formula's text included (\\x07, \\u202e, =HYPERLINK(…)): a refused file's receipt
    row names its unit from here, before the reader has refused such a name."""
    names: dict[str, str] = {}
    if units is None or not units.rows:
        return names, []
    head = {text(units.value(1, j)): j for j in range(1, units.width + 1)}
    jid = next((head[h] for h in UNIT_COLUMNS["unit_id"] if h in head), None)
    jname = next((head[h] for h in UNIT_COLUMNS["unit_name"] if h in head), None)
    for i in range(2, units.n_rows + 1) if jid is not None else ():
        uid = visible(text(units.raw(i, jid)))
        if uid:
            names[uid] = visible(text(units.raw(i, jname))) if jname is not None else ""
    return names, list(names)


def _scheme_title(scheme_id: str) -> str:
    from ...scheme import SCHEME_IDS, load_scheme

    if scheme_id in SCHEME_IDS:
        return f"《{load_scheme(scheme_id).short_title or scheme_id}》"
    return f"“{scheme_id}”"


def _csv_foreign(data: bytes, scheme: Scheme) -> bool:
    """A CSV whose first row names none of the scheme's inputs (nor its judgement columns)."""
    src = load_csv(data, Log(""))
    if src is None:
        return False  # undecodable: the reader says so
    g = src.grids[None]
    head = [text(v) for v in (g.rows[0] if g.rows else ())]
    return bool(head) and not any(h in scheme.input_catalogue or h.startswith(JUDGE) for h in head)


def _left_out(plan: Plan, manifest: Manifest, unit_id: str) -> set[str]:
    """The inputs the unit's own workbook did not ask for (:mod:`.answers`)."""
    u = manifest.unit(unit_id)
    return set(plan.scheme.input_catalogue) - {i.id for i in answers_for(plan, u, manifest.units).inputs}


def _refused_unread(path: Path, folder: Path, st: os.stat_result, data: bytes | None) -> Submission | None:
    """The refusal of a file too large to read, or a workbook whose zip asks too much (:mod:`..limits`),
    made before anything is decompressed; None for a file that may be read."""
    problem = file_problem(st.st_size) if data is None else archive_problem(data) if data.startswith(b"PK") else None
    if problem is None:
        return None
    digest = hashlib.sha256(data).hexdigest() if data is not None else sha256_file(path)
    when = dt.datetime.fromtimestamp(st.st_mtime)
    sub = Submission(path, path.relative_to(folder).as_posix(), digest, when.replace(microsecond=0),
                     when.astimezone(dt.timezone.utc))
    sub.refused = problem[0]
    sub.problems.append(Problem(f"{path.name}：{problem[0]}，已拒收", problem[1], file=str(path), value=path.name,
                                expected="单位交回的填报表"))
    return sub


def _read_one(plan: Plan, period: str, manifest: Manifest, path: Path, folder: Path) -> Submission:
    scheme = plan.scheme
    if path.is_symlink():  # a link may name any file of this computer: refused unread, as evidence links are
        t = dt.datetime.fromtimestamp(path.lstat().st_mtime).replace(microsecond=0)
        sub = Submission(path, path.relative_to(folder).as_posix(), "", t, t.astimezone(dt.timezone.utc))
        sub.refused = "这是符号链接（快捷方式），不是交回的文件本身"
        sub.problems.append(Problem(sub.refused + "，已拒收", "a symlink, not a returned file", file=str(path),
                                    expected="单位交回的文件本身"))
        return sub
    st = path.stat()
    unread = _refused_unread(path, folder, st, None)
    if unread is not None:
        return unread
    data = path.read_bytes()
    unread = _refused_unread(path, folder, st, data)
    if unread is not None:
        return unread
    sub = Submission(path, path.relative_to(folder).as_posix(), hashlib.sha256(data).hexdigest(),
                     dt.datetime.fromtimestamp(st.st_mtime).replace(microsecond=0), saved_time(data, st.st_mtime))
    meta, names, ids = _identity(path, data)
    sub.units, sub.names = ids, names
    at = dict(file=str(path), sheet=SHEET_README)
    file_scheme, file_period = meta.get(META_SCHEME, ""), meta.get(META_PERIOD, "")
    if meta.get(RECEIPT_SHEET):
        sub.refused = f"这是汇总后的工作簿（有“{RECEIPT_SHEET}”表），不是单位交回的填报表"
        sub.problems.append(Problem(sub.refused + "，已拒收", "a merged workbook, not a return", file=str(path),
                                    sheet=RECEIPT_SHEET, expected="单位交回的填报表"))
        return sub
    if file_scheme and file_scheme != scheme.id:
        sub.refused = f"这是{_scheme_title(file_scheme)}的填报表，不是本次收取的《{scheme.short_title or scheme.id}》"
        sub.problems.append(Problem(sub.refused + "，已拒收", f"workbook for scheme {file_scheme!r}", row=2, column="B",
                                    value=file_scheme, expected=scheme.id, **at))
        return sub
    if file_period and period and file_period != period:
        sub.refused = f"这是{period_zh(file_period)}的填报表，本次收取的是{period_zh(period)}"
        sub.problems.append(Problem(sub.refused + "，已拒收", f"workbook for period {file_period!r}", row=3,
                                    column="B", value=file_period, expected=period, **at))
        return sub
    is_csv = not data.startswith(b"PK") and path.suffix.lower() == ".csv"
    if is_csv and _csv_foreign(data, scheme):
        sub.refused = f"CSV 文件第 1 行没有《{scheme.short_title or scheme.id}》的任何输入编号，不是本方案的填报文件"
        sub.problems.append(Problem(sub.refused + "，已拒收", "CSV header names no input of the scheme", file=str(path),
                                    row=1, expected="输入编号（unit_id 及本方案的输入）"))
        return sub
    res = sub.result = read_inputs(scheme, path)
    if len(res.frame.index) == 1 and manifest.unit(str(res.frame.index[0])) is not None:
        # "缺少 N 个输入列" is no news when those are the columns the unit's workbook left out
        left_out = _left_out(plan, manifest, str(res.frame.index[0]))
        res.problems = [p for p in res.problems if not (p.severity == "note" and p.sheet == SHEET_INPUTS and p.row == 1
                        and "input columns absent" in p.detail and set((p.expected or "").split("、")) <= left_out)]
    ids = [str(u) for u in res.frame.index]
    sub.units = ids or sub.units
    for uid in ids:
        sub.names.setdefault(uid, text(res.frame.at[uid, "unit_name"]) if "unit_name" in res.frame else "")
    foreign = [u for u in sub.units if manifest.unit(u) is None]
    if foreign:
        shown = "、".join(f"“{u}”" + (f"（{sub.names[u]}）" if sub.names.get(u) else "") for u in foreign)
        sub.refused = f"文件中的单位{shown}不在报送名单中"
        sub.problems.append(Problem(sub.refused + "，已拒收", f"units not in the manifest: {foreign}", file=str(path),
                                    sheet=SHEET_UNITS if not is_csv else None, row=2, column="A",
                                    unit=foreign[0], value=foreign[0], expected="报送名单中的单位编号：" + "、".join(manifest.ids)))
        return sub
    if not ids:
        sub.refused = "无法从文件中读出单位" + ("（见文件的错误）" if res.errors else "")
        sub.problems += res.problems  # what the reader found is why (an .xls, a damaged file, …)
        sub.problems.append(Problem(sub.refused + "，已拒收", "no unit could be read", file=str(path),
                                    expected="填报表（单位编号已预先填好）"))
        return sub
    if is_csv:
        sub.problems.append(Problem(f"CSV 文件不含考核期，按本次收取的{period_zh(period)}收取", "CSV has no period; taken for "
                                    f"{period}", file=str(path), value=None, expected=period, severity="note"))
    frame = res.frame
    inputs = [c for c in frame.columns if c in scheme.input_catalogue]
    judged = [c for c in frame.columns if c.startswith(JUDGE)]
    if not res.errors and res.evidence.empty and not frame[inputs + judged].notna().to_numpy().any():
        sub.blank = True
        sub.problems.append(Problem("文件没有填写任何数据，视为未交回", "nothing filled: the blank template", file=str(path),
                                    sheet=SHEET_INPUTS, row=INPUT_FIRST_DATA_ROW, severity="note"))
        return sub
    for uid in ids:
        mu = manifest.unit(uid)
        got = sub.names.get(uid, "")
        if mu is not None and got and mu.unit_name and got != mu.unit_name:
            sub.problems.append(Problem(f"单位名称“{got}”与报送名单中的“{mu.unit_name}”不一致，以报送名单为准",
                                        "unit name differs from the manifest", file=str(path), sheet=SHEET_UNITS,
                                        row=2, column="B", unit=uid, value=got, expected=mu.unit_name, severity="note"))
        for c in judged:
            if pd.notna(frame.at[uid, c]):
                sub.problems.append(Problem(f"单位不能自行评审：条目 {c.split(':', 1)[1]} 的评审得分未采用，由考核办评审",
                                            "self-assessed judgement dropped", file=str(path), sheet="评审", unit=uid,
                                            input=c.split(":", 1)[1], value=frame.at[uid, c], severity="note"))
    return sub


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



def collect(scheme: Scheme, period: str, folder: str | Path, output: str | Path, manifest: Manifest,
            latest: bool = False, stamp: dt.datetime | None = None) -> CollectResult:
    """Read every return under ``folder``, write the merged period workbook to ``output`` and copy the
    evidence files beside it. Raises :class:`CollectError` (nothing written) for a unit returned twice
    without ``latest``, or a manifest for another scheme or period."""
    folder, output = Path(folder), Path(output)
    if not folder.is_dir():
        raise CollectError(f"文件夹 {folder} 不存在", f"no such folder: {folder}", file=str(folder))
    if manifest.scheme_id and manifest.scheme_id != scheme.id:
        raise CollectError(f"报送名单是{_scheme_title(manifest.scheme_id)}的，不是《{scheme.short_title or scheme.id}》",
                           f"manifest for scheme {manifest.scheme_id!r}", file=manifest.path)
    if manifest.period and period and manifest.period != period:
        raise CollectError(f"报送名单是{period_zh(manifest.period)}的，本次收取的是{period_zh(period)}",
                           f"manifest for period {manifest.period!r}", file=manifest.path)
    receipts_csv = output.with_name(f"{output.stem}_{RECEIPT_SHEET}.csv")
    exclude = [output, receipts_csv] + ([Path(manifest.path)] if manifest.path else [])
    plan = compile(scheme)
    subs = [_read_one(plan, period, manifest, p, folder) for p in find_returns(folder, exclude)]
    # who returned what; a unit returned twice
    chosen: dict[str, Submission] = {}
    twice: list[Problem] = []
    for u in manifest.units:
        mine = [s for s in subs if not s.refused and not s.blank and u.unit_id in s.units]
        if len(mine) <= 1:
            if mine:
                chosen[u.unit_id] = mine[0]
            continue
        mine.sort(key=lambda s: s.saved, reverse=True)
        tie = mine[0].saved.replace(microsecond=0) == mine[1].saved.replace(microsecond=0)
        if latest and not tie:
            chosen[u.unit_id] = mine[0]
            for s in mine[1:]:
                s.superseded_by = mine[0]
            continue
        files = "、".join(s.rel for s in mine)
        why = "保存时间相同，无法判断哪一份更新" if latest else "请删去多余的文件，或加 --latest 采用最后保存的一份"
        for s in mine:
            twice.append(Problem(f"单位“{u.unit_name}”（{u.unit_id}）交回了 {len(mine)} 份文件：{files}；{why}",
                                 f"unit {u.unit_id} returned {len(mine)} times", file=str(s.path), unit=u.unit_id,
                                 value=s.saved.isoformat(timespec="seconds"), expected="每个单位一份"))
    if twice:
        n = len({p.unit for p in twice})
        raise CollectError(f"{n} 个单位重复交回，未汇总", f"{n} units returned more than once", problems=twice,
                           total=len(twice), file=str(folder))
    # the merged workbook: the template for the units that reported, then their values
    reported = [u for u in manifest.units if u.unit_id in chosen]
    unreported = tuple(u.unit_id for u in manifest.units if u.unit_id not in chosen)
    note = (f"由 xinyong collect 汇总：{len(manifest.units)} 个单位中 {len(reported)} 个已报送、"
            f"{len(unreported)} 个未报送；收取情况见“{RECEIPT_SHEET}”表。")
    wb = build_template(scheme, period, [UnitRow(u.unit_id, u.unit_name, u.unit_kind) for u in reported],
                        title_note=note)
    units_ws = wb[SHEET_UNITS]
    head_cells(units_ws, [STATUS_COLUMN], col=len(TEMPLATE_UNIT_COLUMNS) + 1)
    status_col = len(TEMPLATE_UNIT_COLUMNS) + 1
    for i in range(2, len(reported) + 2):
        put(units_ws, i, status_col, REPORTED)
    for k, uid in enumerate(unreported, len(reported) + 2):
        u = manifest.unit(uid)
        for j, v in enumerate((u.unit_id, u.unit_name or None, u.unit_kind or None, UNREPORTED), 1):
            put(units_ws, k, j, v)
    units_ws.column_dimensions["D"].width = 10
    ws = wb[SHEET_INPUTS]
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
                ws.cell(row, j, _cell_value(cat[i], float(x)))
    # evidence, copied beside the merged workbook
    boxes = {it: box_label(scheme, b) for it, b in item_boxes(scheme).items()}
    per_file: dict[int, list[dict[str, Any]]] = {}  # a file naming two units is read for both at once
    for u in reported:
        s = chosen[u.unit_id]
        if id(s) not in per_file:
            per_file[id(s)] = _collect_evidence(s, output.parent, boxes)
    ev_rows = [r for u in reported for r in per_file[id(chosen[u.unit_id])] if r["unit_id"] == u.unit_id]
    ws = wb[SHEET_EVIDENCE]
    # SHA-256 and 资料盒 after the template's columns (unless the template has come to write them itself)
    extra = [k for k in ("sha256", "box") if k not in EVIDENCE_COLUMNS]
    head_cells(ws, [EVIDENCE_INFO_COLUMNS[k][0] for k in extra], col=len(EVIDENCE_COLUMNS) + 1)
    keys = list(EVIDENCE_COLUMNS) + extra
    for r, e in enumerate(ev_rows, 2):
        for j, key in enumerate(keys, 1):
            put(ws, r, j, e.get(key) or None)
    for j, key in enumerate(keys, 1):
        if key in ("sha256", "box"):
            ws.column_dimensions[get_column_letter(j)].width = 66 if key == "sha256" else 14
    receipts = _receipts(manifest, subs, chosen)
    rs = wb.create_sheet(RECEIPT_SHEET)
    head_cells(rs, RECEIPT_COLUMNS)
    for r, vals in enumerate(receipts.itertuples(index=False), 2):
        for j, v in enumerate(vals, 1):
            put(rs, r, j, v if not (isinstance(v, str) and v == "") else None)
    for col, w in zip("ABCDEFGH", (12, 30, 10, 40, 20, 66, 8, 80)):
        rs.column_dimensions[col].width = w
    rs.freeze_panes = "A2"
    save_workbook(wb, output, stamp)
    csv_path = atomic_write_bytes(receipts_csv, frame_csv_bytes(receipts))
    ev = pd.DataFrame(ev_rows, columns=["item", "unit_id", "title", "link", "date", "sha256", "box"])
    return CollectResult(output, scheme.id, period, manifest, subs, receipts, unreported, ev, Path(csv_path))

