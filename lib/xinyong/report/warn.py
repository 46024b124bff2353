"""Early warning (预警) before a period closes, from partial data.

Two warnings, as data (:class:`Warnings`), for the overview's 预警 section and ``xinyong warn``:

* **Grade at risk**: a unit whose band is not settled: with every unknown point lost (worst case, the
  points known now) it is in a lower band than with every unknown point won (best case). Both are
  said; a unit whose worst case is below 合格 is marked. Unknown points are never counted as lost in
  the ranking: this is the only place the worst case is spelled out.
* **Deadline near, evidence missing**: an item whose deadline falls within ``days`` of the as-of date
  (or has passed while the period is still open) and for which the scheme requires evidence that the
  unit has not registered (证据 sheet). The deadline is the item's ``deadline`` in the scheme as the
  document writes it (:func:`due_date`); an item without a dated deadline is due at the period's end
  (004's items are "考核季度内"). Once the period is over there is nothing left to warn about: the
  deadlines are history and the report says what was missing.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from ..labels import period_zh
from .analysis import UnitAnalysis
from .load import Run

DEFAULT_DAYS = 14
PASS_BAND = "合格"


def period_end(period: str) -> dt.date | None:
    """The last day of a period: 2022Q2 → 2022-06-30, 2019 → 2019-12-31, 2022-03 → 2022-03-31."""
    p = str(period)
    if m := re.fullmatch(r"(\d{4})[Qq]([1-4])", p):
        y, mo = int(m[1]), int(m[2]) * 3
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})", p):
        y, mo = int(m[1]), int(m[2])
    elif re.fullmatch(r"\d{4}", p):
        y, mo = int(p), 12
    else:
        return None
    return dt.date(y, mo, calendar.monthrange(y, mo)[1])


def period_start(period: str) -> dt.date | None:
    p = str(period)
    if m := re.fullmatch(r"(\d{4})[Qq]([1-4])", p):
        return dt.date(int(m[1]), int(m[2]) * 3 - 2, 1)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", p):
        return dt.date(int(m[1]), int(m[2]), 1)
    if re.fullmatch(r"\d{4}", p):
        return dt.date(int(p), 1, 1)
    return None


def due_date(deadline: str | None, period: str) -> dt.date | None:
    """The date an item's deadline text names, in the period's year; None when it names none.

    "4月底前" → 30 April; "4月25日前" → 25 April; "11月前" → 31 October (before November: the literal
    reading, the earlier of the two SEED_NOTES C6 mentions); "2018年12月15日前", "截至2019年3月15日" → that
    day; "全年工作", "全年持续工作" → 31 December. "及时报送", "注重质量": None.
    """
    if not deadline:
        return None
    t = str(deadline)
    end = period_end(period)
    year = end.year if end else None
    if m := re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", t):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if year is None:
        return None
    if m := re.search(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日", t):
        return dt.date(year, int(m[1]), int(m[2]))
    if m := re.search(r"(\d{1,2})\s*月\s*底", t):
        mo = int(m[1])
        return dt.date(year, mo, calendar.monthrange(year, mo)[1])
    if m := re.search(r"(\d{1,2})\s*月\s*前", t):
        mo = int(m[1])
        return dt.date(year, mo, 1) - dt.timedelta(days=1)
    if "全年" in t:
        return dt.date(year, 12, 31)
    return None


@dataclass(frozen=True)
class Warnings:
    period: str
    as_of: dt.date
    days: int
    period_end: dt.date | None
    open: bool  # the period is not over at the as-of date: deadline warnings apply
    grades: pd.DataFrame  # unit, name, total, grade, best_total, grade_best, unknown, below_pass
    deadlines: pd.DataFrame  # unit, name, item, item_name, deadline, due, days_left, required, dated
    unit_names: tuple[str, ...] = ()  # every unit of the run, in ranking order

    @property
    def empty(self) -> bool:
        return not len(self.grades) and not len(self.deadlines)

    def by_item(self) -> pd.DataFrame:
        """The deadline warnings grouped by item (a leader reads one line per item, not per unit × item):
        item, item_name, deadline, due, days_left, dated, required, n (units), units (their names), others
        (the names of the units that are not missing it)."""
        cols = ["item", "item_name", "deadline", "due", "days_left", "dated", "required", "n", "units", "others"]
        d = self.deadlines
        if not len(d):
            return pd.DataFrame(columns=cols, dtype=object)
        rows = []
        for item, g in d.groupby("item", sort=False):
            f = g.iloc[0]
            rows.append({"item": item, "item_name": f["item_name"], "deadline": f["deadline"], "due": f["due"],
                         "days_left": int(f["days_left"]), "dated": bool(f["dated"]), "required": f["required"],
                         "n": len(g), "units": list(g["name"]),
                         "others": [n for n in self.unit_names if n not in set(g["name"])]})
        out = pd.DataFrame(rows, columns=cols, dtype=object)
        return out.sort_values(["days_left", "n"], ascending=[True, False], kind="stable").reset_index(drop=True)

    # The sentences the overview's 预警 section prints, in HTML and in Word alike.
    def open_note(self) -> str:
        """“截至 2022年6月20日；考核期到 2022年6月30日 结束。” while the period is open, else ""."""
        return f"截至 {when_zh(self.as_of)}；考核期到 {when_zh(self.period_end)} 结束。" if self.open and self.period_end else ""

    def grades_heading(self) -> str:
        return f"等级尚未确定的单位（{len(self.grades)} 个）"

    def grades_sentence(self) -> tuple[str, str]:
        """(what the two cases are, how many units' worst case is below 合格 — "" when none): the second
        part is the alarm, set apart (red) by the writers."""
        n_low = int(self.grades["below_pass"].astype(bool).sum()) if len(self.grades) else 0
        return ("这些单位还有分数未知（缺数据或待评审）。未知分全部失去时为最坏情况，全部得到时为最好情况，两者等级不同：",
                f"其中 {n_low} 个单位最坏情况低于合格。" if n_low else "")

    def deadlines_heading(self) -> str:
        return (f"期限临近、佐证材料仍缺的条目（{len(self.by_item())} 项，涉及 "
                f"{self.deadlines['unit'].nunique()} 个单位）")

    def deadlines_sentence(self) -> str:
        end = when_zh(self.period_end) if self.period_end else ""
        return (f"以下条目的完成期限在 {self.days} 天内或已过，而方案要求的佐证材料在“证据”表中还没有登记。"
                f"方案没有写明期限的条目，按考核期末（{end}）计。")

    @staticmethod
    def deadline_text(r) -> str:
        """An item's deadline as the table prints it: “4月底前（2022年4月30日）”, or 考核期末."""
        return f"{r.deadline}（{when_zh(r.due)}）" if r.dated else "考核期末"

    @staticmethod
    def units_text(r) -> str:
        """Which units still miss an item's evidence (a :meth:`by_item` row): all, all but a few, or the few."""
        if len(r.others) == 0:
            return f"全部 {r.n} 个单位"
        if len(r.others) < r.n:
            return f"{r.n} 个单位（除{'、'.join(r.others)}外）"
        return f"{r.n} 个：{'、'.join(r.units)}"

    def as_dict(self) -> dict:
        """JSON-ready (dates as ISO strings)."""
        def rows(df: pd.DataFrame) -> list[dict]:
            return [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()}
                    for r in df.to_dict("records")]

        return {"period": self.period, "as_of": self.as_of.isoformat(), "days": self.days,
                "period_end": self.period_end.isoformat() if self.period_end else None, "open": self.open,
                "grades": rows(self.grades), "deadlines": rows(self.deadlines)}


def _below(scheme, band: str | None) -> bool:
    if scheme.grades is None or band is None:
        return False
    labels = [b.label for b in scheme.grades.bands]
    return PASS_BAND in labels and band in labels and labels.index(band) > labels.index(PASS_BAND)


def warnings(run: Run, as_of: dt.date | str | None = None, days: int = DEFAULT_DAYS) -> Warnings:
    """What to warn about in ``run`` at ``as_of`` (default: today)."""
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    as_of = as_of or dt.date.today()
    sch, u = run.scheme, run.result.units
    grades = []
    if sch.grades is not None:
        for uid, r in u.sort_values(["rank", "unit_name"]).iterrows():
            g, best = r.get("grade"), r.get("grade_if_all_known_full")
            if isinstance(g, str) and isinstance(best, str) and g != best:
                grades.append({"unit": str(uid), "name": str(r["unit_name"]), "total": float(r["total"]), "grade": g,
                               "best_total": float(r["max_possible"]), "grade_best": best,
                               "unknown": float(r["unknown_points"]), "below_pass": _below(sch, g)})
    end, start = period_end(run.period), period_start(run.period)
    is_open = end is not None and as_of <= end and (start is None or as_of >= start - dt.timedelta(days=days))
    deadlines = []
    if is_open:
        dl = {it.id: it.deadline for it in sch.walk_items()}
        for uid in u.sort_values(["rank", "unit_name"]).index:
            ev = UnitAnalysis(run, str(uid)).evidence()
            for r in ev[ev["flag"].astype(bool)].itertuples():
                text = dl.get(r.item)
                due = due_date(text, run.period)
                dated = due is not None
                due = due or end
                left = (due - as_of).days
                if left <= days:
                    deadlines.append({"unit": str(uid), "name": str(u.at[uid, "unit_name"]), "item": r.item,
                                      "item_name": r.name, "deadline": text or "", "due": due, "days_left": left,
                                      "required": r.required, "dated": dated})
    dcols = ["unit", "name", "item", "item_name", "deadline", "due", "days_left", "required", "dated"]
    ddf = pd.DataFrame(deadlines, columns=dcols, dtype=object)
    if len(ddf):
        ddf = ddf.sort_values(["days_left", "name", "item"], kind="stable").reset_index(drop=True)
    return Warnings(run.period, as_of, int(days), end, is_open,
                    pd.DataFrame(grades, columns=["unit", "name", "total", "grade", "best_total", "grade_best",
                                                  "unknown", "below_pass"], dtype=object),
                    ddf, tuple(str(n) for n in u.sort_values(["rank", "unit_name"])["unit_name"]))


def when_zh(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def left_zh(days_left: int) -> str:
    if days_left < 0:
        return f"已过期 {-days_left} 天"
    if days_left == 0:
        return "今天到期"
    return f"还有 {days_left} 天"


def warn_lines(w: Warnings) -> list[str]:
    """The warnings as Chinese lines for the terminal (``xinyong warn``)."""
    out = [f"{period_zh(w.period)}预警（截至 {when_zh(w.as_of)}）"]
    if w.empty:
        out.append("没有需要预警的事项。" + ("" if w.open else "（考核期已结束，不再提示到期事项。）"))
        return out
    if len(w.grades):
        out.append(f"一、等级尚未确定、可能落入较低等级的单位 {len(w.grades)} 个（未知分全部失去为最坏情况，全部得到为最好情况）：")
        for r in w.grades.itertuples():
            out.append(f"  {r.name}：最坏 {r.total:.2f} 分（{r.grade}），最好 {r.best_total:.2f} 分（{r.grade_best}），"
                       f"未知 {r.unknown:.2f} 分" + ("；可能低于合格" if r.below_pass else ""))
    if len(w.deadlines):
        out.append(f"二、期限临近（{w.days} 天内）或已过、佐证材料仍缺的条目 {len(w.deadlines)} 项：")
        for r in w.deadlines.itertuples():
            due = when_zh(r.due) + ("" if r.dated else "（方案未写期限，按考核期末）")
            out.append(f"  {r.name}｜{r.item_name}｜期限 {r.deadline or '考核期末'}，{due}，{left_zh(r.days_left)}｜缺：{r.required}")
    elif not w.open:
        out.append("考核期已结束，不再提示到期事项。")
    return out
