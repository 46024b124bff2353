"""What the sheet readers share while reading one file: the scheme's catalogue, the units found so far,
the values, judgements and evidence read, and the checks more than one sheet makes."""
from __future__ import annotations

import difflib
from typing import Any, Iterable

import numpy as np

from ...scheme.model import InputSpec, Scheme
from ...scheme.values import coerce, is_blank
from ..cells import CLEAN_TEXT_EXPECTED, suggest, text, unclean
from ..problems import Log
from ..sources import Cell, Grid
from ..template import judgement_slots, slots_for


class ReadContext:
    def __init__(self, scheme: Scheme, log: Log):
        self.s = scheme
        self.log = log
        self.cat = scheme.input_catalogue
        self.slots = judgement_slots(scheme)
        # document order, so suggestions and listings do not depend on set ordering
        self.judge_ids = list(dict.fromkeys(i for it in scheme.walk_items() for k in self.slots.values()
                                            for i in k if i == it.id))
        self.units: dict[str, dict[str, Any]] = {}  # unit id -> {unit_name, unit_kind, row}
        self.unreported: dict[str, int] = {}  # unit id -> its 单位 row, for units marked 未报送
        # the inputs read, a column per input over the 输入 sheet's data rows, and each unit's position there
        self.value_cols: dict[str, np.ndarray] = {}
        self.value_row: dict[str, int] = {}
        # where the 输入 sheet put them: (sheet, sheet row of each data-row position, input -> column),
        # so a cross-input check can name the cells it read
        self.input_at: tuple[str | None, list[int], dict[str, int]] | None = None
        self.judge: dict[tuple[str, str], tuple[float, str]] = {}
        self.judge_at: dict[tuple[str, str], int] = {}  # the sheet row each accepted judgement was read from
        self.evidence: list[dict[str, Any]] = []
        self.evidence_sha256 = False  # the 证据 sheet has a SHA-256 column (written by ``collect``)
        self.period: str | None = None

    def headers(self, g: Grid, spec: dict[str, tuple[str, ...]], required: Iterable[str]) -> dict[str, int]:
        """Header row of a list sheet: known column -> column number; unknown, duplicate, missing noted."""
        alias = {h: key for key, hs in spec.items() for h in hs}
        found: dict[str, int] = {}
        for j, v in enumerate(g.rows[0] if g.rows else (), 1):
            h = text(v)
            if not h:
                continue
            key = alias.get(h)
            if key is None:
                near = suggest(h, {h2: spec[k][0] for h2, k in alias.items()})
                self.log.note(f"未知列“{h}”，该列内容不会被读取" + (f"（是否为“{near}”？）" if near else ""),
                              f"unknown column {h!r} ignored", sheet=g.name, row=1, col=j, value=h,
                              expected="、".join(v[0] for v in spec.values()))
            elif key in found:
                self.log.error(f"列“{h}”重复", f"duplicate column {h!r}", sheet=g.name, row=1, col=j, value=h,
                               expected="每列只出现一次")
            else:
                found[key] = j
        for key in required:
            if key not in found:
                self.log.error(f"缺少列“{spec[key][0]}”", f"missing column {key!r}", sheet=g.name, row=1,
                               expected="、".join(v[0] for v in spec.values()))
        return found

    def clean_text(self, value: str, what: str, what_en: str, sheet, row, col, unit=None,
                   free_text: bool = False) -> bool:
        """False, with a located error, when ``value`` holds a character that no id or name may hold (a
        control character, a bidi override: it would break the workbooks, file names and Word reports
        made from it, or make a name read differently from what it is); ``free_text`` (a reason, a title)
        may keep a tab and a newline."""
        got = unclean(value, what, what_en, free_text)
        if got is None:
            return True
        self.log.error(*got, sheet=sheet, row=row, col=col, unit=unit, value=value, expected=CLEAN_TEXT_EXPECTED)
        return False

    def check_kind(self, kind: str, sheet, row, col, unit) -> str:
        kinds = self.s.unit_kinds
        if not kind:
            if len(kinds) == 1:
                self.log.note(f"单位类型为空，按“{kinds[0]}”处理", "blank unit kind: the scheme has one kind",
                              sheet=sheet, row=row, col=col, unit=unit, value=None, expected=kinds[0])
                return kinds[0]
            if len(kinds) > 1:
                self.log.error("单位类型为空，请从下拉列表选择", "blank unit kind", sheet=sheet, row=row, col=col,
                               unit=unit, value=None, expected="、".join(kinds))
            return ""
        if kinds and kind not in kinds:
            near = difflib.get_close_matches(kind, kinds, n=1, cutoff=0.3)
            self.log.error(f"未知的单位类型“{kind}”" + (f"（是否为“{near[0]}”？）" if near else ""),
                           f"unknown unit kind {kind!r}", sheet=sheet, row=row, col=col, unit=unit, value=kind,
                           expected="、".join(kinds))
            return ""
        return kind

    def judge_entry(self, uid, item, pc: Cell, wc: Cell, sheet, row, pcol, wcol, cap_cell: Cell | None,
                    cap_col=None) -> None:
        """One assessor's entry (points, reason), from the 评审 sheet or the judge:/why: columns."""
        log = self.log
        kind = (self.units.get(uid) or {}).get("unit_kind") or ""
        slots = slots_for(self.slots, kind)
        if item not in slots:
            log.error(f"单位类型为“{kind or '未填'}”时，条目 {item} 不按评审计分，得分不会被使用",
                      f"item {item} is not a judgement for unit kind {kind!r}", sheet=sheet, row=row, col=pcol,
                      unit=uid, input=item, value=pc.value, expected="该单位适用的酌情评分条目")
            return
        cap = slots[item].cap
        why = text(wc.value)
        if not self.clean_text(why, f"条目 {item} 的评审理由", f"judgement {item} reason", sheet, row, wcol or pcol,
                               uid, free_text=True):
            return
        spec = InputSpec(id="judge", label="评审得分", type="number", min=None, max=None)
        got = coerce(pc.value, spec, pc.fmt)
        x = got.value
        if cap_cell is not None and not is_blank(cap_cell.value):
            try:
                differs = abs(float(cap_cell.value) - cap) > 1e-9
            except (TypeError, ValueError):
                differs = True
            if differs:
                log.note(f"“满分”与方案不一致，以方案的 {cap:g} 分为准", f"cap cell differs from the scheme's {cap:g}",
                         sheet=sheet, row=row, col=cap_col, unit=uid, input=item, value=cap_cell.value, expected=f"{cap:g}")
        where = dict(sheet=sheet, row=row, col=pcol, unit=uid, input=item, value=pc.value)
        if got.error:
            log.error(f"条目 {item} 的评审得分：{got.error}", f"judgement {item}: {got.detail}", **where,
                      expected=f"0 到 {cap:g} 之间的数值")
            return
        if np.isnan(x):
            if why:
                log.note(f"条目 {item} 填了理由但没有得分，按“待评审”处理", f"judgement {item}: reason without points",
                         sheet=sheet, row=row, col=wcol, unit=uid, input=item, value=why, expected="得分")
            return
        if x > cap + 1e-9:
            log.error(f"条目 {item} 的评审得分 {x:g} 超过满分 {cap:g}", f"judgement {item}: {x:g} above cap {cap:g}",
                      **where, expected=f"0 到 {cap:g} 之间")
            return
        if x < 0:
            log.error(f"条目 {item} 的评审得分不能为负数", f"judgement {item}: negative", **where, expected=f"0 到 {cap:g} 之间")
            return
        if not why:
            log.error(f"条目 {item} 有评审得分但没有填写理由，得分不予采用", f"judgement {item}: points without justification",
                      sheet=sheet, row=row, col=wcol or pcol, unit=uid, input=item, value=pc.value, expected="评审理由（文字）")
            return
        self.judge[(uid, item)] = (x, why)
        self.judge_at[(uid, item)] = row
