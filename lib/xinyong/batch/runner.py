"""Quarterly batch runs: every unit's report, the overview and the index pages of one scheme × period.

:func:`run_batch` reads the data once (intake, every problem attributed to its unit), scores it, and
renders each unit's notebook on dask workers (:mod:`.executor`: an embedded ``LocalCluster`` or an
existing cluster), skipping units whose cache key is unchanged since their last good report. The
scored run goes to the workers once per run; each report comes back as text and this process alone
writes it, atomically. A unit whose data is invalid or whose
notebook raises gets a short Chinese failure page and never stops the others. Then the overview (linked
to the unit reports), ``scores.xlsx``, ``summary.json``, the run's ``index.html`` and the top-level
``index.html``. :func:`run_all` does this for every run of a params file (``params/demo.yaml``).

Layout of ``<out>/<scheme>/<period>/``: ``index.html``, ``overview.html`` (+ ``.ipynb``),
``summary.json``, ``scores.xlsx``, ``units/<stem>.html`` (+ ``.ipynb``) per unit, or
``units/<stem>.failed.html`` (+ ``.failed.ipynb`` when a notebook ran) for a failed one,
``units/证据/<unit>/…`` the evidence files the reports link (copied from beside the data file); hidden:
``.cache.json`` (keys), ``.inputs/`` (data copies without invalid units), ``.lock`` (only while a
batch runs; ``.work/`` is a leftover of older versions, removed).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import InputError, XinyongError
from ..report.evidence import copy_unit_files, prune_units
from ..report.render import OVERVIEW_NOTEBOOK, UNIT_NOTEBOOK, notebook_path
from ..util import atomic_write_bytes
from . import outputs
from .cache import Cache, digest, evidence_rows, frame_rows, result_digest, scheme_files, static_digest
from .executor import Executor
from .model import BatchSummary, UnitOutcome
from .names import safe_component, unit_stems
from .prepare import PeriodInput, read_period
from .task import Bundle, Task, TaskResult

TMP_AGE = 60.0  # seconds: a shared temp file older than this is a leftover
INPUTS_DIR = ".inputs"
BRIEF = "brief.html"  # the leader brief (领导简报), beside overview.html
WORK_DIR = ".work"
LOCK = ".lock"
ENGINES = ("warm", "kernel")


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


# ------------------------------------------------------------------------------------------- stops
@contextlib.contextmanager
def stop_on_sigterm():
    """SIGTERM (``kill``, systemd, a job scheduler ending the batch) is handled like Ctrl-C: it raises
    KeyboardInterrupt in the main thread, so the same clean-up runs — the workers are stopped, finished
    reports and their cache entries stay, ``.lock`` and ``.work/`` go — and the command line says so
    in Chinese. Outside the main thread (a library caller's thread) signals cannot be caught: no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


# ------------------------------------------------------------------------------------------- lock
def _try_lock(fd: int) -> bool:
    """An exclusive, non-blocking OS lock on ``fd``; the OS drops it when the process dies, even by SIGKILL."""
    if os.name == "nt":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class RunLock:
    """One batch at a time per run folder (``.lock`` holds the pid). The lock is the operating
    system's, so a batch killed with SIGKILL leaves a ``.lock`` file the next batch simply takes."""

    def __init__(self, run_dir: Path):
        self.path = run_dir / LOCK
        self.fd: int | None = None

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(5):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                try:
                    pid = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
                finally:
                    os.close(fd)
                raise XinyongError(f"另一个批处理（进程 {pid}）正在写入 {self.path.parent}，请等它结束后再运行",
                                   f"run folder locked by pid {pid}: {self.path}")
            try:  # the file we locked may have been removed by the batch that just finished
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if not same and os.name != "nt":
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode("ascii"))
            self.fd = fd
            return self
        raise XinyongError(f"无法锁定输出目录 {self.path.parent}", f"cannot take lock {self.path}")

    def __exit__(self, *exc: Any) -> None:
        if self.fd is None:
            return
        if os.name != "nt":
            self.path.unlink(missing_ok=True)  # while still holding it: nobody can lock the old file in between
            os.close(self.fd)
        else:
            os.close(self.fd)
            try:
                self.path.unlink(missing_ok=True)
            except OSError:
                pass
        self.fd = None


def _cleanup(run_dir: Path, out_dir: Path) -> None:
    """What a killed batch may have left: staging folders, temporary files of atomic writes."""
    shutil.rmtree(run_dir / WORK_DIR, ignore_errors=True)
    shutil.rmtree(run_dir / INPUTS_DIR, ignore_errors=True)
    for d in (run_dir, run_dir / outputs.UNITS_DIR):
        if d.is_dir():
            for p in d.glob(".*.tmp"):
                p.unlink(missing_ok=True)
    now = time.time()
    for p in out_dir.glob(".*.tmp"):  # shared with other runs: only old leftovers
        try:
            if now - p.stat().st_mtime > TMP_AGE:
                p.unlink()
        except OSError:
            pass


# ------------------------------------------------------------------------------------------- helpers
def _history_list(history: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None) -> list[dict]:
    if history is None:
        return []
    if isinstance(history, Mapping):
        history = [{"period": k, "data": v} for k, v in history.items()]
    out = []
    for h in history:
        if not isinstance(h, Mapping) or "period" not in h or "data" not in h:
            raise XinyongError("历史数据应写成 {period: 考核期, data: 文件} 的列表", f"bad history entry {h!r}")
        out.append({"period": str(h["period"]), "data": Path(h["data"])})
    return out


def _problem_text(p: Any) -> str:
    where = "".join(x for x in (f"工作表“{p.sheet}”" if p.sheet else "", f"第 {p.row} 行" if p.row else "",
                                f" {p.column} 列" if p.column else "") if x).strip()
    return f"{where}：{p.message}" if where else p.message


def _unit_fields(u: UnitOutcome, result: Any) -> None:
    if result is None or u.id not in result.units.index:
        return
    r = result.units.loc[u.id]
    u.total = float(r["total"])
    u.unknown_points = float(r["unknown_points"])
    u.rank = int(r["rank"])
    u.ranked = bool(r.get("ranked", True))
    g = r.get("grade")
    u.grade = None if g is None or g != g else str(g)
    gc = r.get("grade_certain")
    u.grade_certain = None if gc is None else bool(gc)
    go = r.get("gate_outcome")
    u.gate_outcome = None if go is None or go != go else str(go)


def evidence_files(run: Any) -> dict[str, list]:
    """Per unit, what its report says about its evidence files (there, missing, changed since
    collected): part of its cache key, so a file that appears or goes missing re-renders the report."""
    if run is None:
        return {}
    ev = run.data.evidence
    if "file" not in ev.columns or not len(ev):
        return {}
    out: dict[str, list] = {}
    for uid, link, exists, sha_ok in zip(ev["unit_id"].astype(str).tolist(), ev["link"].tolist(), ev["exists"].tolist(),
                                         ev["sha_ok"].tolist()):
        if exists is not None:
            out.setdefault(uid, []).append([link, exists, sha_ok])
    return out


def _rel(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix()


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------- run
def run_batch(scheme: str | os.PathLike, period: str, data: str | os.PathLike, out_dir: str | os.PathLike = "outputs",
              history: Sequence[Mapping[str, Any]] | None = None, jobs: int | None = None, resume: bool = True,
              readings: Mapping[str, str] | None = None, progress: bool | None = None,
              executor: Executor | None = None, scheduler: str | None = None, engine: str = "warm",
              formats: Sequence[str] = ("html",)) -> BatchSummary:
    """Render every unit's report of ``scheme`` × ``period`` from ``data`` into ``out_dir/<scheme>/<period>/``.

    ``history``: earlier periods ``[{"period": ..., "data": ...}]`` (later ones are ignored, as in the
    reports). ``jobs``: worker processes of the local cluster (default: CPU count); ``scheduler``: an
    existing dask cluster instead (``tcp://host:8786``; default ``$XINYONG_SCHEDULER``); ``engine``:
    ``warm`` (in-process, imports kept) or ``kernel`` (a fresh kernel per report); ``formats``: besides
    ``html``, ``docx`` and ``pdf`` write each unit report and the overview (and the brief, as PDF) as
    Word and PDF beside the HTML, here on the client (:func:`_other_formats`); ``executor``: one
    shared by several runs (``run_all``). ``resume``: skip units whose cache key is
    unchanged since their last good report. ``progress``: progress bar (default: only on a terminal).
    Invalid data of a unit or a failing notebook fails that unit only; problems that belong to no unit
    fail the run (``summary.run_error``). Raises only for what prevents any output (unknown scheme,
    folder locked by another batch).

    Local workers are started with multiprocessing's "spawn" (dask's default), so a script that calls
    this needs the usual ``if __name__ == "__main__":`` guard.
    """
    from ..scheme import load_scheme

    t0 = time.perf_counter()
    sch = load_scheme(scheme)
    period = str(period)
    out_dir = Path(out_dir).resolve()
    run_dir = out_dir / safe_component(sch.id) / safe_component(period)
    hist_in = [h for h in _history_list(history) if h["period"] < period]
    own = executor is None
    ex = executor or Executor(jobs, scheduler=scheduler, engine=_engine(engine))
    formats = _formats(formats)
    s = BatchSummary(scheme=sch.id, scheme_title=sch.title, period=period, run_dir=run_dir,
                     data=str(Path(data).resolve()), jobs=ex.jobs, started=_now(),
                     history=[{"period": h["period"], "data": str(h["data"].resolve())} for h in hist_in])
    try:
        with stop_on_sigterm(), RunLock(run_dir):
            _cleanup(run_dir, out_dir)
            _run(s, sch, scheme, data, hist_in, readings, resume, progress, ex, out_dir, t0, formats)
    except KeyboardInterrupt:
        ex.terminate()  # Ctrl-C, SIGTERM: the workers stop now, not after their reports
        raise
    finally:
        if own:
            ex.close()
    return s


def _engine(engine: str) -> str:
    if engine not in ENGINES:
        raise XinyongError(f"未知的执行引擎“{engine}”，可用：{'、'.join(ENGINES)}",
                           f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    return engine


def _formats(formats: Sequence[str]) -> tuple[str, ...]:
    known = ("html", "docx", "pdf")
    bad = [f for f in formats if f not in known]
    if bad:
        raise XinyongError(f"不支持的格式：{'、'.join(bad)}（可选：{'、'.join(known)}）", f"unknown format(s) {bad}")
    if "pdf" in formats:  # before any work: a batch that cannot print says so at once
        from ..report.pdf import find_browser

        find_browser()
    return tuple(f for f in known if f in formats or f == "html")


def _run(s: BatchSummary, sch: Any, scheme_arg: Any, data: Any, hist_in: list[dict], readings: Mapping | None,
         resume: bool, progress: bool | None, ex: Executor, out_dir: Path, t0: float,
         formats: tuple[str, ...] = ("html",)) -> None:
    from ..report.load import load_run, run_bytes

    run_dir = s.run_dir
    units_dir = run_dir / outputs.UNITS_DIR
    cache = Cache(run_dir)
    old = _old_summary(run_dir)
    readings = dict(readings or {})
    changed = False

    # ---- read and score once: which units are invalid, what the notebooks read
    try:
        cur = read_period(sch, s.period, data, run_dir / INPUTS_DIR)
        hist: list[PeriodInput] = [read_period(sch, h["period"], h["data"], run_dir / INPUTS_DIR) for h in hist_in]
        valid = [u for u in map(str, cur.frame.index) if u not in cur.bad]
        # evidence links are relative to the file given, not to the cleaned copy in .inputs/
        run = load_run(sch, cur.path, period=s.period, readings=readings,
                       history=[{"period": h.period, "data": h.path} for h in hist],
                       evidence_base=cur.source.parent,
                       already_read={str(p.path): p.read for p in (cur, *hist)}) if valid else None
        invalid = _invalid_units(cur)
        if run is not None:  # the overview lists them with their errors: nobody is silently dropped
            run.invalid = invalid
    except InputError as exc:
        s.run_error = {"message": exc.message, "detail": exc.detail,
                       "problems": outputs.problem_rows(exc.problems)}
        _finish(s, sch, None, old, True, out_dir, t0)
        return
    hist_bad: dict[str, list] = {}
    hist_bad_periods: dict[str, list[str]] = {}
    for h in hist:
        for uid, probs in h.bad.items():
            hist_bad.setdefault(uid, []).extend(probs)
            hist_bad_periods.setdefault(uid, []).append(h.period)

    # ---- every unit: its stem, its key, skip or render
    frame = cur.frame
    order = [str(u) for u in frame.index] + [u for u in cur.bad if u not in set(map(str, frame.index))]
    names = {str(u): (None if v is None or v != v else str(v)) for u, v in frame["unit_name"].items()}
    kinds = {str(u): (None if v is None or v != v else str(v)) for u, v in frame["unit_kind"].items()}
    stems = unit_stems((u, names.get(u)) for u in order)
    files = scheme_files(scheme_arg, sch)
    static_unit = static_digest(files, notebook_path(UNIT_NOTEBOOK), readings)
    peers = digest(result_digest(run.result), [(p, result_digest(r)) for p, r in run.history]) if run else ""
    rows_cur, ev_cur = frame_rows(cur.frame), evidence_rows(cur.evidence)
    files_of = evidence_files(run)
    rows_h = {h.period: (frame_rows(h.frame), evidence_rows(h.evidence)) for h in hist}
    own: dict[str, Any] = {}
    outcomes: dict[str, UnitOutcome] = {}
    tasks: list[Task] = []
    data_for_nb = str(cur.path)
    made: list[Bundle] = []

    def bundle_digest() -> str:
        """The period scored once, here, with everything its reports read (alternatives, findings):
        made only when some report must be rendered (an unchanged re-run skips it)."""
        if not made:
            ex.start_soon()  # the workers start (a few seconds) while the bundle and the other tasks are made
            made.append(Bundle.make(run_bytes(run), {n: notebook_path(n).read_text(encoding="utf-8")
                                                     for n in (UNIT_NOTEBOOK, OVERVIEW_NOTEBOOK)}))
        return made[0].digest
    hist_for_nb = tuple((h.period, str(h.path)) for h in hist)
    unreported = set(cur.intake.unreported)
    invalid_key = [(u.unit, outputs.problem_rows(u.problems)) for u in invalid]
    rd = tuple(readings.items())
    engine = ex.engine
    for uid in order:
        stem = stems[uid]
        u = UnitOutcome(id=uid, name=names.get(uid), kind=kinds.get(uid), status="ok", stem=stem,
                        state="invalid" if uid in cur.bad else "unreported" if uid in unreported else "scored")
        outcomes[uid] = u
        _unit_fields(u, run.result if run else None)
        if u.state == "unreported":  # nothing reported: no total, rank or grade to record (never a 0)
            u.total = u.rank = u.grade = None
        if uid in cur.bad or uid in hist_bad:
            probs = cur.bad.get(uid) or hist_bad[uid]
            u.status, u.error_kind = "failed", ("data" if uid in cur.bad else "history")
            u.problems = outputs.problem_rows(probs)
            u.error = ((f"数据有误（{len(probs)} 处），未生成报告，也未参与计分和排名。" if uid in cur.bad
                        else f"往期（{'、'.join(hist_bad_periods[uid])}）数据有误（{len(probs)} 处），未生成报告。")
                       + "第一处：" + _problem_text(probs[0]))
            continue
        own[uid] = {"row": rows_cur.get(uid), "evidence": ev_cur.get(uid, []), "data_name": cur.source.name,
                    "files": files_of.get(uid, []),
                    "history": {p: {"row": r.get(uid), "evidence": e.get(uid, [])} for p, (r, e) in rows_h.items()}}
        key = digest(static_unit, peers, own[uid])
        html, ipynb = units_dir / f"{stem}.html", units_dir / f"{stem}.ipynb"
        u.html = _rel(html, run_dir)
        u.notebook = _rel(ipynb, run_dir)
        if resume and cache.hit(uid, key, stem) and html.exists() and ipynb.exists():
            u.status = "skipped"
            continue
        tasks.append(Task(kind="unit", scheme=str(scheme_arg), period=s.period, unit=uid, data=data_for_nb,
                          history=hist_for_nb, readings=rd, bundle=bundle_digest(), key=key, html=u.html,
                          ipynb=u.notebook, failed_ipynb=_rel(units_dir / f"{stem}.failed.ipynb", run_dir),
                          output_dir=str(units_dir), engine=engine))
    units_dir.mkdir(parents=True, exist_ok=True)

    # ---- overview: rendered alongside the units with the links they will have if they succeed; again
    # after them in the rare case a unit's notebook failed (its link then goes to the failure page)
    static_ov = static_digest(files, notebook_path(OVERVIEW_NOTEBOOK), readings)
    ov_html, ov_nb = run_dir / "overview.html", run_dir / "overview.ipynb"

    def links() -> dict[str, str]:
        # every unit of the file, an invalid one to its failure page (the overview's 单位情况 links it)
        return {uid: outputs.href(outputs.UNITS_DIR, f"{o.stem}{'.failed' if o.status == 'failed' else ''}.html")
                for uid, o in outcomes.items()}

    def overview_task(lk: dict[str, str]) -> Task | None:
        key = digest(static_ov, peers, own, lk, invalid_key)
        if resume and cache.overview == key and ov_html.exists() and ov_nb.exists():
            return None
        return Task(kind="overview", scheme=str(scheme_arg), period=s.period, unit=None, data=data_for_nb,
                    history=hist_for_nb, readings=rd, bundle=bundle_digest(), key=key, html=ov_html.name,
                    ipynb=ov_nb.name, failed_ipynb="overview.failed.ipynb", output_dir=str(run_dir),
                    unit_links=tuple(lk.items()), engine=engine)

    predicted = links()
    ov_first = overview_task(predicted) if run is not None else None
    # the overview first: it is the longest task, and started last it would leave the other workers idle
    all_tasks = ([ov_first] if ov_first else []) + tasks

    # ---- render
    bar = _bar(progress, len(all_tasks), f"{s.scheme} {s.period}",
               len([u for u in outcomes.values() if u.status == "skipped"]),
               len([u for u in outcomes.values() if u.status == "failed"]))
    try:
        details: dict[str, str | None] = {}
        ov_res: dict | None = None

        def done(t: Task, r: dict) -> None:
            nonlocal ov_res
            if t.kind == "unit":
                _unit_done(t, r, outcomes, cache, details, s)
            else:
                ov_res = r

        results = _execute(ex, all_tasks, made[0] if made else None, run_dir, bar, on_done=done)
        changed |= bool(results)
        ov_task = ov_first
        if run is not None and links() != predicted:
            ov_task = overview_task(links())
            if ov_task is not None:
                bar.total += 1
                bar.refresh()
                ov_res = _execute(ex, [ov_task], made[0], run_dir, bar)[0]
                changed = True
        # ---- failed pages, stale files, pruned units
        for u in outcomes.values():
            base = units_dir / u.stem
            if u.status == "failed":
                page = base.with_name(f"{u.stem}.failed.html")
                changed |= outputs.write_if_changed(page, outputs.failed_page(s, u, details.get(u.id)).encode("utf-8"))
                u.html = _rel(page, run_dir)
                if u.error_kind not in ("notebook",):
                    _remove(base.with_name(f"{u.stem}.failed.ipynb"))
                    u.notebook = None
                _remove(base.with_name(f"{u.stem}.html"), base.with_name(f"{u.stem}.ipynb"))
                cache.drop(u.id)
            else:
                _remove(base.with_name(f"{u.stem}.failed.html"), base.with_name(f"{u.stem}.failed.ipynb"))
        changed |= _prune(units_dir, {u.stem for u in outcomes.values()})
        # each report's evidence files beside it (units/证据/<unit>/…), so its links work offline
        shown = {u.id for u in outcomes.values() if u.status != "failed"}
        if run is not None:
            for uid in shown:
                copy_unit_files(run.data.evidence, uid, units_dir)
        prune_units(units_dir, shown if run is not None else set())
        cache.keep_only(own)
        s.units = [outcomes[u] for u in order]

        if run is None:
            # no unit could be scored: the overview still names every unit and its real errors
            from ..report.overview import empty_overview_html

            s.overview = {"status": "empty", "reason": "没有可计分的单位", "html": ov_html.name}
            changed |= any((run_dir / n).exists() for n in ("overview.ipynb", "overview.failed.html",
                                                            "overview.failed.ipynb"))
            _remove(*(run_dir / n for n in ("overview.ipynb", "overview.failed.html", "overview.failed.ipynb")))
            page = empty_overview_html(sch, s.period, cur.source.name, invalid, links())
            ov_new_empty = outputs.write_if_changed(ov_html, page.encode("utf-8"))
            changed |= ov_new_empty
            cache.overview = None
            cache.save()
        elif ov_task is None:
            s.overview = {"status": "skipped", "html": ov_html.name, "notebook": ov_nb.name}
        else:
            res = ov_res or {"status": "failed", "error_kind": "error", "error": "总览未生成"}
            s.overview = {"status": res["status"], "seconds": res.get("seconds"), "cpu": res.get("cpu"),
                          "attempts": res.get("attempts")}
            if res["status"] == "ok":
                s.overview.update(html=ov_html.name, notebook=ov_nb.name)
                cache.overview = ov_task.key
                cache.save()
                _remove(run_dir / "overview.failed.html", run_dir / "overview.failed.ipynb")
            else:
                cache.overview = None
                cache.save()
                nb = run_dir / "overview.failed.ipynb"
                s.overview.update(error=res.get("error"), error_kind=res.get("error_kind"),
                                  notebook=nb.name if res.get("notebook") and nb.exists() else None,
                                  html="overview.failed.html")
                _remove(ov_html, ov_nb)
                outputs.write_if_changed(run_dir / "overview.failed.html",
                                         outputs.overview_failed_page(s, res.get("detail")).encode("utf-8"))
        # the leader brief (one A4 page) beside the overview, from the run the client scored; written
        # again only when something of the run changed, so an unchanged re-run stays unchanged
        brief = run_dir / BRIEF
        brief_new = False
        if run is None:
            changed |= brief.exists()
            _remove(brief)
        elif changed or ov_task is not None or not brief.exists():
            from ..report.brief import brief_html

            brief_new = outputs.write_if_changed(brief, brief_html(run, links()).encode("utf-8"))
        ov_new = ov_task is not None and s.overview.get("status") == "ok"
        empty = None
        if run is None:  # the all-invalid overview, as Word and PDF too
            from ..report.docx import empty_overview_docx

            empty = (ov_new_empty, lambda: empty_overview_docx(sch, s.period, cur.source.name, invalid))
        changed |= _other_formats(run, outcomes, run_dir, formats, ov_new, brief_new, ex.jobs, empty)
        if s.overview.get("status") in ("ok", "skipped", "empty"):
            s.overview.update({f"{stem}_{fmt}": f"{stem}.{fmt}" for stem in ("overview", "brief")
                               for fmt in ("docx", "pdf") if (run_dir / f"{stem}.{fmt}").exists()})
    finally:
        bar.close()
        shutil.rmtree(run_dir / WORK_DIR, ignore_errors=True)
    s.result = run.result if run else None
    from ..report.followup import follow_up_all

    _finish(s, sch, s.result, old, changed, out_dir, t0, follow_up_all(run) if run else None)


def _other_formats(run: Any, outcomes: Mapping[str, UnitOutcome], run_dir: Path, formats: Sequence[str],
                   ov_new: bool, brief_new: bool, jobs: int, empty: tuple[bool, Any] | None = None) -> bool:
    """Word and PDF beside every HTML page of the run, made here on the client once the HTML is written:
    the .docx from the scored run's analysis frames (the numbers the HTML shows), the PDF printed by
    headless Chromium from the written HTML (what a reader sees on screen, A4, fonts embedded). Like the
    HTML, a file is made again only when its page was rendered in this invocation or it is missing, so
    an unchanged re-run touches nothing; a format no longer asked for is removed (it could go stale).
    ``empty``: (page rendered now, Word maker) of the overview of a run with no scoreable unit (``run`` is
    None): it is printed and written as Word like any overview; the brief has nothing to say then.
    Returns whether anything was written or removed."""
    from ..report.docx import overview_docx, unit_docx
    from ..report.pdf import html_to_pdf
    from ..util import atomic_write_bytes

    pages: list[tuple[Path, bool, Any]] = []  # (HTML page, rendered now, docx maker or None)
    gone: list[Path] = []
    for u in outcomes.values():
        base = run_dir / outputs.UNITS_DIR / u.stem
        if u.status == "failed" or not u.html:
            gone += [base.with_name(f"{u.stem}.docx"), base.with_name(f"{u.stem}.pdf")]
            u.docx = u.pdf = None
            continue
        pages.append((run_dir / u.html, u.status == "ok", (lambda uid=u.id: unit_docx(run, uid))))
    if run is not None:
        pages += [(run_dir / "overview.html", ov_new, lambda: overview_docx(run)), (run_dir / BRIEF, brief_new, None)]
    else:
        gone.append((run_dir / BRIEF).with_suffix(".pdf"))
        if empty is not None:
            pages.append((run_dir / "overview.html", empty[0], empty[1]))
        else:
            gone += [run_dir / f"overview.{x}" for x in ("docx", "pdf")]
    prints: list[tuple[Path, Path]] = []
    changed = False
    for html, fresh, make in pages:
        for fmt in ("docx", "pdf"):
            target = html.with_suffix("." + fmt)
            if fmt not in formats or not html.exists() or (fmt == "docx" and make is None):
                gone.append(target)
            elif fresh or not target.exists():
                if fmt == "docx":
                    atomic_write_bytes(target, make())
                    changed = True
                else:
                    prints.append((html, target))
    for p in gone:
        if p.exists():
            p.unlink()
            changed = True
    if prints:  # Chromium is a process per page: as many at once as the batch has workers
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max(1, min(jobs, len(prints)))) as pool:
            list(pool.map(lambda a: html_to_pdf(*a), prints))
    for u in outcomes.values():
        if u.status != "failed" and u.html:
            for fmt in ("docx", "pdf"):
                f = (run_dir / u.html).with_suffix("." + fmt)
                setattr(u, fmt, _rel(f, run_dir) if f.exists() else None)
    return changed or bool(prints)


def _invalid_units(cur: PeriodInput) -> tuple:
    """The units of the file whose rows are invalid, with their errors, in the file's order."""
    from ..report.load import InvalidUnit

    f = cur.frame
    out = []
    for uid, probs in cur.bad.items():
        name = kind = None
        if uid in f.index:
            name, kind = (None if v is None or v != v else str(v) for v in (f.at[uid, "unit_name"], f.at[uid, "unit_kind"]))
        out.append(InvalidUnit(uid, name, kind, tuple(probs)))
    order = {u: k for k, u in enumerate(map(str, f.index))}
    return tuple(sorted(out, key=lambda u: order.get(u.unit, len(order))))


def _old_summary(run_dir: Path) -> dict:
    try:
        return json.loads((run_dir / outputs.SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _prune(units_dir: Path, stems: set[str]) -> bool:
    """Remove reports of units no longer in the data (our four file patterns only)."""
    gone = False
    for p in units_dir.iterdir() if units_dir.is_dir() else []:
        if not p.is_file() or p.name.startswith("."):
            continue
        for suffix in (".failed.html", ".failed.ipynb", ".html", ".ipynb", ".docx", ".pdf"):
            if p.name.endswith(suffix):
                if p.name[: -len(suffix)] not in stems:
                    p.unlink(missing_ok=True)
                    gone = True
                break
    return gone


def _unit_done(task: Task, res: dict, outcomes: dict[str, UnitOutcome], cache: Cache, details: dict,
               s: BatchSummary) -> None:
    u = outcomes[task.unit]
    u.seconds, u.cpu, u.attempts = res.get("seconds"), res.get("cpu"), res.get("attempts", 0)
    if res["status"] == "ok":
        u.status = "ok"
        cache.set(u.id, task.key, u.stem)  # written now: a kill loses at most the units in flight
        return
    u.status, u.error_kind, u.error = "failed", res.get("error_kind"), res.get("error")
    u.notebook = res.get("notebook")
    details[u.id] = res.get("detail")
    cache.drop(u.id)


def _publish(task: Task, r: TaskResult, run_dir: Path) -> dict:
    """Write what a worker sent back (this process alone writes outputs): the notebook first, the HTML
    last, each atomically, so a present HTML means its notebook is there too."""
    out = {"status": r.status, "error_kind": r.error_kind, "error": r.error, "detail": r.detail,
           "seconds": r.seconds, "cpu": r.cpu, "attempts": r.attempts, "notebook": None}
    if r.status == "ok":
        atomic_write_bytes(run_dir / task.ipynb, r.notebook.encode("utf-8"))
        atomic_write_bytes(run_dir / task.html, r.html.encode("utf-8"))
    elif r.notebook:
        atomic_write_bytes(run_dir / task.failed_ipynb, r.notebook.encode("utf-8"))
        out["notebook"] = task.failed_ipynb
    return out


def _execute(ex: Executor, tasks: list[Task], bundle: Bundle | None, run_dir: Path, bar: Any,
             on_done=None) -> list[dict]:
    """Run tasks on the executor; results (as recorded) in task order, each published as it arrives."""
    results: dict[int, dict] = {}
    index = {id(t): i for i, t in enumerate(tasks)}
    by_key = {(t.kind, t.key): t for t in tasks}

    def arrived(t: Task, r: TaskResult) -> None:
        orig = by_key[(t.kind, t.key)]
        res = _publish(orig, r, run_dir)
        results[index[id(orig)]] = res
        if on_done:
            on_done(orig, res)
        _tick(bar, res)

    if tasks and bundle is not None:
        ex.run(tasks, bundle, arrived, priority=lambda t: 10 if t.kind == "overview" else 0)
    return [results[i] for i in sorted(results)]


# ------------------------------------------------------------------------------------------- progress
class _NoBar:
    total = 0

    def update(self, n: int = 1) -> None: ...

    def set_postfix_str(self, s: str, refresh: bool = True) -> None: ...

    def refresh(self) -> None: ...

    def close(self) -> None: ...


def _bar(progress: bool | None, total: int, desc: str, skipped: int, failed: int) -> Any:
    if progress is False or total == 0:
        return _NoBar()
    from tqdm import tqdm

    # disable=None: tqdm turns itself off when stderr is not a terminal (CI logs, pipes)
    bar = tqdm(total=total, desc=desc, unit="份", file=sys.stderr, disable=None if progress is None else False,
               dynamic_ncols=True, leave=True)
    bar.xy = {"ok": 0, "failed": failed, "skipped": skipped}  # type: ignore[attr-defined]
    _postfix(bar)
    return bar


def _postfix(bar: Any, refresh: bool = True) -> None:
    c = getattr(bar, "xy", None)
    if c is not None:
        bar.set_postfix_str(f"完成 {c['ok']} 失败 {c['failed']} 跳过 {c['skipped']}", refresh=refresh)


def _tick(bar: Any, res: dict) -> None:
    c = getattr(bar, "xy", None)
    if c is not None:  # counts first, without a redraw: the update below draws bar and counts together
        c["ok" if res.get("status") == "ok" else "failed"] += 1
        _postfix(bar, refresh=False)
    bar.update(1)


# ------------------------------------------------------------------------------------------- finish
def _finish(s: BatchSummary, sch: Any, result: Any, old: dict, changed: bool, out_dir: Path, t0: float,
            followup: Any = None) -> None:
    run_dir = s.run_dir
    s.finished = _now()
    s.seconds = round(time.perf_counter() - t0, 3)
    changed = changed or any(not (run_dir / n).exists() for n in (outputs.INDEX, outputs.SUMMARY))
    s.updated = old.get("updated") if not changed and old.get("updated") else s.finished
    if s.units:
        outputs.write_if_changed(run_dir / outputs.SCORES, outputs.scores_xlsx(s, sch, result, followup))
    else:
        _remove(run_dir / outputs.SCORES)
    _write_run_index(s, sch)
    outputs.write_if_changed(run_dir / outputs.SUMMARY, outputs.summary_json(s))
    outputs.write_if_changed(out_dir / outputs.INDEX, outputs.top_index(out_dir).encode("utf-8"))


def _write_run_index(s: BatchSummary, sch: Any) -> None:
    from .annual import annual_href

    outputs.write_if_changed(s.run_dir / outputs.INDEX, outputs.run_index(
        s, has_grades=sch.grades is not None, has_gates=bool(sch.gates), annual_href=annual_href(s)).encode("utf-8"))


# ------------------------------------------------------------------------------------------- all runs
def _resolve(p: Any, bases: list[Path]) -> Path:
    path = Path(str(p))
    if path.is_absolute():
        return path
    for b in bases:
        if (b / path).exists():
            return (b / path).resolve()
    return (bases[0] / path).resolve()  # does not exist: intake says so, in the run's summary


def load_params(params_file: str | os.PathLike) -> list[dict]:
    """The runs of a params file: ``runs: [{scheme, period, data, history: [{period, data}], readings}]``.

    Relative paths are looked up from the current folder, then the params file's folder, then its
    parent (``params/demo.yaml`` names files relative to the repository root).
    """
    import yaml

    pf = Path(params_file)
    try:
        raw = yaml.safe_load(pf.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise XinyongError(f"无法读取参数文件：{pf}", f"{type(exc).__name__}: {exc}", file=str(pf)) from None
    except yaml.YAMLError as exc:
        raise XinyongError(f"参数文件不是有效的 YAML：{pf}", str(exc), file=str(pf)) from None
    runs = raw.get("runs") if isinstance(raw, dict) else None
    if not isinstance(runs, list):
        raise XinyongError(f"参数文件应有 runs: 列表：{pf}", "params file needs a 'runs:' list", file=str(pf))
    bases = [Path.cwd(), pf.resolve().parent, pf.resolve().parent.parent]
    out = []
    for k, r in enumerate(runs, 1):
        if not isinstance(r, dict) or not all(x in r for x in ("scheme", "period", "data")):
            raise XinyongError(f"参数文件第 {k} 个运行缺少 scheme、period 或 data：{pf}", f"run {k} needs scheme, period, data")
        scheme = r["scheme"]
        if str(scheme).endswith((".yaml", ".yml")):
            scheme = str(_resolve(scheme, bases))
        out.append({"scheme": scheme, "period": str(r["period"]), "data": _resolve(r["data"], bases),
                    "history": [{"period": str(h["period"]), "data": _resolve(h["data"], bases)}
                                for h in (r.get("history") or [])],
                    "readings": dict(r.get("readings") or {})})
    return out


RUNS_AT_ONCE = 2  # a run's reading, scoring and pages (client) overlap the previous run's reports (workers)


def _folder_key(r: Mapping[str, Any]) -> tuple[str, str]:
    return safe_component(Path(str(r["scheme"])).stem), safe_component(str(r["period"]))


def run_all(params_file: str | os.PathLike, out_dir: str | os.PathLike = "outputs", jobs: int | None = None,
            resume: bool = True, progress: bool | None = None, scheduler: str | None = None,
            engine: str = "warm", formats: Sequence[str] = ("html",)) -> list[BatchSummary]:
    """Every run of ``params_file`` on one cluster; the top ``index.html`` links them.

    Two runs are in progress at a time, in the file's order: while the workers render one run's
    reports, this process reads and scores the next and submits its reports behind them, and writes
    the finished run's overview, workbook and index pages. Run alone, each run's own serial part
    (reading, scoring, pages) left the workers idle. A run that cannot start (unknown scheme, locked
    folder) is returned with ``run_error`` set; the others still run. Ctrl-C or SIGTERM stops every
    run in progress (finished reports are kept).
    """
    from concurrent.futures import ThreadPoolExecutor

    runs = load_params(params_file)
    formats = _formats(formats)
    out = Path(out_dir).resolve()
    ex = Executor(jobs, scheduler=scheduler, engine=_engine(engine))

    # two runs of one scheme × period (the same folder) run one after the other, as before, not into
    # each other's lock
    same = {_folder_key(r): threading.Lock() for r in runs}

    def one(r: dict) -> BatchSummary:
        try:
            with same[_folder_key(r)]:
                return run_batch(r["scheme"], r["period"], r["data"], out, history=r["history"], resume=resume,
                                 readings=r["readings"], progress=progress, executor=ex, formats=formats)
        except Exception as exc:  # noqa: BLE001 — one run that cannot start never stops the others
            msg = exc.message if isinstance(exc, XinyongError) else f"内部错误：{type(exc).__name__}: {exc}"
            detail = exc.detail if isinstance(exc, XinyongError) else repr(exc)
            return BatchSummary(scheme=str(r["scheme"]), scheme_title=str(r["scheme"]), period=r["period"],
                                run_dir=out.joinpath(*_folder_key(r)), data=str(r["data"]), run_error={"message": msg, "detail": detail, "problems": []})

    with stop_on_sigterm():  # between two runs too
        pool = ThreadPoolExecutor(RUNS_AT_ONCE, thread_name_prefix="xinyong-run")
        try:
            pending = [pool.submit(one, r) for r in runs]
            summaries = [f.result() for f in pending]
        except BaseException:  # Ctrl-C, SIGTERM: stop every run, let each clean up its folder, then go
            ex.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)
            ex.close()
    out.mkdir(parents=True, exist_ok=True)
    # the year of each scheme with two periods or more in the set, and the links to it
    from .annual import write_annual_pages

    if write_annual_pages(summaries, formats):
        for s in summaries:
            if s.result is not None and s.run_dir.exists():
                _write_run_index(s, s.result.scheme)
    outputs.write_if_changed(out / outputs.INDEX, outputs.top_index(out).encode("utf-8"))
    return summaries
