"""A run's own pages once its reports are in: the overview's record, the 通报, ``scores.xlsx``,
``summary.json``, the run's ``index.html`` and the top-level ``index.html``.

Each page is written only when its bytes change, and the run's time of last update moves only when
something of the run changed, so an unchanged re-run leaves every file alone.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping

from . import outputs
from .cache import Cache
from .formats import BRIEF
from .model import BatchSummary
from .plan import OVERVIEW
from .prepare import RunInputs
from .task import Task, TaskResult

OVERVIEW_FAILED = "overview.failed.html"


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def old_summary(run_dir: Path) -> dict:
    """The run's last ``summary.json`` (its time of last update is kept when nothing changed)."""
    try:
        return json.loads((run_dir / outputs.SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def record_overview(s: BatchSummary, task: Task | None, result: TaskResult | None, cache: Cache) -> None:
    """``s.overview`` from the overview's task (None: its report was there) and what came back; the
    failure page written, or the failure's files removed; the cache entry kept or dropped."""
    run_dir = s.run_dir
    html, ipynb, failed_ipynb = OVERVIEW
    if task is None:
        s.overview = {"status": "skipped", "html": html, "notebook": ipynb}
        return
    r = result or TaskResult("failed", error_kind="error", error="总览未生成", attempts=0)
    s.overview = {"status": r.status, "seconds": r.seconds, "cpu": r.cpu, "attempts": r.attempts}
    cache.overview = task.key if r.status == "ok" else None
    cache.save()
    if r.status == "ok":
        s.overview.update(html=html, notebook=ipynb)
        _remove(run_dir / OVERVIEW_FAILED, run_dir / failed_ipynb)
        return
    nb = run_dir / failed_ipynb
    s.overview.update(error=r.error, error_kind=r.error_kind, notebook=nb.name if r.notebook and nb.exists() else None,
                      html=OVERVIEW_FAILED)
    _remove(run_dir / html, run_dir / ipynb)
    outputs.write_if_changed(run_dir / OVERVIEW_FAILED, outputs.overview_failed_page(s, r.detail).encode("utf-8"))


def empty_overview(s: BatchSummary, scheme: Any, inputs: RunInputs, links: Mapping[str, str],
                   cache: Cache) -> tuple[bool, bool, Callable[[], bytes]]:
    """No unit could be scored: the overview still names every unit and its real errors. Returns (a stale
    file was removed, the page was written now, the page's Word maker)."""
    from ..report.docx import empty_overview_docx
    from ..report.overview import empty_overview_html

    run_dir, (html, ipynb, failed_ipynb) = s.run_dir, OVERVIEW
    data_name = inputs.current.source.name
    s.overview = {"status": "empty", "reason": "没有可计分的单位", "html": html}
    stale = [run_dir / n for n in (ipynb, OVERVIEW_FAILED, failed_ipynb)]
    gone = any(p.exists() for p in stale)
    _remove(*stale)
    page = empty_overview_html(scheme, s.period, data_name, inputs.invalid, dict(links))
    new = outputs.write_if_changed(run_dir / html, page.encode("utf-8"))
    cache.overview = None
    cache.save()
    return gone, new, partial(empty_overview_docx, scheme, s.period, data_name, inputs.invalid)


def write_brief(s: BatchSummary, run: Any, links: Mapping[str, str], due: bool, options: Any = None) -> tuple[bool, bool]:
    """The 通报 (notice of results) beside the overview, from the run the client scored; its facts (the
    lowest unit, vetoed units, grades not settled) recorded in ``s.overview["notice"]`` for the top index.
    The page is written again only when ``due`` (something of the run changed), missing, or made with
    other ``options`` (:class:`~xinyong.report.notice.NoticeOptions`). Returns (a file was removed, the
    page was written)."""
    brief = s.run_dir / BRIEF
    if run is None:
        gone = brief.exists()
        _remove(brief)
        return gone, False
    from ..report.notice import notice, notice_page, options_key, recorded_key

    n = notice(run, options)
    s.overview["notice"] = n.facts()
    key = options_key(options)
    try:
        same = recorded_key(brief.read_text(encoding="utf-8")) == key
    except OSError:
        same = False
    if not due and same:
        return False, False
    return False, outputs.write_if_changed(brief, notice_page(n, dict(links), key).encode("utf-8"))


def write_run_pages(s: BatchSummary, scheme: Any, out_dir: Path, old: dict, changed: bool, t0: float,
                    followup: Any = None) -> None:
    """``scores.xlsx``, ``summary.json`` and the index pages; ``s.updated`` moves only when ``changed``."""
    run_dir = s.run_dir
    s.finished = now()
    s.seconds = round(time.perf_counter() - t0, 3)
    changed = changed or any(not (run_dir / n).exists() for n in (outputs.INDEX, outputs.SUMMARY))
    s.updated = old.get("updated") if not changed and old.get("updated") else s.finished
    if s.units:
        outputs.write_if_changed(run_dir / outputs.SCORES, outputs.scores_xlsx(s, scheme, s.result, followup))
    else:
        _remove(run_dir / outputs.SCORES)
    write_run_index(s, scheme)
    outputs.write_if_changed(run_dir / outputs.SUMMARY, outputs.summary_json(s))
    outputs.write_top_pages(out_dir)


def write_run_index(s: BatchSummary, scheme: Any) -> None:
    from .annual_pages import annual_href

    outputs.write_if_changed(s.run_dir / outputs.INDEX, outputs.run_index(
        s, has_grades=scheme.grades is not None, has_gates=bool(scheme.gates), annual_href=annual_href(s)).encode("utf-8"))


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)

