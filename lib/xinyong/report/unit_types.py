"""The frozen records a unit analysis returns: its standing, the previous period, its peers, its todo."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Standing:
    """Where a unit stands this period: points, grade, rank overall and in its group, what is unknown."""

    unit: str
    unit_name: str
    unit_kind: str
    total: float
    base: float
    bonus: float
    base_max: float
    bonus_max: float
    has_grades: bool
    grade: Any  # the band label, None when the scheme has no grades
    grade_certain: bool
    grade_best: Any  # the band if every unknown point were won
    n_units: int
    rank: int  # overall, vetoed units after the others (002)
    group_n: int  # units of the same kind (all units when the kind has only this one)
    group_rank: int  # rank among them, in the overall order
    unknown_points: float
    max_possible: float
    n_missing: int
    n_pending: int
    n_undefined: int
    n_na: int
    # the rank as unknown points could still move it, and whether the unit is ranked at all
    ranked: bool = True  # False: a gate's consequence takes it out of the ranking (listed after the others)
    n_ranked: int = 0  # units ranked this period (those left out by a consequence or 未报送 not counted)
    rank_best: int = 0  # its rank if every unknown point went for it and every other unit's against
    rank_worst: int = 0  # … and the other way round
    rank_settled: bool = True  # rank_best == rank_worst: no unknown point can move it
    rank_text: str = ""  # labels.rank_zh: “第 4 名”, “暂列第 4 名（第 2–5 名）”, “不参加排名”
    # points still to win, through every cap: the reachable maximum (item maxima added up with the
    # section caps and the bonus ceiling) less the known total; never more than a cap lets in
    reachable: float = 0.0
    to_win: float = 0.0
    to_win_unknown: float = 0.0  # of which unknown (missing data, pending judgements): not lost yet
    # the bonus: what the items add up to and the ceiling it is counted against (None: no ceiling)
    bonus_raw: float = 0.0
    bonus_ceiling: float | None = None

    @property
    def full_marks(self) -> float:
        """The most the total can count: the base maximum and the bonus allowed on top of it."""
        return float(self.base_max) + float(self.bonus_max or 0)


@dataclass(frozen=True)
class Previous:
    """The change against the latest earlier period. ``deltas``: every item known in both periods
    (item, name, delta = now − before); ``gains`` / ``losses``: the three largest each way."""

    period: str
    total: float
    rank: int
    delta: float  # total now − total before, rounded to 6 decimals
    deltas: pd.DataFrame
    gains: pd.DataFrame
    losses: pd.DataFrame
    ranked: bool = True  # False: not ranked then (a gate's consequence), so its place then is no rank


@dataclass(frozen=True)
class Peers:
    """The unit beside its group (units of the same kind, or all units when the kind has one unit).

    ``sections``: per top-level section (index: section id) the unit's points, the group's median,
    the points of the group's best unit and the largest maximum any unit of the group has there."""

    group: pd.Index
    same_kind: bool  # False: the group is every unit
    best: str  # unit id with the highest total in the group
    best_name: str
    sections: pd.DataFrame


@dataclass(frozen=True)
class Todo:
    """What the unit must do first (“本单位要做的事”): the actions with the most points at stake.

    ``rows``: first the conditions of a veto or 认定条件 the unit failed or has not shown (``to_win``
    None, ``stake`` what is at stake: “一票否决”, “认定条件”), then one action per item, most points first
    (:meth:`UnitAnalysis.actions`' order): item (a condition's id for a condition), name, ``verb`` (达到 |
    补报 | 提供佐证 | 核实 | 整改 | 争取), ``action`` (the verb and the item, as a sentence), ``facts`` (the
    unit's case this period, in the item's own words), to_win, stake, state, ``evidence`` (what to send, as
    the scheme writes it; "" when it says nothing), ``sent`` (registered evidence files), responsible,
    deadline. ``same``: the columns whose text is the same, and not empty, in every row (责任单位, 时限),
    said once above the table instead of in each row. ``columns``: the optional columns the table shows
    (要交的佐证, 责任单位, 时限): neither said once nor empty in every row — a scheme that names no 时限
    gets no 时限 column and no “方案未写明” line. ``n_all``: every point action (the item rows are the
    first of them); ``to_win``/``to_win_unknown``/``shared_cap`` as the standing. ``vetoed``: when a veto
    decided the period, the sentence that says the points below no longer change its result ("" else)."""

    rows: pd.DataFrame
    same: dict
    n_all: int
    to_win: float
    to_win_unknown: float
    shared_cap: bool
    columns: tuple = ("evidence", "responsible", "deadline")
    vetoed: str = ""
