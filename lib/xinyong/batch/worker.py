"""What a batch worker process runs: one report notebook in its own kernel, retried if the kernel
fails to start, written into a private staging folder and then renamed into place.

papermill picks five free TCP ports for each kernel and the kernel binds them a moment later; with
many kernels starting at once another one can take a port in between, and the kernel dies at start
with ``zmq.error.ZMQError: Address already in use`` (nteract/papermill#511). papermill then reports
"Kernel died before replying to kernel_info" or a timeout. Such a unit is retried with a jittered,
growing back-off; a notebook that *ran* and raised is never retried.

Everything crosses the process boundary as plain dicts (no exceptions, no frames). Workers (and the
kernels they start) write nothing to the terminal unless ``XINYONG_BATCH_VERBOSE`` is set.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

KERNEL_RETRIES = 4  # attempts in all
BACKOFF = 1.0  # seconds, doubled each attempt, times a random factor in [0.5, 1.5)
START_MARKERS = ("address already in use", "kernel died before replying", "kernel didn't respond",
                 "kernel didn’t respond", "kernel_info", "zmqerror", "deadkernelerror", "kernel died")


def init_worker(parent_pid: int) -> None:
    """Die with the parent (Linux): a batch killed with SIGKILL leaves no worker finishing a report.
    Ctrl-C is the parent's to handle (it stops the workers); a worker ignores SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not os.environ.get("XINYONG_BATCH_VERBOSE"):
        # kernels inherit the worker's stdout/stderr; their chatter (e.g. jupyter_client interrupts every
        # kernel before shutting it down, and a busy kernel logs "KeyboardInterrupt caught in kernel")
        # would break the progress bar. Errors reach the summary through papermill, not through stderr.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)
    # the first report of each worker should not pay for these imports while others wait
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from ..report import render  # noqa: F401


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


def _clear(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """Render one report. ``task``: kind (unit|overview), scheme, period, unit, data, history, readings,
    staging, html, ipynb, failed_ipynb (final paths), unit_links (overview), delay (seconds), memo (the
    run's score memo folder, see ``report.load.memoised``)."""
    from ..report.load import memo_folder

    if task.get("delay"):
        time.sleep(task["delay"])
    t0 = time.perf_counter()
    with memo_folder(task.get("memo")):  # the kernel started for this task inherits the memo folder
        return _run_task(task, t0)


def _run_task(task: dict[str, Any], t0: float) -> dict[str, Any]:
    from ..report.render import ReportError, render_overview, render_unit_report

    staging = Path(task["staging"])
    out: dict[str, Any] = {"id": task.get("unit"), "kind": task["kind"], "attempts": 0, "pid": os.getpid()}
    rng = random.Random()
    for attempt in range(1, KERNEL_RETRIES + 1):
        out["attempts"] = attempt
        _clear(staging)
        staging.mkdir(parents=True, exist_ok=True)
        timings: dict = {}
        try:
            if task["kind"] == "unit":
                html = render_unit_report(task["scheme"], task["period"], task["unit"], task["data"], staging,
                                          history=task["history"], readings=task["readings"], timings=timings)
            else:
                html = render_overview(task["scheme"], task["period"], task["data"], staging,
                                       unit_links=task["unit_links"], history=task["history"],
                                       readings=task["readings"], timings=timings)
            # the notebook first, the HTML last: a present HTML means its notebook is there too
            os.replace(html.with_suffix(".ipynb"), task["ipynb"])
            os.replace(html, task["html"])
            out.update(status="ok", timings=timings)
            break
        except ReportError as exc:
            failed = exc.fields.get("notebook")
            if failed and Path(failed).exists():
                os.replace(failed, task["failed_ipynb"])
                out["notebook"] = task["failed_ipynb"]
            out.update(status="failed", error_kind="notebook", error=exc.message, detail=exc.detail)
            break
        except Exception as exc:  # noqa: BLE001 — one unit's failure never stops the others
            if kernel_start_failure(exc) and attempt < KERNEL_RETRIES:
                time.sleep(BACKOFF * 2 ** (attempt - 1) * (0.5 + rng.random()))
                continue
            kernel = kernel_start_failure(exc)
            out.update(status="failed", error_kind="kernel" if kernel else "error",
                       error=(f"内核启动失败（已尝试 {attempt} 次）：" if kernel else "生成报告时出错：")
                       + f"{type(exc).__name__}: {exc}",
                       detail="".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:])
            break
        finally:
            _clear(staging)
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out
