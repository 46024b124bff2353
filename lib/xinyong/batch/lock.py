"""One batch at a time per run folder, and what a stopped batch leaves behind.

:class:`RunLock` holds ``<run dir>/.lock`` (an operating-system lock, so a batch killed even by SIGKILL
leaves nothing the next batch cannot take); :func:`stop_on_sigterm` makes ``kill`` stop a batch the way
Ctrl-C does; :func:`clear_leftovers` removes the staging folders and temporary files a killed batch may
have left.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import XinyongError
from . import outputs
from .prepare import INPUTS_DIR

LOCK = ".lock"
WORK_DIR = ".work"  # a leftover of older versions
TMP_AGE = 60.0  # seconds: a shared temp file older than this is a leftover


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


def clear_leftovers(run_dir: Path, out_dir: Path) -> None:
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
