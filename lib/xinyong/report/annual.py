"""The year (年度汇总) of a quarterly scheme: each quarter's total and rank per unit, the year's figure,
the annual ranking and the units that fell below 合格 in some quarter.

The schemes do not say how quarters make a year. 004 only says "县社会信用体系建设领导小组将每季度考核结果
作为年度目标考核的重要参考依据": the method is a reading of the scheme (``@scheme: {annual: mean|sum|last}``,
reading ``Y1`` in the 郏县 schemes), recorded with its alternatives like every other reading; a scheme
without one is summed up by the mean, and the page says the scheme is silent. A quarter a unit has no
result for is 缺 (never 0): its year figure is unknown and it is not ranked for the year.

:func:`annual_data` is the analysis (frames and a dataclass); :func:`annual_html` writes one
self-contained page, directly, like the leader brief: the page has no chart and nothing to execute,
so a notebook would only add a kernel start per year and a second copy of the same tables.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Sequence

import pandas as pd

from ..labels import QUARTERS_ZH, period_zh, score2
from ..scheme.model import Scheme
from ..scoring import ScoreResult

METHODS = ("mean", "sum", "last")
DEFAULT_METHOD = "mean"
PASS_BAND = "合格"
METHOD_ZH = {"mean": "各季度总分的平均", "sum": "各季度总分之和", "last": "年内最后一个季度的总分"}


def year_of(period: str) -> str | None:
    """The year of a sub-annual period (2022Q2, 2022-03 → 2022); None for a year itself or anything else."""
    m = re.fullmatch(r"(\d{4})(?:[Qq][1-4]|-\d{1,2})", str(period))
    return m[1] if m else None


def years(periods: Sequence[str]) -> dict[str, list[str]]:
    """Year → its periods (sorted), for the years with at least two periods: those have an annual page."""
    out: dict[str, list[str]] = {}
    for p in periods:
        y = year_of(p)
        if y:
            out.setdefault(y, [])
            if str(p) not in out[y]:
                out[y].append(str(p))
    return {y: sorted(ps) for y, ps in sorted(out.items()) if len(ps) >= 2}


def expected_periods(year: str, periods: Sequence[str]) -> list[str]:
    """The periods a full year has, in the form the run uses (quarters: Q1–Q4)."""
    if all(re.fullmatch(r"\d{4}[Qq][1-4]", p) for p in periods):
        return [f"{year}Q{k}" for k in range(1, 5)]
    return sorted(periods)


@dataclass(frozen=True)
class AnnualMethod:
    """How the year is computed and where that choice comes from."""

    method: str  # mean | sum | last
    method_zh: str
    reading: str | None  # the scheme's reading id, None when the scheme is silent
    question: str | None
    why: str | None
    chosen_label: str | None
    alternatives: tuple[str, ...]  # the other options' labels
    overridden: bool  # another option than the scheme's chosen one


@dataclass(frozen=True)
class Annual:
    scheme_title: str
    short_title: str
    year: str
    periods: tuple[str, ...]  # the year's periods in the run set, in order
    not_held: tuple[str, ...]  # periods of a full year the run set has no data for (yet)
    method: AnnualMethod
    # long: unit, name, period, total, rank, ranked (False: a gate's consequence left it out that quarter),
    # n_units, grade, grade_certain, grade_best, unknown, gate
    quarters: pd.DataFrame
    ranking: pd.DataFrame  # unit, name, figure (None when unknown), rank (None), missing (list of periods), n_held
    below: pd.DataFrame  # unit, name, period, total, grade, grade_certain, gate: every quarter below 合格 or vetoed
    has_grades: bool

    def below_by_unit(self) -> list[tuple[str, pd.DataFrame]]:
        """(name, its quarters below 合格 or vetoed) per unit: most such quarters first, then the year's order."""
        order = {u: k for k, u in enumerate(self.ranking["unit"])}
        groups = [(str(g["name"].iloc[-1]), g) for _, g in self.below.groupby("unit", sort=False)]
        return sorted(groups, key=lambda t: (-len(t[1]), order.get(t[1]["unit"].iloc[0], 0)))

    @property
    def all_periods(self) -> tuple[str, ...]:
        """The periods of a full year (held or not), in order: the page's columns."""
        return tuple(sorted({*self.periods, *self.not_held}))

    # The sentences the year's page and its Word copy print (one source: both writers take them from here).
    def subtitle(self) -> str:
        return (f"{self.scheme_title} · 已有 " + "、".join(quarter_zh(p) for p in self.periods)
                + f"的考核结果 · 单位 {len(self.ranking)} 个")

    def verdict(self) -> list[tuple[str, str]]:
        """The verdict as (sentence, tone): the year's first, the units below 合格 in some quarter (bad),
        the units without a year's figure, the quarters not held yet."""
        ranked = self.ranking[self.ranking["rank"].notna()]
        unranked = len(self.ranking) - len(ranked)
        out = []
        if len(ranked):
            top = ranked.iloc[0]
            out.append((f"年度第一名：{top['name']}（年度得分 {score2(top['figure'])} 分）。", ""))
        if len(self.below):
            out.append((f"{self.below['unit'].nunique()} 个单位有季度低于合格或被否决（见下）。", "bad"))
        elif self.has_grades:
            out.append(("没有单位在任何季度低于合格。", ""))
        if unranked:
            out.append((f"{unranked} 个单位缺少季度结果，年度得分未知，未参加年度排名。", ""))
        if self.not_held:
            out.append(("、".join(quarter_zh(p) for p in self.not_held)
                        + f"尚无考核结果，年度得分只含已有的 {len(self.periods)} 个季度。", ""))
        return out

    def method_lines(self) -> list[tuple[str, str, bool]]:
        """How the year's figure is computed, as (label, text, is a note): the method, and the reading it
        comes from with its reason and the alternatives — or that the scheme is silent."""
        m = self.method
        scale = {"mean": "（百分制）", "sum": "（各季度满分之和）"}.get(m.method, "")
        out = [("年度得分的算法", f"{m.method_zh}{scale}。某季度缺少结果的单位，年度得分记为未知（不按零分计），不参加年度排名。", False)]
        if m.reading:
            out += [("方案未写明之处", m.question or "", False),
                    ("本汇总采用的理解", f"{m.chosen_label}" + ("（本次运行改用了这一理解，与方案默认的理解不同）" if m.overridden else "") + "。", False)]
            if m.why:
                out.append(("理由", m.why, True))
            out.append(("其他理解", "；".join(m.alternatives) + "。", True))
        else:
            out.append(("", f"方案没有写明年度结果的算法，本汇总按{m.method_zh}计算；其他可能的算法：" + "、".join(m.alternatives) + "。", True))
        return out

    @staticmethod
    def grade_text(c) -> str:
        """A quarter's grade as the table prints it: 良好※ (unknown points left), 不合格·否决."""
        if not c.grade:
            return ""
        return c.grade + ("※" if not c.grade_certain else "") + ("·否决" if c.gate == "fail" else "")

    @staticmethod
    def year_notes(r) -> list[str]:
        """What qualifies a unit's year figure: 另有未知 1.25 分, 缺第一季度."""
        out = []
        if r.unknown and r.unknown > 0:
            out.append(f"另有未知 {score2(r.unknown)} 分")
        if r.missing:
            out.append("缺" + "、".join(quarter_zh(p) for p in r.missing))
        return out

    def table_note(self) -> str:
        return ("季度格中括号内为该季度名次；"
                + ("等级后的“※”表示该季度还有未知分（缺数据或待评审），等级可能变化；红色为低于合格或被否决的季度；" if self.has_grades else "")
                + "“缺”为该单位该季度没有考核结果，不是零分。"
                + ("“未知”为本次运行还没有该季度的数据（尚未考核或未提供），年度得分只含已有的季度。" if self.not_held else ""))

    @staticmethod
    def below_text(mine: pd.DataFrame) -> str:
        """A unit's quarters below 合格 or vetoed: 第一季度（59.25 分，不合格）、…"""
        return "、".join(f"{quarter_zh(b.period)}（{score2(b.total)} 分，{'被否决' if b.gate == 'fail' else b.grade}"
                        + (f"；未知分全得可为{b.grade_best}" if not b.grade_certain and b.grade_best else "") + "）"
                        for b in mine.itertuples())

    def none_below(self) -> str:
        return "没有单位在任何季度低于合格或被否决。" if self.has_grades else "方案没有等级，不判定是否合格。"

    def legend(self) -> list[tuple[str, str]]:
        """The key to the grade colours of the year's table (none without grades)."""
        from ..labels import grade_legend

        if not self.has_grades:
            return []
        return grade_legend(list(dict.fromkeys(g for g in self.quarters["grade"] if isinstance(g, str))), unsettled=False)


def annual_method(scheme: Scheme, result: ScoreResult) -> AnnualMethod:
    """The method of the reading that sets ``@scheme.annual`` as the result used it (or the default)."""
    for r in scheme.readings:
        if any("annual" in o.set.get("@scheme", {}) for o in r.options):
            used = result.readings_used.get(r.id, r.chosen)
            opt = r.option(used)
            m = str(opt.set.get("@scheme", {}).get("annual", DEFAULT_METHOD))
            if m not in METHODS:
                m = DEFAULT_METHOD
            return AnnualMethod(m, METHOD_ZH[m], r.id, r.question, r.why, opt.label,
                                tuple(o.label for o in r.options if o.id != used), used != r.chosen)
    return AnnualMethod(DEFAULT_METHOD, METHOD_ZH[DEFAULT_METHOD], None, None, None, None,
                        (METHOD_ZH["sum"], METHOD_ZH["last"]), False)


def _below_bands(scheme: Scheme) -> set[str]:
    if scheme.grades is None:
        return set()
    labels = [b.label for b in scheme.grades.bands]
    return set(labels[labels.index(PASS_BAND) + 1:]) if PASS_BAND in labels else set()


def _figure(method: str, mine: pd.DataFrame, periods: Sequence[str], missing: list[str]) -> tuple[float | None, float | None]:
    """(year figure, the points of it still unknown) of one unit; (None, None) when a quarter it needs is 缺.
    The unknown points go through the same method: a mean of totals has a mean of unknown points."""
    if method == "last":
        if periods[-1] in missing:
            return None, None
        return float(mine.at[periods[-1], "total"]), float(mine.at[periods[-1], "unknown"])
    if missing:
        return None, None
    tot = mine.loc[list(periods), "total"].astype(float)
    unk = mine.loc[list(periods), "unknown"].astype(float)
    if method == "sum":
        return round(float(tot.sum()), 6), round(float(unk.sum()), 6)
    return round(float(tot.mean()), 6), round(float(unk.mean()), 6)


def annual_data(scheme: Scheme, year: str, results: Sequence[tuple[str, ScoreResult]]) -> Annual:
    """The year ``year`` of ``scheme`` from the scored periods ``results`` (period, result), any order;
    periods of other years are ignored."""
    res = sorted([(str(p), r) for p, r in results if year_of(str(p)) == str(year)], key=lambda t: t[0])
    if not res:
        from ..errors import XinyongError

        raise XinyongError(f"没有 {year} 年的考核期数据，无法生成年度汇总", f"no period of year {year}")
    periods = tuple(p for p, _ in res)
    method = annual_method(scheme, res[-1][1])
    rows = []
    for p, r in res:
        u = r.units
        # a unit that did not report (未报送, contract A: ``ScoreResult.unreported``) has no result that
        # quarter: 缺, as if absent, never its 0 known points
        unreported = set(map(str, getattr(r, "unreported", None) or ()))
        for uid, x in u.iterrows():
            if str(uid) in unreported:
                continue
            grade = x.get("grade")
            rows.append({"unit": str(uid), "name": str(x["unit_name"]), "period": p, "total": float(x["total"]),
                         "rank": int(x["rank"]), "ranked": bool(x.get("ranked", True)), "n_units": len(u),
                         "grade": grade if isinstance(grade, str) else None,
                         "grade_certain": bool(x.get("grade_certain", True)),
                         "grade_best": x.get("grade_if_all_known_full") if isinstance(x.get("grade_if_all_known_full"), str) else None,
                         "unknown": float(x["unknown_points"]), "gate": x.get("gate_outcome")})
    q = pd.DataFrame(rows, columns=["unit", "name", "period", "total", "rank", "ranked", "n_units", "grade", "grade_certain",
                                    "grade_best", "unknown", "gate"])
    # a unit's name as of its latest period; units in the order they first appear
    names = q.groupby("unit", sort=False)["name"].last()
    rk = []
    for uid, name in names.items():
        mine = q[q["unit"] == uid].set_index("period")
        missing = [p for p in periods if p not in mine.index]
        figure, unknown = _figure(method.method, mine, periods, missing)
        rk.append({"unit": uid, "name": name, "figure": figure, "missing": missing,
                   "n_held": len(periods) - len(missing), "unknown": unknown})
    # object columns: an unknown year stays None (never NaN read as a number), a rank stays an int
    ranking = pd.DataFrame(rk, columns=["unit", "name", "figure", "missing", "n_held", "unknown"], dtype=object)
    fig = pd.to_numeric(ranking["figure"], errors="coerce")
    ranking["rank"] = pd.Series([None if pd.isna(v) else int(v) for v in fig.rank(method="min", ascending=False)],
                                index=ranking.index, dtype=object)
    ranking["_k"] = fig.fillna(float("-inf"))
    ranking = ranking.sort_values(["_k", "name"], ascending=[False, True]).drop(columns="_k").reset_index(drop=True)
    bands = _below_bands(scheme)
    bad = q[q["grade"].isin(bands) | (q["gate"] == "fail")] if len(q) else q
    below = bad[["unit", "name", "period", "total", "grade", "grade_certain", "grade_best", "gate"]].reset_index(drop=True)
    exp = expected_periods(str(year), list(periods))
    return Annual(scheme_title=scheme.title, short_title=scheme.short_title or scheme.title, year=str(year),
                  periods=periods, not_held=tuple(p for p in exp if p not in periods), method=method, quarters=q,
                  ranking=ranking, below=below, has_grades=scheme.grades is not None)


def quarter_zh(period: str) -> str:
    """A period inside its year's page: 第二季度 (the year is in the title)."""
    m = re.fullmatch(r"\d{4}[Qq]([1-4])", str(period))
    return QUARTERS_ZH[m[1]] if m else period_zh(period)


def annual_html(a: Annual, links: dict[str, str] | None = None, now: dt.datetime | None = None) -> str:
    """The annual summary as one self-contained HTML page (no script, nothing from the network).

    ``links``: period → relative link to that period's overview."""
    from markupsafe import Markup

    from .narrative import TEMPLATES, render
    from .tables import label_tables

    # a stylesheet, not text: its ">" stays ">"
    css = Markup("".join((TEMPLATES / f).read_text(encoding="utf-8") for f in ("brief.css", "annual.css")))
    low = set(zip(a.below["unit"], a.below["period"]))
    cells = {(r.unit, r.period): SimpleNamespace(**r._asdict(), low=(r.unit, r.period) in low)
             for r in a.quarters.itertuples(index=False)}
    return label_tables(render("annual.html.j2", a=a, css=css, cells=cells, below_units=a.below_by_unit(), qz=quarter_zh, pz=period_zh, links=links or {},
                  generated=(now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")))


def annual_file(year: str) -> str:
    """The annual page's file name, in the scheme's folder beside the periods' folders."""
    return f"annual-{year}.html"
