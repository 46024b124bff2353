"""The HTML writer of a unit report: each block a function of a :class:`~.load.Run` and a unit.

Every block returns a :class:`Block` (HTML with a short plain-text repr), so a notebook cell is one
call and the executed notebook stays readable. What a block says comes from :mod:`.analysis` (data
frames a Word or PDF writer can take as they are); the words for codes and the number formats from
:mod:`xinyong.labels`; the prose and the tables from the jinja2 templates in ``templates/``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from ..labels import (FINDING_ZH, GATE_KIND_EXPLAIN_ZH, GATE_KIND_ZH, GATE_OUTCOME_ZH, STATUS_ZH, gate_reading_zh, label,
                      num, num2)
from ..scoring.describe import Names
from ..util import shown_path
from . import charts
from .analysis import UnitAnalysis, comparison, consequence_sentence, grade_sentence
from .load import Run
from .narrative import for_readers, in_words, render, section_label, short_id
from .nbstyle import wrap

# The unit report's section headings, in page order, for every writer (HTML, Word): the department's part,
# then the 审核附件. A gate's section is headed by the gate's own name.
HEADINGS = {"summary": "结论", "actions": "本单位要做的事", "losses": "失分与未知分", "gaps": "佐证材料",
            "follow_up": "上期失分整改情况", "appendix": "审核附件", "charts": "图表", "items": "逐项得分",
            "evidence": "已登记的佐证材料", "readings": "方案缺陷与条款解读", "comparison": "与其他单位比较",
            "provenance": "复现信息"}

PACKAGES = ("pandas", "numpy", "matplotlib", "jinja2", "papermill", "nbconvert", "mplfonts")


@dataclass(frozen=True)
class Block:
    name: str
    html: str

    def _repr_html_(self) -> str:
        """In a notebook the block carries its styles, scoped to it (:mod:`.nbstyle`); the exporter
        unwraps it again for the page, which has the whole stylesheet once."""
        return wrap(self.html)

    def __repr__(self) -> str:
        return f"<xinyong report block: {self.name}>"

    def __str__(self) -> str:
        return self.html


def _cell(v):
    """One value for a template: Python scalars (as ``DataFrame.to_dict`` gives them), NaN as None."""
    if isinstance(v, np.generic):
        v = v.item()
    return None if isinstance(v, float) and v != v else v


def records(df: pd.DataFrame) -> list[dict]:
    """A frame's rows as dicts for a template: NaN becomes None (a template tests ``is none``).

    The rows come from one object array (numeric columns become Python numbers), not from
    ``to_dict("records")``, whose fixed cost per call was most of the small tables' time (a report
    asks for about thirty)."""
    cols = list(df.columns)
    return [dict(zip(cols, map(_cell, row))) for row in df.to_numpy(dtype=object).tolist()]


class UnitReport:
    """All blocks of one unit's report."""

    def __init__(self, run: Run, unit: str):
        self.analysis = UnitAnalysis(run, unit)
        self.run = run
        self.unit = self.analysis.unit
        self.res = run.result
        self.row = self.analysis.row
        self.scheme = run.scheme

    @property
    def name(self) -> str:
        return self.analysis.name

    @property
    def items(self) -> pd.DataFrame:
        return self.analysis.unit_items

    def group(self) -> pd.Index:
        return self.analysis.group()

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
        a = self.analysis
        standing = a.standing()
        st = asdict(standing)  # (its fields are the template's names: rank, ranked, rank_text, …)
        for k in ("unit", "unit_name"):
            st.pop(k)
        verdict = a.verdict()
        prev = a.previous()
        if prev is not None:
            prev = {"period": prev.period, "total": prev.total, "rank": prev.rank, "delta": prev.delta, "ranked": prev.ranked,
                    "gains": records(prev.gains), "losses": records(prev.losses)}
        return dict(unit_name=self.name, period=self.run.period, scheme_title=self.scheme.title, **st,
                    full_marks=standing.full_marks, grade_text=grade_sentence(standing), verdict=verdict, prev=prev,
                    marks=a.headline_marks())

    def summary(self) -> Block:
        if self.unit in self.res.unreported:  # 未报送: the verdict says so, not a total of unknowns
            ctx = self.summary_context()
            n_items = int((self.analysis.unit_items["status"] != "not_applicable").sum())
            return Block("summary", render("summary_unreported.html.j2", n_items=n_items, heading=HEADINGS["summary"],
                                           **{k: ctx[k] for k in ("unit_name", "scheme_title", "period",
                                                                  "unknown_points", "has_grades", "prev")}))
        return Block("summary", render("summary.html.j2", heading=HEADINGS["summary"], **self.summary_context()))

    # ------------------------------------------------------------------ charts
    def charts(self) -> Block:
        a = self.analysis
        secs = a.sections()
        labels = [section_label(s) for s in secs.itertuples()]
        title = f"{self.name}：各部分得分与满分"
        out = [{"img": charts.img(charts.section_bars(labels, secs["points"].tolist(), secs["unknown"].tolist(),
                                                      secs["max"].tolist(), title), title),
                "caption": "图1 各部分得分（蓝）、未知分数（灰色斜线，缺数据或待评审，不按零分计）与满分（灰）"}]
        notes = []
        peers = a.peers()
        if peers is not None:
            ps = peers.sections
            unknown = float(ps["unit_unknown"].sum())
            title = f"与{'同类' if peers.same_kind else '全部'} {len(peers.group)} 个单位比较（得分率）"
            out.append({"img": charts.img(charts.peer_bars(labels, ps["unit"].tolist(), ps["median"].tolist(),
                                                           ps["best"].tolist(), ps["max"].tolist(), self.name,
                                                           f"最高分单位：{peers.best_name}", title,
                                                           unit_unknown=ps["unit_unknown"].tolist()), title),
                        "caption": "图2 本单位与组内中位数、组内最高分单位的各部分得分率"
                                   + ("（组：同类型单位）" if peers.same_kind else "（本单位类型只有一个，组为全部单位）")
                                   + (f"；本单位有 {num(unknown)} 分未知，画作灰色斜线并标“缺”，未按零分计"
                                      if unknown > 0 else "")})
        else:
            notes.append("只有一个单位，无法与同组单位比较。")
        trend = a.trend()
        if len(trend):
            out.append({"img": charts.img(charts.trend_line(trend["period"].tolist(), trend["total"].tolist(),
                                                            trend["median"].tolist(), "总分变化趋势", self.name),
                                          "总分变化趋势"),
                        "caption": f"图{len(out) + 1} 各考核期总分与全体中位数"})
        else:
            notes.append("只有本期数据，没有历史考核期可画趋势。")
        return Block("charts", render("charts.html.j2", heading=HEADINGS["charts"], charts=out, notes=notes))

    # ------------------------------------------------------------------ tables
    def item_table(self) -> Block:
        it = self.analysis.items()
        cols = ["item", "name", "bonus", "max", "points", "status", "status_zh", "computation", "description", "readings",
                "responsible", "source_file", "source_line", "source_quote"]
        sections = []
        by_section: dict = {}  # the rows of all items in one pass, then each section's in document order
        fr = for_readers(self.scheme)
        say = in_words(self.scheme)
        for sec, row in zip(it["section"].tolist(), records(it[cols])):
            row["computation"], row["description"] = fr(row["computation"]), say(row["description"])
            row["readings"] = [{**rd, "label": say(rd["label"]), "question": say(rd["question"])} for rd in row["readings"]]
            by_section.setdefault(sec, []).append(row)
        for s in self.analysis.sections().itertuples():
            sections.append({"id": s.Index, "name": section_label(s, "（附加分）"), "bonus": s.bonus,
                             "rows": by_section.get(s.Index, []), "counted": bool(s.counted), "raw": s.raw,
                             "cap_max": s.cap_max, "cap_min": s.cap_min,
                             "points": s.points, "max": s.max, "unknown": s.unknown})
        rows = [r for sec in sections for r in sec["rows"] if r["status"] != "not_applicable"]
        who = {r["responsible"] or "" for r in rows}
        same = next(iter(who)) if len(who) == 1 else ""  # one 责任单位 for every item: said once above the table
        return Block("items", render("items.html.j2", heading=HEADINGS["items"], sections=sections,
                                     show_readings=any(r["readings"] for r in rows), same_responsible=same,
                                     show_responsible=not same and any(who)))

    def follow_up(self) -> Block:
        """整改台账: the items lost in the previous period and what became of them (:mod:`.followup`)."""
        from .followup import STATE_ZH, follow_up

        f = follow_up(self.run, self.unit)
        if f is None:
            reason = ("没有上一考核期的数据，无法跟踪整改。" if self.run.previous() is None
                      else "本单位没有参加上一考核期的考核，无法跟踪整改。")
            return Block("follow_up", render("followup.html.j2", heading=HEADINGS["follow_up"], f=None, reason=reason))
        # what needs action first: worse, still lost, unknown; then what was won back (document order within)
        first = {"worse": 0, "still_lost": 1, "unknown": 2, "partly": 3, "recovered": 4, "not_applicable": 5}
        rows = sorted(records(f.items), key=lambda r: first[r["state"]])
        return Block("follow_up", render(
            "followup.html.j2", heading=HEADINGS["follow_up"], f=f, rows=rows, prev=f.previous, period=f.period,
            lost_before=sum(r["prev_lost"] for r in rows), won=f.recovered_points, words=STATE_ZH,
            order=["recovered", "partly", "still_lost", "worse", "unknown", "not_applicable"]))

    def evidence_table(self) -> Block:
        """Evidence item by item (local files linked to the report's copies, 文件缺失 when gone), the
        evidence still missing and the judgement items still to be reviewed (:mod:`.review`)."""
        from .review import unit_review

        rv = unit_review(self.run, self.unit, self.analysis)
        return Block("evidence", render("evidence.html.j2", heading=HEADINGS["evidence"], rows=rv.rows, missing=rv.missing,
                                        asks=self.analysis.asks_evidence(),
                                        registered=any(r["supplied"] for r in rv.rows),
                                        pending=rv.pending, pending_points=rv.pending_points,
                                        n_files_missing=rv.n_files_missing, n_refused=rv.n_refused, hashes=rv.hashes))

    def action_rows(self) -> list[dict]:
        """Every item whose full marks would still add to the total (:meth:`UnitAnalysis.actions`)."""
        return records(self.analysis.actions())

    def action_list(self) -> Block:
        """本单位要做的事 (:meth:`UnitAnalysis.todo`): the actions with the most points at stake."""
        t = self.analysis.todo()
        return Block("actions", render("actions.html.j2", heading=HEADINGS["actions"], rows=records(t.rows), same=t.same,
                                       columns=t.columns, vetoed=t.vetoed, stakes=todo_stakes(t),
                                       n_all=t.n_all, total_to_win=t.to_win, unknown_to_win=t.to_win_unknown,
                                       shared_cap=t.shared_cap))

    def losses(self) -> Block:
        """失分与未知分: every scored base item short of full marks and the items whose points are unknown."""
        a = self.analysis
        lost, lost_points, shared = a.losses()
        unknown = [{**u, "status_zh": label(STATUS_ZH, u["status"])} for u in records(a.unknown_items())]
        return Block("losses", render(
            "losses.html.j2", heading=HEADINGS["losses"], unknown=unknown,
            lost=[{"item": x.item, "name": x.name, "max": x.max, "points": x.points, "lost": x.lost, "why": x.why}
                  for x in lost.itertuples()], lost_points=lost_points, shared_cap=shared))

    def evidence_gaps(self) -> Block:
        """佐证材料 on the department's page: evidence still to send, “已计分但无佐证” first."""
        from .review import unit_review

        gaps = records(self.analysis.evidence_gaps())
        scored = [g for g in gaps if g["scored"]]
        rv = unit_review(self.run, self.unit, self.analysis)
        return Block("gaps", render("gaps.html.j2", heading=HEADINGS["gaps"], rows=gaps, scored=scored,
                                    asks=self.analysis.asks_evidence(),
                                    scored_points=sum(g["points"] for g in scored), pending=rv.pending,
                                    pending_points=rv.pending_points, n_files_missing=rv.n_files_missing,
                                    n_refused=rv.n_refused))

    def readings_and_defects(self) -> Block:
        say = in_words(self.scheme)
        findings = records(self.analysis.findings())
        for f in findings:
            f["code_zh"] = label(FINDING_ZH, f["code"])
            f["message"] = say(f["message"])
            f["where"] = "整个方案" if f["target"] == self.scheme.id else short_id(f["target"])
        readings, options = self.analysis.readings()
        by_reading: dict[str, list[dict]] = {}  # the options grouped once, not filtered per reading
        for o in records(options):
            by_reading.setdefault(o["reading"], []).append(
                {k: (say(o[k]) if k == "label" else o[k]) for k in ("label", "used", "total", "grade", "unknown")})
        rows = []
        for r in records(readings):
            r["options"] = by_reading.get(r["id"], [])
            for k in ("question", "why", "disagrees", "used_label"):
                if isinstance(r.get(k), str):
                    r[k] = say(r[k])
            rows.append(r)
        return Block("readings", render("readings.html.j2", heading=HEADINGS["readings"],
                                        findings=findings, readings=rows))

    # ------------------------------------------------------------------ scheme-specific
    def gates(self, part: str = "appendix") -> Block:
        """Every condition of each veto or 认定条件 with the unit's case, for the 审核附件. The department's
        page does not repeat the table: the verdict says each gate's outcome and 本单位要做的事 lists the
        conditions not met (``part="main"`` gives nothing, for notebooks written before)."""
        if part == "main":
            return Block("gates", "")
        return Block("gates", gates_html(self.run, self.unit, self.analysis))  # the report's own analysis

    def comparison(self) -> Block:
        """This unit beside its group's median and best: per top-level section and, when the scheme asks
        for a cross-unit comparison, per ranked sub-metric — never every unit's raw values."""
        a = self.analysis
        peers = a.peers()
        metrics = a.peer_comparison()
        if peers is None and metrics is None:
            return Block("comparison", "")
        secs = []
        if peers is not None:
            names = {s.Index: section_label(s) for s in a.sections().itertuples()}
            secs = [{**r, "name": names.get(r["section"], r["section"])}
                    for r in records(peers.sections.reset_index())]
        n_left = 0
        if metrics is not None:
            full = self.run.comparison_table()
            n_left = int(full.loc[full.index == self.unit].shape[0]) - len(metrics)
        return Block("comparison", render(
            "unit_compare.html.j2", heading=HEADINGS["comparison"], sections=secs,
            group=(f"同类（{self.row['unit_kind']}）{len(peers.group)} 个单位" if peers is not None and peers.same_kind
                   else f"全部 {len(peers.group)} 个单位" if peers is not None else ""),
            best_name=peers.best_name if peers is not None else "",
            metrics=records(metrics) if metrics is not None else [], n_left_out=n_left))

    def scheme_sections(self) -> list[Block]:
        """The comparison with the other units (kept under this name for older notebooks)."""
        cmp = self.comparison()
        return [cmp] if cmp.html else []

    def appendix(self) -> list[Block]:
        """The 审核附件: after a page break on paper, each part folded on screen (:func:`fold`) — charts,
        every item with its computation, the evidence registered, the gates when all passed, the scheme's
        defects and readings, the comparison with the other units. 复现信息 (:meth:`provenance`) follows."""
        head = Block("appendix", render("appendix.html.j2", heading=HEADINGS["appendix"], screen_hint=True))
        parts = [self.charts(), self.item_table(), self.evidence_table(), self.gates("appendix"),
                 self.readings_and_defects(), self.comparison()]
        return [head, *(fold(b) for b in parts if b.html)]

    def main(self) -> list[Block]:
        """The department's pages, in order: header, verdict, what to do (the gate conditions not met first),
        losses, evidence to send, follow-up of last period's losses."""
        return [self.header(), self.summary(), self.action_list(), self.losses(), self.evidence_gaps(), self.follow_up()]

    def blocks(self) -> list[Block]:
        return [b for b in (*self.main(), *self.appendix(), self.provenance()) if b.html]


SECTION_HEADING = re.compile(r"<h2[^>]*>(.*?)</h2>", re.S)


def fold(block: Block) -> Block:
    """A block of the 审核附件 folded on screen: a ``<details>`` whose summary is the block's heading (the
    heading itself is shown on paper, where report.css opens every fold)."""
    m = SECTION_HEADING.search(block.html)
    title = re.sub(r"<[^>]+>", "", m.group(1)) if m else block.name
    return Block(block.name, f'<details class="xy-fold"><summary>{title}</summary>\n{block.html}\n</details>')


# ---------------------------------------------------------------------- shared with the overview
def package_versions() -> dict[str, str]:
    return dict(_package_versions())


@lru_cache(maxsize=1)
def _package_versions() -> tuple:
    """Read once per process: ``metadata.version`` parses each package's METADATA file (≈ 4 ms each,
    seven packages, for every report of a batch worker)."""
    out = {}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "未安装"
    import platform

    out["python"] = platform.python_version()
    return tuple(out.items())


def provenance_html(run: Run, now: dt.datetime | None = None) -> str:
    from .. import __version__

    d = run.data
    now = now or dt.datetime.now().astimezone()
    notes = [p for p in d.problems if getattr(p, "severity", "error") != "error"]
    base = Path(d.path).parent if d.path else None
    hist = [(p, shown_path(path, base), sha) for p, path, sha in run.history_files]
    return render("provenance.html.j2", data_path=shown_path(d.path, base) if d.path else "", data_sha256=d.sha256 or "",
                  history=hist, readings=reading_names(run.scheme, run.result.readings_used, run.readings),
                  generated=now.strftime("%Y-%m-%d %H:%M:%S %z"), version=__version__,
                  packages=package_versions(), notes=notes)


def reading_names(scheme, used: dict, overrides: dict | None = None) -> list[dict]:
    """The readings in force by their names (question and the option's label), never their codes."""
    say = in_words(scheme)
    out = []
    for rid, opt in used.items():
        try:
            rd = scheme.reading(rid)
            q, lab = rd.question, rd.option(opt).label
        except KeyError:  # a reading the scheme no longer has: say the option as recorded
            q, lab = "", str(opt)
        out.append({"question": say(q), "label": say(lab), "overridden": rid in (overrides or {})})
    return out


def todo_stakes(t) -> str:
    """The kinds of the gate conditions at the head of 本单位要做的事, as the note names them: “一票否决”,
    “认定”, “一票否决、认定”."""
    words = {"一票否决": "一票否决", "认定条件": "认定"}
    return "、".join(dict.fromkeys(words.get(x, x) for x in t.rows["stake"] if x))


def gate_explain(scheme, gate_id: str, options=None) -> str:
    """What a gate means for the unit, as its consequence says (a veto of a scheme without grades does not
    say 不合格): “一票否决：任何一项条件未达到，无论得分高低，不参加排名。”"""
    gate = next(g for g in scheme.gates if g.id == gate_id)
    then = consequence_sentence(scheme, gate, options)
    if gate.kind == "veto":
        return f"一票否决：任何一项条件未达到，{then or '本期考核即未通过，与得分无关'}。"
    return GATE_KIND_EXPLAIN_ZH[gate.kind] + (f"未满足时{then}。" if then else "")


def gates_html(run: Run, unit: str, analysis: UnitAnalysis | None = None) -> str:
    a = analysis if analysis is not None else UnitAnalysis(run, unit)
    conds = records(a.gate_conditions())
    say = Names(run.scheme.input_catalogue).formula  # the test in force written from its tree, in the reader's words
    out = []
    for g in records(a.gates()):
        oc = run.result.units.at[a.unit, f"gate:{g['gate']}"]
        out.append({"name": g["name"], "kind_zh": GATE_KIND_ZH[g["kind"]], "explain": gate_explain(run.scheme, g["gate"]),
                    "source_file": g["source_file"], "source_line": g["source_line"], "source_quote": g["source_quote"],
                    "conditions": [{"id": c["condition"], "name": c["name"], "outcome": c["outcome"],
                                    "outcome_zh": label(GATE_OUTCOME_ZH, c["outcome"]),
                                    "test": say(run.result.gate_test(c["condition"])), "reading": gate_reading_zh(c["reading"]),
                                    "vals": c["values"], "sentence": c["sentence"], "responsible": c["responsible"],
                                    "source_file": c["source_file"], "source_line": c["source_line"],
                                    "source_quote": c["source_quote"]}
                                   for c in conds if c["gate"] == g["gate"]],
                    "outcome_zh": label(GATE_OUTCOME_ZH, oc)})
        out[-1]["show_responsible"] = any(c["responsible"] for c in out[-1]["conditions"])
    if not out:
        return ""
    return render("gates.html.j2", gates=out)


def reader_comparison(run: Run) -> pd.DataFrame | None:
    """003's cross-county comparison (:func:`.analysis.comparison`) as readers get it, in HTML and Word:
    item numbering as in the document, no input ids (the sub-metric's name says it); None when the scheme
    asks for none."""
    table = comparison(run)
    if table is None:
        return None
    table = table.drop(columns=[c for c in ("输入编号",) if c in table.columns])
    if "条目编号" in table.columns:
        table["条目编号"] = [short_id(v) for v in table["条目编号"]]
    return table


def comparison_html(run: Run, unit: str | None = None) -> str:
    """003's cross-county comparison when the scheme asks for one (:func:`reader_comparison`)."""
    table = reader_comparison(run)
    if table is None:
        return ""
    return render("compare.html.j2", heading="跨单位比较", table=_frame_rows(table), unit=unit,
                  columns=[str(c) for c in table.reset_index().columns])  # the rows carry the index too


def comparison_rows(df: pd.DataFrame) -> list[list]:
    """The comparison's rows as printed (its index first, numbers with at most two decimals)."""
    return _frame_rows(df)


def _frame_rows(df: pd.DataFrame) -> list[list]:
    return [[num2(v) if isinstance(v, (int, float, np.floating)) else ("" if v is None else str(v)) for v in row]
            for row in df.reset_index().itertuples(index=False)]
