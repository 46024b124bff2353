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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ...errors import InputError, Problem
from ...labels import period_zh
from ...scheme.model import Scheme
from ...scheme.values import JUDGE
from ...scoring.plan import Plan, compile
from ..cells import text
from ..limits import archive_problem, file_problem
from ..problems import Log
from ..read import read_inputs
from ..grid import Grid
from ..sources import load_csv
from ..workbook import open_workbook
from ..template import (INPUT_FIRST_DATA_ROW, META_PERIOD, META_SCHEME, SHEET_INPUTS, SHEET_README, SHEET_UNITS,
                        UNIT_COLUMNS)
from ...safe import frame_csv_bytes, visible
from ...util import atomic_write_bytes, sha256_file
from .answers import answers_for
from .merge import RECEIPT_SHEET, write_merged
from .returned import Submission
from .split import EVIDENCE_FOLDER, EVIDENCE_SUFFIX
from .units import MANIFEST_NAME, Manifest

RETURN_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
README_ROWS = 30  # the 说明 rows looked at for the scheme and the period
_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>")


class CollectError(InputError):
    """The collect cannot go on (a unit returned twice, a manifest for another scheme or period): nothing
    is written. ``problems`` names the files."""


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
    """One return, as the receipt shows it: refused unread (a link, too large, a zip bomb), refused by
    what it says about itself (another scheme or period, a merged workbook, a CSV of another scheme),
    or read by :func:`read_inputs` and then refused (units not in the manifest, none at all), blank, or
    taken with its notes."""
    if path.is_symlink():  # a link may name any file of this computer: refused unread, as evidence links are
        t = dt.datetime.fromtimestamp(path.lstat().st_mtime).replace(microsecond=0)
        sub = Submission(path, path.relative_to(folder).as_posix(), "", t, t.astimezone(dt.timezone.utc))
        return _refuse(sub, "这是符号链接（快捷方式），不是交回的文件本身", "a symlink, not a returned file",
                       file=str(path), expected="单位交回的文件本身")
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
    meta, sub.names, sub.units = _identity(path, data)
    is_csv = not data.startswith(b"PK") and path.suffix.lower() == ".csv"
    if _refused_by_identity(sub, meta, plan.scheme, period) or (is_csv and _refused_csv(sub, data, plan.scheme)):
        return sub
    res = sub.result = read_inputs(plan.scheme, path)
    if len(res.frame.index) == 1 and manifest.unit(str(res.frame.index[0])) is not None:
        # "缺少 N 个输入列" is no news when those are the columns the unit's workbook left out
        left_out = _left_out(plan, manifest, str(res.frame.index[0]))
        res.problems = [p for p in res.problems if not (p.severity == "note" and p.sheet == SHEET_INPUTS and p.row == 1
                        and "input columns absent" in p.detail and set((p.expected or "").split("、")) <= left_out)]
    ids = [str(u) for u in res.frame.index]
    sub.units = ids or sub.units
    for uid in ids:
        sub.names.setdefault(uid, text(res.frame.at[uid, "unit_name"]) if "unit_name" in res.frame else "")
    if _refused_units(sub, manifest, ids, is_csv):
        return sub
    if is_csv:
        sub.problems.append(Problem(f"CSV 文件不含考核期，按本次收取的{period_zh(period)}收取", "CSV has no period; taken for "
                                    f"{period}", file=str(path), value=None, expected=period, severity="note"))
    if not _blank(sub, plan.scheme):
        _notes(sub, manifest, ids)
    return sub


def _refuse(sub: Submission, why: str, detail: str, **at: Any) -> Submission:
    """``sub`` refused: ``why`` on the receipt, and as a problem located at ``at``."""
    sub.refused = why
    sub.problems.append(Problem(why + "，已拒收", detail, **at))
    return sub


def _refused_by_identity(sub: Submission, meta: dict[str, str], scheme: Scheme, period: str) -> bool:
    """Whether the workbook is refused for what its 说明 says: a merged workbook, another scheme, another
    period."""
    path = sub.path
    at = dict(file=str(path), sheet=SHEET_README)
    file_scheme, file_period = meta.get(META_SCHEME, ""), meta.get(META_PERIOD, "")
    if meta.get(RECEIPT_SHEET):
        _refuse(sub, f"这是汇总后的工作簿（有“{RECEIPT_SHEET}”表），不是单位交回的填报表", "a merged workbook, not a return",
                file=str(path), sheet=RECEIPT_SHEET, expected="单位交回的填报表")
    elif file_scheme and file_scheme != scheme.id:
        _refuse(sub, f"这是{_scheme_title(file_scheme)}的填报表，不是本次收取的《{scheme.short_title or scheme.id}》",
                f"workbook for scheme {file_scheme!r}", row=2, column="B", value=file_scheme, expected=scheme.id, **at)
    elif file_period and period and file_period != period:
        _refuse(sub, f"这是{period_zh(file_period)}的填报表，本次收取的是{period_zh(period)}",
                f"workbook for period {file_period!r}", row=3, column="B", value=file_period, expected=period, **at)
    return bool(sub.refused)


def _refused_csv(sub: Submission, data: bytes, scheme: Scheme) -> bool:
    """Whether a CSV is refused for naming none of the scheme's inputs in its first row."""
    if not _csv_foreign(data, scheme):
        return False
    _refuse(sub, f"CSV 文件第 1 行没有《{scheme.short_title or scheme.id}》的任何输入编号，不是本方案的填报文件",
            "CSV header names no input of the scheme", file=str(sub.path), row=1,
            expected="输入编号（unit_id 及本方案的输入）")
    return True


def _refused_units(sub: Submission, manifest: Manifest, ids: list[str], is_csv: bool) -> bool:
    """Whether the file is refused for its units: one not in the manifest, or none that could be read."""
    path, res = sub.path, sub.result
    foreign = [u for u in sub.units if manifest.unit(u) is None]
    if foreign:
        shown = "、".join(f"“{u}”" + (f"（{sub.names[u]}）" if sub.names.get(u) else "") for u in foreign)
        _refuse(sub, f"文件中的单位{shown}不在报送名单中", f"units not in the manifest: {foreign}", file=str(path),
                sheet=SHEET_UNITS if not is_csv else None, row=2, column="A", unit=foreign[0], value=foreign[0],
                expected="报送名单中的单位编号：" + "、".join(manifest.ids))
        return True
    if not ids:
        sub.problems += res.problems  # what the reader found is why (an .xls, a damaged file, …)
        _refuse(sub, "无法从文件中读出单位" + ("（见文件的错误）" if res.errors else ""), "no unit could be read",
                file=str(path), expected="填报表（单位编号已预先填好）")
        return True
    return False


def _blank(sub: Submission, scheme: Scheme) -> bool:
    """Whether the file has nothing filled (no value, no evidence): the blank template, not a return."""
    res = sub.result
    frame = res.frame
    inputs = [c for c in frame.columns if c in scheme.input_catalogue]
    judged = [c for c in frame.columns if c.startswith(JUDGE)]
    if res.errors or not res.evidence.empty or frame[inputs + judged].notna().to_numpy().any():
        return False
    sub.blank = True
    sub.problems.append(Problem("文件没有填写任何数据，视为未交回", "nothing filled: the blank template", file=str(sub.path),
                                sheet=SHEET_INPUTS, row=INPUT_FIRST_DATA_ROW, severity="note"))
    return True


def _notes(sub: Submission, manifest: Manifest, ids: list[str]) -> None:
    """A unit name other than the manifest's, and judgements a unit gave itself (dropped)."""
    frame, path = sub.result.frame, sub.path
    judged = [c for c in frame.columns if c.startswith(JUDGE)]
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


# ------------------------------------------------------------------------------------------ the collect
def collect(scheme: Scheme, period: str, folder: str | Path, output: str | Path, manifest: Manifest,
            latest: bool = False, stamp: dt.datetime | None = None) -> CollectResult:
    """Read every return under ``folder``, write the merged period workbook to ``output`` and copy the
    evidence files beside it. Raises :class:`CollectError` (nothing written) for a unit returned twice
    without ``latest``, or a manifest for another scheme or period."""
    folder, output = Path(folder), Path(output)
    _check_request(scheme, period, folder, manifest)
    receipts_csv = output.with_name(f"{output.stem}_{RECEIPT_SHEET}.csv")
    exclude = [output, receipts_csv] + ([Path(manifest.path)] if manifest.path else [])
    plan = compile(scheme)
    subs = [_read_one(plan, period, manifest, p, folder) for p in find_returns(folder, exclude)]
    chosen = _choose(manifest, subs, latest, folder)
    merged = write_merged(scheme, period, manifest, subs, chosen, output, stamp)
    csv_path = atomic_write_bytes(receipts_csv, frame_csv_bytes(merged.receipts))
    return CollectResult(output, scheme.id, period, manifest, subs, merged.receipts, merged.unreported,
                         merged.evidence, Path(csv_path))


def _check_request(scheme: Scheme, period: str, folder: Path, manifest: Manifest) -> None:
    """The folder exists; the manifest is for this scheme and period."""
    if not folder.is_dir():
        raise CollectError(f"文件夹 {folder} 不存在", f"no such folder: {folder}", file=str(folder))
    if manifest.scheme_id and manifest.scheme_id != scheme.id:
        raise CollectError(f"报送名单是{_scheme_title(manifest.scheme_id)}的，不是《{scheme.short_title or scheme.id}》",
                           f"manifest for scheme {manifest.scheme_id!r}", file=manifest.path)
    if manifest.period and period and manifest.period != period:
        raise CollectError(f"报送名单是{period_zh(manifest.period)}的，本次收取的是{period_zh(period)}",
                           f"manifest for period {manifest.period!r}", file=manifest.path)


def _choose(manifest: Manifest, subs: list[Submission], latest: bool, folder: Path) -> dict[str, Submission]:
    """The return taken for each unit that returned one; a unit with two stops the collect (raises
    :class:`CollectError` naming every file) unless ``latest``, when the one saved last is taken."""
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
    return chosen
