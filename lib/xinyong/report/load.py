"""Load what a report shows: a scheme, one period's data scored, its evidence, and earlier periods.

Everything a report needs is computed here, once, from the arguments and the files they name, so the
notebook only displays and a batch worker can call it in any process. A batch passes the run it scored
once as ``run_file`` (:func:`save_run` / :func:`read_run_file`) instead of the data being read again.
"""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..demo import data_path
from ..errors import InputError, XinyongError
from ..scheme import load_scheme
from ..util import computed_once, sha256_file
from ..scheme.model import Scheme
from ..scoring import ScoreResult, score

EVIDENCE_COLUMNS = ["item", "unit_id", "title", "link", "date", "sheet_row"]


sha256_of = sha256_file  # the name report/__init__ exports


# ---------------------------------------------------------------------------------------- run file
# A batch scores each period once, on its client, and hands the scored run to every report notebook
# as a file (the notebook's ``run_file`` parameter). The file is a pickle of :class:`Run` with its
# alternative totals and scheme findings already computed, tagged with a format name and the library
# version: a worker with another xinyong version refuses it rather than render from foreign objects.
# Pickles are only ever read from files this library wrote for the same batch (the batch's own client).
RUN_FILE_FORMAT = "xinyong.run/1"


def run_bytes(run: "Run") -> bytes:
    """The scored run as ``run_file`` bytes (alternatives and findings computed first, so no report
    notebook scores anything again)."""
    from .. import __version__

    run.prepare()
    return pickle.dumps({"format": RUN_FILE_FORMAT, "version": __version__, "run": run},
                        protocol=pickle.HIGHEST_PROTOCOL)


def save_run(run: "Run", path: str | os.PathLike) -> Path:
    """Write :func:`run_bytes` atomically to ``path``; returns the path."""
    from ..util import atomic_write_bytes

    return atomic_write_bytes(Path(path), run_bytes(run))


def read_run_file(path: str | os.PathLike) -> "Run":
    """A run written by :func:`save_run`; :class:`XinyongError` when the file is not one, or was
    written by another version of xinyong."""
    from .. import __version__

    try:
        with open(path, "rb") as fh:
            payload = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise XinyongError(f"无法读取已计分的数据文件：{path}", f"cannot read run file {path}: {type(exc).__name__}: {exc}",
                           file=str(path)) from None
    if not isinstance(payload, dict) or payload.get("format") != RUN_FILE_FORMAT:
        raise XinyongError(f"不是 xinyong 的计分结果文件：{path}", f"not a {RUN_FILE_FORMAT} file: {path}", file=str(path))
    if payload.get("version") != __version__:
        raise XinyongError(f"计分结果文件由另一版本的 xinyong（{payload.get('version')}）写出，请用同一版本运行",
                           f"run file version {payload.get('version')} != library {__version__}", file=str(path))
    return payload["run"]


@dataclass
class PeriodData:
    """One period's inputs as read, with where they came from."""

    period: str | None
    frame: pd.DataFrame
    evidence: pd.DataFrame
    problems: list = field(default_factory=list)
    path: Path | None = None
    sha256: str | None = None
    unreported: tuple[str, ...] = ()  # units marked 未报送 (scored as every input missing)
    receipts: pd.DataFrame | None = None  # the 报送情况 sheet, when the workbook has one


@dataclass(frozen=True)
class InvalidUnit:
    """A unit of the period's file left out of the scoring because its rows are invalid (a batch reads
    the file, cuts such units out and scores the rest): who, and every error with where it is."""

    unit: str
    name: str | None
    kind: str | None
    problems: tuple = ()  # xinyong.errors.Problem, in the reader's order


def read_data(scheme: Scheme, data: str | os.PathLike | pd.DataFrame, period: str | None = None,
              evidence_base: str | os.PathLike | None = None, intake: Any = None) -> PeriodData:
    """Read a filled workbook or wide CSV through intake (every problem collected), or take a frame.

    ``intake``: the file's :class:`~xinyong.intake.read.IntakeResult` when the caller has read it already
    (a batch's client reads each file once, to find invalid units); it is used instead of reading again.
    Errors stop here with one :class:`InputError` listing them all; notes are kept for the report.
    Evidence links to local files are resolved against ``evidence_base`` (default: the data file's
    folder; a batch reading a cleaned copy passes the original's) — see :func:`.evidence.resolve`.
    """
    if isinstance(data, pd.DataFrame):
        return PeriodData(period, data, pd.DataFrame(columns=EVIDENCE_COLUMNS))
    from ..intake import read_inputs

    path = data_path(data)
    sha = sha256_of(path)
    res = intake if intake is not None else read_inputs(scheme, path)
    res.raise_if_errors()
    got = res.period
    if period is not None and got is not None and str(got) != str(period):
        raise InputError(f"文件 {path.name} 的考核期为“{got}”，与要求的“{period}”不一致",
                         f"{path}: workbook period {got!r} != requested {period!r}", file=str(path))
    from .evidence import resolve

    evidence = resolve(res.evidence, Path(evidence_base) if evidence_base is not None else path.resolve().parent)
    return PeriodData(str(period or got or ""), res.frame, evidence, list(res.problems), path.resolve(), sha,
                      tuple(res.unreported), res.receipts)


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
    # units of the file not scored because their rows are invalid (set by a batch, which scores the
    # rest): the overview lists them with their errors, so nobody is silently dropped
    invalid: tuple[InvalidUnit, ...] = ()

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
        from ..scoring.scheme_audit import check_scheme

        return check_scheme(self.scheme)

    @computed_once("_alternatives")
    def alternative_totals(self) -> pd.DataFrame:
        """Totals of every unit under each option of each reading (the others as chosen).

        Long form: reading, option, label, chosen (bool), unit, total, grade, gate_outcome, unknown (the
        points still unknown under that option: an option can make an item computable). Computed once per run
        (a copy is returned: a caller that edits it changes nothing for the next one).
        """
        return self._alternative_totals()

    @computed_once("_comparison")
    def comparison_table(self) -> pd.DataFrame | None:
        """003's cross-unit comparison (:func:`xinyong.scoring.compare.cross_unit_comparison`, Chinese
        column labels) when the scheme asks for one, else None. The same table for every unit of the
        run: computed once per run (a copy is returned, as by :meth:`alternative_totals`), and carried
        by a run file, so a batch's reports do not each compute it again (≈ 0.3 s for 临沂's 12 units)."""
        if not (any(i.meta.get("compare") for i in self.scheme.walk_items()) or self.scheme.meta.get("compare")):
            return None
        from ..scoring.compare import cross_unit_comparison

        return cross_unit_comparison(self.result)

    def prepare(self) -> "Run":
        """Compute what every report of this run reads (alternative totals, scheme findings, the
        cross-unit comparison) now, so that a pickled run carries it."""
        self.alternative_totals()
        _ = self.findings
        self.comparison_table()
        return self

    def _alternative_totals(self) -> pd.DataFrame:
        rows = []
        frame = self.data.frame
        for r in self.scheme.readings:
            # a reading of how quarters make a year (``@scheme: {annual: …}``, 004 Y1) changes no
            # quarter's score: its other options have no total of their own (the report shows —), and
            # the period is not scored again for them
            year_only = all(set(o.set) <= {"@scheme"} and set(o.set.get("@scheme", {})) <= {"annual"}
                            for o in r.options)
            for opt in r.options:
                used = self.result.readings_used.get(r.id, r.chosen)
                if year_only and opt.id != used:
                    continue
                if opt.id == used:
                    res = self.result
                else:
                    res = score(self.scheme, frame, readings={**self.readings, r.id: opt.id},
                                unreported=self.data.unreported)
                for u, row in res.units.iterrows():
                    rows.append({"reading": r.id, "option": opt.id, "label": opt.label, "chosen": opt.id == used,
                                 "unit": u, "total": float(row["total"]), "grade": row.get("grade"),
                                 "gate_outcome": row.get("gate_outcome"), "unknown": float(row["unknown_points"])})
        return pd.DataFrame(rows, columns=["reading", "option", "label", "chosen", "unit", "total", "grade",
                                           "gate_outcome", "unknown"])

    def previous(self) -> tuple[str, ScoreResult] | None:
        """The latest period before this one (period labels sort as written: 2022Q1 < 2022Q2)."""
        return self.history[-1] if self.history else None


def load_run(scheme: str | os.PathLike | Scheme, data: str | os.PathLike | pd.DataFrame, period: str | None = None,
             readings: Mapping[str, str] | None = None,
             history: Sequence[Mapping[str, Any]] | None = None, run_file: str | os.PathLike | None = None,
             evidence_base: str | os.PathLike | None = None,
             already_read: Mapping[str, Any] | None = None) -> Run:
    """Score ``data`` (workbook, wide CSV or frame) under ``scheme`` for ``period``.

    ``history``: other periods as ``[{"period": "2022Q1", "data": path}, ...]`` (any order); each is
    scored with the same readings so the trend compares like with like. Periods after ``period`` are
    dropped. Period labels compare as text, which orders "2019" < "2020" and "2022Q1" < "2022Q2".

    ``run_file``: a run already scored by a batch (:func:`save_run`); it is read instead of ``data``
    and checked against ``scheme``, ``period`` and ``readings`` (a mismatch is an error, never a
    silently different report). ``None`` (the notebooks' default) reads ``data`` as above.

    ``evidence_base``: the folder evidence links are relative to (default: ``data``'s folder).
    ``already_read``: intake results by resolved file path, for files the caller has read already
    (a batch's client); those are not read again.
    """
    if run_file is not None:
        return _checked(read_run_file(run_file), scheme, period, readings, run_file)
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    readings = dict(readings or {})
    known = {str(Path(k).resolve()): v for k, v in (already_read or {}).items()}

    def pre(d: Any) -> Any:
        return None if isinstance(d, pd.DataFrame) or not known else known.get(str(data_path(d).resolve()))

    pd_ = read_data(sch, data, period, evidence_base, intake=pre(data))
    res = score(sch, pd_.frame, readings=readings or None, unreported=pd_.unreported)
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
        hp = read_data(sch, h["data"], str(h["period"]), intake=pre(h["data"]))
        hist.append((str(h["period"]), score(sch, hp.frame, readings=readings or None, unreported=hp.unreported)))
        files.append((str(h["period"]), str(hp.path or ""), hp.sha256 or ""))
    hist.sort(key=lambda t: t[0])
    files.sort()
    return Run(sch, this, pd_, res, readings, hist, files)


def _checked(run: Run, scheme: Any, period: str | None, readings: Mapping[str, str] | None, path: Any) -> Run:
    want = scheme.id if isinstance(scheme, Scheme) else (None if str(scheme).endswith((".yaml", ".yml")) else str(scheme))
    wrong = [what for what, ok in (("scheme", want is None or want == run.scheme.id),
                                   ("period", period is None or str(period) == run.period),
                                   ("readings", dict(readings or {}) == run.readings)) if not ok]
    if wrong:
        raise XinyongError(f"计分结果文件与笔记本参数不一致（{'、'.join(wrong)}）：{path}",
                           f"run file {path} does not match the notebook's {', '.join(wrong)}: "
                           f"{run.scheme.id}/{run.period}/{run.readings}", file=str(path))
    return run
