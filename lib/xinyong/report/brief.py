"""The leader brief (领导简报): one A4 page per scheme × period that a leader reads in a minute.

Ranking, grade distribution, the units vetoed or below 合格 (where the scheme has a veto or a 合格 band), the biggest movers since the previous
period, and the five items where most points were lost across all units. The analysis is plain data
(:func:`brief_data`); :func:`brief_html` writes the page (self-contained, printable, no network).
Unknown points (missing data, judgements pending) are never counted as lost: they are shown apart.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup

from ..labels import failed_gates_zh, period_zh
from .analysis import OverviewAnalysis
from .load import Run
from .narrative import TEMPLATES, render
from .tables import label_tables

PASS_BAND = "合格"


@dataclass(frozen=True)
class Brief:
    title: str
    short_title: str
    period: str
    n_units: int
    ranking: pd.DataFrame  # rank, unit, name, total, grade, unknown, gate, delta, rank_move
    grades: pd.Series  # band -> count, in the scheme's order
    flagged: pd.DataFrame  # units vetoed or below 合格, with the reason
    movers: pd.DataFrame  # the biggest rises and falls since the previous period
    lost_items: pd.DataFrame  # item, name, lost (points, summed over units), units_losing, unknown
    previous: str | None
    unknown_total: float
    states: dict = None  # units of the file per state: scored, invalid, unreported (OverviewAnalysis.state_counts)
    # what makes a unit one to watch, in the words of this scheme: “被否决或低于合格”, “被否决”, “低于合格”,
    # or "" when the scheme has neither a veto nor a 合格 band (then no sentence about them is printed)
    flag_words: str = ""


def _ranking(run: Run) -> pd.DataFrame:
    rk = OverviewAnalysis(run).ranking().rename(columns={"gate_outcome": "gate"})
    rk["grade"] = [g if isinstance(g, str) else None for g in rk["grade"]]
    units = run.result.units
    rk["gate_words"] = [failed_gates_zh(run.scheme.gates, units.loc[u]) if u in units.index else "" for u in rk["unit"]]
    return rk.astype({"delta": float, "rank_move": float})


def brief_data(run: Run) -> Brief:
    sch = run.scheme
    rk = _ranking(run)
    g = OverviewAnalysis(run).grades()
    grades = pd.Series(dtype=int) if g is None else g.set_index("label")["n"]
    flagged = []
    below = None
    if sch.grades is not None and PASS_BAND in [b.label for b in sch.grades.bands]:
        labels = [b.label for b in sch.grades.bands]
        below = set(labels[labels.index(PASS_BAND) + 1:])
    silent = run.result.unreported
    rk["unreported"] = [u in silent for u in rk["unit"]]
    for r in rk.itertuples():
        if r.unreported:
            flagged.append({"name": r.name, "total": None, "reason": "未报送"})
        elif r.gate == "fail":
            flagged.append({"name": r.name, "total": r.total, "reason": r.gate_words})
        elif below and r.grade in below:
            flagged.append({"name": r.name, "total": r.total,
                            "reason": f"等级为{r.grade}" if r.grade_certain else f"等级暂为{r.grade}（尚有未知分）"})
    words = [w for w, has in (("被否决", any(g.kind == "veto" for g in sch.gates)), ("低于合格", bool(below))) if has]
    moved = rk.dropna(subset=["delta"])
    movers = pd.concat([moved[moved["delta"] > 0.005].nlargest(3, "delta"),
                        moved[moved["delta"] < -0.005].nsmallest(3, "delta")])
    prev = run.previous()
    return Brief(
        title=sch.title, short_title=sch.short_title or sch.title, period=run.period, n_units=len(rk), ranking=rk, grades=grades,
        flagged=pd.DataFrame(flagged, columns=["name", "total", "reason"]), movers=movers,
        lost_items=OverviewAnalysis(run).lost_items(), previous=prev[0] if prev else None,
        unknown_total=float(rk["unknown"].sum()), states=OverviewAnalysis(run).state_counts(),
        flag_words="或".join(words),
    )


def brief_html(run: Run, links: dict[str, str] | None = None, now: dt.datetime | None = None) -> str:
    """The brief as one self-contained HTML page (A4 when printed)."""
    b = brief_data(run)
    css = Markup((TEMPLATES / "brief.css").read_text(encoding="utf-8"))  # a stylesheet: its ">" stays ">"
    return label_tables(render("brief.html.j2", b=b, css=css, period_zh=period_zh(b.period),
                  previous_zh=period_zh(b.previous) if b.previous else None, links=links or {},
                  generated=(now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")))
