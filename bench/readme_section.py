"""One section of bench/README.md that a benchmark script owns, between its ``<!-- name:start -->`` and
``<!-- name:end -->`` markers: replaced in place when it is there, added at the end otherwise."""
from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def put_section(text: str, start: str, end: str, readme: Path = README) -> None:
    """Write ``text`` (which begins with ``start`` and ends with ``end``) into ``readme``."""
    body = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    if start in body and end in body:
        body = body[:body.index(start)] + text + body[body.index(end) + len(end):]
    else:
        body = body.rstrip("\n") + "\n\n" + text + "\n"
    readme.write_text(body, encoding="utf-8")


def print_section(lines: list[str], start: str, end: str, write: bool) -> None:
    """Print a bench's section (``lines``, from ``start``; ``end`` is added) and, with ``write``, put it
    into bench/README.md."""
    text = "\n".join([*lines, end])
    print(text)
    if write:
        put_section(text, start, end)
