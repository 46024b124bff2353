"""One root error, leaf errors with structured fields.

Every error carries a Chinese message for the analyst and an English detail beside it. Errors are
plain data so they pickle (batch workers send them back to the parent process).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping


class XinyongError(Exception):
    """Root of every error xinyong raises on purpose.

    ``message`` is Chinese (what the analyst reads); ``detail`` is English (what a developer greps).
    """

    def __init__(self, message: str, detail: str = "", **fields: Any) -> None:
        self.message = message
        self.detail = detail
        self.fields = {k: v for k, v in fields.items() if v is not None}
        super().__init__(message, detail)

    def __reduce__(self):  # keep fields across pickling
        return (_rebuild, (type(self), self.message, self.detail, self.fields))

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.fields.items() if k not in ("problems", "total"))
        parts = [self.message]
        if where:
            parts.append(f"[{where}]")
        if self.detail:
            parts.append(f"({self.detail})")
        return " ".join(parts)


def _rebuild(cls, message, detail, fields):
    obj = cls.__new__(cls)
    XinyongError.__init__(obj, message, detail, **fields)
    return obj


class SchemeError(XinyongError):
    """A scheme file is malformed. Fields: file, line, column, item, field."""


class UnknownRuleKind(SchemeError):
    """A rule kind name is not in the registry."""


class FormulaError(XinyongError):
    """A formula text uses something the restricted evaluator does not allow. Fields: formula."""


@dataclass
class Problem:
    """One validation finding: where it is, what was found, what was expected."""

    message: str  # Chinese
    detail: str = ""  # English
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    unit: str | None = None
    input: str | None = None
    value: Any = None
    expected: str | None = None
    severity: str = "error"  # "error" stops scoring; "note" is shown but accepted

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self, file: bool = True) -> str:
        """Where the problem is, for a person: see :func:`where`."""
        return where(self, file=file)


#: the fields that locate a problem, with the words a message uses for them, in reading order
WHERE_ZH = (("file", "文件"), ("sheet", "工作表"), ("row", "行"), ("column", "列"), ("unit", "单位"))


def where(problem: Problem | Mapping[str, Any], file: bool = True) -> str:
    """Where a problem is, in one line: ``文件=a.xlsx，工作表=输入，行=5，列=C，单位=dept07``.

    ``problem`` is a :class:`Problem` or its ``as_dict()`` (as ``summary.json`` keeps it). Fields not
    known are left out; ``file=False`` leaves the file out too, for a list printed under a heading that
    names it already."""
    get = problem.get if isinstance(problem, Mapping) else (lambda k: getattr(problem, k, None))
    return "，".join(f"{zh}={get(k)}" for k, zh in WHERE_ZH if get(k) is not None and (file or k != "file"))


class InputError(XinyongError):
    """Inputs that cannot be scored. ``problems`` lists the findings (a reader lists at most a few
    hundred, then one line with the count of the others); ``total`` counts them all."""

    def __init__(self, message: str, detail: str = "", problems: list[Problem] | None = None,
                 total: int | None = None, **fields: Any):
        super().__init__(message, detail, problems=problems or [], total=total, **fields)

    @property
    def problems(self) -> list[Problem]:
        return self.fields.get("problems", [])

    @property
    def total(self) -> int:
        """How many problems were found, listed or not."""
        return self.fields.get("total", len(self.problems))

    def table(self):
        import pandas as pd

        return pd.DataFrame([p.as_dict() for p in self.problems])

    def __str__(self) -> str:
        lines = [super().__str__()]
        for p in self.problems[:50]:
            where = " ".join(
                f"{k}={v}" for k, v in (("file", p.file), ("sheet", p.sheet), ("row", p.row),
                                        ("column", p.column), ("unit", p.unit), ("input", p.input))
                if v is not None
            )
            lines.append(f"  - {where}: {p.message} 值={p.value!r} 应为={p.expected} ({p.detail})")
        if len(self.problems) > 50:
            lines.append(f"  … 另有 {len(self.problems) - 50} 个问题")
        return "\n".join(lines)
