"""What a batch run returns and records in ``summary.json``."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATUS_ZH = {"ok": "已生成", "failed": "失败", "skipped": "未变化，沿用上次报告"}
STATES = ("scored", "invalid", "unreported")  # what became of a unit of the file (labels.UNIT_STATE_ZH)
ERROR_KIND_ZH = {
    "data": "数据有误",
    "history": "往期数据有误",
    "notebook": "报告笔记本执行出错",
    "kernel": "计算内核无法启动",
    "worker": "工作进程意外退出",
    "error": "生成报告时出错",
}


@dataclass
class UnitOutcome:
    id: str
    name: str | None
    kind: str | None
    status: str  # ok | failed | skipped (this invocation)
    stem: str
    state: str = "scored"  # scored | invalid (its rows are, it was not scored) | unreported (未报送)
    total: float | None = None
    grade: str | None = None
    grade_certain: bool | None = None
    rank: int | None = None  # the order (units left out of the ranking come after the others) …
    ranked: bool | None = None  # … and whether it is a rank: False when a gate's consequence leaves the unit out
    gate_outcome: str | None = None
    unknown_points: float | None = None
    html: str | None = None  # relative to the run folder, '/'-separated; the failed page for a failure
    notebook: str | None = None  # executed .ipynb (or the failed one)
    docx: str | None = None  # the report as Word / PDF, when the batch was asked for them (--format)
    pdf: str | None = None
    error: str | None = None
    error_kind: str | None = None
    problems: list[dict] = field(default_factory=list)
    seconds: float | None = None
    cpu: float | None = None  # CPU seconds its worker spent on the report (wall ``seconds`` includes waiting)
    attempts: int = 0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        from ..labels import UNIT_STATE_ZH

        d["status_zh"] = STATUS_ZH.get(self.status, self.status)
        d["state_zh"] = UNIT_STATE_ZH.get(self.state, self.state)
        d["error_kind_zh"] = ERROR_KIND_ZH.get(self.error_kind or "", None)
        return d


@dataclass
class BatchSummary:
    scheme: str
    scheme_title: str
    period: str
    run_dir: Path
    data: str
    history: list[dict] = field(default_factory=list)
    units: list[UnitOutcome] = field(default_factory=list)
    overview: dict[str, Any] = field(default_factory=lambda: {"status": "none"})
    run_error: dict[str, Any] | None = None
    evidence_refused: list[dict] = field(default_factory=list)  # refused evidence links, located (problem rows)
    jobs: int = 1
    started: str = ""
    finished: str = ""
    updated: str = ""  # when a report of this run last changed
    seconds: float = 0.0
    # the period as scored (a ScoreResult), in memory only: run_all makes the annual pages from it
    result: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> list[UnitOutcome]:
        return [u for u in self.units if u.status == "ok"]

    @property
    def failed(self) -> list[UnitOutcome]:
        return [u for u in self.units if u.status == "failed"]

    @property
    def skipped(self) -> list[UnitOutcome]:
        return [u for u in self.units if u.status == "skipped"]

    @property
    def counts(self) -> dict[str, int]:
        return {"ok": len(self.ok), "failed": len(self.failed), "skipped": len(self.skipped)}

    @property
    def states(self) -> dict[str, int]:
        """Units of the file per state: scored, invalid (not scored), unreported (未报送)."""
        return {k: sum(u.state == k for u in self.units) for k in STATES}

    @property
    def exit_code(self) -> int:
        return 1 if (self.failed or self.run_error or self.overview.get("status") == "failed") else 0

    def unit(self, uid: str) -> UnitOutcome:
        return next(u for u in self.units if u.id == uid)

    def as_dict(self) -> dict[str, Any]:
        """What ``summary.json`` records. It is published with the reports, so data files are named, not
        located: their names, never the absolute paths of the office's folders."""
        history = [{**h, "data": Path(str(h["data"])).name} if isinstance(h, dict) and h.get("data") else h
                   for h in self.history]
        return {"scheme": self.scheme, "scheme_title": self.scheme_title, "period": self.period,
                "data": Path(self.data).name if self.data else self.data, "history": history, "jobs": self.jobs, "started": self.started,
                "finished": self.finished, "updated": self.updated, "seconds": self.seconds,
                "counts": self.counts, "states": self.states, "exit_code": self.exit_code, "run_error": self.run_error,
                "evidence_refused": self.evidence_refused,
                "overview": self.overview, "units": [u.as_dict() for u in self.units]}
