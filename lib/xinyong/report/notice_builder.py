"""The figures and sentences of one 通报, each section's computed once (:class:`NoticeBuilder`).

Every figure comes from the analysis layer (:class:`~.analysis.OverviewAnalysis`, :class:`~.analysis.UnitAnalysis`
and their sentence functions); what it builds is a :class:`~.notice_model.Notice`.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np

from ..labels import failed_gates_zh, grade_tone, num, period_zh, score2
from .analysis import (EPS, UNKNOWN_STATUSES, OverviewAnalysis, UnitAnalysis, grade_sentence, rank_sentence,
                       reading_sentence)
from .verdict import reading_gate_sentence
from .load import Run
from .narrative import quoted
from .notice_model import Notice, NoticeOptions, NoticeRow, date_zh, notice_title

PASS_BAND = "合格"
DEFAULT_TO = "各参评单位"
ISSUER_BLANK = "（发文机关）"
NUMBER_BLANK = "〔　　〕号"
ORDINALS = "一二三四五六七八九十"
COMMON_SHARE = 1 / 3  # an item is a common problem when at least this share of the scored units lost points on it
COMMON_MAX = 4
LOST_PER_UNIT = 2  # items named in a unit's individual problem


def thresholds(scheme: Any) -> list[tuple[str, str]]:
    """Each grade band (best first) with its threshold in words: (优秀, 90 分及以上), (良好, 80 分（含）至
    90 分), (不合格, 60 分以下)."""
    g = scheme.grades
    if g is None:
        return []
    basis = "基础分" if g.basis == "base_total" else ""
    bands = g.bands
    out = []
    for k, b in enumerate(bands):
        above = bands[k - 1] if k else None
        if b.min is None:
            text = (f"{num(above.min)} 分以下" if above.min_inclusive else f"{num(above.min)} 分及以下") if above else "全部"
        else:
            low = f"{num(b.min)} 分（含）" if b.min_inclusive else f"高于 {num(b.min)} 分"
            if above is None:
                text = f"{num(b.min)} 分及以上" if b.min_inclusive else f"高于 {num(b.min)} 分"
            else:
                text = f"{low}至 {num(above.min)} 分" + ("" if above.min_inclusive else "（含）")
        out.append((b.label, basis + text))
    return out


def below_pass(scheme: Any) -> set[str]:
    """The bands below 合格; without a 合格 band, the lowest band when it is a failing word (不达标, 差)."""
    if scheme.grades is None:
        return set()
    labels = [b.label for b in scheme.grades.bands]
    if PASS_BAND in labels:
        return set(labels[labels.index(PASS_BAND) + 1:])
    return {labels[-1]} if grade_tone(labels[-1]) == "bad" and len(labels) > 1 else set()


def _names(names: list[str], most: int = 3) -> str:
    """“甲、乙、丙” or “甲、乙、丙等 7 个单位”."""
    if len(names) <= most:
        return "、".join(names)
    return "、".join(names[:most]) + f"等 {len(names)} 个单位"


def _change(now: float, before: float) -> str:
    d = round(now - before, 6)
    if abs(d) < 0.005:
        return "持平"
    return f"{'提高' if d > 0 else '下降'} {score2(abs(d))} 分"


def _numbered(k: int) -> str:
    return f"{ORDINALS[k]}是" if k < len(ORDINALS) else f"{k + 1}是"


def _periods_below(run: Run, unit: str, below: set[str]) -> int:
    """How many periods in a row, this one included, the unit's grade was below 合格 (history newest first;
    a period the unit did not report in, or was absent from, ends the run)."""
    n = 1
    for _, h in reversed(run.history):
        if unit not in h.units.index or unit in h.unreported or h.units.at[unit, "grade"] not in below:
            break
        n += 1
    return n


class NoticeBuilder:
    """The figures and sentences of one 通报, each computed once."""

    def __init__(self, run: Run, options: NoticeOptions, today: dt.date):
        self.run, self.opts, self.today = run, options, today
        self.sch = run.scheme
        self.res = run.result
        self.ov = OverviewAnalysis(run)
        self.rk = self.ov.ranking()
        self.silent = set(self.res.unreported)
        self.reported = self.rk[~self.rk["unit"].isin(self.silent)]
        self.below = below_pass(self.sch)
        self.prev = run.previous()
        self.deadline = f"{date_zh(options.rectify_by)}前" if options.rectify_by else "下一考核期数据报送前"
        self.issuer = options.issuer or str(self.sch.meta.get("issuer") or "") or ISSUER_BLANK
        self.full = self.ov.full_marks()  # each unit's full marks, through every cap
        fulls = sorted({round(float(self.full[u]), 4) for u in self.reported["unit"]})
        self.full_same = fulls[0] if len(fulls) == 1 else None

    # ------------------------------------------------------------------ heading
    def number(self) -> str:
        if self.opts.number:
            return self.opts.number
        doc = str(self.sch.meta.get("document") or "")
        m = re.match(r"\s*([^\s〔]+)〔", doc)
        return (m[1] if m else "") + NUMBER_BLANK

    def lead(self) -> str:
        """“根据《…考核办法》（郏信用办〔2022〕4号），…组织开展了2022年第四季度…考核。现将考核结果通报如下：”"""
        doc = str(self.sch.meta.get("document") or "")
        m = re.match(r"\s*(\S+〔\d{4}〕\s*\d+\s*号)\s*(.*)$", doc)
        if m:
            inner = re.search(r"《([^》]+)》", m[2])
            basis = f"根据《{inner[1] if inner else self.sch.title}》（{m[1]}），"
        else:
            basis = f"根据《{self.sch.title}》，"
        who = "" if self.issuer == ISSUER_BLANK else self.issuer
        short = self.sch.short_title or self.sch.title
        what = short if short.endswith(("考核", "评估", "评价", "评比", "考评")) else f"{short}考核"
        if not who:
            return f"{basis}{period_zh(self.run.period)}{what}已完成。现将考核结果通报如下："
        return f"{basis}{who}组织开展了{period_zh(self.run.period)}{what}。现将考核结果通报如下："

    # ------------------------------------------------------------------ 一、总体情况
    def overall(self) -> tuple[str, ...]:
        n_all = len(self.rk) + len(self.run.invalid)
        counts = self.ov.state_counts()
        t = self.reported["total"].astype(float)
        head = f"本期参加考核的单位共 {n_all} 个"
        left = [f"{c} 个单位{w}" for c, w in ((counts["unreported"], "未报送数据"), (counts["invalid"], "数据有误、未评分")) if c]
        if left:
            head += f"，其中 {'，'.join(left)}，已评分 {len(t)} 个"
        paras = []
        if len(t):
            avg = self.ov.averages()
            full = f"（满分 {num(self.full_same)} 分）" if self.full_same is not None else ""
            head += f"。已评分单位平均得分 {score2(avg['mean'])} 分{full}，中位数 {score2(avg['median'])} 分"
            if avg["prev_period"] is not None and avg["prev_mean"] == avg["prev_mean"]:
                head += (f"；与{period_zh(avg['prev_period'])}相比，平均分{_change(avg['mean'], avg['prev_mean'])}，"
                         f"中位数{_change(avg['median'], avg['prev_median'])}")
            head += (f"；最高 {score2(t.max())} 分（{self.reported.loc[t.idxmax(), 'name']}），"
                     f"最低 {score2(t.min())} 分（{self.reported.loc[t.idxmin(), 'name']}）。")
        else:
            head += "。"
        paras.append(head)
        g = self.ov.grades()
        if g is not None and len(t):
            th = dict(thresholds(self.sch))
            parts = [f"{r.label}（{th[r.label]}）{r.n} 个" for r in g.itertuples()]
            paras.append("按考核办法的等级划分，本期" + "，".join(parts) + "。" + self.unsettled_sentence())
        elif self.sch.grades is None and len(t):
            more = self.unsettled_rank_sentence()
            if more:
                paras.append(more)
        gates = [gt for gt in self.sch.gates]
        if gates:
            fails = self.ov.gate_fail_counts()
            for gt in gates:
                n = int(fails.get(gt.name, 0))
                kind = "一票否决" if gt.kind == "veto" else "认定条件"
                name = quoted(gt.name) + ("" if kind in gt.name else f"（{kind}）")
                paras.append(f"{name}有 {n} 个单位未通过，具体见“存在问题”。" if n else f"{name}各单位均已通过。")
        return tuple(paras)

    def unsettled(self) -> Any:
        r = self.reported
        return r[~r["grade_certain"].astype(bool)] if self.sch.grades is not None else r.iloc[0:0]

    def unsettled_sentence(self) -> str:
        u = self.unsettled()
        if not len(u):
            return "各单位等级均已确定。"
        unk = u["unknown"].astype(float)
        span = score2(unk.min()) if abs(unk.max() - unk.min()) < EPS else f"{score2(unk.min())}–{score2(unk.max())}"
        why = self._unknown_kinds(list(u["unit"]))
        return (f"{_names(list(u['name']))}的等级暂未确定（表中标“未定”）：这些单位尚有 {span} 分因{why}而未知，"
                "未按零分计，补齐后等级可能改变。")

    def unsettled_rank_sentence(self) -> str:
        r = self.reported
        u = r[~r["rank_settled"].astype(bool)]
        if not len(u):
            return ""
        who = "各单位均" if len(u) == len(r) > 1 else _names(list(u["name"]))
        return (f"{who}尚有分值因{self._unknown_kinds(list(u['unit']))}而未知，未按零分计，"
                "名次暂列（表中括号内为补齐后可能的名次范围）。")

    def _unknown_kinds(self, units: list[str]) -> str:
        st = self.res.status.loc[units].astype(str)
        kinds = [w for code, w in (("missing_input", "缺少数据"), ("pending_judgement", "待评审"),
                                   ("undefined", "无法计算")) if (st == code).to_numpy().any()]
        return "或".join(kinds) or "缺少数据"

    # ------------------------------------------------------------------ 二、排名
    def rows(self) -> tuple[NoticeRow, ...]:
        out = []
        gates = self.sch.gates
        units = self.res.units
        for r in self.rk.itertuples():
            silent = r.unit in self.silent
            if silent:
                place, rng = "—", ""
            elif not r.ranked:
                place, rng = "不参加", ""
            elif r.rank_settled:
                place, rng = str(r.rank), ""
            else:
                place, rng = f"暂列 {r.rank}", f"（{r.rank_best}–{r.rank_worst}）"
            mark = "（未报送）" if silent else (f"（{failed_gates_zh(gates, units.loc[r.unit])}）"
                                              if r.gate_outcome == "fail" else "")
            if silent:
                score = "—"
            elif self.full_same is None:
                score = f"{score2(r.total)}（{num(self.full[r.unit])}）"
            else:
                score = score2(r.total)
            grade = "" if self.sch.grades is None else ("—" if silent or not isinstance(r.grade, str) else r.grade)
            settled = bool(r.grade_certain) or silent
            if not self.prev:
                change, d = "", 0
            elif r.delta is None or r.delta != r.delta:
                change, d = ("—" if silent else "新参评"), 0
            elif abs(r.delta) < 0.005:
                change, d = "持平", 0
            else:
                change, d = f"{r.delta:+.2f}", (1 if r.delta > 0 else -1)
            out.append(NoticeRow(unit=r.unit, place=place, place_range=rng, name=str(r.name), mark=mark, score=score,
                                 grade=grade, grade_settled=settled, tone=grade_tone(grade) if grade not in ("", "—") else "",
                                 change=change, direction=d))
        return tuple(out)

    def score_head(self) -> str:
        return f"得分（满分 {num(self.full_same)} 分）" if self.full_same is not None else "得分（满分）"

    def ranking_notes(self, rows: tuple[NoticeRow, ...]) -> tuple[str, ...]:
        notes = []
        if any(r.place_range for r in rows):
            notes.append("“暂列”：尚有分值因缺少数据或待评审而未知，名次还可能变化；括号内为可能的名次范围——"
                         "未知分值全部得到时为最好名次，全部得不到时为最差名次。")
        if any(not r.grade_settled for r in rows):
            notes.append("“未定”：按已知得分定出的等级，未知分值补齐后可能改变。")
        if any(r.place == "不参加" for r in rows):
            notes.append("“不参加”：因未通过否决条件，本期不参加排名，列于参加排名的单位之后。")
        if self.prev is not None:
            notes.append(f"“较上期”：与{period_zh(self.prev[0])}总分相比的变化。")
        return tuple(notes)

    # ------------------------------------------------------------------ 三、存在问题
    def common(self) -> tuple[str, ...]:
        lost = self.ov.lost_items(n=20)
        n_scored = len(self.reported)
        need = max(2, int(np.ceil(n_scored * COMMON_SHARE)))
        hits = lost[lost["units_losing"] >= need].head(COMMON_MAX) if len(lost) else lost
        if not len(hits):
            return ("本期没有三分之一以上单位共同失分的指标。",)
        return tuple(f"{_numbered(k)}{quoted(r.name)}（满分 {num(r.max)} 分）：{r.units_losing} 个单位失分，共失 {score2(r.lost)} 分"
                     + ("。" if k == len(hits) - 1 else "；") for k, r in enumerate(hits.itertuples()))

    def individual(self) -> tuple[tuple[str, str], ...]:
        out = []
        for r in self.rk.itertuples():
            if r.unit in self.silent:
                out.append((str(r.name), "本期未报送数据，全部指标按“未知”处理（不按零分计），不参加排名。"
                            f"请于{self.deadline}补报。"))
                continue
            vetoed = r.gate_outcome == "fail"
            low = isinstance(r.grade, str) and r.grade in self.below
            if vetoed or low:
                out.append((str(r.name), self._unit_problem(r.unit, low)))
        words = [w for w, has in (("被否决", any(g.kind == "veto" for g in self.sch.gates)),
                                  (f"低于{PASS_BAND}", bool(self.below))) if has]
        if not out and words:
            out.append(("", f"本期没有{'或'.join(words)}的单位。"))
        last = self.reported[self.reported["ranked"].astype(bool)]
        if not words and len(last) > 1 and str(last.iloc[-1]["name"]) not in {n for n, _ in out}:
            # no 合格 band and no veto: the last unit is named, as a 通报 names the 末位 (once)
            r = last.iloc[-1]
            out.append((str(r["name"]), self._unit_problem(r["unit"], False, last_only=True)))
        return tuple(out)

    def _unit_problem(self, unit: str, low: bool, last_only: bool = False) -> str:
        from .narrative import for_readers

        say = for_readers(self.sch)  # a reading's question quotes the scheme's formula (“得分=7*增速”)
        ua = UnitAnalysis(self.run, unit)
        st = ua.standing()
        full = f"（满分 {num(self.full[unit])} 分）" if self.full_same is None else ""
        place = st.rank_text if st.ranked else rank_sentence(st)  # the ranking's short form, or why it has none
        parts = [f"得 {score2(st.total)} 分{full}，{place}"]
        if last_only:
            parts[0] += "，为排名末位"
        elif st.ranked and st.rank == st.n_ranked and st.rank_settled:
            parts[0] += "（末位）"
        if gs := grade_sentence(st):
            parts.append(gs)
        if low and st.grade_certain:
            k = _periods_below(self.run, unit, self.below)
            if k > 1:
                parts.append(f"已连续 {k} 个考核期低于{PASS_BAND}")
        text = "，".join(parts) + "。"
        for g in ua.gate_sentences():
            if g["outcome"] == "fail":
                text += say(g["lead"] + g["text"])
        lost = ua.lost(LOST_PER_UNIT)
        if len(lost):
            text += "失分主要在" + "、".join(f"{quoted(x.name)}（失 {score2(x.lost)} 分）" for x in lost.itertuples()) + "。"
        for c in ua.reading_grade_changes():
            text += say(reading_sentence(c)) + "。"
        for c in ua.reading_gate_changes():  # a reading that decides the unit's veto
            text += say(reading_gate_sentence(c, ua.gate_kinds_zh())) + "。"
        if st.unknown_points > EPS and not (st.has_grades and not st.grade_certain):  # else the grade said it
            text += f"另有 {score2(st.unknown_points)} 分因缺少数据或待评审而未知，未按零分计。"
        return text

    # ------------------------------------------------------------------ 四、下一步工作
    def next_steps(self, individual: tuple[tuple[str, str], ...], common: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        steps = []
        send_to = "" if self.issuer == ISSUER_BLANK else f"报{self.issuer}"
        named = [n for n, _ in individual if n]
        if named:
            fix = (f"{_names(named)}要认真分析失分原因，制定整改措施，于{self.deadline}完成整改，"
                   f"并将整改情况书面{send_to or '报送'}。")
        else:
            fix = f"各单位要对照本期失分指标查找不足，于{self.deadline}完成整改。"
        if common:
            fix += "各单位要对照上述共性问题逐项自查，举一反三。"
        steps.append(("限期整改。", fix))
        st = self.res.status.drop(index=[u for u in self.silent if u in self.res.status.index]).astype(str)
        missing = int((st == "missing_input").to_numpy().sum())
        pending = int((st == "pending_judgement").to_numpy().sum())
        units_unknown = int(st.isin(list(UNKNOWN_STATUSES)).any(axis=1).sum())
        if missing or pending:
            what = ("缺少数据" if not pending else "待评审" if not missing
                    else f"缺少数据（{missing} 项）或待评审（{pending} 项）")
            text = (f"尚有 {units_unknown} 个单位共 {missing + pending} 项指标{what}。相关单位要于{self.deadline}补报数据和佐证材料"
                    + ("，评审人员尽快完成评审" if pending else "") + "；补齐后按实际得分重新核定等级和名次。")
            up = self.unsettled()
            if len(up):
                text += f"其中{_names(list(up['name']))}补齐后等级可能改变。"
            steps.append(("补报材料。", text))
        gap = (self.full - self.res.units["total"].astype(float)).drop(index=list(self.silent), errors="ignore")
        if len(gap) and float(gap.sum()) > EPS:
            worst = gap.idxmax()
            steps.append(("补齐短板。", f"按现有得分，各单位距满分平均还有 {score2(gap.mean())} 分可争取，"
                                      f"差距最大的是{self.res.units.at[worst, 'unit_name']}（{score2(gap.max())} 分）。"
                                      "各单位要对照考核指标和本单位失分项目，逐项补齐短板。"))
        return tuple((f"（{ORDINALS[k]}）{lead}", text) for k, (lead, text) in enumerate(steps))

    # ------------------------------------------------------------------ the top index's facts
    def lowest(self) -> str:
        r = self.reported[self.reported["ranked"].astype(bool)]
        if not len(r):
            return ""
        x = r.iloc[-1]
        grade = ""
        if isinstance(x["grade"], str):
            grade = f"，{x['grade']}" + ("（未定）" if not bool(x["grade_certain"]) else "")
        return f"{x['name']}（{score2(x['total'])} 分{grade}）"

    def build(self) -> Notice:
        rows = self.rows()
        common = self.common()
        individual = self.individual()
        vetoed = tuple(str(r.name) for r in self.rk.itertuples() if r.gate_outcome == "fail"
                       and any(g.kind == "veto" and str(self.res.units.at[r.unit, f"gate:{g.id}"]) == "fail"
                               for g in self.sch.gates))
        return Notice(
            title=notice_title(self.sch, self.run.period), number=self.number(), to=self.opts.to or DEFAULT_TO,
            lead=self.lead(), overall=self.overall(), rows=rows, score_head=self.score_head(),
            has_grades=self.sch.grades is not None, has_change=self.prev is not None,
            previous=period_zh(self.prev[0]) if self.prev else "", ranking_notes=self.ranking_notes(rows),
            common=common, individual=individual, next_steps=self.next_steps(individual, common),
            issuer=self.issuer, date=date_zh(self.opts.date or self.today), lowest=self.lowest(), vetoed=vetoed,
            unsettled=tuple(str(n) for n in self.unsettled()["name"]), period=period_zh(self.run.period),
            short_title=self.sch.short_title or self.sch.title)
