"""The verdict of a unit's report as sentences: one function per fact a page states about its standing.

The HTML summary, the Word verdict, the 通报 and the brief print what these return, so the same fact is
never worded twice. :class:`UnitVerdict` is the part of :class:`~.unit_analysis.UnitAnalysis` that
strings them into the verdict (:meth:`UnitVerdict.verdict`); it reads the unit's standing, gates,
readings and previous period from the analysis it is mixed into.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..labels import GATE_KIND_ZH, label, num, period_zh, score2
from .frames import records_of

if TYPE_CHECKING:
    from .unit_types import Standing


VETO_LEAD = "一票否决："  # the lead of the verdict's sentence on a failed veto (a headline marks the unit by it)
UNQUALIFIED_LEAD = "未满足认定条件："  # … on a failed 认定条件


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


def reading_gate_sentence(change: dict, kinds: str) -> str:
    """A reading under which the unit would pass (or fail) its ``kinds`` (一票否决, 认定条件)
    (:meth:`UnitAnalysis.reading_gate_changes`)."""
    fail = change["gate"] == "fail"
    if kinds == "一票否决":
        then = "将被一票否决" if fail else "不会被一票否决"
    else:
        then = f"将未通过{kinds}" if fail else f"将通过{kinds}"
    unk = f"，另有 {score2(change['unknown'])} 分未知" if change.get("unknown") else ""
    return (f"条款有歧义：{change['question']}若按“{change['label']}”理解，总分为 {score2(change['total'])} 分{unk}，"
            f"{then}")


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


class UnitVerdict:
    """What the verdict says of a unit (mixed into :class:`~.unit_analysis.UnitAnalysis`, which provides
    ``standing``, ``gates``, ``reading_grade_changes``, ``previous`` and the run's result)."""

    def gate_kinds_zh(self) -> str:
        """The kinds of gate the scheme has, in words: 一票否决, 认定条件, or both joined by 和."""
        return "和".join(dict.fromkeys(label(GATE_KIND_ZH, g.kind) for g in self.scheme.gates))

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
        out += [VerdictLine("reading", reading_gate_sentence(c, self.gate_kinds_zh()).removeprefix("条款有歧义：") + "。",
                            "条款有歧义：") for c in self.reading_gate_changes()]
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
