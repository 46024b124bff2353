"""What the command modules share: the consoles they are given, the parsing of ``KEY=VALUE`` options and
of ``--format html,docx,pdf``.

Part of the command line (docs/ARCHITECTURE.md): ``cli.py`` builds one :class:`Consoles` and hands it to
every ``register`` function, so no step's ``commands.py`` imports ``xinyong.cli`` (which would be an
upward arrow and, with ``cli.py`` importing the commands, a cycle).
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console

from .errors import XinyongError


@dataclass(frozen=True)
class Consoles:
    """Where a command prints: ``out`` for results (stdout), ``err`` for failures and warnings (stderr)."""

    out: Console
    err: Console


def pairs(values: list[str] | None, what: str) -> list[tuple[str, str]]:
    """``["2022Q1=data/q1.xlsx", …]`` → ``[("2022Q1", "data/q1.xlsx"), …]`` for a repeatable option
    ``what`` (``--history``, ``--reading``, ``--link``); a value without ``=`` is a usage error."""
    out = []
    for v in values or []:
        if "=" not in v:
            raise XinyongError(f"{what} 应写成 键=值，例如 2022Q1=data/2022Q1.xlsx：{v}", f"{what} must be KEY=VALUE: {v!r}")
        k, _, val = v.partition("=")
        out.append((k.strip(), val.strip()))
    return out


FORMATS = ("html", "docx", "pdf")
FORMAT_HELP = "输出格式，逗号分隔：html、docx、pdf（PDF 需要 Chromium）/ formats: html,docx,pdf"


def parse_formats(text: str) -> list[str]:
    """``--format html,docx,pdf``: which files to write besides the executed notebook (HTML always)."""
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        raise XinyongError(f"不支持的格式：{'、'.join(bad)}（可选：{'、'.join(FORMATS)}）", f"unknown format(s) {bad}")
    return ["html", *[f for f in dict.fromkeys(wanted) if f != "html"]]
