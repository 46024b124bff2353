"""The files a rendered page is written as: HTML always, Word and PDF beside it when asked for.

One list and one check for every command that takes ``--format html,docx,pdf`` (``xinyong report``,
``overview``, ``batch``) and for :func:`xinyong.batch.run_batch`.
"""
from __future__ import annotations

from typing import Iterable

from ..errors import XinyongError

FORMATS = ("html", "docx", "pdf")


def output_formats(wanted: Iterable[str]) -> list[str]:
    """``wanted`` checked: ``html`` first (always written), then the others in the order given, each once.
    An unknown name raises an error that lists the known ones."""
    wanted = [str(f).strip().lower() for f in wanted if str(f).strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        raise XinyongError(f"不支持的格式：{'、'.join(bad)}（可选：{'、'.join(FORMATS)}）", f"unknown format(s) {bad}")
    return ["html", *[f for f in dict.fromkeys(wanted) if f != "html"]]
