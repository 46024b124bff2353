"""What the unit must do: the actions with most points at stake, its losses, the evidence it owes.

:class:`UnitTodo` is the part of :class:`~.unit_analysis.UnitAnalysis` behind the unit report's 本单位要做
的事, 失分与未知分 and 佐证材料 sections; it reads the unit's items, ``winnable`` points, sections, standing
and gates from the analysis it is mixed into.
"""
from __future__ import annotations

import pandas as pd

from ..labels import GATE_KIND_ZH, STATUS_ZH, label, num, score2
from .frames import EPS, UNKNOWN_STATUSES, deadline_key, object_frame, records_of
from .unit_types import Todo
from .verdict import consequence_sentence

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


class UnitTodo:
    """The actions, losses and evidence gaps of a unit (mixed into :class:`~.unit_analysis.UnitAnalysis`)."""

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
