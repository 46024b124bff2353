"""A run's plan: every unit of the file with what this invocation does with it, and the reports to render.

Made before any report is rendered, from what was read and scored (:class:`~.prepare.RunInputs`) and
the cache (:mod:`.cache`): a unit whose rows, or whose rows of an earlier period, are invalid fails
here, with its problems; a unit whose cache key is unchanged since its last good report is skipped;
every other unit is a :class:`~.task.Task`. The overview's task carries the links the unit reports
will have if they all succeed (:func:`unit_links`); should one fail, :func:`overview_task` makes it
again with the real links. Everything here is frozen: what the workers send back is kept beside the
plan (:mod:`.publish`), never written into it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from ..report.render import OVERVIEW_NOTEBOOK, UNIT_NOTEBOOK, notebook_path
from . import outputs
from .cache import Cache, digest, evidence_rows, frame_rows, result_digest, scheme_files, static_digest
from .names import unit_stems
from .prepare import RunInputs
from .task import Bundle, Task

OVERVIEW = ("overview.html", "overview.ipynb", "overview.failed.ipynb")  # html, notebook, failed notebook


@dataclass(frozen=True)
class RunRequest:
    """What a run was asked for, resolved: the scheme as loaded and the argument that named it (a
    worker loads it again from that), the folders, the options of :func:`~.runner.run_batch`."""

    scheme: Any  # scheme.model.Scheme
    scheme_arg: str
    period: str
    data: Path
    history: tuple[tuple[str, Path], ...]  # earlier periods only: (period, data file)
    readings: tuple[tuple[str, str], ...]
    resume: bool
    progress: bool | None
    formats: tuple[str, ...]
    out_dir: Path
    run_dir: Path
    notebooks: Path | None = None  # Settings.notebooks: the notebooks' folder, None for the packaged ones
    notice: Any = None  # report.notice.NoticeOptions: who issues the 通报, when, to whom, the 整改 deadline

    @property
    def units_dir(self) -> Path:
        return self.run_dir / outputs.UNITS_DIR


@dataclass(frozen=True)
class Failure:
    """Why a unit has no report before anything is rendered: its rows are invalid in this period's file
    (``data``) or in an earlier period's (``history``)."""

    kind: str  # data | history (model.ERROR_KIND_ZH)
    error: str  # Chinese, with the first problem
    problems: tuple[dict, ...]  # outputs.problem_rows


@dataclass(frozen=True)
class UnitPlan:
    """One unit of the file. With a ``failure`` it gets a failure page and no report; otherwise ``key``
    is its report's cache key and ``skipped`` says the report of that key is there already."""

    id: str
    name: str | None
    kind: str | None
    stem: str
    state: str  # scored | invalid | unreported (model.UnitOutcome.state)
    failure: Failure | None = None
    key: str | None = None
    skipped: bool = False

    def path(self, suffix: str) -> str:
        """An output of this unit relative to the run folder: ``.html``, ``.ipynb``, ``.failed.html``…"""
        return f"{outputs.UNITS_DIR}/{self.stem}{suffix}"

    @property
    def due(self) -> bool:
        """Its report is rendered in this invocation."""
        return self.failure is None and not self.skipped


@dataclass(frozen=True)
class Keys:
    """What the cache keys of a run's reports are made of (see :mod:`.cache`). ``own``: unit id -> what
    its report shows of its own (input rows, evidence, files) for every unit that has a report."""

    unit_static: str
    overview_static: str
    peers: str  # every unit's scores, this period and the history
    own: Mapping[str, dict]
    invalid: tuple  # (unit, problems) of the invalid units: the overview lists them

    def unit(self, uid: str) -> str:
        return digest(self.unit_static, self.peers, self.own[uid])

    def overview(self, links: Mapping[str, str]) -> str:
        return digest(self.overview_static, self.peers, dict(self.own), dict(links), list(self.invalid))


@dataclass(frozen=True)
class RunPlan:
    units: tuple[UnitPlan, ...]  # every unit, in the file's order
    tasks: tuple[Task, ...]  # the overview first when due (the longest report), then the unit reports due
    bundle: Bundle | None  # what the tasks read; None when nothing is rendered
    keys: Keys
    links: Mapping[str, str]  # unit id -> its page, as the overview of ``tasks`` links them

    @property
    def overview(self) -> Task | None:
        return next((t for t in self.tasks if t.kind == "overview"), None)

    @property
    def failed(self) -> set[str]:
        return {u.id for u in self.units if u.failure is not None}


def plan_run(req: RunRequest, inputs: RunInputs, cache: Cache, executor: Any) -> RunPlan:
    """Every unit planned, then the overview; the bundle is made (and the cluster started) only when
    some report is due: an unchanged re-run does neither."""
    keys = _keys(req, inputs)
    units = tuple(_plan_units(req, inputs, keys, cache))
    links = unit_links(units, {u.id for u in units if u.failure is not None})
    ov_key = _overview_due(req, inputs, keys, links, cache)
    due = [u for u in units if u.due]
    if not due and ov_key is None:
        return RunPlan(units, (), None, keys, links)
    executor.start_soon()  # the workers start (a few seconds) while the bundle and the tasks are made
    bundle = make_bundle(inputs.run, req.notebooks)
    tasks = [_overview(req, inputs, ov_key, links, bundle, executor.engine)] if ov_key is not None else []
    tasks += [_unit_task(req, inputs, u, bundle, executor.engine) for u in due]
    return RunPlan(units, tuple(tasks), bundle, keys, links)


def make_bundle(run: Any, notebooks: Path | None = None) -> Bundle:
    """The period scored once, here, with everything its reports read (alternatives, findings), and the
    notebooks (from the folder ``notebooks``, else the packaged ones)."""
    from ..report.load import run_bytes

    return Bundle.make(run_bytes(run), {n: notebook_path(n, notebooks).read_text(encoding="utf-8")
                                        for n in (UNIT_NOTEBOOK, OVERVIEW_NOTEBOOK)})


def unit_links(units: Iterable[Any], failed: set[str]) -> dict[str, str]:
    """Every unit of the file (a :class:`UnitPlan` or a ``UnitOutcome``: its ``id`` and ``stem``) to its
    page, a failed one to its failure page (the overview's 单位情况 links it)."""
    return {u.id: outputs.href(outputs.UNITS_DIR, f"{u.stem}{'.failed' if u.id in failed else ''}.html")
            for u in units}


def overview_task(req: RunRequest, inputs: RunInputs, keys: Keys, links: Mapping[str, str], cache: Cache,
                  bundle: Bundle, engine: str) -> Task | None:
    """The overview with these links to the unit pages; None when its report of that key is there."""
    key = _overview_due(req, inputs, keys, links, cache)
    return None if key is None else _overview(req, inputs, key, links, bundle, engine)


def _overview_due(req: RunRequest, inputs: RunInputs, keys: Keys, links: Mapping[str, str], cache: Cache) -> str | None:
    """The overview's key when it is to be rendered: some unit was scored and its report of that key is
    not there (or ``resume`` is off)."""
    if inputs.run is None:
        return None
    key = keys.overview(links)
    html, ipynb, _ = OVERVIEW
    fresh = (req.resume and cache.overview == key and (req.run_dir / html).exists()
             and (req.run_dir / ipynb).exists())
    return None if fresh else key


def _overview(req: RunRequest, inputs: RunInputs, key: str, links: Mapping[str, str], bundle: Bundle,
              engine: str) -> Task:
    html, ipynb, failed = OVERVIEW
    return Task(kind="overview", unit=None, key=key, html=html, ipynb=ipynb, failed_ipynb=failed,
                output_dir=str(req.run_dir), unit_links=tuple(links.items()), **_common(req, inputs, bundle, engine))


def _unit_task(req: RunRequest, inputs: RunInputs, u: UnitPlan, bundle: Bundle, engine: str) -> Task:
    return Task(kind="unit", unit=u.id, key=u.key, html=u.path(".html"), ipynb=u.path(".ipynb"),
                failed_ipynb=u.path(".failed.ipynb"), output_dir=str(req.units_dir),
                **_common(req, inputs, bundle, engine))


def _common(req: RunRequest, inputs: RunInputs, bundle: Bundle, engine: str) -> dict[str, Any]:
    """The fields every task of the run shares."""
    return dict(scheme=req.scheme_arg, period=req.period, data=str(inputs.current.path),
                history=tuple((h.period, str(h.path)) for h in inputs.history), readings=req.readings,
                bundle=bundle.digest, engine=engine)


def _keys(req: RunRequest, inputs: RunInputs) -> Keys:
    cur, run, readings = inputs.current, inputs.run, dict(req.readings)
    files = scheme_files(req.scheme_arg, req.scheme)
    peers = digest(result_digest(run.result), [(p, result_digest(r)) for p, r in run.history]) if run else ""
    rows, evidence, files_of = frame_rows(cur.frame), evidence_rows(cur.evidence), evidence_files(run)
    rows_h = {h.period: (frame_rows(h.frame), evidence_rows(h.evidence)) for h in inputs.history}
    bad_history = inputs.history_problems()
    own = {uid: {"row": rows.get(uid), "evidence": evidence.get(uid, []), "data_name": cur.source.name,
                 "files": files_of.get(uid, []),
                 "history": {p: {"row": r.get(uid), "evidence": e.get(uid, [])} for p, (r, e) in rows_h.items()}}
           for uid in inputs.order if uid not in cur.bad and uid not in bad_history}
    return Keys(static_digest(files, notebook_path(UNIT_NOTEBOOK, req.notebooks), readings),
                static_digest(files, notebook_path(OVERVIEW_NOTEBOOK, req.notebooks), readings), peers, MappingProxyType(own),
                tuple((u.unit, outputs.problem_rows(u.problems)) for u in inputs.invalid))


def _plan_units(req: RunRequest, inputs: RunInputs, keys: Keys, cache: Cache) -> Iterable[UnitPlan]:
    cur, order = inputs.current, inputs.order
    names, kinds = inputs.column("unit_name"), inputs.column("unit_kind")
    stems = unit_stems((u, names.get(u)) for u in order)
    unreported = set(cur.intake.unreported)
    bad_history = inputs.history_problems()
    for uid in order:
        state = "invalid" if uid in cur.bad else "unreported" if uid in unreported else "scored"
        u = UnitPlan(uid, names.get(uid), kinds.get(uid), stems[uid], state)
        if uid in cur.bad or uid in bad_history:
            yield _failed(u, cur.bad.get(uid), bad_history.get(uid))
            continue
        key = keys.unit(uid)
        skipped = (req.resume and cache.hit(uid, key, u.stem) and (req.run_dir / u.path(".html")).exists()
                   and (req.run_dir / u.path(".ipynb")).exists())
        yield UnitPlan(uid, u.name, u.kind, u.stem, state, key=key, skipped=skipped)


def _failed(u: UnitPlan, own: list | None, history: tuple[list, list[str]] | None) -> UnitPlan:
    """A unit whose rows are invalid, this period (``own``) or an earlier one (``history``)."""
    probs = own or history[0]
    error = (f"数据有误（{len(probs)} 处），未生成报告，也未参与计分和排名。" if own
             else f"往期（{'、'.join(history[1])}）数据有误（{len(probs)} 处），未生成报告。")
    failure = Failure("data" if own else "history", error + "第一处：" + _problem_text(probs[0]),
                      tuple(outputs.problem_rows(probs)))
    return UnitPlan(u.id, u.name, u.kind, u.stem, u.state, failure=failure)


def _problem_text(p: Any) -> str:
    where = "".join(x for x in (f"工作表“{p.sheet}”" if p.sheet else "", f"第 {p.row} 行" if p.row else "",
                                f" {p.column} 列" if p.column else "") if x).strip()
    return f"{where}：{p.message}" if where else p.message


def evidence_files(run: Any) -> dict[str, list]:
    """Per unit, what its report says about its evidence files (there, missing, changed since
    collected): part of its cache key, so a file that appears or goes missing re-renders the report."""
    if run is None:
        return {}
    ev = run.data.evidence
    if "file" not in ev.columns or not len(ev):
        return {}
    out: dict[str, list] = {}
    state = ev["state"].tolist() if "state" in ev.columns else [None] * len(ev)
    for uid, link, exists, sha_ok, st in zip(ev["unit_id"].astype(str).tolist(), ev["link"].tolist(),
                                             ev["exists"].tolist(), ev["sha_ok"].tolist(), state):
        if exists is not None:
            out.setdefault(uid, []).append([link, exists, sha_ok] + ([st] if st == "refused" else []))
    return out
