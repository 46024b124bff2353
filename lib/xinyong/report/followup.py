"""The follow-up ledger (整改台账): the items a unit lost points on in the previous period, and what
became of them this period.

004 ranks the quarters and names the units that fall behind as "重点检查、抽查对象"; what a credit office
checks next quarter is whether the points lost last quarter were won back. Per item lost before
(scored below its maximum), the state now is one of :data:`STATES`: recovered (full marks now),
partly (fewer points lost), still lost (as many), worse (more), unknown (not scored now: data missing,
judgement pending) or no longer applicable. A bonus item (附加分) is left out: a bonus not earned is
not a point lost, and earning less of it is not a deduction. Unknown stays unknown: never read as 0 or as recovered.

Plain data (frames), for the unit report's HTML block, the batch's ``scores.xlsx`` sheet and any
other writer.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..scoring import ScoreResult
from .load import Run

EPS = 1e-9
STATES = ("recovered", "partly", "still_lost", "worse", "unknown", "not_applicable")
STATE_ZH = {"recovered": "已挽回", "partly": "部分挽回", "still_lost": "仍失分", "worse": "扣分增加",
            "unknown": "未知", "not_applicable": "本期不适用"}
COLUMNS = ["item", "name", "prev_max", "prev_points", "prev_lost", "max", "points", "lost", "change", "state",
           "state_zh"]


@dataclass(frozen=True)
class FollowUp:
    """One unit's ledger against ``previous`` (the latest earlier period). ``items``: one row per item
    lost in ``previous``, in document order (columns :data:`COLUMNS`; ``points``/``lost``/``change`` are
    None when unknown now). ``counts``: state → number of items, every state present."""

    previous: str
    period: str
    items: pd.DataFrame
    counts: dict[str, int]

    @property
    def recovered_points(self) -> float:
        """Points won back on the items known in both periods (recovered and partly)."""
        ch = self.items.loc[self.items["state"].isin(["recovered", "partly"]), "change"]
        return float(sum(ch))


def state_of(prev_lost: float, now_status: str, now_lost: float | None) -> str:
    """The follow-up state of an item that lost ``prev_lost`` points last period."""
    if now_status == "not_applicable":
        return "not_applicable"
    if now_status != "scored" or now_lost is None:
        return "unknown"
    if now_lost <= EPS:
        return "recovered"
    if now_lost < prev_lost - EPS:
        return "partly"
    if now_lost > prev_lost + EPS:
        return "worse"
    return "still_lost"


def ledger(scheme_items: list, now: ScoreResult, before: ScoreResult, unit: str) -> pd.DataFrame:
    """The rows of :class:`FollowUp` for ``unit`` (present in both results)."""
    rows = []
    for it in scheme_items:
        i = it.id
        if getattr(it, "bonus", False):  # a 附加分 not earned is not a point lost (004 七 工作创新)
            continue
        if i not in before.status.columns or str(before.status.at[unit, i]) != "scored":
            continue
        pmax, ppts = float(before.max_points.at[unit, i]), float(before.points.at[unit, i])
        plost = pmax - ppts
        if plost <= EPS:
            continue
        st = str(now.status.at[unit, i]) if i in now.status.columns else "unknown"
        nmax = float(now.max_points.at[unit, i]) if i in now.max_points.columns else None
        npts = now.points.at[unit, i] if i in now.points.columns else None
        known = st == "scored" and npts is not None and npts == npts
        nlost = round(nmax - float(npts), 6) if known else None
        rows.append({"item": i, "name": it.name, "prev_max": pmax, "prev_points": ppts, "prev_lost": round(plost, 6),
                     "max": nmax, "points": float(npts) if known else None, "lost": nlost,
                     "change": round(plost - nlost, 6) if known else None,  # points won back (negative: lost more)
                     "state": (s := state_of(plost, st, nlost)), "state_zh": STATE_ZH[s]})
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object)


def follow_up(run: Run, unit: str) -> FollowUp | None:
    """The unit's ledger against the run's previous period; None when there is no previous period or
    the unit was not in it."""
    prev = run.previous()
    uid = run.unit_id(unit)
    if prev is None or uid not in prev[1].units.index:
        return None
    items = ledger(list(run.scheme.walk_items()), run.result, prev[1], uid)
    counts = {s: int((items["state"] == s).sum()) for s in STATES}
    return FollowUp(prev[0], run.period, items, counts)


def follow_up_all(run: Run) -> pd.DataFrame:
    """Every unit's ledger in one long frame (``unit``, ``unit_name`` then :data:`COLUMNS`), units in
    ranking order; empty when the run has no previous period."""
    out = []
    u = run.result.units.sort_values(["rank", "unit_name"])
    for uid in u.index:
        f = follow_up(run, str(uid))
        if f is None or not len(f.items):
            continue
        df = f.items.copy()
        df.insert(0, "unit_name", str(u.at[uid, "unit_name"]))
        df.insert(0, "unit", str(uid))
        out.append(df)
    if not out:
        return pd.DataFrame(columns=["unit", "unit_name", *COLUMNS])
    return pd.concat(out, ignore_index=True)
