"""The progress bar of a run's reports: ``郏县 2022Q1  40%|████      | 12/30 [完成 12 失败 0 跳过 5]``.

A tqdm bar on stderr when it is a terminal (or when asked for), nothing otherwise; the counts are
drawn with the bar, so they never run one report ahead of it.
"""
from __future__ import annotations

import sys
from typing import Any


class Progress:
    def __init__(self, show: bool | None, total: int, desc: str, skipped: int, failed: int):
        self.ok, self.failed, self.skipped = 0, failed, skipped
        self._bar: Any = None
        if show is False or total == 0:
            return
        from tqdm import tqdm

        # disable=None: tqdm turns itself off when stderr is not a terminal (CI logs, pipes)
        self._bar = tqdm(total=total, desc=desc, unit="份", file=sys.stderr, disable=None if show is None else False,
                         dynamic_ncols=True, leave=True)
        self._counts(refresh=True)

    def _counts(self, refresh: bool) -> None:
        self._bar.set_postfix_str(f"完成 {self.ok} 失败 {self.failed} 跳过 {self.skipped}", refresh=refresh)

    def done(self, ok: bool) -> None:
        """One report came back."""
        if ok:
            self.ok += 1
        else:
            self.failed += 1
        if self._bar is not None:  # counts first, without a redraw: the update draws bar and counts together
            self._counts(refresh=False)
            self._bar.update(1)

    def add(self) -> None:
        """One more report to wait for (the overview rendered again)."""
        if self._bar is not None:
            self._bar.total += 1
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
