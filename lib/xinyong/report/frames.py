"""The counting every analysis shares: the document's sections as counted, frames of records, sort keys.

The unit analysis (:mod:`.unit_analysis`) and the overview analysis (:mod:`.overview_analysis`) both
count sections through their caps and the bonus ceiling (:func:`counted_sections`), build object frames
(:func:`object_frame`: an int stays an int, None stays None) and read them back as records
(:func:`records_of`).
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .load import Run

EPS = 1e-9  # points closer than this to full marks count as full (sums of fractions: 0.1 + 0.2)
UNKNOWN_STATUSES = ("missing_input", "pending_judgement", "undefined")  # points unknown, never 0


def bonus_section(scheme: Any) -> str | None:
    """The top-level section that holds every bonus item, when there is one: its points are what the bonus
    ceiling caps, so a page shows it as counted against the ceiling (“计入 5.00 / 5”)."""
    from ..scheme.totals import section_is_bonus

    bonus_items = {i.id for i in scheme.walk_items() if i.bonus}
    for s in scheme.sections:
        if section_is_bonus(s) and bonus_items and bonus_items <= {i.id for i in s.walk_items()}:
            return s.id
    return None


def records_of(df: pd.DataFrame) -> list[dict]:
    """A frame's rows as dicts, NaN as None."""
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in df.to_dict("records")]


def deadline_key(text: str) -> float:
    """Sort deadlines as the documents write them ("4月底前", "11月前", "全年持续工作"); unknown last."""
    if not text:
        return 99.0
    m = re.search(r"(\d{1,2})\s*月", text)
    if m:
        day = re.search(r"月\s*(\d{1,2})\s*日", text)
        return int(m.group(1)) + (int(day.group(1)) / 31 if day else 0.99)
    return 50.0


def object_frame(rows: list[dict], columns: list[str], index: str | None = None) -> pd.DataFrame:
    """Rows as given, object columns: an int stays an int and None stays None (no NaN, no 3.0)."""
    df = pd.DataFrame(rows, columns=columns, dtype=object)
    return df.set_index(index) if index else df


def counted_sections(res: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Units × top-level sections as the document counts them: known points, unknown points and the
    maximum, each through the section caps; the section holding the bonus (:func:`bonus_section`) as
    counted toward the bonus ceiling. Each row's points add up to the unit's known total."""
    sch = res.scheme
    P = np.nan_to_num(res.points.to_numpy(dtype=float))
    MX = res.max_points.to_numpy(dtype=float)
    unknown = res.status.astype(str).isin(UNKNOWN_STATUSES).to_numpy()
    lo, hi, top = sch.add_up(P), sch.add_up(P + MX * unknown), sch.add_up(np.maximum(P, MX))
    ids = [s.id for s in sch.sections]
    ceiling = sch.bonus_cap is not None and sch.bonus_cap.max is not None
    bsec = bonus_section(sch) if ceiling else None

    def frame(t, unk: bool = False) -> pd.DataFrame:
        cols = {}
        for i in ids:
            if i == bsec:
                cols[i] = (hi.bonus - lo.bonus) if unk else t.bonus
            else:
                cols[i] = (hi.sections[i] - lo.sections[i]) if unk else t.sections[i]
        return pd.DataFrame(cols, index=res.points.index, columns=ids).round(6)

    return frame(lo), frame(None, unk=True), frame(top)


def reported_median(res: Any) -> float:
    """The median total of the units that reported (a 未报送 unit's 0 is not a score)."""
    t = res.units["total"].drop(index=list(getattr(res, "unreported", ())))
    return float(t.median()) if len(t) else float("nan")


def comparison(run: Run) -> pd.DataFrame | None:
    """003's cross-unit comparison (:func:`xinyong.scoring.compare.cross_unit_comparison`, Chinese column
    labels) when the scheme asks for one; None otherwise."""
    return run.comparison_table()  # computed once per run (a batch's run file carries it)
