"""One unit's report as a Word document (.docx): the same sections, in the same order, as the page.

The department's part first — 结论, 本单位要做的事 (a gate's conditions not met first), 失分与未知分, 佐证材料, 上期失分整改情况 —
then, after a page break, the 审核附件 (图表, 逐项得分, 已登记的佐证材料, 方案缺陷与条款解读, 与其他单位比较,
复现信息). Every sentence and figure is taken from :class:`~.analysis.UnitAnalysis` (the verdict's sentences,
the actions, the losses, the evidence gaps) and the headings from :data:`.sections.HEADINGS`, so the Word file
and the page say the same thing in the same words; computations are the page's plain Chinese
(:func:`.narrative.in_words`), never the formula. Each page carries a header (unit · scheme · period) and a
footer with its page number (a ``PAGE`` field).
"""
from __future__ import annotations

import io

from ..labels import GATE_KIND_ZH, GATE_OUTCOME_ZH, STATUS_ZH, gate_reading_zh, label, num, num2, period_zh
from ..labels import score2 as points
from .analysis import UnitAnalysis, grade_sentence
from .docx import _document, _heading, _para, _table
from .docx_common import NumberedHeadings, set_header, set_page_footer
from .load import Run
from .narrative import in_words, section_label, short_id
from .sections import HEADINGS, gate_explain, reading_names

UNKNOWN = ("missing_input", "pending_judgement", "undefined")


def _verdict(doc, a: UnitAnalysis) -> None:
    """The verdict as the page sets it: one paragraph of the main sentences, the readings that change the
    grade as a numbered list, the caps as a note."""
    lines = a.verdict()
    if a.unit not in a.res.unreported:  # the page's headline: score / full marks · 一票否决 · grade · rank
        st = a.standing()
        head = [f"{points(st.total)} 分 / 满分 {num(st.full_marks)}"]
        head += a.headline_marks()
        head += [st.grade + ("（未定）" if not st.grade_certain else "")] if grade_sentence(st) else []
        _para(doc, " · ".join(head + [st.rank_text]), bold=True, size=13)
    _para(doc, "".join(str(v) for v in lines if v.key in ("total", "grade", "gate", "rank", "change", "unknown")))
    readings = [v for v in lines if v.key == "reading"]
    if readings:
        _para(doc, "条款有歧义，按另一种理解等级不同：", bold=True)
        for k, v in enumerate(readings, 1):
            _para(doc, f"{k}. {v.text}")
    caps = [v.text for v in lines if v.key == "cap"]
    if caps:
        _para(doc, "".join(caps), size=10)


def _gates(doc, run: Run, a: UnitAnalysis, heading: NumberedHeadings) -> None:
    conds = a.gate_conditions()
    for g in a.gates().itertuples():
        kind = GATE_KIND_ZH[g.kind]
        heading(g.name + ("" if kind in g.name else f"（{kind}）"))
        _para(doc, gate_explain(run.scheme, g.gate))
        mine = conds[conds["gate"] == g.gate]
        _table(doc, ["编号", "条件", "判定", "本单位情况"],
               [[short_id(c.condition), c.name, label(GATE_OUTCOME_ZH, c.outcome),
                c.sentence + (f"（{gate_reading_zh(c.reading)}）" if c.reading else "")] for c in mine.itertuples()],
               [16, 45, 18, 86])


def _actions(doc, a: UnitAnalysis) -> None:
    from .sections import todo_stakes

    t = a.todo()
    rows = t.rows
    if not len(rows):
        _para(doc, "全部适用条目均已取得满分，没有需要整改的条目。")
        return
    if t.vetoed:
        _para(doc, t.vetoed, bold=True)
    n_gate = int((rows["stake"] != "").sum())
    n_items = len(rows) - n_gate
    note = f"先列未达到或尚无法判定的{todo_stakes(t)}条件 {n_gate} 项；" + ("再" if n_items else "") if n_gate else ""
    if n_items:
        which = (f"前 {n_items} 项（共 {t.n_all} 项，其余见“{HEADINGS['losses']}”）" if t.n_all > n_items
                 else f"全部 {n_items} 项")
        note += (f"按可争取的分数从多到少列出{which}；合计还可争取 {points(t.to_win)} 分"
                 + (f"（其中 {points(t.to_win_unknown)} 分取决于尚未录入的数据或评审）" if t.to_win_unknown else "")
                 + ("；几个条目同受一个上限时，各条的可争取分数不能相加，合计以上限为准" if t.shared_cap else ""))
    _para(doc, note + "。", size=10)
    same = [f"责任单位：{t.same['responsible']}"] if "responsible" in t.same else []
    same += [f"时限：{t.same['deadline']}"] if "deadline" in t.same else []
    if same:
        _para(doc, "；".join(same) + "。")
    words = {"evidence": "要交的佐证", "responsible": "责任单位", "deadline": "时限"}
    header = ["#", "要做的事", "本期情况", "可争取 / 事关" if n_gate else "可争取"] + [words[c] for c in t.columns]
    body = []
    for k, r in enumerate(rows.itertuples(), 1):
        facts = r.facts + (f"（{r.state}）" if str(r.state).startswith("得") else "")
        row = [str(k), r.action if r.stake else f"{short_id(r.item)} {r.action}", facts,
               r.stake or points(r.to_win)]
        for c in t.columns:
            if c == "evidence":
                sent = f"（已登记 {r.sent} 份）" if r.sent else "（尚未登记）" if r.evidence else ""
                row.append("—" if r.stake else (r.evidence or "方案未写明") + sent)
            else:
                row.append(getattr(r, c) or ("—" if r.stake and c == "deadline" else "方案未写明"))
        body.append(row)
    widths = {4: [8, 62, 78, 17], 5: [8, 40, 45, 16, 57]}
    _table(doc, header, body, widths.get(len(header)))


def _losses(doc, a: UnitAnalysis) -> None:
    lost, total, shared = a.losses()
    if len(lost):
        _para(doc, f"{len(lost)} 个已计分的条目未得满分，共少得 {points(total)} 分"
                   + ("（几个条目同受一个上限，逐条相加多于实际可挽回的分数）" if shared else "") + "：")
        _table(doc, ["编号", "条目", "得分 / 满分", "失分"],
               [[short_id(x.item), x.name + (f"（{x.why}）" if x.why else ""), f"{points(x.points)} / {num(x.max)}",
                 points(x.lost)] for x in lost.itertuples()],
               [18, 95, 28, 22])
    else:
        _para(doc, "已计分的基础条目均取得满分。")
    unk = a.unknown_items()
    if len(unk):
        _para(doc, f"分数未知、不计为失分的条目 {len(unk)} 个：" + "、".join(
            f"{short_id(x.item)}“{x.name}”（{num(x.max)} 分，{label(STATUS_ZH, x.status)}）" for x in unk.itertuples()) + "。")


def _gaps(doc, run: Run, a: UnitAnalysis) -> None:
    from .review import unit_review

    rv = unit_review(run, a.unit, a)
    if rv.pending:
        _para(doc, f"待评审：{len(rv.pending)} 个酌情评分条目尚无评审得分，共 {num(rv.pending_points)} 分未知"
                   "（不按零分计，评审人录入得分和理由后计入）。")
    gaps = a.evidence_gaps()
    scored = gaps[gaps["scored"].astype(bool)]
    if len(scored):
        more = len(gaps) - len(scored)
        _para(doc, f"已计分但无佐证：{len(scored)} 个条目已计 {points(sum(scored['points']))} 分，但没有登记方案要求的佐证材料；"
                   "审核时这些分数没有依据，请补交"
                   + (f"（下表前 {len(scored)} 行）。另有 {more} 个未得分或分数未知的条目也缺佐证材料，列在其后" if more else "")
                   + "：")
    if len(gaps):
        if not len(scored):
            _para(doc, f"方案要求佐证材料、但尚未登记任何材料的条目 {len(gaps)} 个：")
        _table(doc, ["编号", "条目", "得分", "要交的佐证"],
               [[short_id(g.item), g.name, "未知" if g.points is None else f"{points(g.points)} / {num(g.max)}", g.required]
                for g in gaps.itertuples()], [18, 50, 22, 75])
    else:
        _para(doc, "方案要求的佐证材料均已登记。" if a.asks_evidence() else "方案没有要求佐证材料。")


def _follow_up(doc, run: Run, unit: str) -> None:
    from .followup import follow_up

    fu = follow_up(run, unit)
    if fu is None:
        _para(doc, "没有上一考核期的数据，无法跟踪整改。" if run.previous() is None
              else "本单位没有参加上一考核期的考核，无法跟踪整改。")
        return
    if not len(fu.items):
        _para(doc, f"{period_zh(fu.previous)}本单位已计分的条目均得满分，没有需要跟踪整改的失分条目。")
        return
    c = fu.counts
    _para(doc, f"{period_zh(fu.previous)}本单位有 {len(fu.items)} 个条目失分。到{period_zh(fu.period)}：已挽回 {c['recovered']} 项，"
               f"部分挽回 {c['partly']} 项，仍失分 {c['still_lost']} 项，扣分增加 {c['worse']} 项，未知 {c['unknown']} 项。")
    rec = fu.items[fu.items["state"] == "recovered"]
    if len(rec):
        _para(doc, "已挽回：" + "、".join(f"“{r.name}”（+{points(r.change)} 分）" for r in rec.itertuples()) + "。")
    rest = fu.items[fu.items["state"] != "recovered"]
    if len(rest):
        _table(doc, ["条目", "满分", "上期得分", "本期得分", "整改情况"],
               [[r.name, num(r.prev_max), points(r.prev_points), "未知" if r.points is None else points(r.points), r.state_zh]
                for r in rest.itertuples()], [70, 14, 20, 20, 22])


def _items(doc, run: Run, a: UnitAnalysis) -> None:
    say = in_words(run.scheme)
    secs = {s.Index: s for s in a.sections().itertuples()}
    rows = []
    current = None
    for it in a.items().itertuples():
        if it.section != current and it.section in secs:
            current = it.section
            s = secs[current]
            unknown_all = s.unknown and s.unknown >= s.max - 1e-6  # nothing known: never “0.00”
            rows.append(["", f"{short_id(s.Index)} {section_label(s, '（附加分）')}",
                         num(s.max), "未知" if unknown_all else points(s.points), "计入" if s.counted else "小计", ""])
        pts = "未知" if it.status in UNKNOWN else "—" if it.status == "not_applicable" else points(it.points)
        rows.append([short_id(it.item), it.name, num(it.max), pts, it.status_zh, say(it.description)])
    _table(doc, ["编号", "条目", "满分", "得分", "状态", "计算过程"], rows, [14, 40, 12, 14, 18, 68])


def _evidence(doc, run: Run, a: UnitAnalysis) -> None:
    from .review import unit_review

    rv = unit_review(run, a.unit, a)
    registered = any(r["supplied"] for r in rv.rows)
    if rv.missing:
        _para(doc, f"尚缺的佐证材料：方案要求佐证材料、但尚未登记任何材料的条目共 {len(rv.missing)} 个（下表标“无材料”）。")
    elif a.asks_evidence():
        _para(doc, "方案要求的佐证材料均已登记。")
    else:
        _para(doc, "方案没有要求佐证材料" + ("" if registered else "，本单位也没有登记材料") + "。")
    if not (a.asks_evidence() or registered):
        return
    _table(doc, ["编号", "条目", "要求的佐证材料", "已登记的材料"],
           [[short_id(r["item"]), r["name"], r["required"] or "方案未写明",
             "；".join(f"《{e['title']}》" + ("（文件缺失）" if e["kind"] == "missing" else "（链接无效）" if e["kind"] == "refused" else "")
                      for e in r["supplied"]) or ("无材料" if r["flag"] else "—")] for r in rv.rows], [14, 40, 55, 56])


def _readings(doc, run: Run, a: UnitAnalysis) -> None:
    from ..labels import FINDING_ZH

    say = in_words(run.scheme)
    _heading(doc, "方案文本的不一致之处", 2)
    f = a.findings()
    if len(f):
        _table(doc, ["类型", "位置", "说明"],
               [[label(FINDING_ZH, r.code), "整个方案" if r.target == run.scheme.id else short_id(r.target), say(r.message)]
                for r in f.itertuples()], [25, 25, 115])
    else:
        _para(doc, "检查未发现方案文本的不一致之处。")
    _heading(doc, "有歧义的条款与采用的解读", 2)
    readings, options = a.readings()
    if not len(readings):
        _para(doc, "本方案没有记录有歧义的条款。")
        return
    rows = []
    for r in readings.itertuples():
        opts = options[options["reading"] == r.id]
        alt = "；".join(f"{say(o.label)}：{points(o.total)} 分" + (f"（{o.grade}）" if isinstance(o.grade, str) else "")
                       for o in opts.itertuples() if o.total is not None)
        rows.append([say(r.question), say(r.used_label), say(r.why or ""), alt])
    _table(doc, ["问题", "采用的解读", "理由", "各种解读下本单位的总分"], rows, [45, 35, 45, 40])


def _comparison(doc, a: UnitAnalysis) -> bool:
    peers, metrics = a.peers(), a.peer_comparison()
    if peers is None and metrics is None:
        return False
    if peers is not None:
        names = {s.Index: section_label(s) for s in a.sections().itertuples()}
        _para(doc, f"各部分得分与{'同类' if peers.same_kind else '全部'} {len(peers.group)} 个单位的中位数、"
                   f"总分最高的单位（{peers.best_name}）比较。", size=10)
        _table(doc, ["部分", "本单位", "中位数", "最高分单位", "满分"],
               [[names.get(sid, sid), points(r.unit), points(r.median), points(r.best), num(r.max)]
                for sid, r in zip(peers.sections.index, peers.sections.itertuples())], [65, 25, 25, 25, 20])
    if metrics is not None and len(metrics):
        _para(doc, "方案规定比较的子指标：本单位的数值与有数据单位的中位数、最好值比较（“是/否”类和不排名的子指标不列出）。", size=10)
        _table(doc, ["条目", "子指标", "本单位", "名次", "中位数", "最好值"],
               [[f"{short_id(m.item)} {m.item_name}", f"{m.label}（{m.measure + '，' if m.measure else ''}{m.direction}）",
                 "缺" if m.value is None else num2(m.value), "—" if m.rank is None else f"{m.rank} / {m.n}",
                 num2(m.median), num2(m.best)] for m in metrics.itertuples()], [35, 55, 18, 15, 18, 18])
    return True


def _provenance(doc, run: Run) -> None:
    from .. import __version__

    d = run.data
    rows = [["数据文件", d.path.name if d.path else "内存中的数据表"], ["数据文件 SHA-256", d.sha256 or "—"]]
    rows += [[f"历史数据 {period_zh(p)}", f"{getattr(path, 'name', path)} {sha}"] for p, path, sha in run.history_files]
    rows.append(["采用的解读", "；".join(f"{r['question']}“{r['label']}”" for r in
                                      reading_names(run.scheme, run.result.readings_used, run.readings)) or "（方案无歧义条款）"])
    rows.append(["程序版本", f"xinyong {__version__}"])
    _table(doc, ["项目", "内容"], rows, [40, 125])


def unit_docx(run: Run, unit: str) -> bytes:
    """One unit's report as .docx bytes, section for section the page's (:meth:`.sections.UnitReport.main`,
    then :meth:`~.sections.UnitReport.appendix`)."""
    from docx.enum.text import WD_BREAK
    from docx.shared import Mm

    from .charts import section_bars
    from .fonts import setup_fonts

    a = UnitAnalysis(run, unit)
    scheme = run.scheme
    doc = _document()
    sec = doc.sections[0]  # the running header (unit · scheme · period) and “— N —” (a PAGE field)
    set_header(sec, f"{a.name} · {scheme.short_title or scheme.title} · {period_zh(run.period)}")
    set_page_footer(sec)
    _heading(doc, a.name, 0)
    kind = a.row["unit_kind"]
    _para(doc, f"{scheme.title} · {period_zh(run.period)}" + (f" · {kind}" if kind else ""))
    heading = NumberedHeadings(doc, _heading)

    heading(HEADINGS["summary"])
    _verdict(doc, a)
    heading(HEADINGS["actions"])
    _actions(doc, a)
    heading(HEADINGS["losses"])
    _losses(doc, a)
    heading(HEADINGS["gaps"])
    _gaps(doc, run, a)
    heading(HEADINGS["follow_up"])
    _follow_up(doc, run, a.unit)

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _heading(doc, HEADINGS["appendix"], 1)
    _para(doc, "供审核、复核用：逐项得分与计算过程、图表、佐证材料清单、方案缺陷与条款解读、与其他单位的比较和复现信息。", size=10)
    heading(HEADINGS["charts"])
    secs = a.sections()
    setup_fonts()
    png = section_bars([section_label(s) for s in secs.itertuples()], [float(x) for x in secs["points"]],
                       [float(x) for x in secs["unknown"]], [float(x) for x in secs["max"]], f"{a.name}：各部分得分与满分")
    doc.add_picture(io.BytesIO(png), width=Mm(150))
    _para(doc, "图1 各部分得分（蓝）、未知分数（灰色斜线，缺数据或待评审，不按零分计）与满分（灰）", size=9)
    heading(HEADINGS["items"])
    _items(doc, run, a)
    heading(HEADINGS["evidence"])
    _evidence(doc, run, a)
    if scheme.gates:
        _gates(doc, run, a, heading)
    heading(HEADINGS["readings"])
    _readings(doc, run, a)
    if a.peers() is not None or a.peer_comparison() is not None:
        heading(HEADINGS["comparison"])
        _comparison(doc, a)
    _heading(doc, HEADINGS["provenance"], 1)
    _provenance(doc, run)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
