"""The contract between a batch's client and its workers: what to render, and what comes back.

A :class:`Task` names one report (scheme, period, unit, the run it belongs to, its output names); the
scored run and the notebooks travel once per run, as one :class:`Bundle` that the client scatters to
the workers. A :class:`TaskResult` carries the HTML and the executed notebook back as text: workers
need no file system shared with the client, which alone writes into the output folder.

Everything here is frozen and plain (strings, tuples), so it pickles the same on every worker.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Bundle:
    """One run's shared inputs: the scored run (``report.load.run_bytes``) and the notebooks as the
    client read them (so a worker executes exactly what the cache key was computed from)."""

    run: bytes
    notebooks: tuple[tuple[str, str], ...]  # (file name, nbformat JSON)
    digest: str = ""

    @classmethod
    def make(cls, run: bytes, notebooks: dict[str, str]) -> "Bundle":
        h = hashlib.sha256(run)
        for name, text in sorted(notebooks.items()):
            h.update(name.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\0")
        return cls(run, tuple(sorted(notebooks.items())), h.hexdigest()[:32])

    def notebook(self, name: str) -> str:
        return dict(self.notebooks)[name]


@dataclass(frozen=True)
class Task:
    """One report to render. Paths of outputs are relative to the run folder ('/'-separated): the
    worker never writes them, the client does."""

    kind: Literal["unit", "overview"]
    scheme: str  # id, or the YAML path as the client resolved it
    period: str
    unit: str | None  # None for the overview
    data: str  # the period's data file (shown in the report's provenance; the run carries the scores)
    history: tuple[tuple[str, str], ...]  # (period, data file), as the report shows them
    readings: tuple[tuple[str, str], ...]
    bundle: str  # Bundle.digest of the run this report belongs to
    key: str  # cache key (batch/cache.py)
    html: str
    ipynb: str
    failed_ipynb: str
    output_dir: str  # the notebook's output_dir parameter: where its report is published
    unit_links: tuple[tuple[str, str], ...] = ()  # overview: unit id -> relative href
    engine: str = "warm"

    @property
    def ident(self) -> tuple[str, str | None]:
        """Which report of its run this is: (kind, unit id). A result is matched to its task by this, never
        by ``key``: two units whose rows are identical but for the id have the same key."""
        return self.kind, self.unit

    @property
    def name(self) -> str:
        """A dask key prefix that says what the task is (shown by a cluster's dashboard)."""
        return f"xinyong-{self.kind}-{self.key[:16]}"


@dataclass(frozen=True)
class TaskResult:
    """What a worker sends back. ``status`` ok: ``html`` and ``notebook`` are the report; failed:
    ``error_kind`` (notebook | kernel | error | worker), a Chinese ``error``, an English ``detail`` and,
    for a notebook error, the failed notebook in ``notebook``."""

    status: Literal["ok", "failed"]
    html: str | None = None
    notebook: str | None = None
    error_kind: str | None = None
    error: str | None = None
    detail: str | None = None
    seconds: float | None = None
    cpu: float | None = None  # the worker's CPU seconds (process time) for this report
    attempts: int = 1
    worker: str | None = None
    timings: dict = field(default_factory=dict, compare=False)
