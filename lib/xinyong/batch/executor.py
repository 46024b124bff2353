"""The batch's executor: ``dask.distributed``, on an embedded ``LocalCluster`` or an existing cluster.

``Executor(jobs=2)`` starts (lazily, at the first report) a ``LocalCluster`` of ``jobs`` worker
processes with one thread each — a report is CPU-bound Python, threads would only share the GIL.
``Executor(scheduler="tcp://host:8786")`` (``Settings.scheduler`` from the command line) joins an existing cluster; the
same code submits to both. Per run, the client scatters one :class:`~.task.Bundle` (the scored run
and the notebooks); every task refers to it, so it travels to each worker once, not once per report.

Several runs may use one executor at once (``run_all`` overlaps a run's reading and scoring with the
previous run's reports): :meth:`Executor.run` is re-entrant and thread-safe, the cluster is started once
(:meth:`Executor.start_soon` starts it in the background while the client prepares the first run's reports), and
:meth:`Executor.terminate` cancels what every run has in flight.

Failures: a report's own failure (its notebook raised) is a result, never retried. A task whose
worker dies is re-run elsewhere by the scheduler; one that takes a second worker down with it is
given up (``distributed.scheduler.allowed-failures`` = 1 on the local cluster; a cluster's
scheduler has its own setting, dask's default 3) and listed as failed ("worker"). The local cluster's
settings (:data:`LOCAL_CLUSTER`) are defaults: a key the operator's dask configuration sets (YAML,
``DASK_*`` variables) keeps the operator's value (:func:`local_config`). An exception that
escapes a task is retried once (``retries=1``).
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any, Callable

from ..errors import XinyongError
from ..settings import DEFAULT, Settings
from .task import Bundle, Task, TaskResult

ALLOWED_FAILURES = 1  # a report whose worker died is run once more; a second death lists it as failed


class Executor:
    def __init__(self, jobs: int | None = None, scheduler: str | None = None, engine: str = "warm",
                 settings: Settings = DEFAULT):
        """``settings``: what the workers are started with (their terminal output, the charts' path) and
        what the runs using this executor read (the notebooks folder, the PDF browser)."""
        self.settings = settings
        self.scheduler = scheduler or None
        self.jobs = max(1, int(jobs or os.cpu_count() or 1))
        self.engine = engine
        self._client: Any = None
        self._cluster: Any = None
        self._lock = threading.Lock()  # one start; the in-flight futures of every run
        self._futures: dict[Any, Task] = {}
        self._stopped = False
        self._starting: threading.Thread | None = None
        self._start_error: BaseException | None = None
        self._runs = iter(range(1 << 62))  # each run's tasks go after those of the runs submitted before it

    # ------------------------------------------------------------------------------------ lifecycle
    @property
    def client(self) -> Any:
        with self._lock:
            if self._stopped:
                raise KeyboardInterrupt  # terminated (Ctrl-C, SIGTERM): no new cluster for a late run
            if self._client is None:
                if self._start_error is not None:
                    raise self._start_error
                self._client = self._start()
            return self._client

    def start_soon(self) -> None:
        """Start the cluster in a background thread (workers spawn and import for a few seconds) while
        this thread goes on reading and scoring; the first :meth:`run` waits for it. A start that fails
        raises there, in the caller's thread."""
        if self._client is not None or self._starting is not None:
            return

        def start() -> None:
            try:
                self.client  # noqa: B018 — starts it under the lock
            except BaseException as exc:  # noqa: BLE001 — handed to the first caller of ``client``
                self._start_error = exc

        self._starting = threading.Thread(target=start, name="xinyong-cluster-start", daemon=True)
        self._starting.start()

    def _start(self) -> Any:
        import dask
        from distributed import Client, LocalCluster  # also registers distributed's defaults with dask.config

        from .worker import WarmUp

        if self.scheduler:
            try:
                client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise XinyongError(f"无法连接计算集群：{self.scheduler}（请检查调度器地址和网络）",
                                   f"cannot connect to scheduler {self.scheduler}: {type(exc).__name__}: {exc}") from None
            client.register_plugin(WarmUp(self.engine, quiet=False, fast_charts=self.settings.fast_charts),
                                   name=WarmUp.name)
            return client
        with dask.config.set(local_config()):
            self._cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                         dashboard_address=None, silence_logs=logging.CRITICAL,
                                         host="127.0.0.1")
            client = Client(self._cluster)
        client.register_plugin(WarmUp(self.engine, quiet=not self.settings.batch_verbose,
                                      fast_charts=self.settings.fast_charts), name=WarmUp.name)
        return client

    def close(self) -> None:
        """Stop the local cluster (a remote cluster is left running; only our client disconnects)."""
        if self._starting is not None:
            self._starting.join()
        with self._lock:
            client, cluster = self._client, self._cluster
            self._client = self._cluster = None
        for thing in (client, cluster):
            if thing is not None:
                try:
                    thing.close(timeout=10)
                except Exception:  # noqa: BLE001 — closing after Ctrl-C or a dead worker: best effort
                    pass

    def terminate(self) -> None:
        """Stop now (Ctrl-C, SIGTERM): cancel what every run has queued, kill the local workers; a run
        that asks for the cluster afterwards gets KeyboardInterrupt."""
        with self._lock:
            self._stopped = True
            futures = list(self._futures)
        if self._client is not None and futures:
            try:
                self._client.cancel(futures, force=True)
            except Exception:  # noqa: BLE001 — the cluster may already be going down
                pass
        self.close()

    # ------------------------------------------------------------------------------------ running
    def run(self, tasks: list[Task], bundle: Bundle, on_done: Callable[[Task, TaskResult], None],
            priority: Callable[[Task], int] = lambda t: 0) -> None:
        """Render ``tasks`` (all of one ``bundle``); ``on_done`` is called on the client for each, in the
        order they finish. Returns when every task has a result. Other threads may run their own
        tasks on the same executor meanwhile."""
        from distributed import as_completed
        from distributed.client import FutureCancelledError

        from .worker import run_task

        if not tasks:
            return
        client = self.client
        # dask runs higher priorities first: an earlier run's reports before a later run's, so runs end
        # (and their pages are written) in order; within a run, the caller's priority (overview first)
        base = -1000 * next(self._runs)
        shared = client.scatter(bundle, broadcast=False, hash=False)
        futures = {}
        for t in tasks:
            t = t if t.engine == self.engine else _with_engine(t, self.engine)
            f = client.submit(run_task, t, shared, key=f"{t.name}-{bundle.digest[:8]}-{_uid()}", pure=False,
                              retries=1, priority=base + priority(t))
            futures[f] = t
        with self._lock:
            self._futures.update(futures)
            stopped = self._stopped
        if stopped:  # terminated while these were being submitted
            client.cancel(list(futures), force=True)
        try:
            for f in as_completed(list(futures)):
                t = futures[f]
                try:
                    r = f.result()
                except FutureCancelledError:
                    raise KeyboardInterrupt from None
                except Exception as exc:  # noqa: BLE001 — KilledWorker, or an error that escaped twice
                    r = _lost(exc)
                with self._lock:
                    self._futures.pop(f, None)
                f.release()
                on_done(t, r)
        finally:
            with self._lock:
                for f in futures:
                    self._futures.pop(f, None)
            del shared


# The local cluster's settings, where the operator's dask configuration says nothing.
LOCAL_CLUSTER = {
    "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
    # a report holds a few MB; only a runaway worker should be paused or killed
    "distributed.worker.memory.target": False,
    "distributed.worker.memory.spill": False,
    # the worker's statistical profiler walks the running thread's stack every 10 ms; a report's stack
    # (IPython, pandas, matplotlib) is deep
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.limit": "30s",
    # the event loops' bookkeeping, in this process (scheduler, nannies, client) and in the workers:
    # dask's defaults (a tick every 20 ms, system and memory monitors every 0.1–0.5 s, work stealing
    # every 0.1 s) cost the client as much CPU as reading and scoring the runs. Queued tasks go to
    # whichever worker frees up first: nothing is left to steal.
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
}


def local_config() -> dict:
    """:data:`LOCAL_CLUSTER` without the keys the operator has set: in a YAML file or a ``DASK_*``
    variable (what ``dask.config.collect`` reads), or in this process (``dask.config.set``; a value
    that is no longer dask's default). These are our defaults, not overrides: the operator's own
    settings win, as dask documents for its configuration."""
    import dask

    missing = object()
    theirs = dask.config.collect()
    defaults = dask.config.merge(*dask.config.defaults)
    return {k: v for k, v in LOCAL_CLUSTER.items()
            if dask.config.get(k, missing, config=theirs) is missing
            and dask.config.get(k, missing) == dask.config.get(k, missing, config=defaults)}


def _with_engine(t: Task, engine: str) -> Task:
    from dataclasses import replace

    return replace(t, engine=engine)


_COUNTER = iter(range(1 << 62))


def _uid() -> str:
    return f"{os.getpid()}-{next(_COUNTER)}"


def _lost(exc: BaseException) -> TaskResult:
    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):
        return TaskResult("failed", error_kind="worker", error="工作进程意外退出（已在另一进程重试一次）",
                          detail=f"{type(exc).__name__}: {exc}", attempts=ALLOWED_FAILURES + 1)
    return TaskResult("failed", error_kind="error", error=f"生成报告时出错：{type(exc).__name__}: {exc}",
                      detail=repr(exc), attempts=2)

