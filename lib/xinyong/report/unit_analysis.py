"""Every analysis of one unit's report: :class:`UnitAnalysis`.

Its standing, items, sections, peers, history, gates and readings are here; the verdict's sentences
(:class:`~.verdict.UnitVerdict`) and what the unit must do (:class:`~.todo.UnitTodo`) are its two other
parts, each in its own module.
"""
from __future__ import annotations

import ast
from functools import cached_property
from typing import Callable

import numpy as np
import pandas as pd

from ..labels import STATUS_ZH, label, num, rank_zh, score2
from ..formula import parse as parse_formula
from ..scoring.describe import TOTAL_WORDS, Names, gate_sentence
from ..util import computed_once
from .frames import EPS, UNKNOWN_STATUSES, bonus_section, counted_sections, object_frame, reported_median
from .load import Run
from .todo import UnitTodo
from .unit_types import Peers, Previous, Standing
from .verdict import UnitVerdict

TOTAL_NAMES = frozenset(TOTAL_WORDS)  # the totals a gate's test may read besides inputs


class UnitAnalysis(UnitVerdict, UnitTodo):
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
        if self.scheme.grades is None:
            return []
        mine = self.row.get("grade")
        return self._other_options("grade", lambda grade: isinstance(grade, str) and grade != mine)

    def reading_gate_changes(self) -> list[dict]:
        """The readings under whose other option this unit would pass its vetoes and 认定条件 where it
        fails them now, or fail where it passes: question, label, total, unknown, gate (the outcome under
        that option). A test a reading sets (衢州 基础性指标2: 低于 or 不高于万分之一) can decide a veto."""
        mine = self.row.get("gate_outcome")
        if not self.scheme.gates or mine not in ("pass", "fail"):
            return []
        return self._other_options("gate", lambda gate: gate in ("pass", "fail") and gate != mine)

    def _other_options(self, field: str, differs: Callable[[object], bool]) -> list[dict]:
        """The options not in use whose ``field`` (grade or gate, under that option) ``differs`` from this
        unit's: question, label, total, unknown and ``field``."""
        if self.unit in self.res.unreported:
            return []
        readings, options = self.readings()
        questions = dict(zip(readings["id"], readings["question"]))
        return [{"question": questions.get(o.reading, ""), "label": o.label, "total": o.total, "unknown": o.unknown,
                 field: getattr(o, field)}
                for o in options.itertuples() if not o.used and differs(getattr(o, field))]

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
        """One row per condition of every gate: gate, condition, name, outcome, the test it was judged by
        (``test``: the text of :meth:`ScoreResult.gate_test`, a chosen reading's when one replaces the
        scheme's), ``reading`` (the label of the reading option that set a test other than the scheme's, ""
        otherwise), the unit's values it reads (``values``, a sentence), responsible units and source.

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
                f = res.gate_test(c.id)
                reads = list(dict.fromkeys([*c.input_ids, *sorted(f.names - TOTAL_NAMES)]))
                vals = _values_text(self.run, self.unit, reads)
                if f.names & TOTAL_NAMES:
                    extra = f"总分={score2(res.units.at[self.unit, 'total'])}"
                    if res.units.at[self.unit, "unknown_points"] > 0:
                        extra += f"（另有未知 {score2(res.units.at[self.unit, 'unknown_points'])} 分）"
                    vals = "；".join(x for x in (vals, extra) if x)
                outcome = outcomes.get(c.id, "unknown")
                known = {k: res.frame.at[self.unit, k] for k in reads if k in res.frame.columns}
                known.update({k: float(res.units.at[self.unit, k]) for k in TOTAL_NAMES})
                rows.append({"gate": gate.id, "condition": c.id, "name": c.name,
                             "outcome": outcome, "test": f.text, "reading": self._gate_reading(c, f),
                             "values": vals, "sentence": gate_sentence(f.text, known, outcome, names),
                             "responsible": "、".join(c.responsible), "source_file": c.source.file,
                             "source_line": c.source.line, "source_quote": c.source.quote})
        return object_frame(rows, ["gate", "condition", "name", "outcome", "test", "reading", "values", "sentence",
                             "responsible", "source_file", "source_line", "source_quote"])

    def _gate_reading(self, cond, test) -> str:
        """The label of the reading option that made ``test`` (the test in force) differ from the one the
        scheme writes for ``cond``; "" when they are the same test."""
        if ast.dump(test.tree) == ast.dump(parse_formula(cond.test).tree):
            return ""
        return "；".join(self.scheme.reading(rid).option(opt).label for rid, opt in self.res.gate_reading(cond.id))

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
        grade, unknown, gate (the unit's gate outcome under it); None when the alternative was not computed."""
        from .narrative import short_id

        alt = self.run.alternative_totals()
        mine = alt[alt["unit"] == self.unit]
        unknown = mine["unknown"].tolist() if "unknown" in mine else [None] * len(mine)  # an older run file
        gate = mine["gate_outcome"].tolist() if "gate_outcome" in mine else [None] * len(mine)
        # (reading, option) -> (total, grade, unknown, gate), read once: the first row wins, as .iloc[0] did
        alts: dict[tuple, tuple] = {}
        for key in zip(mine["reading"].tolist(), mine["option"].tolist(), mine["total"].tolist(),
                       mine["grade"].tolist(), unknown, gate):
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
                                "unknown": float(hit[2]) if hit and hit[2] is not None else None,
                                "gate": hit[3] if hit else None})
            readings.append({"id": r.id, "seed_note": r.seed_note, "question": r.question, "why": r.why,
                             "disagrees": r.disagrees_with_seed_notes,
                             "targets": [short_id(t) for t in dict.fromkeys([*r.targets, *naming.get(r.id, [])])
                                         if t != "@scheme"],
                             "used": used, "used_label": r.option(used).label, "overridden": used != r.chosen})
        return (object_frame(readings, ["id", "seed_note", "question", "why", "disagrees", "targets", "used", "used_label",
                                  "overridden"]),
                object_frame(options, ["reading", "option", "label", "used", "total", "grade", "unknown", "gate"]))


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
