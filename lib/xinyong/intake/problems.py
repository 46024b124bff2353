"""Collect the problems of one file: each located (file, sheet, row, column) and, where a row names a
unit, attributed to that unit; the listing is capped, the count is not.

A file with a hundred thousand bad rows must not produce a hundred thousand-line table. The first
:data:`MAX_LISTED` problems are listed, followed by one summary problem "另有 N 个问题未列出". Beyond the
cap, only errors that belong to a unit are kept (the batch fails exactly those units and shows each its
own errors); everything else is only counted.
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import Problem
from ..safe import bad_char, visible

MAX_LISTED = 200


def col_letter(j: int) -> str:
    """1-based column number -> Excel letters."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(j)


def omitted_problem(n: int, n_errors: int, file: str | None = None) -> Problem:
    """The line that closes a capped listing."""
    return Problem(f"另有 {n} 个问题未列出（其中 {n_errors} 个错误）", f"{n} more problems not listed ({n_errors} errors)",
                   file=file, value=n, expected=f"最多列出 {MAX_LISTED} 个问题",
                   severity="error" if n_errors else "note")


def capped(problems: list[Problem], total: int | None = None, total_errors: int | None = None,
           file: str | None = None) -> list[Problem]:
    """The first :data:`MAX_LISTED` of ``problems`` and, when more exist, the summary line."""
    total = len(problems) if total is None else total
    if total <= MAX_LISTED:
        return list(problems)
    shown = problems[:MAX_LISTED]
    errors = sum(p.severity == "error" for p in problems) if total_errors is None else total_errors
    n_err = errors - sum(p.severity == "error" for p in shown)
    return shown + [omitted_problem(total - len(shown), n_err, file)]


class Log:
    """Collects problems for one file; every call names where the finding is.

    ``unit_of(sheet, row)`` gives the unit a row names (or None); a problem on such a row that does
    not name its unit itself gets it.
    """

    def __init__(self, file: str, unit_of: Callable[[str | None, int], str | None] | None = None):
        self.file = file
        self.unit_of = unit_of
        self.listed: list[Problem] = []
        self.unit_errors: dict[str, list[Problem]] = {}  # every error that belongs to a unit
        self.total = 0
        self.total_errors = 0
        self.general_errors = 0  # errors of no unit
        self.general_listed: list[Problem] = []  # the first MAX_LISTED of them

    def add(self, severity: str, message: str, detail: str, sheet=None, row=None, col=None, input=None,
            unit=None, value=None, expected=None) -> None:
        if unit is None and row is not None and row > 1 and self.unit_of is not None:
            unit = self.unit_of(sheet, row)
        # a problem is printed (terminal, CSV, Word): control and bidi characters are shown as \x07, \u202e;
        # an id holding one is no unit's (nothing downstream may use it as a key): the file's error
        if isinstance(unit, str) and bad_char(unit):
            unit = None
        if isinstance(value, str):
            value = visible(value)
        message = visible(message, free_text=True)
        column = col_letter(col) if isinstance(col, int) else col
        p = Problem(message, detail, file=self.file, sheet=sheet, row=row, column=column, unit=unit, input=input,
                    value=value, expected=expected, severity=severity)
        self.total += 1
        if severity == "error":
            self.total_errors += 1
            if unit is None:
                self.general_errors += 1
                if len(self.general_listed) < MAX_LISTED:
                    self.general_listed.append(p)
            else:
                self.unit_errors.setdefault(str(unit), []).append(p)
        if len(self.listed) < MAX_LISTED:
            self.listed.append(p)

    def error(self, *a: Any, **k: Any) -> None:
        self.add("error", *a, **k)

    def note(self, *a: Any, **k: Any) -> None:
        self.add("note", *a, **k)

    @property
    def problems(self) -> list[Problem]:
        """The listing: at most :data:`MAX_LISTED` problems, then the count of the others."""
        if self.total <= MAX_LISTED:
            return list(self.listed)
        n_err = self.total_errors - sum(p.severity == "error" for p in self.listed)
        return self.listed + [omitted_problem(self.total - len(self.listed), n_err, self.file)]
