"""The blocks of a unit report, each a function of a :class:`~.load.Run` and a unit.

Every block returns a :class:`Block` (HTML with a short plain-text repr), so a notebook cell is one
call and the executed notebook stays readable. Numbers come from the scoring result; the prose
and the tables come from the jinja2 templates in ``templates/``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from importlib import metadata

import numpy as np
import pandas as pd

from ..scoring.result import STATUS_ZH, consequence_text, vetoes_all
from . import charts
from .load import Run
from .narrative import num, render, section_label, short_id

GATE_OUTCOME_ZH = {"pass": "通过", "fail": "未通过", "unknown": "尚无法判定", "none": "—"}
GATE_KIND_ZH = {"veto": "一票否决", "qualification": "认定条件"}
FINDING_ZH = {
    "total_mismatch": "总分不符", "bonus_mismatch": "附加分不符", "section_mismatch": "分项合计不符",
    "unreachable_max": "满分无法达到", "no_criteria": "缺少评分标准", "inferred_category": "归类系推断",
    "label_mismatch": "标注分值不符", "no_declared_total": "未给出总分",
}
PACKAGES = ("pandas", "numpy", "matplotlib", "jinja2", "papermill", "nbconvert", "mplfonts")


@dataclass(frozen=True)
class Block:
    name: str
    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<xinyong report block: {self.name}>"

    def __str__(self) -> str:
        return self.html


def _f(x) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) or pd.isna(x) else float(x)


def _top_sections(run: Run):
    return list(run.scheme.sections)


def _deadline_key(text: str) -> float:
    """Sort deadlines as the documents write them ("4月底前", "11月前", "全年持续工作"); unknown last."""
    if not text:
        return 99.0
    m = re.search(r"(\d{1,2})\s*月", text)
    if m:
        day = re.search(r"月\s*(\d{1,2})\s*日", text)
        return int(m.group(1)) + (int(day.group(1)) / 31 if day else 0.99)
    return 50.0


class UnitReport:
    """All blocks of one unit's report."""

    def __init__(self, run: Run, unit: str):
        self.run = run
        self.unit = run.unit_id(unit)
        self.res = run.result
        self.row = run.result.units.loc[self.unit]
        self.scheme = run.scheme
        self._items = None

    # ------------------------------------------------------------------ helpers
    @property
    def name(self) -> str:
        return str(self.row["unit_name"])

    @property
    def items(self) -> pd.DataFrame:
        if self._items is None:
            self._items = self.res.unit_items(self.unit)
        return self._items

    def group(self) -> pd.Index:
        """Units of the same kind (the peers the unit is compared with); all units when it is alone."""
        u = self.res.units
        kind = self.row["unit_kind"]
        same = u.index[u["unit_kind"] == kind]
        return same if kind and len(same) > 1 else u.index

    # ------------------------------------------------------------------ header
    def header(self) -> Block:
        d = self.run.data
        return Block("header", render("header.html.j2", scheme=self.scheme, unit_name=self.name, unit_id=self.unit,
                                      unit_kind=self.row["unit_kind"], period=self.run.period,
                                      data_name=d.path.name if d.path else ""))

    def provenance(self, now: dt.datetime | None = None) -> Block:
        return Block("provenance", provenance_html(self.run, now))

    # ------------------------------------------------------------------ summary
    def summary_context(self) -> dict:
        r, res, row = self.run, self.res, self.row
        it = self.items
        scored = it[it["status"] == "scored"].copy()
        scored["lost"] = scored["max"] - scored["points"]
        lost = scored[scored["lost"] > 1e-9].sort_values(["lost", "item"], ascending=[False, True]).head(3)
        grp = self.group()
        ctx = dict(
            unit_name=self.name, period=r.period, scheme_title=self.scheme.title, unit_kind=row["unit_kind"],
            total=float(row["total"]), base=float(row["base_total"]), bonus=float(row["bonus"]),
            base_max=self.scheme.base_max, bonus_max=self.scheme.bonus_max,
            grade=row.get("grade"), grade_certain=bool(row.get("grade_certain", True)),
            grade_best=row.get("grade_if_all_known_full"), has_grades=self.scheme.grades is not None,
            n_units=int(row["n_units"]), rank=int(row["rank"]), ranked=bool(row.get("ranked", True)),
            group_n=len(grp), group_rank=int(res.units.loc[grp, "rank"].rank(method="min")[self.unit]),  # the overall order, veto included
            unknown_points=float(row["unknown_points"]), max_possible=float(row["max_possible"]),
            n_missing=int(row["n_missing_input"]), n_pending=int(row["n_pending_judgement"]),
            n_undefined=int(row["n_undefined"]), n_na=int(row["n_not_applicable"]),
            lost=[{"item": x.item, "name": x.name, "max": x.max, "points": x.points} for x in lost.itertuples()],
            gates=self._gate_summary(), prev=self._previous(), caps=self.res.cap_rows(self.unit),
        )
        return ctx

    def _gate_summary(self) -> list[dict]:
        g = self.res.gates
        out = []
        for gate in self.scheme.gates:
            rows = g[(g["unit"] == self.unit) & (g["gate"] == gate.id)]
            out.append({"name": gate.name, "kind": gate.kind, "outcome": self.row.get(f"gate:{gate.id}", "unknown"),
                        "consequence": consequence_text(self.scheme.gate_consequence(gate)),
                        "fails_all": vetoes_all(self.scheme, gate),
                        "failed": [f"{c.condition} {c.name}" for c in rows.itertuples() if c.outcome == "fail"],
                        "unknown": [f"{c.condition} {c.name}" for c in rows.itertuples() if c.outcome == "unknown"]})
        return out

    def _previous(self) -> dict | None:
        prev = self.run.previous()
        if prev is None:
            return None
        p, pres = prev
        if self.unit not in pres.units.index:
            return None
        pu = pres.units.loc[self.unit]
        now = self.res.points.loc[self.unit]
        before = pres.points.loc[self.unit].reindex(now.index)
        both = now.notna() & before.notna()
        delta = (now - before)[both]
        names = {i.id: i.name for i in self.scheme.walk_items()}
        gains = delta[delta > 1e-9].sort_values(ascending=False).head(3)
        losses = delta[delta < -1e-9].sort_values().head(3)
        return {"period": p, "total": float(pu["total"]), "rank": int(pu["rank"]),
                "delta": round(float(self.row["total"]) - float(pu["total"]), 6),
                "gains": [{"item": k, "name": names[k], "delta": float(v)} for k, v in gains.items()],
                "losses": [{"item": k, "name": names[k], "delta": float(v)} for k, v in losses.items()]}

    def summary(self) -> Block:
        return Block("summary", render("summary.html.j2", **self.summary_context()))

    # ------------------------------------------------------------------ charts
    def charts(self) -> Block:
        res, u = self.res, self.unit
        secs = _top_sections(self.run)
        labels = [section_label(s) for s in secs]
        ids = [s.id for s in secs]
        mx = [float(res.max_points.loc[u, [i.id for i in s.walk_items()]].sum()) for s in secs]
        pts = [float(res.sections.at[u, i]) for i in ids]
        unk = [float(res.sections_unknown.at[u, i]) for i in ids]
        out = [{"img": charts.section_bars(labels, pts, unk, mx, f"{self.name}：各部分得分与满分"),
                "caption": "图1 各部分得分（蓝）、未知分数（橙）与满分（灰）"}]
        grp = self.group()
        notes = []
        if len(grp) > 1:
            secs_g = res.sections.loc[grp, ids]
            best = res.units.loc[grp, "total"].astype(float).idxmax()
            med = secs_g.median().tolist()
            best_vals = secs_g.loc[best].tolist()
            mx_g = [float(res.max_points.loc[grp, [i.id for i in s.walk_items()]].max(axis=0).sum()) for s in secs]
            out.append({"img": charts.peer_bars(labels, pts, med, best_vals, mx_g, self.name,
                                                f"最高分单位：{res.units.at[best, 'unit_name']}",
                                                f"与{'同类' if len(grp) < len(res.units) else '全部'} {len(grp)} 个单位比较（得分率）"),
                        "caption": "图2 本单位与组内中位数、组内最高分单位的各部分得分率"
                                   + ("（组：同类型单位）" if len(grp) < len(res.units) else "（本单位类型只有一个，组为全部单位）")})
        else:
            notes.append("只有一个单位，无法与同组单位比较。")
        periods, totals, medians = [], [], []
        for p, hres in self.run.history:
            if u in hres.units.index:
                periods.append(p)
                totals.append(float(hres.units.at[u, "total"]))
                medians.append(float(hres.units["total"].median()))
        if periods:
            periods.append(self.run.period)
            totals.append(float(self.row["total"]))
            medians.append(float(res.units["total"].median()))
            out.append({"img": charts.trend_line(periods, totals, medians, "总分变化趋势", self.name),
                        "caption": f"图{len(out) + 1} 各考核期总分与全体中位数"})
        else:
            notes.append("只有本期数据，没有历史考核期可画趋势。")
        return Block("charts", render("charts.html.j2", heading="图表", charts=out, notes=notes))

    # ------------------------------------------------------------------ tables
    def _readings_of(self, item_id: str) -> list[dict]:
        used = self.res.rules[item_id].readings
        out = []
        for rid, opt in used.items():
            try:
                rd = self.scheme.reading(rid)
                label = rd.option(opt).label
                q = rd.question
            except KeyError:
                label, q = opt, ""
            out.append({"id": rid, "label": label, "question": q})
        return out

    def item_table(self) -> Block:
        it = self.items
        res, u = self.res, self.unit
        sections = []
        for s in _top_sections(self.run):
            ids = [i.id for i in s.walk_items()]
            rows = []
            for r in it[it["item"].isin(ids)].itertuples():
                rows.append({"item": r.item, "name": r.name, "bonus": r.bonus, "max": r.max, "points": r.points,
                             "status": r.status, "status_zh": STATUS_ZH.get(r.status, r.status),
                             "computation": r.computation, "readings": self._readings_of(r.item),
                             "responsible": r.responsible, "source_file": r.source_file,
                             "source_line": None if pd.isna(r.source_line) else int(r.source_line),
                             "source_quote": r.source_quote})
            sections.append({"id": s.id, "name": section_label(s, "（附加分）"), "bonus": s.bonus, "rows": rows,
                             "points": float(res.sections.at[u, s.id]),
                             "max": float(res.max_points.loc[u, ids].sum()),
                             "unknown": float(res.sections_unknown.at[u, s.id])})
        return Block("items", render("items.html.j2", heading="逐项得分", sections=sections))

    def evidence_table(self) -> Block:
        ev = self.run.data.evidence
        mine = ev[ev["unit_id"].astype(str) == self.unit] if len(ev) else ev
        rows = []
        for r in self.items.itertuples():
            if r.status == "not_applicable":
                continue
            sup = mine[mine["item"] == r.item] if len(mine) else mine
            supplied = [{"title": e.title, "link": e.link if isinstance(e.link, str) else "",
                         "date": "" if pd.isna(e.date) else str(e.date)} for e in sup.itertuples()]
            rows.append({"item": r.item, "name": r.name, "required": r.evidence, "supplied": supplied,
                         "flag": bool(r.evidence) and not supplied})
        return Block("evidence", render("evidence.html.j2", heading="佐证材料", rows=rows,
                                        n_flagged=sum(r["flag"] for r in rows)))

    def action_rows(self) -> list[dict]:
        rows = []
        cat = self.scheme.input_catalogue
        for r in self.items.itertuples():
            if r.status == "not_applicable" or r.max <= 0:
                continue
            if r.status == "scored":
                to_win = float(r.max) - float(r.points)
                if to_win <= 1e-9:
                    continue
                state = f"得 {num(r.points)} / {num(r.max)} 分"
                todo = r.evidence or "按评分标准补足差距"
            else:
                to_win = float(r.max)
                state = STATUS_ZH.get(r.status, r.status)
                if r.status == "missing_input":
                    miss = [cat[c].label for c in self.scheme.item(r.item).input_ids
                            if c in cat and c in self.res.frame.columns and pd.isna(self.res.frame.at[self.unit, c])]
                    todo = "补录数据：" + "、".join(miss) + (f"；并准备：{r.evidence}" if r.evidence else "")
                elif r.status == "pending_judgement":
                    todo = "请评审人录入得分和理由" + (f"；佐证材料：{r.evidence}" if r.evidence else "")
                else:
                    todo = "核实数据（当前无法计算，如分母为零）" + (f"；{r.evidence}" if r.evidence else "")
            rows.append({"item": r.item, "name": r.name, "to_win": round(to_win, 6), "state": state,
                         "responsible": r.responsible, "deadline": r.deadline, "todo": todo,
                         "known": r.status == "scored"})
        rows.sort(key=lambda x: (-x["to_win"], _deadline_key(x["deadline"]), x["item"]))
        return rows

    def action_list(self) -> Block:
        rows = self.action_rows()
        return Block("actions", render("actions.html.j2", heading="整改清单", rows=rows,
                                       total_to_win=sum(r["to_win"] for r in rows),
                                       unknown_to_win=sum(r["to_win"] for r in rows if not r["known"])))

    def _touching_findings(self) -> list[dict]:
        applicable = set(self.items.loc[self.items["status"] != "not_applicable", "item"])
        sec_of = self.scheme.section_of()
        touched = set(applicable) | {s for i in applicable for s in sec_of[i]} | {self.scheme.id}
        nodes = set(sec_of) | {s.id for s in self.scheme.walk_sections()}
        out = []
        for f in findings_or_empty(self.run):
            # a finding on a node this unit is not scored on (not applicable to its kind) is left out
            if f.target in touched or f.target not in nodes:
                d = f.as_dict()
                d["code_zh"] = FINDING_ZH.get(f.code, f.code)
                out.append(d)
        return out

    def readings_and_defects(self) -> Block:
        alt = self.run.alternative_totals()
        mine = alt[alt["unit"] == self.unit]
        readings = []
        naming: dict[str, list[str]] = {}  # reading -> items and gate conditions that name it
        for node in [*self.scheme.walk_items(), *(c for g in self.scheme.gates for c in g.conditions)]:
            for rid in node.readings:
                naming.setdefault(rid, []).append(node.id)
        for r in self.scheme.readings:
            used = self.res.readings_used.get(r.id, r.chosen)
            opts = []
            for o in r.options:
                hit = mine[(mine["reading"] == r.id) & (mine["option"] == o.id)]
                opts.append({"label": o.label, "used": o.id == used,
                             "total": float(hit["total"].iloc[0]) if len(hit) else None,
                             "grade": hit["grade"].iloc[0] if len(hit) else None})
            readings.append({"id": r.id, "seed_note": r.seed_note, "question": r.question, "why": r.why,
                             "disagrees": r.disagrees_with_seed_notes, "targets": [short_id(t) for t in dict.fromkeys([*r.targets, *naming.get(r.id, [])]) if t != "@scheme"],
                             "used_label": r.option(used).label, "overridden": used != r.chosen, "options": opts})
        return Block("readings", render("readings.html.j2", heading="方案缺陷与条款解读",
                                        findings=self._touching_findings(), readings=readings))

    # ------------------------------------------------------------------ scheme-specific
    def gates(self) -> Block:
        return Block("gates", gates_html(self.run, self.unit))

    def comparison(self) -> Block:
        return Block("comparison", comparison_html(self.run, self.unit))

    def scheme_sections(self) -> list[Block]:
        """The sections a scheme needs beyond the common ones (002 veto, 000 认定条件, 003 comparison)."""
        out = []
        if self.scheme.gates:
            out.append(self.gates())
        cmp = self.comparison()
        if cmp.html:
            out.append(cmp)
        return out

    def blocks(self) -> list[Block]:
        return [self.header(), self.summary(), self.charts(), self.item_table(), self.evidence_table(),
                self.action_list(), self.readings_and_defects(), *self.scheme_sections()]


# ---------------------------------------------------------------------- shared with the overview
def findings_or_empty(run: Run) -> list:
    return list(run.findings)


def package_versions() -> dict[str, str]:
    out = {}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "未安装"
    import platform

    out["python"] = platform.python_version()
    return out


def provenance_html(run: Run, now: dt.datetime | None = None) -> str:
    from .. import __version__

    d = run.data
    now = now or dt.datetime.now().astimezone()
    notes = [p for p in d.problems if getattr(p, "severity", "error") != "error"]
    hist = list(run.history_files)
    return render("provenance.html.j2", data_path=str(d.path) if d.path else "", data_sha256=d.sha256 or "",
                  history=hist, readings_used=run.result.readings_used, overrides=run.readings,
                  generated=now.strftime("%Y-%m-%d %H:%M:%S %z"), version=__version__,
                  packages=package_versions(), notes=notes)


def _values_text(run: Run, unit: str, input_ids: list[str]) -> str:
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


def gates_html(run: Run, unit: str) -> str:
    res = run.result
    g = res.gates
    out = []
    explain = {"veto": "一票否决：任何一项基本条件未达到，本期考核即不合格，与得分无关。",
               "qualification": "认定条件：在评分之后判定，全部条件满足方可认定。"}
    for gate in run.scheme.gates:
        conds = []
        for c in gate.conditions:
            hit = g[(g["unit"] == unit) & (g["condition"] == c.id)]
            oc = hit["outcome"].iloc[0] if len(hit) else "unknown"
            vals = _values_text(run, unit, c.input_ids)
            if any(w in c.test for w in ("total", "base_total", "bonus")):
                extra = f"总分={num(res.units.at[unit, 'total'])}"
                if res.units.at[unit, "unknown_points"] > 0:
                    extra += f"（另有未知 {num(res.units.at[unit, 'unknown_points'])} 分）"
                vals = "；".join(x for x in (vals, extra) if x)
            conds.append({"id": c.id, "name": c.name, "outcome": oc, "outcome_zh": GATE_OUTCOME_ZH.get(oc, oc),
                          "test": c.test, "vals": vals, "responsible": "、".join(c.responsible),
                          "source_file": c.source.file, "source_line": c.source.line, "source_quote": c.source.quote})
        oc = res.units.at[unit, f"gate:{gate.id}"]
        out.append({"name": gate.name, "kind_zh": GATE_KIND_ZH[gate.kind], "explain": explain[gate.kind],
                    "source_file": gate.source.file, "source_line": gate.source.line, "source_quote": gate.source.quote,
                    "conditions": conds, "outcome_zh": GATE_OUTCOME_ZH.get(oc, oc)})
    if not out:
        return ""
    return render("gates.html.j2", gates=out)


def comparison_html(run: Run, unit: str | None = None) -> str:
    """003's cross-county comparison (``xinyong.scoring.compare``) when the scheme asks for one."""
    has_compare = any(i.meta.get("compare") for i in run.scheme.walk_items()) or run.scheme.meta.get("compare")
    if not has_compare:
        return ""
    try:
        from ..scoring.compare import cross_unit_comparison
    except ImportError:  # written by another step; until it lands the section is left out, not faked
        return ""
    table = cross_unit_comparison(run.result)
    return render("compare.html.j2", heading="跨单位比较", table=_frame_rows(table), unit=unit,
                  columns=[str(c) for c in table.reset_index().columns])  # the rows carry the index too


def _frame_rows(df: pd.DataFrame) -> list[list]:
    return [[num(v) if isinstance(v, (int, float, np.floating)) else ("" if v is None else str(v)) for v in row]
            for row in df.reset_index().itertuples(index=False)]
