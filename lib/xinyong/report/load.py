"""Load what a report shows: a scheme, one period's data scored, its evidence, and earlier periods.

Everything a report needs is computed here, once, from the arguments and the files they name, so the
notebook only displays and a batch worker can call it in any process. Not a pure function: when
``$XINYONG_MEMO_DIR`` is set (a batch sets it), scoring results and read workbooks are taken from and
kept in that folder (see the memo below); the values are the same as computed afresh.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from ..demo import data_path
from ..errors import InputError, XinyongError
from ..scheme import load_scheme
from ..scheme.model import Scheme
from ..scoring import ScoreResult, score

EVIDENCE_COLUMNS = ["item", "unit_id", "title", "link", "date", "sheet_row"]


def sha256_of(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------- memo
# A batch renders one report per unit, each in its own kernel, and every one of them would score the
# same period files (the period, its history, each alternative reading) again. When a batch sets
# XINYONG_MEMO_DIR (a folder under the run's .work/, removed when the run ends), scoring results are
# kept there as pickles keyed by the library version, the scheme as loaded, the data file's SHA-256
# and the readings; the first kernel computes, the others read. Without the variable nothing is kept.
# The folder is written only by this run's own workers; a damaged or unreadable entry is recomputed.
MEMO_ENV = "XINYONG_MEMO_DIR"


@contextlib.contextmanager
def memo_folder(folder: str | None):
    """Set $XINYONG_MEMO_DIR (report.load's memo) for the block; kernels started inside inherit it."""
    old = os.environ.get(MEMO_ENV)
    if folder:
        os.environ[MEMO_ENV] = folder
    else:
        os.environ.pop(MEMO_ENV, None)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(MEMO_ENV, None)
        else:
            os.environ[MEMO_ENV] = old


def _scheme_fingerprint(sch: Scheme) -> str:
    return hashlib.sha256(sch.model_dump_json().encode("utf-8")).hexdigest()


def memoised(what: str, sch: Scheme, sha256: str | None, readings: Mapping[str, str] | None, compute: Callable[[], Any]):
    """``compute()``, kept in $XINYONG_MEMO_DIR under (what, library version, scheme, data SHA-256,
    readings) when both the folder and the SHA-256 are known; computed afresh otherwise."""
    folder = os.environ.get(MEMO_ENV)
    if not folder or not sha256:
        return compute()
    from .. import __version__

    key = json.dumps([what, __version__, _scheme_fingerprint(sch), sha256, sorted((readings or {}).items())],
                     ensure_ascii=False)
    path = Path(folder) / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:40]}.pkl"
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # noqa: BLE001 — absent, or damaged: computed again (and replaced)
        pass
    value = compute()
    try:
        from ..util import atomic_write_bytes

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, pickle.PicklingError, AttributeError, TypeError):
        pass  # the memo is an optimisation only
    return value


def score_memoised(sch: Scheme, data: "PeriodData", readings: Mapping[str, str] | None) -> ScoreResult:
    return memoised("score", sch, data.sha256, readings,
                    lambda: score(sch, data.frame, readings=dict(readings) if readings else None))


@dataclass
class PeriodData:
    """One period's inputs as read, with where they came from."""

    period: str | None
    frame: pd.DataFrame
    evidence: pd.DataFrame
    problems: list = field(default_factory=list)
    path: Path | None = None
    sha256: str | None = None


def read_data(scheme: Scheme, data: str | os.PathLike | pd.DataFrame, period: str | None = None) -> PeriodData:
    """Read a filled workbook or wide CSV through intake (every problem collected), or take a frame.

    Errors stop here with one :class:`InputError` listing them all; notes are kept for the report.
    """
    if isinstance(data, pd.DataFrame):
        return PeriodData(period, data, pd.DataFrame(columns=EVIDENCE_COLUMNS))
    from ..intake import read_inputs

    path = data_path(data)
    sha = sha256_of(path)

    def read() -> PeriodData:
        res = read_inputs(scheme, path)
        res.raise_if_errors()
        got = res.period
        if period is not None and got is not None and str(got) != str(period):
            raise InputError(f"文件 {path.name} 的考核期为“{got}”，与要求的“{period}”不一致",
                             f"{path}: workbook period {got!r} != requested {period!r}", file=str(path))
        return PeriodData(str(period or got or ""), res.frame, res.evidence, list(res.problems), path.resolve(), sha)

    # openpyxl takes ~0.1 s a workbook: in a batch each period file is read once (errors are not kept)
    return memoised(f"read\0{path.resolve()}\0{period}", scheme, sha, {}, read)


@dataclass
class Run:
    """One scheme × period scored, plus the earlier periods given as history."""

    scheme: Scheme
    period: str
    data: PeriodData
    result: ScoreResult
    readings: dict[str, str]
    history: list[tuple[str, ScoreResult]] = field(default_factory=list)  # other periods, oldest first
    history_files: list[tuple[str, str, str]] = field(default_factory=list)  # (period, path, sha256)

    @property
    def units(self) -> pd.DataFrame:
        return self.result.units

    def unit_id(self, unit: str) -> str:
        """Accept a unit id or its name (names are what people type)."""
        u = self.result.units
        if str(unit) in u.index:
            return str(unit)
        hits = list(u.index[u["unit_name"] == str(unit)])
        if len(hits) == 1:
            return hits[0]
        known = "、".join(f"{i}（{n}）" for i, n in u["unit_name"].items())
        raise XinyongError(f"数据中没有单位“{unit}”。已有单位：{known}",
                           f"unknown unit {unit!r}; known: {', '.join(u.index)}", unit=str(unit))

    @cached_property
    def findings(self) -> list:
        from ..scoring.check import check_scheme

        return check_scheme(self.scheme)

    def alternative_totals(self) -> pd.DataFrame:
        """Totals of every unit under each option of each reading (the others as chosen).

        Long form: reading, option, label, chosen (bool), unit, total, grade.
        """
        return memoised("alternatives", self.scheme, self.data.sha256, self.readings, self._alternative_totals)

    def _alternative_totals(self) -> pd.DataFrame:
        rows = []
        frame = self.data.frame
        for r in self.scheme.readings:
            for opt in r.options:
                used = self.result.readings_used.get(r.id, r.chosen)
                if opt.id == used:
                    res = self.result
                else:
                    res = score(self.scheme, frame, readings={**self.readings, r.id: opt.id})
                for u, row in res.units.iterrows():
                    rows.append({"reading": r.id, "option": opt.id, "label": opt.label, "chosen": opt.id == used,
                                 "unit": u, "total": float(row["total"]), "grade": row.get("grade"),
                                 "gate_outcome": row.get("gate_outcome")})
        return pd.DataFrame(rows, columns=["reading", "option", "label", "chosen", "unit", "total", "grade",
                                           "gate_outcome"])

    def previous(self) -> tuple[str, ScoreResult] | None:
        """The latest period before this one (period labels sort as written: 2022Q1 < 2022Q2)."""
        return self.history[-1] if self.history else None


def load_run(scheme: str | os.PathLike | Scheme, data: str | os.PathLike | pd.DataFrame, period: str | None = None,
             readings: Mapping[str, str] | None = None,
             history: Sequence[Mapping[str, Any]] | None = None) -> Run:
    """Score ``data`` (workbook, wide CSV or frame) under ``scheme`` for ``period``.

    ``history``: other periods as ``[{"period": "2022Q1", "data": path}, ...]`` (any order); each is
    scored with the same readings so the trend compares like with like. Periods after ``period`` are
    dropped. Period labels compare as text, which orders "2019" < "2020" and "2022Q1" < "2022Q2".
    """
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    readings = dict(readings or {})
    pd_ = read_data(sch, data, period)
    res = score_memoised(sch, pd_, readings)
    this = str(pd_.period or period or "")
    hist: list[tuple[str, ScoreResult]] = []
    files: list[tuple[str, str, str]] = []
    for h in history or []:
        if not isinstance(h, Mapping) or "period" not in h or "data" not in h:
            raise XinyongError("历史数据应写成 {period: 考核期, data: 文件} 的列表",
                               f"history entries need 'period' and 'data': got {h!r}")
        # a report as of period P shows P and what came before it, never later periods (batch runs
        # pass every other period of the year as history)
        if not str(h["period"]) < this:
            continue
        hp = read_data(sch, h["data"], str(h["period"]))
        hist.append((str(h["period"]), score_memoised(sch, hp, readings)))
        files.append((str(h["period"]), str(hp.path or ""), hp.sha256 or ""))
    hist.sort(key=lambda t: t[0])
    files.sort()
    return Run(sch, this, pd_, res, readings, hist, files)
