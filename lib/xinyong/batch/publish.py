"""Publishing a run's reports: what the workers send back, written by this process alone.

:class:`Publisher` receives each :class:`~.task.TaskResult` as it arrives (the executor calls it), writes
the report atomically (:func:`publish`), records the unit's cache entry at once (a killed batch loses at
most the reports in flight) and moves the progress bar; results are kept by the task they answer
(:attr:`~.task.Task.ident`: kind and unit id). :func:`unit_outcomes` then joins the plan and the results
into the run's record, and :func:`settle_unit_files` writes the failure pages, removes what a unit's new
state leaves stale, prunes units no longer in the data and copies each report's evidence files beside it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from ..report.evidence import copy_unit_files, prune_units, refused
from ..report.render import published_notebook
from ..util import atomic_write_bytes
from . import outputs
from .cache import Cache
from .model import BatchSummary, UnitOutcome
from .plan import RunPlan, UnitPlan
from .progress import Progress
from .task import Task, TaskResult

Results = dict[tuple[str, "str | None"], TaskResult]  # Task.ident -> what came back
UNIT_FILES = (".failed.html", ".failed.ipynb", ".html", ".ipynb", ".docx", ".pdf")  # of a unit, in units/


def publish(task: Task, r: TaskResult, run_dir: Path) -> None:
    """Write what a worker sent back: the notebook first, the HTML last, each atomically, so a present
    HTML means its notebook is there too. A failed notebook is kept for the failure page to link."""
    if r.status == "ok":
        atomic_write_bytes(run_dir / task.ipynb, published_notebook(r.notebook).encode("utf-8"))
        atomic_write_bytes(run_dir / task.html, r.html.encode("utf-8"))
    elif r.notebook:
        atomic_write_bytes(run_dir / task.failed_ipynb, published_notebook(r.notebook).encode("utf-8"))


class Publisher:
    """The executor's ``on_done`` for one run: publish, record the cache entry, count."""

    def __init__(self, run_dir: Path, cache: Cache, stems: Mapping[str, str], bar: Progress):
        self.run_dir, self.cache, self.stems, self.bar = run_dir, cache, stems, bar
        self.results: Results = {}

    def __call__(self, task: Task, r: TaskResult) -> None:
        publish(task, r, self.run_dir)
        self.results[task.ident] = r
        if task.kind == "unit":
            if r.status == "ok":  # written now: a kill loses at most the units in flight
                self.cache.set(task.unit, task.key, self.stems[task.unit])
            else:
                self.cache.drop(task.unit)
        self.bar.done(r.status == "ok")


def render(executor: Any, tasks: Iterable[Task], plan: RunPlan, publisher: Publisher) -> Results:
    """Render ``tasks`` (of ``plan``'s bundle), the overview before the units; each is published as it
    arrives. Returns every result so far, by task."""
    tasks = list(tasks)
    if tasks and plan.bundle is not None:
        executor.run(tasks, plan.bundle, publisher, priority=_overview_first)
    return publisher.results


def _overview_first(t: Task) -> int:
    return 10 if t.kind == "overview" else 0  # the longest report: started last, it would leave workers idle


def unit_outcomes(plan: RunPlan, results: Results, scored: Any) -> list[UnitOutcome]:
    """The record of every unit of the file, in its order: the plan, what came back, its scores
    (``scored``: the period's ScoreResult, None when nothing was scored)."""
    return [_outcome(u, results.get(("unit", u.id)), scored) for u in plan.units]


def _outcome(p: UnitPlan, r: TaskResult | None, scored: Any) -> UnitOutcome:
    u = UnitOutcome(id=p.id, name=p.name, kind=p.kind, status="ok", stem=p.stem, state=p.state, **unit_scores(p, scored))
    if p.failure is not None:
        u.status, u.error_kind, u.error = "failed", p.failure.kind, p.failure.error
        u.problems = list(p.failure.problems)
    elif p.skipped:
        u.status, u.html, u.notebook = "skipped", p.path(".html"), p.path(".ipynb")
    else:
        r = r or TaskResult("failed", error_kind="error", error="报告未生成", attempts=0)
        u.seconds, u.cpu, u.attempts = r.seconds, r.cpu, r.attempts
        u.status, u.html, u.notebook = r.status, p.path(".html"), p.path(".ipynb")
        if r.status != "ok":
            u.error_kind, u.error = r.error_kind, r.error
            # only a notebook's own error keeps its executed notebook (the failure page links it)
            u.notebook = p.path(".failed.ipynb") if r.error_kind == "notebook" and r.notebook else None
    if u.status == "failed":
        u.html = p.path(".failed.html")
    return u


def unit_scores(p: UnitPlan, scored: Any) -> dict[str, Any]:
    """Its total, rank, grade…; an unreported unit has no total, rank or grade to record (never a 0)."""
    if scored is None or p.id not in scored.units.index:
        return {}
    r = scored.units.loc[p.id]
    g, gc, go = r.get("grade"), r.get("grade_certain"), r.get("gate_outcome")
    out = {"total": float(r["total"]), "unknown_points": float(r["unknown_points"]), "rank": int(r["rank"]),
           "grade": None if g is None or g != g else str(g), "grade_certain": None if gc is None else bool(gc),
           "gate_outcome": None if go is None or go != go else str(go),
           "ranked": bool(r.get("ranked", True))}  # False: a gate's consequence leaves the unit out of the ranking
    if p.state == "unreported":
        out.update(total=None, rank=None, grade=None)
    return out


def settle_unit_files(s: BatchSummary, outcomes: list[UnitOutcome], results: Results, run: Any, cache: Cache) -> bool:
    """Failure pages written, files a unit's state makes stale removed, units no longer in the data
    pruned, each shown report's evidence files copied beside it. Returns whether a page changed."""
    units_dir = s.run_dir / outputs.UNITS_DIR
    changed = False
    for u in outcomes:
        base = units_dir / u.stem
        if u.status == "failed":
            r = results.get(("unit", u.id))
            page = outputs.failed_page(s, u, r.detail if r is not None else None).encode("utf-8")
            changed |= outputs.write_if_changed(s.run_dir / u.html, page)
            if u.error_kind != "notebook":
                _remove(base.with_name(f"{u.stem}.failed.ipynb"))
            _remove(base.with_name(f"{u.stem}.html"), base.with_name(f"{u.stem}.ipynb"))
            cache.drop(u.id)
        else:
            _remove(base.with_name(f"{u.stem}.failed.html"), base.with_name(f"{u.stem}.failed.ipynb"))
    changed |= _prune(units_dir, {u.stem for u in outcomes})
    # each report's evidence files beside it (units/证据/<unit>/…), so its links work offline
    shown = {u.id for u in outcomes if u.status != "failed"}
    if run is not None:
        for uid in shown:
            copy_unit_files(run.data.evidence, uid, units_dir)
    prune_units(units_dir, shown if run is not None else set())
    return changed


def refused_links(inputs: Any) -> list[dict]:
    """The evidence links the reports show as refused, as problem rows for ``summary.json`` and the
    console: located in the file given (the run reads a copy without the invalid units, whose rows are
    deleted: each refused row is matched, in file order, to the given file's row with the same unit,
    item and link), and without the link as written — summary.json is published, and a refused link
    may be a path of someone's computer."""
    run, cur = inputs.run, inputs.current
    if run is None:
        return []
    bad = refused(run.data.evidence, cur.source)
    if cur.path != cur.source and bad:
        rows: dict[tuple, list[int]] = {}
        for r in cur.intake.evidence.itertuples(index=False):
            rows.setdefault((str(r.unit_id), r.item, r.link), []).append(int(r.sheet_row))
        for p in bad:
            left = rows.get((p.unit, p.input, p.value), [])
            p.row = left.pop(0) if left else None
    return [{**d, "value": None} for d in outputs.problem_rows(bad)]


def _prune(units_dir: Path, stems: set[str]) -> bool:
    """Remove reports of units no longer in the data (our file patterns only)."""
    gone = False
    for p in units_dir.iterdir() if units_dir.is_dir() else []:
        if not p.is_file() or p.name.startswith("."):
            continue
        for suffix in UNIT_FILES:
            if p.name.endswith(suffix):
                if p.name[: -len(suffix)] not in stems:
                    p.unlink(missing_ok=True)
                    gone = True
                break
    return gone


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)
