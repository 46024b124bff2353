"""What a report says, as data: the unit and overview analyses every writer shares.

:class:`UnitAnalysis` (one unit of a :class:`~.load.Run`) and :class:`OverviewAnalysis` (all units of it)
return pandas data frames and small frozen dataclasses — no HTML, no jinja2. The HTML blocks
(:mod:`.sections`, :mod:`.overview`) are one writer over them; a Word or PDF writer takes the same
frames. Numbers stay numbers (floats, ints, ``NaN``/``None`` where unknown, never 0); the words for
codes and the number formats are in :mod:`xinyong.labels`. A few columns are sentences already
(an action's ``state`` and ``todo``, a gate condition's ``values``): they are what the report says
about the unit, the same in every format.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..errors import where
from ..labels import GATE_KIND_ZH, STATUS_ZH, UNIT_STATE_ZH, label, num, period_zh, rank_zh, score2
from ..scoring.describe import Names, gate_sentence
from ..util import computed_once
from .load import Run

EPS = 1e-9  # points closer than this to full marks count as full (sums of fractions: 0.1 + 0.2)
UNKNOWN_STATUSES = ("missing_input", "pending_judgement", "undefined")  # points unknown, never 0
VETO_LEAD = "一票否决："  # the lead of the verdict's sentence on a failed veto (a headline marks the unit by it)
UNQUALIFIED_LEAD = "未满足认定条件："  # … on a failed 认定条件


def bonus_section(scheme: Any) -> str | None:
    """The top-level section that holds every bonus item, when there is one: its points are what the bonus
    ceiling caps, so a page shows it as counted against the ceiling (“计入 5.00 / 5”)."""
    from ..scheme.totals import section_is_bonus

    bonus_items = {i.id for i in scheme.walk_items() if i.bonus}
    for s in scheme.sections:
        if section_is_bonus(s) and bonus_items and bonus_items <= {i.id for i in s.walk_items()}:
            return s.id
    return None


# ---------------------------------------------------------------------------------------------- sentences
# One function per fact a page states about a unit's standing; the HTML summary, the Word verdict and the
# brief print what these return, so the same fact is never worded twice.
def rank_sentence(st: "Standing") -> str:
    """Where the unit stands, as its consequence and the unknown points allow: “在参加考核的 4 个单位中排名第
    2”; “暂列第 4 名…” with the range unknown points leave open; “本期不参加排名…” for a unit a gate's
    consequence takes out (its place after the ranked units is not a rank)."""
    if not st.ranked:
        return f"本期不参加排名，列于参加排名的 {st.n_ranked} 个单位之后"
    among = f"在参加{'排名' if st.n_ranked < st.n_units else '考核'}的 {st.n_ranked} 个单位中"
    if st.rank_settled:
        return f"{among}排名第 {st.rank}"
    return (f"{among}暂列第 {st.rank} 名（名次未定：未知分数补齐后，可能在第 {st.rank_best} 至第 "
            f"{st.rank_worst} 名之间）")


def grade_sentence(st: "Standing") -> str:
    """The grade, or "" when the scheme has none: “等级为“良好””, or “等级暂为“良好”（未定：…）” when the
    unknown points could raise it."""
    if not st.has_grades or not isinstance(st.grade, str):
        return ""
    if st.grade_certain:
        return f"等级为“{st.grade}”"
    best = f"，若全部取得，等级最高可为“{st.grade_best}”" if isinstance(st.grade_best, str) else ""
    return f"等级暂为“{st.grade}”（未定：尚有 {score2(st.unknown_points)} 分未知{best}）"


def consequence_sentence(scheme: Any, gate: Any, options: Any = None) -> str:
    """What failing ``gate`` did to the unit, as its consequence says (“无论得分高低，等级定为“不合格”，不参加
    排名”); "" when the consequence is none. Only what the consequence does is said: a veto that sets the
    grade but keeps the unit ranked does not say it ranks last."""
    from ..scoring.result import consequence_text, vetoes_all

    text = consequence_text(scheme.gate_consequence(gate, options))  # options: a reading may set it
    if not text:
        return ""
    return ("无论得分高低，" if vetoes_all(scheme, gate, options) else "") + text


def reading_sentence(change: dict) -> str:
    """A reading under which the unit's grade differs (:meth:`UnitAnalysis.reading_grade_changes`)."""
    unk = f"，另有 {score2(change['unknown'])} 分未知" if change.get("unknown") else ""
    return (f"条款有歧义：{change['question']}若按“{change['label']}”理解，总分为 {score2(change['total'])} 分{unk}，"
            f"等级为“{change['grade']}”")


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


@dataclass(frozen=True)
class VerdictLine:
    """One sentence of the verdict: ``key`` (what it states: total, cap, gate, grade, reading, rank,
    change, moved, lost, unknown), ``lead`` (words a page sets in bold, e.g. “一票否决：”) and ``text``."""

    key: str
    text: str
    lead: str = ""

    def __str__(self) -> str:
        return self.lead + self.text


# the sentence a capped section or the bonus ceiling adds to the verdict (the raw sum and what counts)
def cap_sentence(c: dict) -> str:
    quote = f"（“{c['quote']}”）" if c.get("quote") else ""
    name = "“" + str(c["name"]).replace("“", "‘").replace("”", "’") + "”"
    if c.get("max") is not None and c["raw"] > c["max"]:
        where = "附加分上限" if c["target"] == "@bonus" else "本部分上限"
        return f"{name}各条目合计 {num(c['raw'])} 分，超过{where} {num(c['max'])} 分，按 {num(c['points'])} 分计入{quote}。"
    return f"{name}各条目合计 {num(c['raw'])} 分，低于本部分下限 {num(c['min'])} 分（扣完为止），按 {num(c['points'])} 分计入{quote}。"


# Where an item's plain-language computation stops stating the unit's case and starts computing: the facts
# a page repeats beside an action are what comes before (“迟报、错报条数 3条”, not “；每条扣 0.5 分：…”).
FACT_STOPS = (" → ", "；每", "：按文件公式计算", " × ", "（要求为", "；评分条件", "；合计", "（未按零分计）")


def facts_of(description: str) -> str:
    """The unit's case in an item's computation text (:data:`FACT_STOPS`), without the arithmetic."""
    text = str(description or "").removeprefix("缺少数据：")
    cut = min([k for k in (text.find(s) for s in FACT_STOPS) if k > 0], default=len(text))
    return text[:cut].strip("；，。 ")


def quote_name(name: object) -> str:
    s = "" if name is None else str(name)
    return "“" + s.replace("“", "‘").replace("”", "’") + "”"


class UnitAnalysis:
    """Every analysis of one unit's report; frames are computed once and kept."""

    def __init__(self, run: Run, unit: str):
        self.run = run
        self.unit = run.unit_id(unit)
        self.res = run.result
        self.scheme = run.scheme
        self.row = run.result.units.loc[self.unit]

    # ------------------------------------------------------------------ the unit and its group
    @property
    def name(self) -> str:
        return str(self.row["unit_name"])

    @cached_property
    def unit_items(self) -> pd.DataFrame:
        """``ScoreResult.unit_items``: every item with points, status and computation text."""
        return self.res.unit_items(self.unit)

    def group(self) -> pd.Index:
        """Units of the same kind (the peers the unit is compared with); all units when it is alone.
        Units that did not report (未报送) are no one's peers: their unknown points would count as 0."""
        u = self.res.units
        u = u.drop(index=[x for x in self.res.unreported if x != self.unit])
        kind = self.row["unit_kind"]
        same = u.index[u["unit_kind"] == kind]
        return same if kind and len(same) > 1 else u.index

    @cached_property
    def _totals(self) -> dict:
        """The unit's points added up the document's way (:meth:`Scheme.add_up`): known points (``lo``),
        every unknown point won (``hi``), every item at its maximum (``top``)."""
        res = self.res
        P = np.nan_to_num(res.points.loc[self.unit].to_numpy(dtype=float))
        MX = res.max_points.loc[self.unit].to_numpy(dtype=float)
        unknown = res.status.loc[self.unit].astype(str).isin(UNKNOWN_STATUSES).to_numpy()
        sch = self.scheme
        return {"P": P, "MX": MX, "unknown": unknown, "lo": sch.add_up(P[None, :]),
                "hi": sch.add_up((P + MX * unknown)[None, :]), "top": sch.add_up(np.maximum(P, MX)[None, :])}

    @cached_property
    def winnable(self) -> pd.Series:
        """Per item (index: item id): how much the unit's total would rise if this item alone reached its
        maximum, through the section caps and the bonus ceiling — 0 where a cap is already reached, the
        item's maximum less its points where nothing caps it. Not applicable items: 0."""
        t = self._totals
        P, MX = t["P"], t["MX"]
        k = len(P)
        M = np.repeat(P[None, :], k, axis=0)
        M[np.arange(k), np.arange(k)] = np.maximum(P, MX)
        gain = self.scheme.add_up(M).total - t["lo"].total[0]
        return pd.Series(np.round(np.clip(gain, 0, None), 6), index=self.res.points.columns)

    def standing(self) -> Standing:
        res, row, sch = self.res, self.row, self.scheme
        grp = self.group()
        t = self._totals
        lo, top = float(t["lo"].total[0]), float(t["top"].total[0])
        ranked = bool(row.get("ranked", True))
        best, worst = int(row.get("rank_best", row["rank"])), int(row.get("rank_worst", row["rank"]))
        unreported = self.unit in res.unreported
        return Standing(
            ranked=ranked and not unreported, n_ranked=int(res.units["ranked"].sum()) if "ranked" in res.units else len(res.units),
            rank_best=best, rank_worst=worst, rank_settled=best == worst,
            rank_text="未报送" if unreported else rank_zh(ranked, row["rank"], best, worst),
            reachable=round(top, 6), to_win=round(max(top - lo, 0.0), 6),
            to_win_unknown=round(float(t["hi"].total[0]) - lo, 6),
            bonus_raw=round(float(t["lo"].bonus_raw[0]), 6),
            bonus_ceiling=None if sch.bonus_cap is None or sch.bonus_cap.max is None else float(sch.bonus_max),
            unit=self.unit, unit_name=self.name, unit_kind=row["unit_kind"],
            total=float(row["total"]), base=float(row["base_total"]), bonus=float(row["bonus"]),
            base_max=sch.base_max, bonus_max=sch.bonus_max, has_grades=sch.grades is not None,
            grade=row.get("grade"), grade_certain=bool(row.get("grade_certain", True)),
            grade_best=row.get("grade_if_all_known_full"),
            n_units=int(row["n_units"]), rank=int(row["rank"]),
            # the overall order, veto included
            group_n=len(grp), group_rank=int(res.units.loc[grp, "rank"].rank(method="min")[self.unit]),
            unknown_points=float(row["unknown_points"]), max_possible=float(row["max_possible"]),
            n_missing=int(row["n_missing_input"]), n_pending=int(row["n_pending_judgement"]),
            n_undefined=int(row["n_undefined"]), n_na=int(row["n_not_applicable"]))

    # ------------------------------------------------------------------ items and sections
    def items(self) -> pd.DataFrame:
        """One row per item, in document order: ``unit_items`` plus ``status_zh`` and ``readings``
        (the readings the item's rule follows: list of {id, label, question})."""
        it = self.unit_items.copy()
        it["status_zh"] = [label(STATUS_ZH, s) for s in it["status"]]
        if self.unit in self.res.unreported:  # nothing was reported: every applicable item is unknown
            it["status_zh"] = ["未知（未报送）" if s != "not_applicable" else z for s, z in zip(it["status"], it["status_zh"])]
        it["readings"] = [self._readings_of(i) for i in it["item"]]
        it["source_line"] = pd.Series([None if pd.isna(x) else int(x) for x in it["source_line"]],
                                      index=it.index, dtype=object)
        return it

    def reading_grade_changes(self) -> list[dict]:
        """The readings under whose other option this unit's grade would differ: question, label (the
        option), total, unknown, grade. Empty when the scheme has no grades."""
        if self.scheme.grades is None or self.unit in self.res.unreported:
            return []
        readings, options = self.readings()
        questions = dict(zip(readings["id"], readings["question"]))
        mine = self.row.get("grade")
        return [{"question": questions.get(o.reading, ""), "label": o.label, "total": o.total, "unknown": o.unknown,
                 "grade": o.grade}
                for o in options.itertuples() if not o.used and isinstance(o.grade, str) and o.grade != mine]

    def gate_sentences(self) -> list[dict]:
        """Per gate, what the verdict says of it: ``lead`` (the words a page sets in bold: “一票否决：”,
        “未满足认定条件：”, or "") and ``text``, with what failing did to the unit (:func:`consequence_sentence`)."""
        out = []
        for gate, g in zip(self.scheme.gates, records_of(self.gates())):
            name, veto = f"“{g['name']}”", g["kind"] == "veto"
            then = consequence_sentence(self.scheme, gate, self.res.scheme_options) if g["outcome"] == "fail" else ""
            then = f"{then}。" if then else ""
            if g["outcome"] == "fail":
                lead = VETO_LEAD if veto else UNQUALIFIED_LEAD
                text = (f"未达到{name}中的 {len(g['failed'])} 项条件：" if veto
                        else f"{name}中有 {len(g['failed'])} 项条件未达到：") + "；".join(g["failed"]) + "。" + then
            elif g["outcome"] == "unknown":
                lead = ""
                text = (f"{name}" + ("" if "一票否决" in g["name"] or not veto else "（一票否决）")
                        + f"尚无法判定：{len(g['unknown'])} 项条件"
                        + ("缺少数据" if veto else "缺少数据或取决于未知分数") + "：" + "；".join(g["unknown"]) + "。")
            else:
                lead = ""
                text = name + ("（一票否决）" if veto and "一票否决" not in g["name"] else "") + "各项条件均已满足。"
            out.append({"kind": g["kind"], "outcome": g["outcome"], "lead": lead, "text": text})
        return out

    def verdict(self) -> list[VerdictLine]:
        """The verdict as sentences, every writer's (the HTML summary and the Word report print these, in
        this order): total and its maximum, grade, gates and what failing them did, readings under which
        the grade differs, rank (and within the unit's kind), the caps that cut a sum, the change since
        the previous period, unknown points."""
        st = self.standing()
        if self.unit in self.res.unreported:
            return [VerdictLine("total", "未报送。本期没有报送数据：全部适用条目均为“未知”，不按零分计算；本期不参加排名。")]
        parts = ([f"基础分 {score2(st.base)} 分", f"附加分 {score2(st.bonus)} 分", f"基础满分 {num(st.base_max)} 分",
                  f"附加分最多计 {num(st.bonus_max)} 分"] if st.bonus_max else [f"满分 {num(st.base_max)} 分"])
        out = [VerdictLine("total", f"总分 {score2(st.total)} 分（{'，'.join(parts)}）。")]
        if gs := grade_sentence(st):
            out.append(VerdictLine("grade", gs + "。"))
        out += [VerdictLine("gate", g["text"], g["lead"]) for g in self.gate_sentences()]
        out += [VerdictLine("reading", reading_sentence(c).removeprefix("条款有歧义：") + "。", "条款有歧义：")
                for c in self.reading_grade_changes()]
        rank = rank_sentence(st)
        if st.ranked and st.group_n < st.n_units:
            rank += (f"，在同类（{st.unit_kind}）{st.group_n} 个单位中{'排名' if st.rank_settled else '暂列'}"
                     f"第 {st.group_rank}")
        out.append(VerdictLine("rank", rank + "。"))
        out += [VerdictLine("cap", cap_sentence(c)) for c in self.res.cap_rows(self.unit)]
        if (prev := self.previous()) is not None:
            place = f"第 {prev.rank} 名" if prev.ranked else "不参加排名"
            d = prev.delta
            change = f"提高 {score2(d)} 分" if d > 0 else f"下降 {score2(-d)} 分" if d < 0 else "持平"
            moved = ""
            if prev.rank != st.rank and st.ranked and prev.ranked:  # a place unknown points may still move is 暂列
                moved = (f"，{'' if st.rank_settled else '暂列'}名次{'上升' if prev.rank > st.rank else '下降'} "
                         f"{abs(prev.rank - st.rank)} 位")
            out.append(VerdictLine("change", f"与上一考核期（{period_zh(prev.period)}，{score2(prev.total)} 分，{place}）"
                                             f"相比，总分{change}{moved}。"))
        if st.unknown_points > 0:
            why = [f"{n} 个条目{w}" for n, w in ((st.n_missing, "缺少数据"), (st.n_pending, "待评审赋分"),
                                              (st.n_undefined, "无法计算（如分母为零）")) if n]
            out.append(VerdictLine("unknown", f"仍有 {score2(st.unknown_points)} 分尚未确定：{'，'.join(why)}。"
                                              f"这些分数不按零分计算，补齐后总分最高可达 {score2(st.max_possible)} 分。"))
        return out

    def headline_marks(self) -> list[str]:
        """What a headline says beside the score of a gate the unit failed: “一票否决”; “未通过认定” for a
        failed 认定条件 on a scheme without grades (with grades, the grade it caps says it)."""
        lines = self.verdict()
        marks = ["一票否决"] if any(v.key == "gate" and v.lead == VETO_LEAD for v in lines) else []
        if self.scheme.grades is None and any(v.key == "gate" and v.lead == UNQUALIFIED_LEAD for v in lines):
            marks.append("未通过认定")
        return marks

    def verdict_lines(self) -> list[str]:
        """:meth:`verdict` as plain sentences (the lead words joined to their text)."""
        return [str(v) for v in self.verdict()]

    def _readings_of(self, item_id: str) -> list[dict]:
        used = self.res.rules[item_id].readings
        out = []
        for rid, opt in used.items():
            try:
                rd = self.scheme.reading(rid)
                text = rd.option(opt).label
                q = rd.question
            except KeyError:
                text, q = opt, ""
            out.append({"id": rid, "label": text, "question": q})
        return out

    @computed_once("_kept_sections")
    def sections(self) -> pd.DataFrame:
        """Top-level sections (index: id), each as the document counts it: name, bonus, ``points`` (known,
        after the section's cap), ``unknown``, ``max`` (the most it can count for this unit, through its
        cap), ``raw`` (what its items add up to before its own cap), ``cap_max``/``cap_min`` (the cap, None
        when none) and ``counted``: True for the bonus section when the bonus ceiling applies, whose points,
        unknown and max are then what counts toward the ceiling (“计入 5.00 / 5”) and ``raw`` what its items
        add up to. The points of all rows add up to the unit's known total. Built once per report (the
        charts and the item table ask; a copy each)."""
        t = self._totals
        lo, hi, top = t["lo"], t["hi"], t["top"]
        sch = self.scheme
        ceiling = sch.bonus_cap is not None and sch.bonus_cap.max is not None
        bsec = bonus_section(sch) if ceiling else None
        rows = []
        for s in sch.sections:
            row = {"section": s.id, "name": s.name, "bonus": s.bonus, "points": float(lo.sections[s.id][0]),
                   "unknown": round(float(hi.sections[s.id][0] - lo.sections[s.id][0]), 6),
                   "max": float(top.sections[s.id][0]),
                   "raw": float(lo.sections_raw[s.id][0]),
                   "cap_max": s.cap.max if s.cap is not None else None,
                   "cap_min": s.cap.min if s.cap is not None else None, "counted": s.id == bsec}
            if s.id == bsec:  # the ceiling cuts this section's sum: show what counts
                row.update(points=float(lo.bonus[0]), unknown=round(float(hi.bonus[0] - lo.bonus[0]), 6),
                           max=float(top.bonus[0]), raw=float(lo.sections[s.id][0]))
            rows.append(row)
        return object_frame(rows, ["section", "name", "bonus", "points", "unknown", "max", "raw", "cap_max", "cap_min",
                             "counted"], index="section")

    def lost(self, n: int = 3) -> pd.DataFrame:
        """The ``n`` scored base items where the unit lost most (``lost``: what full marks on the item
        would add to the total, through the caps — :attr:`winnable`), ties by item id. Bonus items are
        never losses: a unit is not marked down for the bonus it did not win."""
        it = self.unit_items
        scored = it[(it["status"] == "scored") & ~it["bonus"].astype(bool)].copy()
        scored["lost"] = [float(self.winnable[i]) for i in scored["item"]]
        return scored[scored["lost"] > EPS].sort_values(["lost", "item"], ascending=[False, True]).head(n)

    def peers(self) -> Peers | None:
        """The group comparison of chart 2; None when the unit has no peer at all (one unit). Sections are
        counted as the document counts them (:func:`counted_sections`): the bonus against its ceiling."""
        res = self.res
        grp = self.group()
        if len(grp) <= 1:
            return None
        pts, unk, mx = counted_sections(res)
        secs_g = pts.loc[grp]
        best = res.units.loc[grp, "total"].astype(float).idxmax()
        frame = pd.DataFrame({
            "unit": pts.loc[self.unit].tolist(),
            "unit_unknown": unk.loc[self.unit].tolist(),
            "median": secs_g.median().tolist(),
            "best": secs_g.loc[best].tolist(),
            "max": mx.loc[grp].max(axis=0).tolist(),
        }, index=pd.Index(list(pts.columns), name="section"))
        return Peers(grp, len(grp) < len(res.units), best, str(res.units.at[best, "unit_name"]), frame)

    def trend(self) -> pd.DataFrame:
        """The unit's total and the median total of all units, per period it appears in (history then this
        period, oldest first); empty when no earlier period has the unit."""
        periods, totals, medians = [], [], []
        for p, hres in self.run.history:
            if self.unit in hres.units.index and self.unit not in hres.unreported:
                periods.append(p)
                totals.append(float(hres.units.at[self.unit, "total"]))
                medians.append(reported_median(hres))
        if periods and self.unit not in self.res.unreported:
            periods.append(self.run.period)
            totals.append(float(self.row["total"]))
            medians.append(reported_median(self.res))
        return pd.DataFrame({"period": periods, "total": totals, "median": medians},
                            columns=["period", "total", "median"])

    def previous(self) -> Previous | None:
        """Against the latest earlier period, when the unit is in it."""
        prev = self.run.previous()
        if prev is None:
            return None
        p, pres = prev
        if self.unit not in pres.units.index or self.unit in pres.unreported:
            return None
        pu = pres.units.loc[self.unit]
        now = self.res.points.loc[self.unit]
        before = pres.points.loc[self.unit].reindex(now.index)
        both = now.notna() & before.notna()
        delta = (now - before)[both]
        names = {i.id: i.name for i in self.scheme.walk_items()}

        def frame(s: pd.Series) -> pd.DataFrame:
            return pd.DataFrame({"item": list(s.index), "name": [names[k] for k in s.index],
                                 "delta": [float(v) for v in s.to_numpy()]}, columns=["item", "name", "delta"])

        return Previous(period=p, total=float(pu["total"]), rank=int(pu["rank"]),
                        delta=round(float(self.row["total"]) - float(pu["total"]), 6), deltas=frame(delta),
                        gains=frame(delta[delta > EPS].sort_values(ascending=False).head(3)),
                        losses=frame(delta[delta < -EPS].sort_values().head(3)), ranked=bool(pu.get("ranked", True)))

    # ------------------------------------------------------------------ what to do
    def actions(self) -> pd.DataFrame:
        """Every applicable item whose full marks would still add to the total, with those points
        (:attr:`winnable`: through the section caps and the bonus ceiling, so a bonus item is listed only
        while the bonus is below its ceiling, and an item of a section already at its cap not at all).
        Sorted by points to win (most first), then deadline as the document writes it, then item id.
        Their sum can exceed :attr:`Standing.to_win` where several items share a cap.

        Columns: item, name, status, to_win, known (scored), capped (the cap holds to_win below max −
        points), why (the cap in words when capped: “本部分扣完为止，已按 0 分计”), state, responsible,
        deadline, todo."""
        rows = []
        cat = self.scheme.input_catalogue
        win = self.winnable
        secs = self.sections()
        for r in self.unit_items.itertuples():
            if r.status == "not_applicable" or r.max <= 0:
                continue
            to_win = float(win[r.item])
            if to_win <= EPS:
                continue
            gap = float(r.max) - (float(r.points) if r.status == "scored" else 0.0)
            if r.status == "scored":
                state = f"得 {score2(r.points)} / {num(r.max)} 分"
                todo = r.evidence or "按评分标准补足差距"
            else:
                state = label(STATUS_ZH, r.status)
                if r.status == "missing_input":
                    miss = [cat[c].label for c in self.scheme.item(r.item).input_ids
                            if c in cat and c in self.res.frame.columns and pd.isna(self.res.frame.at[self.unit, c])]
                    todo = "补录数据：" + "、".join(miss) + (f"；并准备：{r.evidence}" if r.evidence else "")
                elif r.status == "pending_judgement":
                    todo = "请评审人录入得分和理由" + (f"；佐证材料：{r.evidence}" if r.evidence else "")
                else:
                    todo = "核实数据（当前无法计算，如分母为零）" + (f"；{r.evidence}" if r.evidence else "")
            capped = to_win < gap - 1e-6
            why = ""
            if capped:
                sec = secs.loc[r.section]
                why = ("附加分最多计 " + num(self.scheme.bonus_max) + " 分" if r.bonus
                       else "本部分扣完为止，已按 " + num(sec["cap_min"]) + " 分计"
                       if sec["cap_min"] is not None and sec["raw"] < sec["cap_min"] - EPS else "受本部分上限限制")
                state += f"；{why}，最多还能增加 {score2(to_win)} 分"
            rows.append({"item": r.item, "name": r.name, "status": r.status, "to_win": round(to_win, 6),
                         "known": r.status == "scored", "capped": capped, "why": why, "state": state,
                         "responsible": r.responsible, "deadline": r.deadline, "todo": todo})
        rows.sort(key=lambda x: (-x["to_win"], deadline_key(x["deadline"]), x["item"]))
        return object_frame(rows, ["item", "name", "status", "to_win", "known", "capped", "why", "state", "responsible",
                             "deadline", "todo"])

    def to_win_shared(self) -> bool:
        """Whether the items of :meth:`actions` share a cap, so their points to win add up to more than the
        unit can win (:attr:`Standing.to_win`): the page then says they do not add up."""
        return float(self.actions()["to_win"].sum()) > self.standing().to_win + 1e-6

    def todo(self, n: int = 5) -> Todo:
        """The first ``n`` of :meth:`actions` (most points to win first) as actions a department takes,
        a verb first: 补报 the data an item lacks, 提供佐证 for a judgement still to be reviewed, 核实 data
        that cannot be computed, 整改 an item that lost points, 争取 a bonus still below its ceiling; each
        with the unit's case, the evidence to send and, said once when every row has the same, 责任单位
        and 时限 (:class:`Todo`). Before them, the conditions of a veto or 认定条件 the unit failed (达到)
        or has no data for (补报): no number of points makes up for those."""
        acts = self.actions()
        ev = self.evidence().set_index("item") if len(self.unit_items) else None
        items = self.unit_items.set_index("item")
        rows = self._gate_actions()
        for r in acts.head(n).itertuples():
            it = items.loc[r.item]
            name = quote_name(r.name)
            if r.status == "missing_input":
                verb, action = "补报", f"补报{name}的数据"
            elif r.status == "pending_judgement":
                verb, action = "提供佐证", f"提供{name}的佐证材料，提请评审赋分"
            elif r.status == "undefined":
                verb, action = "核实", f"核实{name}的数据"
            elif bool(it["bonus"]):
                verb, action = "争取", f"争取附加分{name}"
            else:
                verb, action = "整改", f"整改{name}"
            if r.status == "missing_input":
                facts = r.todo.removeprefix("补录数据：").split("；并准备：")[0]
                facts = f"缺少：{facts}" if facts else "缺少数据"
            elif r.status == "pending_judgement":
                facts = "尚无评审得分"
            elif it["kind"] == "judgement":  # an assessor's points and reason: no arithmetic to cut off
                facts = str(it["description"] or "")
            else:
                facts = facts_of(it["description"])
            sent = len(ev.at[r.item, "supplied"]) if ev is not None and r.item in ev.index else 0
            rows.append({"item": r.item, "name": r.name, "verb": verb, "action": action, "facts": facts,
                         "to_win": r.to_win, "stake": "", "state": r.state, "evidence": str(it["evidence"] or ""),
                         "sent": sent, "responsible": str(r.responsible or ""), "deadline": str(r.deadline or "")})
        df = object_frame(rows, ["item", "name", "verb", "action", "facts", "to_win", "stake", "state", "evidence", "sent",
                           "responsible", "deadline"])
        same = {c: df[c].iloc[0] for c in ("responsible", "deadline")
                if len(df) and df[c].nunique() == 1 and df[c].iloc[0]}
        columns = tuple(c for c in ("evidence", "responsible", "deadline")
                        if c not in same and len(df) and (df[c] != "").any())
        st = self.standing()
        vetoed = ""
        for gate, g in zip(self.scheme.gates, records_of(self.gates())):
            if g["kind"] == "veto" and g["outcome"] == "fail":
                then = consequence_sentence(self.scheme, gate, self.res.scheme_options)
                vetoed = (f"本期未达到“{g['name']}”，被一票否决" + (f"：{then}" if then else "") + "。补足下表的分数会提高总分，"
                          "但不改变本期的否决结果；先要达到的是未达到的条件。")
                break
        return Todo(df, same, len(acts), st.to_win, st.to_win_unknown,
                    float(acts["to_win"].sum()) > st.to_win + 1e-6, columns, vetoed)

    def _gate_actions(self) -> list[dict]:
        """The conditions of a gate the unit failed (达到 …) or has no data for (补报 …), as rows of
        :meth:`todo`: what is at stake is the gate's consequence, not points."""
        conds = self.gate_conditions() if self.scheme.gates else None
        rows = []
        for g in records_of(self.gates()):
            if g["outcome"] not in ("fail", "unknown"):
                continue
            for c in conds[conds["gate"] == g["gate"]].itertuples():
                if c.outcome not in ("fail", "unknown"):
                    continue
                verb = "达到" if c.outcome == "fail" else "补报"
                action = f"达到{quote_name(c.name)}" if c.outcome == "fail" else f"补报{quote_name(c.name)}的数据"
                rows.append({"item": c.condition, "name": c.name, "verb": verb, "action": action, "facts": c.sentence,
                             "to_win": None, "stake": GATE_KIND_ZH.get(g["kind"], ""), "state": "", "evidence": "",
                             "sent": 0, "responsible": str(c.responsible or ""), "deadline": ""})
        return rows

    def evidence_gaps(self) -> pd.DataFrame:
        """The applicable items whose evidence the scheme requires and the unit has not registered, in
        this order: item, name, status, points (None when unknown), max, required, and ``scored``: True for an
        item counted with points (“已计分但无佐证”: the points stand on evidence nobody sent). Those come
        first, most points first; then the others in document order."""
        ev = self.evidence()
        items = self.unit_items.set_index("item")
        rows = []
        for r in ev[ev["flag"].astype(bool)].itertuples():
            it = items.loc[r.item]
            pts = None if it["status"] != "scored" else float(it["points"])
            rows.append({"item": r.item, "name": r.name, "status": it["status"], "points": pts,
                         "max": float(it["max"]), "required": r.required,
                         "scored": pts is not None and pts > EPS})
        rows.sort(key=lambda g: (not g["scored"], -(g["points"] or 0)))  # the points that stand on nothing first
        return object_frame(rows, ["item", "name", "status", "points", "max", "required", "scored"])

    def asks_evidence(self) -> bool:
        """Whether the scheme asks evidence for any item applicable to the unit (a page says “方案没有要求佐证
        材料” when it does not, never “均已登记”)."""
        return bool(self.evidence()["required"].map(bool).any())

    def losses(self) -> tuple[pd.DataFrame, float, bool]:
        """Every scored base item short of full marks (:meth:`lost`, most first, with ``why``: the cap that
        makes its loss less than its maximum less its points, "" when none), the points they lose together,
        and whether that sum is more than the unit could win back on those items all at once (items sharing
        a cap). Unknown points are no part of either side: they are not lost."""
        lost = self.lost(n=len(self.unit_items)).copy()
        why = self.actions().set_index("item")["why"]
        lost["why"] = [str(why.get(i, "")) for i in lost["item"]]
        total = round(float(lost["lost"].sum()), 6)
        t = self._totals
        at_max = t["P"].copy()
        cols = list(self.res.points.columns)
        for i in lost["item"]:
            k = cols.index(i)
            at_max[k] = max(at_max[k], t["MX"][k])
        back = float(self.scheme.add_up(at_max[None, :]).total[0]) - float(t["lo"].total[0])
        return lost, total, total > back + 1e-6

    def unknown_items(self) -> pd.DataFrame:
        """The applicable items whose points are unknown (missing data, pending review, not computable):
        item, name, status, max; never counted as lost."""
        it = self.unit_items
        unk = it[it["status"].isin(UNKNOWN_STATUSES)]
        return object_frame([{"item": r.item, "name": r.name, "status": r.status, "max": float(r.max)}
                       for r in unk.itertuples()], ["item", "name", "status", "max"])

    def peer_comparison(self) -> pd.DataFrame | None:
        """The scheme's cross-unit comparison (:func:`comparison`) for this unit only: per ranked numeric
        sub-metric, the unit's value beside the median and the best value among the units with data (a
        yes/no answer is not ranked). None when the scheme asks for no comparison.

        Columns: item, item_name, label, measure, direction (越高越好 | 越低越好), value (None when the unit has
        none), rank, n, median, best, best_unit (the best unit's name)."""
        from ..scoring.compare import cross_unit_comparison

        if self.run.comparison_table() is None:
            return None
        full = cross_unit_comparison(self.res, labels="en")
        cat = self.scheme.input_catalogue
        rows = []
        for (item, inp), g in full.groupby(["item", "input"], sort=False):
            first = g.iloc[0]
            if first["direction"] == "none" or (inp in cat and cat[inp].type == "bool"):
                continue
            top = g[g["rank"] == g["rank"].min()]
            mine = g.loc[self.unit] if self.unit in g.index else None
            v = None if mine is None or pd.isna(mine["value"]) else float(mine["value"])
            rows.append({"item": item, "item_name": first["item_name"], "label": first["label"],
                         "measure": first["measure"] or "",
                         "direction": "越高越好" if first["direction"] == "higher" else "越低越好", "value": v,
                         "rank": None if v is None else int(mine["rank"]), "n": int(first["n"]),
                         "median": None if pd.isna(first["median"]) else float(first["median"]),
                         "best": float(top["value"].iloc[0]) if len(top) else None,
                         "best_unit": "、".join(top["unit_name"].astype(str)) if len(top) else ""})
        return object_frame(rows, ["item", "item_name", "label", "measure", "direction", "value", "rank", "n", "median",
                             "best", "best_unit"])

    def evidence(self) -> pd.DataFrame:
        """Per applicable item: the evidence the scheme requires, what was registered (list of {title,
        link, date}), and ``flag`` when something is required and nothing registered."""
        ev = self.run.data.evidence
        mine = ev[ev["unit_id"].astype(str) == self.unit] if len(ev) else ev
        rows = []
        for r in self.unit_items.itertuples():
            if r.status == "not_applicable":
                continue
            sup = mine[mine["item"] == r.item] if len(mine) else mine
            supplied = [{"title": e.title, "link": e.link if isinstance(e.link, str) else "",
                         "date": "" if pd.isna(e.date) else str(e.date)} for e in sup.itertuples()]
            rows.append({"item": r.item, "name": r.name, "required": r.evidence, "supplied": supplied,
                         "flag": bool(r.evidence) and not supplied})
        return object_frame(rows, ["item", "name", "required", "supplied", "flag"])

    # ------------------------------------------------------------------ gates
    def gates(self) -> pd.DataFrame:
        """One row per gate of the scheme: gate, name, kind, outcome (pass | fail | unknown), the
        conditions failed and those still unknown (lists of "name（sentence with the unit's values）"), and the
        gate's source."""
        conds = self.gate_conditions() if self.scheme.gates else None
        rows = []
        for gate in self.scheme.gates:
            mine = conds[conds["gate"] == gate.id]
            rows.append({"gate": gate.id, "name": gate.name, "kind": gate.kind,
                         "outcome": self.row.get(f"gate:{gate.id}", "unknown"),
                         # each as a reader reads it: the condition's name and the unit's case in a sentence
                         "failed": [f"{c.name}（{c.sentence}）" for c in mine.itertuples() if c.outcome == "fail"],
                         "unknown": [f"{c.name}（{c.sentence}）" for c in mine.itertuples() if c.outcome == "unknown"],
                         "source_file": gate.source.file, "source_line": gate.source.line,
                         "source_quote": gate.source.quote})
        return object_frame(rows, ["gate", "name", "kind", "outcome", "failed", "unknown", "source_file", "source_line",
                             "source_quote"])

    @computed_once("_kept_gate_conditions")
    def gate_conditions(self) -> pd.DataFrame:
        """One row per condition of every gate: gate, condition, name, outcome, the test as the scheme
        writes it, the unit's values it reads (``values``, a sentence), responsible units and source.

        Built once per unit (the summary, the gates block and the gate table each ask; a copy each)."""
        res, g = self.res, self.res.gates
        names = Names(self.scheme.input_catalogue)
        rows = []
        mine = g[g["unit"] == self.unit]
        outcomes: dict = {}  # condition -> the unit's first outcome row, as a filter's .iloc[0] read it
        for cond, oc in zip(mine["condition"].tolist(), mine["outcome"].tolist()):
            outcomes.setdefault(cond, oc)
        for gate in self.scheme.gates:
            for c in gate.conditions:
                vals = _values_text(self.run, self.unit, c.input_ids)
                if any(w in c.test for w in ("total", "base_total", "bonus")):
                    extra = f"总分={score2(res.units.at[self.unit, 'total'])}"
                    if res.units.at[self.unit, "unknown_points"] > 0:
                        extra += f"（另有未知 {score2(res.units.at[self.unit, 'unknown_points'])} 分）"
                    vals = "；".join(x for x in (vals, extra) if x)
                outcome = outcomes.get(c.id, "unknown")
                known = {k: res.frame.at[self.unit, k] for k in c.input_ids if k in res.frame.columns}
                known.update({k: float(res.units.at[self.unit, k]) for k in ("total", "base_total", "bonus")})
                rows.append({"gate": gate.id, "condition": c.id, "name": c.name,
                             "outcome": outcome, "test": c.test,
                             "values": vals, "sentence": gate_sentence(c.test, known, outcome, names),
                             "responsible": "、".join(c.responsible), "source_file": c.source.file,
                             "source_line": c.source.line, "source_quote": c.source.quote})
        return object_frame(rows, ["gate", "condition", "name", "outcome", "test", "values", "sentence", "responsible",
                             "source_file", "source_line", "source_quote"])

    # ------------------------------------------------------------------ the scheme's text
    def findings(self) -> pd.DataFrame:
        """The checker's findings on the scheme (:func:`~xinyong.scoring.scheme_audit.check_scheme`) that concern
        this unit: on the scheme, or on a section or item it is scored on. A finding on a node not
        applicable to the unit's kind is left out; one on a node the checker names but the tree lacks
        is kept."""
        it = self.unit_items
        applicable = set(it.loc[it["status"] != "not_applicable", "item"])
        sec_of = self.scheme.section_of()
        touched = set(applicable) | {s for i in applicable for s in sec_of[i]} | {self.scheme.id}
        nodes = set(sec_of) | {s.id for s in self.scheme.walk_sections()}
        rows = [f.as_dict() for f in self.run.findings if f.target in touched or f.target not in nodes]
        cols = list(rows[0]) if rows else ["scheme", "code", "target", "message", "detail", "declared", "computed",
                                           "source_file", "source_line", "quote"]
        return object_frame(rows, cols)

    def readings(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The scheme's readings (ambiguous clauses) and, per option, this unit's total and grade under it.

        First frame, one row per reading: id, seed_note, question, why, disagrees, targets (short ids of
        the nodes it concerns), used (option id), used_label, overridden (the caller chose another option
        than the scheme's). Second, one row per reading × option: reading, option, label, used, total,
        grade (None when the alternative was not computed)."""
        from .narrative import short_id

        alt = self.run.alternative_totals()
        mine = alt[alt["unit"] == self.unit]
        unknown = mine["unknown"].tolist() if "unknown" in mine else [None] * len(mine)  # an older run file
        # (reading, option) -> (total, grade, unknown), read once: the first row wins, as a filter's .iloc[0] did
        alts: dict[tuple, tuple] = {}
        for key in zip(mine["reading"].tolist(), mine["option"].tolist(), mine["total"].tolist(),
                       mine["grade"].tolist(), unknown):
            alts.setdefault(key[:2], key[2:])
        naming: dict[str, list[str]] = {}  # reading -> items and gate conditions that name it
        for node in [*self.scheme.walk_items(), *(c for g in self.scheme.gates for c in g.conditions)]:
            for rid in node.readings:
                naming.setdefault(rid, []).append(node.id)
        readings, options = [], []
        for r in self.scheme.readings:
            used = self.res.readings_used.get(r.id, r.chosen)
            for o in r.options:
                hit = alts.get((r.id, o.id))
                options.append({"reading": r.id, "option": o.id, "label": o.label, "used": o.id == used,
                                "total": float(hit[0]) if hit else None, "grade": hit[1] if hit else None,
                                "unknown": float(hit[2]) if hit and hit[2] is not None else None})
            readings.append({"id": r.id, "seed_note": r.seed_note, "question": r.question, "why": r.why,
                             "disagrees": r.disagrees_with_seed_notes,
                             "targets": [short_id(t) for t in dict.fromkeys([*r.targets, *naming.get(r.id, [])])
                                         if t != "@scheme"],
                             "used": used, "used_label": r.option(used).label, "overridden": used != r.chosen})
        return (object_frame(readings, ["id", "seed_note", "question", "why", "disagrees", "targets", "used", "used_label",
                                  "overridden"]),
                object_frame(options, ["reading", "option", "label", "used", "total", "grade", "unknown"]))


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


def _values_text(run: Run, unit: str, input_ids: list[str]) -> str:
    """The inputs a gate condition reads, with this unit's values: ``标签=值单位；…``."""
    cat = run.scheme.input_catalogue
    parts = []
    for c in input_ids:
        if c not in run.result.frame.columns:
            continue
        v = run.result.frame.at[unit, c]
        lab = cat[c].label if c in cat else c
        if pd.isna(v):
            parts.append(f"{lab}=（缺失）")
        elif c in cat and cat[c].type == "bool":
            parts.append(f"{lab}={'是' if v else '否'}")
        else:
            parts.append(f"{lab}={num(v)}{cat[c].unit if c in cat else ''}")
    return "；".join(parts)


def comparison(run: Run) -> pd.DataFrame | None:
    """003's cross-unit comparison (:func:`xinyong.scoring.compare.cross_unit_comparison`, Chinese column
    labels) when the scheme asks for one; None otherwise."""
    return run.comparison_table()  # computed once per run (a batch's run file carries it)


# -------------------------------------------------------------------------------------------- overview
ROSTER_COLUMNS = ["unit", "name", "state", "state_zh", "rank", "place", "total", "unknown", "n_problems", "problems"]


def invalid_rows(invalid: Any, max_problems: int = 5) -> list[dict]:
    """Roster rows (:meth:`OverviewAnalysis.roster`) of the units left out for invalid rows
    (:class:`~.load.InvalidUnit`): each with its errors, where as :func:`xinyong.errors.where` writes it
    (without the file, which the page names, and the unit, which the row names)."""
    rows = []
    for u in invalid:
        probs = [{"message": p.message, "where": where({**p.as_dict(), "unit": None}, file=False),
                  "value": p.value, "expected": p.expected} for p in u.problems[:max_problems]]
        rows.append({"unit": u.unit, "name": u.name or u.unit, "state": "invalid", "state_zh": UNIT_STATE_ZH["invalid"],
                     "rank": None, "place": None, "total": None, "unknown": None, "n_problems": len(u.problems),
                     "problems": probs})
    return rows


def state_counts(roster: pd.DataFrame) -> dict[str, int]:
    """Units per state (scored, invalid, unreported: every key, in that order) of a roster frame."""
    return {k: int((roster["state"] == k).sum()) for k in UNIT_STATE_ZH}


def roster_sentence(counts: dict[str, int]) -> str:
    """The 单位情况 section's sentence: how many units the file has, in which state, and what became of
    the ones not scored (:func:`state_counts`)."""
    text = (f"本期数据文件共有 {sum(counts.values())} 个单位："
            + "，".join(f"{UNIT_STATE_ZH[k]} {n} 个" for k, n in counts.items() if n) + "。")
    if counts.get("invalid"):
        text += "数据有误的单位未参与计分和排名，错误及所在位置见下表；改正数据文件后重新生成即可。"
    if counts.get("unreported"):
        text += "未报送的单位没有任何数据，各条目均为“未知”（不按零分计算），不参加排名。"
    return text


def units_line(counts: dict[str, int]) -> str:
    """The header's 参加单位: “30 个”, or with the units not scored “32 个（已评分 30 个，数据有误未评分 1 个，…）”."""
    text = f"{sum(counts.values())} 个"
    if counts.get("invalid") or counts.get("unreported"):
        text += (f"（已评分 {counts.get('scored', 0)} 个"
                 + (f"，数据有误未评分 {counts['invalid']} 个" if counts.get("invalid") else "")
                 + (f"，未报送 {counts['unreported']} 个" if counts.get("unreported") else "") + "，见“单位情况”）")
    return text


GRADES_NOTE = "“等级未定”：尚有未知分数，补齐后等级可能提高。"


class OverviewAnalysis:
    """Every analysis of the overview of one scheme × period."""

    def __init__(self, run: Run):
        self.run = run
        self.res = run.result
        self.scheme = run.scheme

    def ranking(self) -> pd.DataFrame:
        """Every unit by rank, then name: unit, name, kind, rank, ranked, rank_best, rank_worst, rank_settled,
        rank_text (:func:`xinyong.labels.rank_zh`), total, base, bonus, unknown, grade, grade_certain,
        gate_outcome; ``delta`` (total − previous total, 6 decimals) and ``rank_move``
        (previous rank − rank: positive is up) when the previous period has the unit, else None."""
        u = self.res.units.sort_values(["rank", "unit_name"])
        prev = self.run.previous()
        rows = []
        for uid, r in u.iterrows():
            ranked = bool(r.get("ranked", True)) and uid not in self.res.unreported
            best, worst = int(r.get("rank_best", r["rank"])), int(r.get("rank_worst", r["rank"]))
            row = {"unit": uid, "name": r["unit_name"], "kind": r["unit_kind"], "rank": int(r["rank"]),
                   "ranked": ranked, "rank_best": best, "rank_worst": worst, "rank_settled": best == worst,
                   "rank_text": "未报送" if uid in self.res.unreported else rank_zh(ranked, r["rank"], best, worst),
                   "total": float(r["total"]), "base": float(r["base_total"]), "bonus": float(r["bonus"]),
                   "unknown": float(r["unknown_points"]), "grade": r.get("grade"),
                   "grade_certain": bool(r.get("grade_certain", True)), "gate_outcome": r["gate_outcome"],
                   "delta": None, "rank_move": None}
            silent = uid in self.res.unreported or (prev is not None and uid in prev[1].unreported)
            if prev is not None and uid in prev[1].units.index and not silent:  # no change from or to 未报送
                pu = prev[1].units.loc[uid]
                row["delta"] = round(float(r["total"]) - float(pu["total"]), 6)
                if ranked and bool(pu.get("ranked", True)):  # a place outside the ranking is no rank to move from
                    row["rank_move"] = int(pu["rank"]) - int(r["rank"])
            rows.append(row)
        return object_frame(rows, ["unit", "name", "kind", "rank", "ranked", "rank_best", "rank_worst", "rank_settled",
                             "rank_text", "total", "base", "bonus", "unknown", "grade", "grade_certain", "gate_outcome",
                             "delta", "rank_move"])

    def ranking_note(self) -> str:
        """What the ranking's columns mean, as the table under it is printed: ties, 不参加, 暂列 and its
        range, 未报送, 未知, the period 较上期 compares with — each only when the table has one."""
        rk = self.ranking()
        silent = rk["unit"].isin(list(self.res.unreported))
        prev = self.run.previous()
        text = "按总分排名（并列同名次）"
        if (~rk["ranked"].astype(bool) & ~silent).any():
            text += "；因一票否决不参加排名的单位列在参加排名的单位之后，名次栏为“不参加”"
        if (~rk["rank_settled"].astype(bool)).any():
            text += "；“暂列”的名次还可能因未知分数变化，括号内为补齐后可能的名次范围"
        if silent.any():
            text += "；未报送的单位不参加排名，列在最后"
        text += "。“未知”为缺少数据或待评审条目的满分合计，不按零分计算。"
        if prev is not None:
            text += f"“较上期”与{period_zh(prev[0])}比较。"
        return text

    def place(self, r: Any) -> str:
        """A ranking row's place as the table prints it: 1, “暂列 2（2–3）”, 不参加, — (未报送)."""
        if r.unit in self.res.unreported:
            return "—"
        if not r.ranked:
            return "不参加"
        return str(r.rank) if r.rank_settled else f"暂列 {r.rank}（{r.rank_best}–{r.rank_worst}）"

    def heat_caption(self) -> str:
        """The heat map's caption: what a cell is, and how many points of the table are unknown and how
        they are drawn (never as 0)."""
        unk, allu = self.unknown(), self.all_unknown()
        total_unknown = float(unk.to_numpy().sum())
        text = "热力图：行为单位（按排名），列为方案的各部分；数值为得分占已知满分的百分比"
        if total_unknown > 0:
            text += (f"。全表共有 {num(total_unknown)} 分未知（缺数据或待评审），不按零分计："
                     f"灰色斜线“缺”为该部分分数全部未知（{int(allu.to_numpy().sum())} 格），"
                     f"带“※”的格有部分分数未知（{int(((unk.to_numpy() > 1e-9) & ~allu.to_numpy()).sum())} 格）")
        return text

    def movement_note(self) -> str:
        """The 环比变化 section's first line; "" without a previous period."""
        prev = self.run.previous()
        return "" if prev is None else f"{period_zh(self.run.period)}与{period_zh(prev[0])}比较，按总分变化从大到小排列。"

    def gate_summary(self) -> str:
        """How many units failed each condition, and what failing it does (its consequence)."""
        from .narrative import quoted

        counts = "；".join(f"{quoted(name)}未通过：{n} 个单位" for name, n in self.gate_fail_counts().items())
        cons = "".join(f"{quoted(g.name)}未通过的单位，{c}。" for g in self.scheme.gates
                       if (c := consequence_sentence(self.scheme, g, self.res.scheme_options)))
        return (counts + "。" if counts else "") + cons

    def movement(self) -> pd.DataFrame:
        """The ranking's units that were in the previous period, the largest rise first (ties by rank)."""
        rank = self.ranking()
        moved = rank[rank["delta"].notna()]
        order = sorted(range(len(moved)), key=lambda k: (-(moved["delta"].iloc[k] or 0), moved["rank"].iloc[k]))
        return moved.iloc[order]

    def grades(self) -> pd.DataFrame | None:
        """Per band of the scheme (best first): label, n units, of which ``uncertain`` (unknown points could
        move them), share of all units in percent. None when the scheme has no grades."""
        if self.scheme.grades is None:
            return None
        labels = [b.label for b in self.scheme.grades.bands]
        u = self.res.units.drop(index=list(self.res.unreported))  # no grade: they did not report
        counts = u["grade"].value_counts().reindex(labels, fill_value=0)
        uncertain = u.loc[~u["grade_certain"].astype(bool), "grade"].value_counts().reindex(labels, fill_value=0)
        return object_frame([{"label": lab, "n": int(counts[lab]), "uncertain": int(uncertain[lab]),
                        "share": counts[lab] / max(len(u), 1) * 100} for lab in labels],
                      ["label", "n", "uncertain", "share"])

    def shares(self) -> pd.DataFrame:
        """The heat-map matrix: units (index: unit id, in ranking order) × top-level sections (columns:
        section ids), points as a percentage of the *known* maximum (the maximum applicable to the unit
        less its unknown points), each section counted as the document counts it (:func:`counted_sections`:
        through its cap, the bonus against its ceiling). NaN where nothing of the section applies to the
        unit, and where all of it is unknown (:meth:`unknown` tells the two apart): a missing item is never a 0."""
        pts, unk, mx = counted_sections(self.res)
        known = mx - unk
        df = pts / known.where(known > EPS) * 100
        return df.loc[self._order()]

    def _order(self) -> pd.Index:
        return self.res.units.sort_values(["rank", "unit_name"]).index

    def unknown(self) -> pd.DataFrame:
        """Beside :meth:`shares`, same shape: the section's points still unknown (missing data, pending
        judgements), and ``all_unknown`` cells where nothing of the section is known."""
        return counted_sections(self.res)[1].loc[self._order()]

    def all_unknown(self) -> pd.DataFrame:
        """True where the section applies to the unit and every point of it is unknown."""
        _, unk, mx = counted_sections(self.res)
        return ((mx > EPS) & ((mx - unk) <= EPS)).loc[self._order()]

    def trend(self) -> pd.DataFrame:
        """Per period (history, then this one): the highest and the median total of all units."""
        periods = [p for p, _ in self.run.history] + [self.run.period]
        res_all = [h for _, h in self.run.history] + [self.res]
        return pd.DataFrame({"period": periods, "top": [float(r.units["total"].max()) for r in res_all],
                             "median": [reported_median(r) for r in res_all]},
                            columns=["period", "top", "median"])

    def averages(self) -> dict:
        """The mean and median total of the units that reported (a 未报送 unit's 0 is not a score), this
        period and the previous one: mean, median, n, prev_period, prev_mean, prev_median (None when
        there is no previous period)."""
        def of(res: Any) -> tuple[float, float, int]:
            t = res.units["total"].drop(index=[u for u in res.unreported if u in res.units.index]).astype(float)
            return (float(t.mean()) if len(t) else float("nan"), reported_median(res), len(t))

        mean, median, n = of(self.res)
        prev = self.run.previous()
        pm, pmed, _ = of(prev[1]) if prev is not None else (None, None, 0)
        return {"mean": mean, "median": median, "n": n, "prev_period": prev[0] if prev is not None else None,
                "prev_mean": pm, "prev_median": pmed}

    def full_marks(self) -> pd.Series:
        """Per unit (index: unit id): the most its total can be, every applicable item at its maximum,
        through the section caps and the bonus ceiling (its 满分)."""
        return counted_sections(self.res)[2].sum(axis=1).round(6)

    def gate_failures(self) -> pd.DataFrame:
        """Every unit × gate condition not passed: unit, name (the unit's), condition, cond_name, outcome."""
        g = self.res.gates
        names = self.res.units["unit_name"]
        rows = [{"unit": r.unit, "name": names[r.unit], "condition": r.condition, "cond_name": r.name,
                 "outcome": r.outcome} for r in g[g["outcome"] != "pass"].itertuples()]
        return object_frame(rows, ["unit", "name", "condition", "cond_name", "outcome"])

    def gate_fail_counts(self) -> pd.Series:
        """Per gate (index: the gate's name): number of units failing it."""
        return pd.Series({gt.name: int((self.res.units[f"gate:{gt.id}"] == "fail").sum()) for gt in self.scheme.gates},
                         dtype=object)

    def lost_items(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` base items where most points were lost across all units, ties by item id: item, name,
        lost (per unit, what full marks on the item would add to its total through the section caps,
        summed over units, scored items only), units_losing, unknown (points of the item still unknown
        across units: never counted as lost), max (the item's largest maximum). Bonus items are never
        losses."""
        res = self.res
        st, pts, mx = res.status, res.points, res.max_points
        scored = (st == "scored").to_numpy()
        P = np.nan_to_num(pts.to_numpy(dtype=float))
        MX = mx.to_numpy(dtype=float)
        now = self.scheme.add_up(P).total
        unknown = mx.where(st.isin(list(UNKNOWN_STATUSES))).sum()
        rows = []
        for j, it in enumerate(self.scheme.items):
            if it.bonus or not scored[:, j].any():
                continue
            up = P.copy()
            up[:, j] = np.maximum(P[:, j], MX[:, j])
            gain = np.where(scored[:, j], self.scheme.add_up(up).total - now, 0.0)
            lost = float(np.clip(gain, 0, None).sum())
            if lost > EPS:
                rows.append({"item": it.id, "name": it.name, "lost": round(lost, 6),
                             "units_losing": int((gain > EPS).sum()), "unknown": float(unknown[it.id]),
                             "max": float(mx[it.id].max())})
        df = pd.DataFrame(rows, columns=["item", "name", "lost", "units_losing", "unknown", "max"])
        return df.sort_values(["lost", "item"], ascending=[False, True]).head(n).reset_index(drop=True)

    # ------------------------------------------------------------------ every unit of the file
    def roster(self, max_problems: int = 5) -> pd.DataFrame:
        """Every unit of the period's file and what became of it, so nobody is silently dropped: the
        scored units in ranking order (those marked 未报送 are scored as all unknown and ranked last), then
        the units whose rows are invalid (``Run.invalid``, left out of scoring by a batch).

        Columns: unit, name, state (scored | unreported | invalid), state_zh, rank (scored and ranked only),
        place (the rank as the ranking prints it: “4”, “暂列第 4 名（第 2–4 名）”, “不参加排名”), total,
        unknown, n_problems, problems (up to ``max_problems`` of {message, where, value, expected}, where
        as :func:`xinyong.errors.where` writes it, without the file and the unit the row already names)."""
        rows = []
        silent = self.res.unreported
        for r in self.ranking().itertuples():
            state = "unreported" if r.unit in silent else "scored"
            rows.append({"unit": r.unit, "name": r.name, "state": state, "state_zh": UNIT_STATE_ZH[state],
                         "rank": r.rank if state == "scored" and r.ranked else None,
                         "place": ("不参加排名" if not r.ranked else r.rank_text.removeprefix("第 ").removesuffix(" 名"))
                         if state == "scored" else None, "total": r.total if state == "scored" else None,
                         "unknown": r.unknown, "n_problems": 0, "problems": []})
        return object_frame(rows + invalid_rows(self.run.invalid, max_problems), ROSTER_COLUMNS)

    def state_counts(self) -> dict[str, int]:
        """How many units of the file are in each state (scored, invalid, unreported), all three keys."""
        return state_counts(self.roster(0))

    def receipts(self) -> pd.DataFrame | None:
        """The workbook's 报送情况 sheet (who sent which file, when, with how many problems), or None;
        ``name`` is the unit's name as the sheet or, failing that, the scoring knows it."""
        rc = self.run.data.receipts
        if rc is None or not len(rc):
            return None
        names = self.res.units["unit_name"]
        rc = rc.copy()
        rc["name"] = [n or (names.get(u) if u in names.index else None) or u or "—"
                      for u, n in zip(rc["unit_id"], rc["unit_name"])]
        return rc
