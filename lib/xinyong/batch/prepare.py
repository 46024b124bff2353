"""Read a run's data files once, find which units' rows are invalid, and give the notebooks clean copies.

The reading and cutting live in the report layer (:mod:`xinyong.report.partial`), which ``xinyong
report`` / ``overview`` use too; the batch keeps its copies under ``<run>/.inputs/<period>/``.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..report.partial import PeriodInput, _id_column, without_units  # noqa: F401 (re-exported)
from ..report.partial import read_period as _read_period
from ..scheme.model import Scheme
from .names import safe_component


def read_period(scheme: Scheme, period: str, source: str | os.PathLike, work_dir: Path) -> PeriodInput:
    """:func:`xinyong.report.partial.read_period`, the clean copy written under ``work_dir/<period>/``."""
    return _read_period(scheme, period, source, Path(work_dir) / safe_component(period))
