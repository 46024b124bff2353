"""The 评审 sheet: an assessor's points and reason per unit × judgement item."""
from __future__ import annotations

from ..cells import suggest, text
from ..sources import Grid
from ..template import JUDGE_COLUMNS, JUDGE_OPTIONAL, JUDGE_REQUIRED
from .context import ReadContext


def read_judge(ctx: ReadContext, g: Grid, columns: dict[str, tuple[str, ...]] | None = None) -> None:
    """``columns``: the headers known (the 评审 sheet's by default; an assessor's review workbook,
    :mod:`xinyong.intake.review_workbook`, has a few more). Each accepted entry's row is in ``ctx.judge_at``."""
    cols = ctx.headers(g, columns or {**JUDGE_COLUMNS, **JUDGE_OPTIONAL}, JUDGE_REQUIRED)
    if any(k not in cols for k in JUDGE_REQUIRED):
        return
    log = ctx.log
    seen: dict[tuple[str, str], int] = {}
    all_items = {it.id: it for it in ctx.s.walk_items()}
    for i in g.row_numbers(2):
        c = {k: g.cell(i, j) for k, j in cols.items()}
        uid, item = text(c["unit_id"].value), text(c["item"].value)
        if not uid or not item:
            log.error("单位编号或条目编号为空", "blank unit id or item id", sheet=g.name, row=i,
                      col=cols["unit_id"] if not uid else cols["item"], value=None, expected="单位编号和条目编号")
            continue
        if uid not in ctx.units:
            log.error(f"单位编号“{uid}”不在“单位”表中", f"unknown unit id {uid!r}", sheet=g.name, row=i,
                      col=cols["unit_id"], unit=uid, value=uid, expected="“单位”表中的单位编号")
            continue
        if uid in ctx.unreported:
            if text(c["points"].value) or text(c["why"].value):
                log.error("该单位在“单位”表中标为“未报送”，但“评审”表有它的评审得分", f"unit {uid!r} is marked "
                          "unreported but has a judgement", sheet=g.name, row=i, col=cols["points"], unit=uid,
                          value=c["points"].value, expected="删去该行，或把“单位”表的报送状态改为“已报送”")
            continue
        if item not in ctx.judge_ids:
            if item in all_items:
                msg = f"条目 {item} 不是酌情评分条目（按规则计分），不应在“评审”表填写"
            else:
                near = suggest(item, {x: x for x in ctx.judge_ids})
                msg = f"未知的条目编号“{item}”" + (f"（是否为“{near}”？）" if near else "")
            log.error(msg, f"item {item!r} is not a judgement item of {ctx.s.id}", sheet=g.name, row=i,
                      col=cols["item"], unit=uid, input=item, value=item,
                      expected=("酌情评分条目：" + "、".join(ctx.judge_ids)) if ctx.judge_ids
                      else "本方案没有酌情评分条目，“评审”表应为空")
            continue
        if (uid, item) in seen:
            log.error(f"单位“{uid}”的条目 {item} 重复（第 {seen[(uid, item)]} 行已有）", "duplicate judgement row",
                      sheet=g.name, row=i, col=cols["item"], unit=uid, input=item, value=item,
                      expected="每个单位每个条目一行")
            continue
        seen[(uid, item)] = i
        ctx.judge_entry(uid, item, c["points"], c["why"], g.name, i, cols["points"], cols["why"], c.get("max"),
                        cols.get("max"))
