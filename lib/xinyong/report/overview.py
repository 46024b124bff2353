"""The HTML writer of the overview of one scheme × period: ranking, grades, section heat map, movement,
gate failures. What it says comes from :class:`.analysis.OverviewAnalysis`."""
from __future__ import annotations

import datetime as dt
import posixpath
from typing import Mapping

import pandas as pd

from ..labels import GATE_OUTCOME_ZH, label
from . import charts
from .analysis import GRADES_NOTE, ROSTER_COLUMNS, OverviewAnalysis, invalid_rows, roster_sentence, state_counts, units_line
from .load import InvalidUnit, Run
from .narrative import render, section_label
from .sections import Block, comparison_html, provenance_html, records


def _safe_href(href: str | None) -> str | None:
    """Only relative links: the overview must open from a share with no network."""
    if not href:
        return None
    h = str(href).replace("\\", "/")
    if "://" in h or h.startswith("//") or h.lower().startswith(("javascript:", "data:")):
        return None
    return posixpath.normpath(h)


HEAT_TITLE = "各单位各部分得分率（%）"


class Overview:
    def __init__(self, run: Run, unit_links: Mapping[str, str] | None = None):
        self.run = run
        self.res = run.result
        self.scheme = run.scheme
        self.analysis = OverviewAnalysis(run)
        self.links = {str(k): _safe_href(v) for k, v in (unit_links or {}).items()}

    def header(self) -> Block:
        return Block("header", render("overview_header.html.j2", scheme=self.scheme, period=self.run.period,
                                      units=units_line(self.analysis.state_counts())))

    def roster(self) -> Block:
        """Every unit of the file with what became of it: 已评分, 数据有误（未评分） with each error and
        where it is, 未报送; and the 报送情况 sheet when the workbook has one."""
        rows = records(self.analysis.roster())
        for r in rows:
            r["link"] = self.links.get(str(r["unit"]))
        rc = self.analysis.receipts()
        receipts = None if rc is None else [{**r, "received": _when(r["received"])} for r in records(rc)]
        d = self.run.data
        return Block("roster", roster_html(rows, d.path.name if d.path else "", receipts))

    def provenance(self, now: dt.datetime | None = None) -> Block:
        return Block("provenance", provenance_html(self.run, now))

    def ranking_rows(self) -> list[dict]:
        rows = []
        for r in records(self.analysis.ranking()):
            r["gate"] = label(GATE_OUTCOME_ZH, r["gate_outcome"]) if self.scheme.gates else None
            r["gate_code"] = r["gate_outcome"]
            r["link"] = self.links.get(str(r["unit"]))
            r["unreported"] = str(r["unit"]) in self.res.unreported
            rows.append(r)
        return rows

    def ranking(self) -> Block:
        prev = self.run.previous()
        rows = self.ranking_rows()
        return Block("ranking", render("overview_ranking.html.j2", heading="排名", rows=rows,
                                       note=self.analysis.ranking_note(), legend=self.legend(),
                                       has_grades=self.scheme.grades is not None, has_gates=bool(self.scheme.gates),
                                       has_veto=any(g.kind == "veto" for g in self.scheme.gates),
                                       any_unranked=any(not r["ranked"] and not r["unreported"] for r in rows),
                                       any_unsettled=any(not r["rank_settled"] for r in rows),
                                       prev_period=prev[0] if prev else None,
                                       has_bonus=self.scheme.bonus_max > 0) + self.review_html())

    def legend(self) -> list[tuple[str, str]]:
        """The key to the grade colours of the ranking and the grade table; none for a scheme without grades."""
        if self.scheme.grades is None:
            return []
        from ..labels import grade_legend

        return grade_legend([b.label for b in self.scheme.grades.bands],
                            unsettled=not bool(self.res.units["grade_certain"].astype(bool).all()))

    def review_html(self) -> str:
        """Who is still to be reviewed (under the ranking: it is why the ranking may still change);
        nothing for a scheme without judgement items."""
        from .review import awaiting_review, has_judgement, review_sentence

        if not has_judgement(self.run):
            return ""
        waiting = awaiting_review(self.run)
        rows = records(waiting)
        for r in rows:
            r["link"] = self.links.get(str(r["unit"]))
        return render("overview_review.html.j2", heading="待评审", rows=rows,
                      sentence=review_sentence(waiting, self.scheme.grades is not None))

    def grade_distribution(self) -> Block:
        grades = self.analysis.grades()
        if grades is None:
            return Block("grades", render("overview_grades.html.j2", heading="等级分布", rows=[], img=None,
                                          note="", legend=[]))
        counts = grades.set_index("label")["n"].astype(int)
        from ..labels import period_zh

        title = f"{period_zh(self.run.period)}等级分布"
        img = charts.img(charts.grade_bars(counts, title), title)
        return Block("grades", render("overview_grades.html.j2", heading="等级分布", rows=records(grades), img=img,
                                      note=GRADES_NOTE, legend=self.legend()))

    def _by_names(self, df: pd.DataFrame) -> pd.DataFrame:
        names = {s.id: section_label(s) for s in self.scheme.sections}
        df = df.copy()
        df.columns = [names[c] for c in df.columns]
        df.index = [f"{self.res.units.at[i, 'unit_name']}" for i in df.index]
        return df

    def share_table(self) -> pd.DataFrame:
        """Units (by name) × top-level sections (by label): points as % of the known maximum."""
        return self._by_names(self.analysis.shares())

    def heat_map(self) -> Block:
        a = self.analysis
        img = charts.img(self.heat_map_png(), HEAT_TITLE)
        return Block("heatmap", render("charts.html.j2", heading="各部分得分率",
                                       charts=[{"img": img, "caption": a.heat_caption()}], notes=[]))

    def heat_map_png(self) -> bytes:
        """The heat map (:meth:`share_table`, unknown cells marked), as every writer draws it."""
        a = self.analysis
        return charts.heat_map(self.share_table(), HEAT_TITLE, all_unknown=self._by_names(a.all_unknown()),
                               unknown=self._by_names(a.unknown()))

    def movement(self) -> Block:
        prev = self.run.previous()
        if prev is None:
            return Block("movement", "")
        rows = records(self.analysis.movement())
        trend = self.analysis.trend()
        img = None
        if len(trend) >= 2:
            img = charts.img(charts.trend_line(trend["period"].tolist(), trend["top"].tolist(),
                                               trend["median"].tolist(), "各期最高分与中位数", "最高分"), "各期最高分与中位数")
        return Block("movement", render("overview_movement.html.j2", heading="环比变化", note=self.analysis.movement_note(),
                                        rows=rows, img=img))

    def gate_failures(self) -> Block:
        if not self.scheme.gates:
            return Block("gate_failures", "")
        rows = records(self.analysis.gate_failures())
        for r in rows:
            r["outcome"] = label(GATE_OUTCOME_ZH, r["outcome"])
            r["link"] = self.links.get(str(r["unit"]))
        return Block("gate_failures", render("overview_gates.html.j2", heading="否决与认定条件", rows=rows,
                                             summary=self.analysis.gate_summary()))

    def comparison(self) -> Block:
        return Block("comparison", comparison_html(self.run, None))

    def warnings(self, as_of=None, days: int | None = None) -> Block:
        """预警 (:mod:`.warn`): grades not settled by the unknown points, deadlines near with evidence
        missing, at ``as_of`` (default today). Empty when there is nothing to warn about."""
        from .warn import DEFAULT_DAYS, left_zh, warnings

        w = warnings(self.run, as_of, DEFAULT_DAYS if days is None else days)
        if w.empty:
            return Block("warnings", "")
        deadlines = []
        for r in w.by_item().itertuples():
            deadlines.append({**r._asdict(), "deadline_zh": w.deadline_text(r), "units_zh": w.units_text(r),
                              "left_zh": left_zh(r.days_left)})
        return Block("warnings", render("overview_warnings.html.j2", heading="预警", w=w,
                                        grades=records(w.grades), deadlines=deadlines))

    def blocks(self) -> list[Block]:
        return [self.header(), self.ranking(), self.roster(), self.warnings(), self.grade_distribution(),
                self.heat_map(), self.movement(), self.gate_failures(), self.comparison()]


def _when(iso: object) -> str | None:
    """An ISO date-time as people read it (2022-04-01 09:30); other text as written."""
    if iso is None or iso != iso or not str(iso).strip():
        return None
    try:
        t = dt.datetime.fromisoformat(str(iso).strip())
    except ValueError:
        return str(iso)
    return t.strftime("%Y-%m-%d %H:%M") if (t.hour, t.minute, t.second) != (0, 0, 0) or "T" in str(iso) \
        else t.strftime("%Y-%m-%d")


def roster_html(rows: list[dict], data_name: str = "", receipts: list[dict] | None = None) -> str:
    """The 单位情况 section from roster rows (:meth:`OverviewAnalysis.roster` as records, with ``link``)."""
    counts = state_counts(pd.DataFrame(rows, columns=ROSTER_COLUMNS))
    return render("overview_roster.html.j2", heading="单位情况", rows=rows, sentence=roster_sentence(counts),
                  data_name=data_name, receipts=receipts)


def empty_overview_html(scheme, period: str, data_name: str, invalid: list[InvalidUnit] | tuple = (),
                        links: Mapping[str, str] | None = None) -> str:
    """The overview of a period in which no unit could be scored (every unit's rows invalid): the header
    and every unit with its real errors and where they are — not a generic failure. The same page
    (styles, title) as the notebook's overview, converted by the same exporter; nothing is executed."""
    import nbformat

    from .render import to_html

    rows = invalid_rows(invalid)
    for r in rows:
        r["link"] = _safe_href((links or {}).get(str(r["unit"])))
    counts = state_counts(pd.DataFrame(rows, columns=ROSTER_COLUMNS))
    head = render("overview_header.html.j2", scheme=scheme, period=period, units=units_line(counts))
    note = ('<section class="xy-empty"><h2>本期没有可评分的单位</h2><p>数据文件中每个单位的数据都有错误，'
            "因此本期没有计分、排名和图表。请按下表改正数据文件后重新生成。</p></section>")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": h})]) for h in (head, note, roster_html(rows, data_name))]
    return to_html(nb)
