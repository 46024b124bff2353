"""One returned file as ``collect`` saw it (:class:`Submission`): what it holds, and whether it was taken."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import Problem
from ..read import IntakeResult


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
