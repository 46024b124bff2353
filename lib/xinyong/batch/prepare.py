"""Read a run's data files once, find which units' rows are invalid, and give the notebooks clean copies.

The report notebooks read the whole data file (``load_run``), and intake refuses a file with any
error, so one unit's bad cell would fail every report of the run. Intake attributes every problem to
the unit its row names (``Problem.unit``; :attr:`IntakeResult.unit_errors` keeps all of them, listed or
not); those units fail on their own, and the notebooks read a copy of the file without their rows.
Problems that belong to no unit (a missing sheet, an unknown column, a row without a unit id) fail the
whole run: nobody can say which reports they would change. :func:`read_run` does this for a run's period
and its history, and scores what is valid once, here on the client. The reading and cutting live in the
report layer (:mod:`xinyong.report.partial`), which ``xinyong report`` / ``overview`` use too.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..errors import Problem
from ..report.partial import PeriodInput, _id_column, without_units  # noqa: F401 (re-exported)
from ..report.partial import invalid_units as _invalid_units
from ..report.partial import read_period as _read_period
from ..scheme.model import Scheme
from .names import safe_component

INPUTS_DIR = ".inputs"  # in the run folder: the copies without invalid units


def read_period(scheme: Scheme, period: str, source: str | os.PathLike, work_dir: Path) -> PeriodInput:
    """:func:`xinyong.report.partial.read_period`, the clean copy written under ``work_dir/<period>/``."""
    return _read_period(scheme, period, source, Path(work_dir) / safe_component(period))


@dataclass(frozen=True)
class RunInputs:
    """A run's period and its history as read, the units that are invalid, and the valid ones scored."""

    current: PeriodInput
    history: tuple[PeriodInput, ...]
    run: Any  # report.load.Run of the valid units; None when no unit is valid
    invalid: tuple  # report.load.InvalidUnit per invalid unit, in the file's order

    @property
    def order(self) -> list[str]:
        """Every unit of the file, in its order (then units known only by their errors)."""
        ids = [str(u) for u in self.current.frame.index]
        return ids + [u for u in self.current.bad if u not in set(ids)]

    def column(self, name: str) -> dict[str, str | None]:
        """unit id -> its text in ``unit_name`` or ``unit_kind`` (None when blank)."""
        # a blank (or refused) text is pd.NA in the frame's string column: ``NA != NA`` has no truth value
        return {str(u): (None if pd.isna(v) else str(v)) for u, v in self.current.frame[name].items()}

    def history_problems(self) -> dict[str, tuple[list[Problem], list[str]]]:
        """unit id -> (its errors in earlier periods' files, those periods)."""
        out: dict[str, tuple[list[Problem], list[str]]] = {}
        for h in self.history:
            for uid, probs in h.bad.items():
                got = out.setdefault(uid, ([], []))
                got[0].extend(probs)
                got[1].append(h.period)
        return out


def read_run(scheme: Scheme, period: str, data: Path, history: list[tuple[str, Path]],
             readings: Mapping[str, str], run_dir: Path) -> RunInputs:
    """Read ``data`` and the ``history`` files once (:func:`read_period`), and score the valid units with
    everything their reports read. Raises :class:`InputError` for problems that belong to no unit."""
    from ..report.load import load_run

    work = run_dir / INPUTS_DIR
    cur = read_period(scheme, period, data, work)
    hist = tuple(read_period(scheme, p, f, work) for p, f in history)
    valid = [u for u in map(str, cur.frame.index) if u not in cur.bad]
    # evidence links are relative to the file given, not to the cleaned copy in .inputs/
    run = load_run(scheme, cur.path, period=period, readings=dict(readings),
                   history=[{"period": h.period, "data": h.path} for h in hist],
                   evidence_base=cur.source.parent,
                   already_read={str(p.path): p.read for p in (cur, *hist)}) if valid else None
    invalid = _invalid_units(cur)
    if run is not None:  # the overview lists them with their errors: nobody is silently dropped
        run.invalid = invalid
    return RunInputs(cur, hist, run, invalid)
