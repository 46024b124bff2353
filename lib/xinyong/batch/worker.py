"""What a batch worker runs: one report, from a :class:`~.task.Task` and its run's :class:`~.task.Bundle`,
returned as text (:class:`~.task.TaskResult`); the worker writes nothing the client reads.

The worker is a ``dask.distributed`` worker (a local one or a cluster's). :class:`WarmUp`, a worker
plugin, imports what every report needs once per worker process (and, for the warm engine, creates
its IPython shell), so the first report does not pay for it while others wait.

The scored run arrives once per worker (scattered by the client) and is written to the worker's own
scratch folder as the ``run_file`` the notebook reads: a fresh object per report, nothing shared.

With the fresh-kernel engine (``--engine kernel``) papermill picks five free TCP ports for each
kernel and the kernel binds them a moment later; with many kernels starting at once another one can
take a port in between, and the kernel dies at start (``zmq.error.ZMQError: Address already in use``,
nteract/papermill#511). Such a report is retried with a jittered, growing back-off; a notebook that
*ran* and raised is never retried. The warm engine starts no kernel.
"""
from __future__ import annotations

import os
import random
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin

from .task import Bundle, Task, TaskResult

KERNEL_RETRIES = 4  # attempts in all
BACKOFF = 1.0  # seconds, doubled each attempt, times a random factor in [0.5, 1.5)
START_MARKERS = ("address already in use", "kernel died before replying", "kernel didn't respond",
                 "kernel didn’t respond", "kernel_info", "zmqerror", "deadkernelerror", "kernel died")


class WarmUp(WorkerPlugin):
    """dask worker plugin: imports once per worker; ``quiet`` (local clusters, unless
    ``Settings.batch_verbose``) sends the worker's and its kernels' terminal chatter to /dev/null, which
    would otherwise break the client's progress bar (errors reach the summary through the results, not
    through stderr); ``fast_charts``: the charts' path in this worker process (``Settings.fast_charts``;
    a fresh kernel, ``--engine kernel``, draws with the default path)."""

    name = "xinyong-warm-up"

    def __init__(self, engine: str = "warm", quiet: bool = False, fast_charts: bool = True):
        self.engine, self.quiet, self.fast_charts = engine, quiet, fast_charts

    def setup(self, worker: Any = None) -> None:
        if self.quiet:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.close(devnull)
        from ..util import skip_iri_checks

        skip_iri_checks()
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401

        from ..report import charts, render  # noqa: F401

        charts.set_fast_path(self.fast_charts)  # this process is the worker's: its setting, once

        if self.engine == "warm":
            from ..report.engine import warm_up

            warm_up()



def kernel_start_failure(exc: BaseException) -> bool:
    """True when ``exc`` says the kernel did not start (a port clash), not that a cell failed."""
    from ..report.render import ReportError

    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, ReportError):
            return False
        text = f"{type(e).__name__}: {e}".lower()
        if any(m in text for m in START_MARKERS):
            return True
        if isinstance(e, TimeoutError):
            return True
        e = e.__cause__ or e.__context__
    return False


def _scratch() -> Path:
    try:
        from distributed import get_worker

        return Path(get_worker().local_directory)
    except (ImportError, ValueError):  # not in a dask worker (tests call run_task directly)
        return Path(tempfile.gettempdir())


def run_file(bundle: Bundle) -> Path:
    """The bundle's scored run as a file in this worker's scratch folder (written once per worker)."""
    path = _scratch() / "xinyong-runs" / f"{bundle.digest}.pkl"
    if not path.exists():
        from ..util import atomic_write_bytes

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, bundle.run)
    return path


def _where() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


def run_task(task: Task, bundle: Bundle) -> TaskResult:
    """Render one report; never raises for a report's own failure (that is a result, listed by the
    client). An exception escaping here (or the worker dying) is dask's to retry."""
    from ..report import render as R

    t0, c0 = time.perf_counter(), time.process_time()
    if bundle.digest != task.bundle:
        raise ValueError(f"task {task.name} belongs to run {task.bundle}, got {bundle.digest}")
    rf = run_file(bundle)
    hist = [{"period": p, "data": d} for p, d in task.history]
    if task.kind == "unit":
        notebook = R.UNIT_NOTEBOOK
        params = R.unit_params(task.scheme, task.period, task.unit, task.data, hist, dict(task.readings), rf)
    else:
        notebook = R.OVERVIEW_NOTEBOOK
        params = R.overview_params(task.scheme, task.period, task.data, dict(task.unit_links), hist,
                                   dict(task.readings), rf)
    source = bundle.notebook(notebook)
    rng = random.Random()
    attempt = 0
    while True:
        attempt += 1
        try:
            r = R.render(notebook, params, None, engine=task.engine, source=source)
            return TaskResult("ok", html=r.html, notebook=r.notebook, seconds=_since(t0), cpu=_cpu(c0), attempts=attempt,
                              worker=_where(), timings=r.timings)
        except R.ReportError as exc:
            return TaskResult("failed", notebook=exc.notebook_text, error_kind="notebook", error=exc.message,
                              detail=exc.detail + ("\n" + exc.fields["traceback"] if exc.fields.get("traceback") else ""),
                              seconds=_since(t0), cpu=_cpu(c0), attempts=attempt, worker=_where())
        except Exception as exc:  # noqa: BLE001 — one report's failure never stops the others
            kernel = kernel_start_failure(exc)
            if kernel and attempt < KERNEL_RETRIES:
                time.sleep(BACKOFF * 2 ** (attempt - 1) * (0.5 + rng.random()))
                continue
            return TaskResult("failed", error_kind="kernel" if kernel else "error",
                              error=(f"内核启动失败（已尝试 {attempt} 次）：" if kernel else "生成报告时出错：")
                              + f"{type(exc).__name__}: {exc}",
                              detail="".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:],
                              seconds=_since(t0), cpu=_cpu(c0), attempts=attempt, worker=_where())


def _since(t0: float) -> float:
    return round(time.perf_counter() - t0, 3)


def _cpu(c0: float) -> float:
    return round(time.process_time() - c0, 3)

