"""The overview of one scheme × period: ranking, grades, section heat map, movement, gate failures."""
from __future__ import annotations

import datetime as dt
import posixpath
from typing import Mapping

import pandas as pd

from . import charts
from .load import Run
from .narrative import render, section_label
from .sections import GATE_OUTCOME_ZH, Block, comparison_html, provenance_html


def _safe_href(href: str | None) -> str | None:
    """Only relative links: the overview must open from a share with no network."""
    if not href:
        return None
    h = str(href).replace("\\", "/")
    if "://" in h or h.startswith("//") or h.lower().startswith(("javascript:", "data:")):
        return None
    return posixpath.normpath(h)


class Overview:
    def __init__(self, run: Run, unit_links: Mapping[str, str] | None = None):
        self.run = run
        self.res = run.result
        self.scheme = run.scheme
        self.links = {str(k): _safe_href(v) for k, v in (unit_links or {}).items()}

    def header(self) -> Block:
        d = self.run.data
        return Block("header", render("overview_header.html.j2", scheme=self.scheme, period=self.run.period,
                                      n_units=len(self.res.units), data_name=d.path.name if d.path else ""))

    def provenance(self, now: dt.datetime | None = None) -> Block:
        return Block("provenance", provenance_html(self.run, now))

    def ranking_rows(self) -> list[dict]:
        u = self.res.units.sort_values(["rank", "unit_name"])
        prev = self.run.previous()
        rows = []
        for uid, r in u.iterrows():
            row = {"unit": uid, "name": r["unit_name"], "kind": r["unit_kind"], "rank": int(r["rank"]),
                   "total": float(r["total"]), "base": float(r["base_total"]), "bonus": float(r["bonus"]),
                   "unknown": float(r["unknown_points"]), "grade": r.get("grade"),
                   "grade_certain": bool(r.get("grade_certain", True)),
                   "gate": GATE_OUTCOME_ZH.get(r["gate_outcome"], r["gate_outcome"]) if self.scheme.gates else None,
                   "gate_code": r["gate_outcome"], "link": self.links.get(str(uid)), "delta": None, "rank_move": None}
            if prev is not None and uid in prev[1].units.index:
                pu = prev[1].units.loc[uid]
                row["delta"] = round(float(r["total"]) - float(pu["total"]), 6)
                row["rank_move"] = int(pu["rank"]) - int(r["rank"])
            rows.append(row)
        return rows

    def ranking(self) -> Block:
        prev = self.run.previous()
        return Block("ranking", render("overview_ranking.html.j2", heading="排名", rows=self.ranking_rows(),
                                       has_grades=self.scheme.grades is not None, has_gates=bool(self.scheme.gates),
                                       has_veto=any(g.kind == "veto" for g in self.scheme.gates),
                                       prev_period=prev[0] if prev else None,
                                       has_bonus=self.scheme.bonus_max > 0))

    def grade_distribution(self) -> Block:
        if self.scheme.grades is None:
            return Block("grades", render("overview_grades.html.j2", heading="等级分布", rows=[], img=None))
        labels = [b.label for b in self.scheme.grades.bands]
        u = self.res.units
        counts = u["grade"].value_counts().reindex(labels, fill_value=0)
        uncertain = u.loc[~u["grade_certain"].astype(bool), "grade"].value_counts().reindex(labels, fill_value=0)
        rows = [{"label": lab, "n": int(counts[lab]), "uncertain": int(uncertain[lab]),
                 "share": counts[lab] / max(len(u), 1) * 100} for lab in labels]
        img = charts.grade_bars(counts, f"{self.run.period} 等级分布")
        return Block("grades", render("overview_grades.html.j2", heading="等级分布", rows=rows, img=img))

    def share_table(self) -> pd.DataFrame:
        """Units (by name) × top-level sections: points as % of the maximum applicable to the unit."""
        res = self.res
        cols = {}
        for s in self.scheme.sections:
            ids = [i.id for i in s.walk_items()]
            mx = res.max_points[ids].sum(axis=1)
            cols[section_label(s)] = (res.sections[s.id] / mx.where(mx > 0)) * 100
        df = pd.DataFrame(cols)
        order = res.units.sort_values(["rank", "unit_name"]).index
        df = df.loc[order]
        df.index = [f"{res.units.at[i, 'unit_name']}" for i in order]
        return df

    def heat_map(self) -> Block:
        share = self.share_table()
        img = charts.heat_map(share, "各单位各部分得分率（%）")
        return Block("heatmap", render("charts.html.j2", heading="各部分得分率",
                                       charts=[{"img": img, "caption": "热力图：行为单位（按排名），列为方案的各部分；数值为得分占满分的百分比"}],
                                       notes=[]))

    def movement(self) -> Block:
        prev = self.run.previous()
        if prev is None:
            return Block("movement", "")
        rows = [r for r in self.ranking_rows() if r["delta"] is not None]
        rows.sort(key=lambda r: (-(r["delta"] or 0), r["rank"]))
        periods = [p for p, _ in self.run.history] + [self.run.period]
        img = None
        if len(periods) >= 2:
            res_all = [h for _, h in self.run.history] + [self.res]
            med = [float(r.units["total"].median()) for r in res_all]
            top = [float(r.units["total"].max()) for r in res_all]
            img = charts.trend_line(periods, top, med, "各期最高分与中位数", "最高分")
        return Block("movement", render("overview_movement.html.j2", heading="环比变化", prev_period=prev[0],
                                        period=self.run.period, rows=rows, img=img))

    def gate_failures(self) -> Block:
        if not self.scheme.gates:
            return Block("gate_failures", "")
        g = self.res.gates
        names = self.res.units["unit_name"]
        rows = [{"unit": r.unit, "name": names[r.unit], "condition": r.condition, "cond_name": r.name,
                 "outcome": GATE_OUTCOME_ZH.get(r.outcome, r.outcome), "link": self.links.get(str(r.unit))}
                for r in g[g["outcome"] != "pass"].itertuples()]
        kinds = {gt.id: gt.kind for gt in self.scheme.gates}
        counts = {gt.name: int((self.res.units[f"gate:{gt.id}"] == "fail").sum()) for gt in self.scheme.gates}
        return Block("gate_failures", render("overview_gates.html.j2", heading="否决与认定条件", rows=rows,
                                             counts=counts, veto=any(k == "veto" for k in kinds.values())))

    def comparison(self) -> Block:
        return Block("comparison", comparison_html(self.run, None))

    def blocks(self) -> list[Block]:
        return [self.header(), self.ranking(), self.grade_distribution(), self.heat_map(), self.movement(),
                self.gate_failures(), self.comparison()]
