"""Quarterly batch runs: every unit's report, the overview and the index pages of one scheme × period.

:func:`run_batch` reads as the steps it runs: read the data once and score it, every problem
attributed to its unit (:mod:`.prepare`); plan every unit — failed on its data, skipped (cache key
unchanged since its last good report) or a report to render (:mod:`.plan`); render the reports on dask
workers (:mod:`.executor`: an embedded ``LocalCluster`` or an existing cluster), each written by this
process alone, atomically, as it comes back (:mod:`.publish`); failure pages, stale files, pruned units
(:mod:`.publish`); the overview's record and the leader brief (:mod:`.finish`); Word and PDF
(:mod:`.formats`); ``scores.xlsx``, ``summary.json`` and the index pages (:mod:`.finish`). A unit whose
data is invalid or whose notebook raises gets a short Chinese failure page and never stops the others.
:func:`run_all` does this for every run of a params file (:mod:`.params`, ``params/demo.yaml``).

Layout of ``<out>/<scheme>/<period>/``: ``index.html``, ``overview.html`` (+ ``.ipynb``),
``summary.json``, ``scores.xlsx``, ``units/<stem>.html`` (+ ``.ipynb``) per unit, or
``units/<stem>.failed.html`` (+ ``.failed.ipynb`` when a notebook ran) for a failed one,
``units/证据/<unit>/…`` the evidence files the reports link (copied from beside the data file); hidden:
``.cache.json`` (keys), ``.inputs/`` (data copies without invalid units), ``.lock`` (only while a
batch runs, :mod:`.lock`; ``.work/`` is a leftover of older versions, removed).
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import InputError, XinyongError
from ..report.notice import NoticeOptions
from ..report.render import check_engine
from ..settings import DEFAULT, Settings
from . import outputs
from .cache import Cache
from .executor import Executor
from .finish import empty_overview, now, old_summary, record_overview, write_brief, write_run_index, write_run_pages
from .formats import (batch_formats, notice_formats, notice_pages, record_other_formats, run_pages,
                      write_other_formats)
from .lock import WORK_DIR, RunLock, clear_leftovers, stop_on_sigterm
from .model import BatchSummary
from .names import safe_component
from .params import folder_key, history_list, load_params
from .plan import RunPlan, RunRequest, overview_task, plan_run, unit_links
from .prepare import RunInputs, read_run
from .progress import Progress
from .publish import Publisher, Results, refused_links, render, settle_unit_files, unit_outcomes

RUNS_AT_ONCE = 2  # a run's reading, scoring and pages (client) overlap the previous run's reports (workers)

# run_batch and run_all; the others are re-exported for callers that imported them from here
__all__ = ["RunLock", "load_params", "run_all", "run_batch", "stop_on_sigterm"]


def run_batch(scheme: str | os.PathLike, period: str, data: str | os.PathLike, out_dir: str | os.PathLike = "outputs",
              history: Sequence[Mapping[str, Any]] | None = None, jobs: int | None = None, resume: bool = True,
              readings: Mapping[str, str] | None = None, progress: bool | None = None,
              executor: Executor | None = None, scheduler: str | None = None, engine: str = "warm",
              formats: Sequence[str] = ("html",), settings: Settings = DEFAULT,
              notice: NoticeOptions | None = None) -> BatchSummary:
    """Render every unit's report of ``scheme`` × ``period`` from ``data`` into ``out_dir/<scheme>/<period>/``.

    ``history``: earlier periods ``[{"period": ..., "data": ...}]`` (later ones are ignored, as in the
    reports). ``jobs``: worker processes of the local cluster (default: CPU count); ``scheduler``: an
    existing dask cluster instead (``tcp://host:8786``; default ``settings.scheduler``); ``engine``:
    ``warm`` (in-process, imports kept) or ``kernel`` (a fresh kernel per report); ``formats``: besides
    ``html``, ``docx`` and ``pdf`` write each unit report and the overview (and the brief, as PDF) as
    Word and PDF beside the HTML, here on the client (:mod:`.formats`); ``executor``: one
    shared by several runs (``run_all``; its settings are then the run's). ``settings``: the notebooks'
    folder, the PDF browser, the workers' output and charts (:class:`~xinyong.settings.Settings`, built
    by the command line). ``notice``: who issues the 通报, when, to whom, by when units rectify
    (:class:`~xinyong.report.notice.NoticeOptions`; None: the defaults). ``resume``: skip units whose cache key is
    unchanged since their last good report. ``progress``: progress bar (default: only on a terminal).
    Invalid data of a unit or a failing notebook fails that unit only; problems that belong to no unit
    fail the run (``summary.run_error``). Raises only for what prevents any output (unknown scheme,
    folder locked by another batch).

    Local workers are started with multiprocessing's "spawn" (dask's default), so a script that calls
    this needs the usual ``if __name__ == "__main__":`` guard.
    """
    t0 = time.perf_counter()
    conf = executor.settings if executor is not None else settings
    req = _request(scheme, period, data, out_dir, history, readings, resume, progress, engine, formats, conf, notice)
    ex = executor or Executor(jobs, scheduler=scheduler or conf.scheduler, engine=engine, settings=conf)
    s = BatchSummary(scheme=req.scheme.id, scheme_title=req.scheme.title, period=req.period, run_dir=req.run_dir,
                     data=str(req.data.resolve()), jobs=ex.jobs, started=now(),
                     history=[{"period": p, "data": str(f.resolve())} for p, f in req.history])
    try:
        with stop_on_sigterm(), RunLock(req.run_dir):
            clear_leftovers(req.run_dir, req.out_dir)
            _run(req, s, ex, t0)
    except KeyboardInterrupt:
        ex.terminate()  # Ctrl-C, SIGTERM: the workers stop now, not after their reports
        raise
    finally:
        if executor is None:
            ex.close()
    return s


def _request(scheme: Any, period: Any, data: Any, out_dir: Any, history: Any, readings: Mapping[str, str] | None,
             resume: bool, progress: bool | None, engine: str, formats: Sequence[str], conf: Settings,
             notice: NoticeOptions | None = None) -> RunRequest:
    """The arguments checked, in this order: the scheme, the history, the engine, the formats."""
    from ..scheme import load_scheme

    sch = load_scheme(scheme)
    period = str(period)
    out = Path(out_dir).resolve()
    earlier = tuple((p, f) for p, f in history_list(history) if p < period)
    check_engine(engine)
    return RunRequest(scheme=sch, scheme_arg=str(scheme), period=period, data=Path(data), history=earlier,
                      readings=tuple(dict(readings or {}).items()), resume=resume, progress=progress,
                      formats=batch_formats(formats, conf.chromium), out_dir=out, notebooks=conf.notebooks,
                      run_dir=out / safe_component(sch.id) / safe_component(period), notice=notice)


def _run(req: RunRequest, s: BatchSummary, ex: Executor, t0: float) -> None:
    """The steps of one run, inside its lock."""
    cache, old = Cache(req.run_dir), old_summary(req.run_dir)
    try:
        inputs = read_run(req.scheme, req.period, req.data, list(req.history), dict(req.readings), req.run_dir)
    except InputError as exc:
        s.run_error = {"message": exc.message, "detail": exc.detail, "problems": outputs.problem_rows(exc.problems)}
        write_run_pages(s, req.scheme, req.out_dir, old, True, t0)
        return
    plan = plan_run(req, inputs, cache, ex)
    req.units_dir.mkdir(parents=True, exist_ok=True)
    bar = Progress(req.progress, len(plan.tasks), f"{s.scheme} {s.period}",
                   skipped=sum(u.skipped for u in plan.units), failed=len(plan.failed))
    try:
        results, overview, changed = _render(req, s, ex, inputs, plan, cache, bar)
        changed |= settle_unit_files(s, s.units, results, inputs.run, cache)
        s.evidence_refused = refused_links(inputs)
        cache.keep_only(plan.keys.own)
        changed |= _run_pages(req, s, ex, inputs, cache, overview, results, changed)
    finally:
        bar.close()
        shutil.rmtree(req.run_dir / WORK_DIR, ignore_errors=True)
    s.result = inputs.run.result if inputs.run else None
    from ..report.followup import follow_up_all

    write_run_pages(s, req.scheme, req.out_dir, old, changed, t0, follow_up_all(inputs.run) if inputs.run else None)


def _render(req: RunRequest, s: BatchSummary, ex: Executor, inputs: RunInputs, plan: RunPlan, cache: Cache,
            bar: Progress) -> tuple[Results, Any, bool]:
    """The reports due, the overview alongside them with the links they will have if they succeed; the
    overview again after them in the rare case a unit's notebook failed (its link then goes to the
    failure page). Sets ``s.units``; returns the results, the overview's task that counts (None: its
    report was there) and whether anything was rendered."""
    publisher = Publisher(req.run_dir, cache, {u.id: u.stem for u in plan.units}, bar)
    results = render(ex, plan.tasks, plan, publisher)
    s.units = unit_outcomes(plan, results, inputs.run.result if inputs.run else None)
    links = unit_links(plan.units, {u.id for u in s.units if u.status == "failed"})
    if links == plan.links:
        return results, plan.overview, bool(plan.tasks)
    again = overview_task(req, inputs, plan.keys, links, cache, plan.bundle, ex.engine)
    if again is not None:
        bar.add()
        results = render(ex, [again], plan, publisher)
    return results, again, bool(plan.tasks) or again is not None


def _run_pages(req: RunRequest, s: BatchSummary, ex: Executor, inputs: RunInputs, cache: Cache, overview: Any,
               results: Results, changed: bool) -> bool:
    """The overview's record (or the page of a run with no scoreable unit), the brief, Word and PDF.
    Returns whether a file changed."""
    run, empty = inputs.run, None
    links = unit_links(s.units, {u.id for u in s.units if u.status == "failed"})
    if run is None:
        gone, written, make_docx = empty_overview(s, req.scheme, inputs, links, cache)
        changed |= gone or written
        empty = (written, make_docx)
    else:
        record_overview(s, overview, results.get(("overview", None)), cache)
    gone, brief_new = write_brief(s, run, links, due=changed or overview is not None, options=req.notice)
    changed |= gone
    overview_new = overview is not None and s.overview.get("status") == "ok"
    pages, stale = run_pages(run, s.units, req.run_dir, overview_new, empty)
    changed |= write_other_formats(pages, stale, req.formats, ex.jobs, ex.settings.chromium)
    pages, stale = notice_pages(run, req.run_dir, brief_new, req.notice)
    changed |= write_other_formats(pages, stale, notice_formats(req.formats, ex.settings.chromium), ex.jobs,
                                   ex.settings.chromium)
    record_other_formats(s.units, s.overview, req.run_dir)
    return changed


# ------------------------------------------------------------------------------------------- all runs
def run_all(params_file: str | os.PathLike, out_dir: str | os.PathLike = "outputs", jobs: int | None = None,
            resume: bool = True, progress: bool | None = None, scheduler: str | None = None,
            engine: str = "warm", formats: Sequence[str] = ("html",), settings: Settings = DEFAULT,
            notice: NoticeOptions | None = None) -> list[BatchSummary]:
    """Every run of ``params_file`` on one cluster; the top ``index.html`` links them. ``notice``: the
    通报's options given on the command line, over the params file's ``notice:`` blocks.

    Two runs are in progress at a time, in the file's order: while the workers render one run's
    reports, this process reads and scores the next and submits its reports behind them, and writes
    the finished run's overview, workbook and index pages. Run alone, each run's own serial part
    (reading, scoring, pages) left the workers idle. A run that cannot start (unknown scheme, locked
    folder) is returned with ``run_error`` set; the others still run. Ctrl-C or SIGTERM stops every
    run in progress (finished reports are kept).
    """
    runs = load_params(params_file)
    formats = batch_formats(formats, settings.chromium)
    out = Path(out_dir).resolve()
    ex = Executor(jobs, scheduler=scheduler or settings.scheduler, engine=check_engine(engine), settings=settings)
    # two runs of one scheme × period (the same folder) run one after the other, not into each other's lock
    folders = {folder_key(r): threading.Lock() for r in runs}
    with stop_on_sigterm():  # between two runs too
        pool = ThreadPoolExecutor(RUNS_AT_ONCE, thread_name_prefix="xinyong-run")
        try:
            pending = [pool.submit(_one_run, r, out, ex, folders[folder_key(r)], resume, progress, formats,
                                   notice.over(r["notice"]) if notice is not None else r["notice"])
                       for r in runs]
            summaries = [f.result() for f in pending]
        except BaseException:  # Ctrl-C, SIGTERM: stop every run, let each clean up its folder, then go
            ex.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)
            ex.close()
    out.mkdir(parents=True, exist_ok=True)
    _write_annual_pages(summaries, formats, settings.chromium)
    outputs.write_top_pages(out)
    return summaries


def _one_run(r: dict, out: Path, ex: Executor, folder: threading.Lock, resume: bool, progress: bool | None,
             formats: tuple[str, ...], notice: NoticeOptions | None = None) -> BatchSummary:
    """One run of the params file; one that cannot start never stops the others."""
    try:
        with folder:
            return run_batch(r["scheme"], r["period"], r["data"], out, history=r["history"], resume=resume,
                             readings=r["readings"], progress=progress, executor=ex, formats=formats, notice=notice)
    except Exception as exc:  # noqa: BLE001 — recorded in the run's summary
        msg = exc.message if isinstance(exc, XinyongError) else f"内部错误：{type(exc).__name__}: {exc}"
        detail = exc.detail if isinstance(exc, XinyongError) else repr(exc)
        return BatchSummary(scheme=str(r["scheme"]), scheme_title=str(r["scheme"]), period=r["period"],
                            run_dir=out.joinpath(*folder_key(r)), data=str(r["data"]),
                            run_error={"message": msg, "detail": detail, "problems": []})


def _write_annual_pages(summaries: list[BatchSummary], formats: tuple[str, ...], chromium: str | None) -> None:
    """The year of each scheme with two periods or more in the set, and the links to it."""
    from .annual_pages import write_annual_pages

    if write_annual_pages(summaries, formats, chromium):
        for s in summaries:
            if s.result is not None and s.run_dir.exists():
                write_run_index(s, s.result.scheme)
