"""The kernel manager a report's fresh kernel runs under: its stderr kept, the shutdown noise dropped.

On every shutdown jupyter_client interrupts the kernel first (SIGINT, then ``shutdown_request``); a
kernel caught inside a message handler at that moment logs ``[IPKernelApp] ERROR | KeyboardInterrupt
caught in kernel.`` to its stderr, which it shares with ours, so ``xinyong report`` ends with an error
line when nothing went wrong. Raising the kernel's log level would hide it and every real kernel error
with it. Instead the kernel's stderr goes to a file (``KernelManager.start_kernel`` passes ``stderr``
on to the process it launches; nbclient takes the manager class as ``kernel_manager_class``, and
papermill hands it on), and after shutdown every line of it but that one is written to our stderr.
A failing cell is not affected: its error comes back as the cell's output, and papermill raises it.
"""
from __future__ import annotations

import re
import sys
import tempfile
from typing import Any

from jupyter_client.manager import AsyncKernelManager

SHUTDOWN_NOISE = re.compile(r"^\[IPKernelApp\] ERROR \| KeyboardInterrupt caught in kernel\.?\s*$")


def without_shutdown_noise(text: str) -> str:
    """``text`` without the lines a kernel logs when the shutdown's interrupt reaches it."""
    return "".join(line for line in text.splitlines(keepends=True) if not SHUTDOWN_NOISE.match(line))


class QuietShutdownKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` (nbclient's default) whose kernel's stderr is replayed after shutdown,
    without :data:`SHUTDOWN_NOISE`."""

    _stderr_file: Any = None

    async def start_kernel(self, **kw: Any) -> None:
        if "stderr" not in kw and self._stderr_file is None:
            self._stderr_file = tempfile.TemporaryFile()
        if self._stderr_file is not None:
            kw.setdefault("stderr", self._stderr_file)
        await super().start_kernel(**kw)

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        try:
            await super().shutdown_kernel(now=now, restart=restart)
        finally:
            if not restart:
                self.replay_stderr()

    def replay_stderr(self) -> None:
        """Write what the kernel wrote to its stderr, less the shutdown noise, to ours (once)."""
        f, self._stderr_file = self._stderr_file, None
        if f is None:
            return
        try:
            f.seek(0)
            text = without_shutdown_noise(f.read().decode("utf-8", errors="replace"))
        finally:
            f.close()
        if text:
            sys.stderr.write(text)
            sys.stderr.flush()
