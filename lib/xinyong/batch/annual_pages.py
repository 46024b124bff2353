"""The annual pages of a run set: one per scheme × year that has at least two periods in the set.

Written by :func:`~.runner.run_all` after every run, beside the periods' folders
(``<out>/<scheme>/annual-2022.html``), from the results the runs scored (kept on each summary, in
memory only); each period's index links it, and the top index lists it. The page's time is the
latest update of its periods, so an unchanged re-run leaves the file alone.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from ..report.annual import annual_data, annual_file, annual_html, year_of, years
from ..report.pdf import html_to_pdf
from ..util import atomic_write_bytes
from . import outputs
from .model import BatchSummary


def annual_href(s: BatchSummary) -> str | None:
    """The run index's link to its year's page, when the page exists."""
    y = year_of(s.period)
    if y is None:
        return None
    page = Path(s.run_dir).parent / annual_file(y)
    return outputs.href("..", page.name) if page.exists() else None


def write_annual_pages(summaries: Sequence[BatchSummary], formats: Sequence[str] = ("html",),
                       chromium: str | None = None) -> list[Path]:
    """Write every annual page the summaries allow; returns the pages (written or unchanged).

    ``formats`` as the batch's ``--format``: ``docx`` writes the year as Word beside the page
    (``annual-2022.docx``), ``pdf`` prints the page (``annual-2022.pdf``); like the periods' pages, each is
    made again only when the HTML changed or it is missing, and removed when no longer asked for."""
    from ..report.docx import annual_docx
    by_scheme: dict[tuple[str, Path], list[BatchSummary]] = {}
    for s in summaries:
        if s.run_error is None and s.result is not None:
            by_scheme.setdefault((s.scheme, Path(s.run_dir).parent), []).append(s)
    pages = []
    for (_, folder), runs in by_scheme.items():
        latest = {s.period: s for s in runs}  # a period given twice: its last run
        for year, periods in years(list(latest)).items():
            mine = [latest[p] for p in periods]
            res = [(s.period, s.result) for s in mine]
            a = annual_data(mine[-1].result.scheme, year, res)
            links = {s.period: outputs.href(Path(s.run_dir).name, s.overview["html"])
                     for s in mine if s.overview.get("status") in ("ok", "skipped") and s.overview.get("html")}
            stamps = [s.updated for s in mine if s.updated]
            now = dt.datetime.fromisoformat(max(stamps)).replace(tzinfo=None) if stamps else None
            page = folder / annual_file(year)
            fresh = outputs.write_if_changed(page, annual_html(a, links, now=now).encode("utf-8"))
            for fmt in ("docx", "pdf"):
                target = page.with_suffix("." + fmt)
                if fmt not in formats:
                    target.unlink(missing_ok=True)
                elif fresh or not target.exists():
                    if fmt == "docx":
                        atomic_write_bytes(target, annual_docx(a))
                    else:
                        html_to_pdf(page, target, chromium=chromium)
            pages.append(page)
    return pages
