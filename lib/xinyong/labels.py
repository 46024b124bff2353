"""The Chinese words for our codes, and how numbers are written: one table per concept, one formatter family.

Every layer may use this module (it sits in the base with ``errors`` and ``util`` and imports nothing of
ours): the scoring explanations, the reports, the batch pages and workbooks all print the same statuses,
gate outcomes and numbers, so they take them from here rather than keeping copies that drift apart.

The formatters are three on purpose, each with the readers it has had since the first release, so no
printed text changes:

- :func:`num` — points and plain numbers in reports, batch pages and workbooks: at most 4 decimals,
  trailing zeros dropped, ``—`` when unknown (12.5, 3, 0.25).
- :func:`fmt` — the values inside a computation text (``12/20×2``): like ``num`` but ``缺失`` when
  missing, ``是``/``否`` for booleans, and a tiny negative keeps its sign (``-0``), as it always has.
- :func:`pts` — the result of a computation text: always 4 decimals (``→ 2.5000``), so a reader sees
  the precision points are kept at.

plus :func:`pct` (a share in percent, as the grade table prints it) and :func:`brief` (chart labels).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from markupsafe import Markup

# ---------------------------------------------------------------------------------------------- labels
#: status of one unit × item (``scoring.result.STATUSES``)
STATUS_ZH = {
    "scored": "已计分",
    "missing_input": "缺少数据",
    "pending_judgement": "待评审",
    "not_applicable": "不适用",
    "undefined": "无法计算",
}

#: what became of one unit of a period's file (the overview's 单位情况, a batch's run index)
UNIT_STATE_ZH = {"scored": "已评分", "invalid": "数据有误（未评分）", "unreported": "未报送"}

#: outcome of a gate or one of its conditions (``ScoreResult.gates``, ``units["gate:<id>"]``,
#: ``units["gate_outcome"]``; ``none`` when the scheme has no gate)
GATE_OUTCOME_ZH = {"pass": "通过", "fail": "未通过", "unknown": "尚无法判定", "none": "—"}

#: kind of a gate (``scheme.model.Gate.kind``)
GATE_KIND_ZH = {"veto": "一票否决", "qualification": "认定条件"}

#: what failing a gate of that kind means for the unit, in a few words (a ranking's marker, a brief's reason)
def gate_reading_zh(option_label: str) -> str:
    """What a gate table says beside a condition judged by a chosen reading's test rather than the scheme's
    (按所选解读“不超过 0.01%（恰好万分之一也算达到）”判定); "" when no reading changed the test."""
    shown = option_label.replace("“", "‘").replace("”", "’")  # quotes inside the quoted label become single
    return f"按所选解读“{shown}”判定" if option_label else ""


GATE_FAIL_ZH = {"veto": "一票否决", "qualification": "未通过认定"}


def failed_gates_zh(gates, outcomes) -> str:
    """What one unit's failed gates mean: “一票否决”, “未通过认定”, or both; "" when none failed.

    ``outcomes``: the unit's row of ``ScoreResult.units`` (its ``gate:<id>`` columns). A failed
    认定条件 is not a veto: the unit is scored and ranked, it is only not 认定."""
    kinds = [g.kind for g in gates if str(outcomes.get(f"gate:{g.id}", "")) == "fail"]
    return "、".join(dict.fromkeys(GATE_FAIL_ZH.get(k, k) for k in kinds))


#: an input's type (``InputSpec.type``) in words
INPUT_TYPE_ZH = {"number": "数值", "integer": "整数", "percent": "百分比", "bool": "是/否"}

#: what a kind of gate means for the unit, in one sentence (002 veto, 000 认定条件)
GATE_KIND_EXPLAIN_ZH = {"veto": "一票否决：任何一项基本条件未达到，本期考核即不合格，与得分无关。",
                        "qualification": "认定条件：在评分之后判定，全部条件满足方可认定。"}

#: code of a scheme-text finding (``scheme.check``)
FINDING_ZH = {
    "total_mismatch": "总分不符", "bonus_mismatch": "附加分不符", "section_mismatch": "分项合计不符",
    "unreachable_max": "满分无法达到", "no_criteria": "缺少评分标准", "inferred_category": "归类系推断",
    "label_mismatch": "标注分值不符", "no_declared_total": "未给出总分", "exceeds_max": "评分超出满分",
    "cap_unreachable": "上限用不上", "bonus_never_counts": "附加分不计入",
    "ranking_default": "排名按默认",
}


def gate_kinds_zh(gates: Any) -> str:
    """The kinds of a scheme's gates in words, each once: “一票否决”, “一票否决、认定条件”."""
    return "、".join(dict.fromkeys(GATE_KIND_ZH[g.kind] for g in gates))


def label(table: dict[str, str], code: Any) -> str:
    """``table[code]``, or the code itself when the table has no word for it (never a KeyError in a report)."""
    return table.get(code, code)


# ---------------------------------------------------------------------------------------------- numbers
def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _trimmed(x: float, digits: int) -> str:
    return f"{x:.{digits}f}".rstrip("0").rstrip(".")


def _rounded(x: Any, digits: int) -> str:
    """``x`` rounded to ``digits`` decimals, trailing zeros dropped; '—' for unknown, text as it is."""
    if x is None:
        return "—"
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(f):
        return "—"
    s = _trimmed(round(f, digits), digits)
    return "0" if s in ("-0", "") else s


def num(x: Any) -> str:
    """Points as people write them: 12.5, 3, 0.25; at most 4 decimals; '—' for unknown."""
    return _rounded(x, 4)


def num2(x: Any) -> str:
    """A number in a reader's table: at most 2 decimals, trailing zeros dropped (66.67, 3, 0.5); '—' unknown."""
    return _rounded(x, 2)


def fmt(x: Any, digits: int = 4) -> str:
    """A number as the computation text shows it (no trailing zeros for inputs)."""
    if _missing(x):
        return "缺失"
    if isinstance(x, (bool, np.bool_)):
        return "是" if x else "否"
    xf = float(x)
    if xf == int(xf) and abs(xf) < 1e15:
        return str(int(xf))
    return _trimmed(xf, digits)


def pts(x: float) -> str:
    """Points with four decimals, as the computation texts print a result."""
    return "缺失" if _missing(x) else f"{float(x):.4f}"


def pct(x: Any, digits: int = 1) -> str:
    """A share in percent, without the sign: 33.3, 50.0 (the grade table; one decimal always shown).

    numpy's rounding, whatever type ``x`` arrives as: the grade table was first printed with jinja2's
    ``round`` filter over a numpy float, and a Python float can round the other way on a tie."""
    return str(np.round(np.float64(x), digits))


def brief(x: float) -> str:
    """A number on a chart: at most 2 decimals, shortest form (12.5, 3, 0.33)."""
    return f"{round(x, 2):g}"


QUARTERS_ZH = {"1": "第一季度", "2": "第二季度", "3": "第三季度", "4": "第四季度"}


CHINESE_DIGITS = "一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–99 as a section is numbered in Chinese: 一 … 十、十一 … 二十、二十一."""
    if n < 10:
        return CHINESE_DIGITS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CHINESE_DIGITS[tens - 1]) + "十" + (CHINESE_DIGITS[ones - 1] if ones else "")


def period_zh(period: Any) -> str:
    """A period as a person writes it: 2022Q2 → 2022年第二季度, 2019 → 2019年度, 2022-03 → 2022年3月;
    anything else as written."""
    import re

    p = str(period)
    if m := re.fullmatch(r"(\d{4})[Qq]([1-4])", p):
        return f"{m[1]}年{QUARTERS_ZH[m[2]]}"
    if re.fullmatch(r"\d{4}", p):
        return f"{p}年度"
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", p):
        return f"{m[1]}年{int(m[2])}月"
    return p


def score2(x: Any) -> str:
    """Points in a verdict or a leader's table: always two decimals (85.24, 5.00); 未知 when unknown."""
    return "未知" if _missing(x) else f"{float(x):.2f}"


def delta2(x: Any) -> str:
    """A change of points, signed, two decimals: +1.49, -4.11, 0.00; — when there is nothing to compare."""
    if _missing(x):
        return "—"
    return ("+" if float(x) > 0 else "") + score2(x)


def move_zh(n: Any) -> str:
    """A change of rank: ↑3 (up three places), ↓2, — (none, or nothing to compare)."""
    if _missing(n) or int(n) == 0:
        return "—"
    return f"↑{int(n)}" if int(n) > 0 else f"↓{-int(n)}"


def rank_zh(ranked: bool, rank: Any, best: Any = None, worst: Any = None) -> str:
    """A unit's place as every page and ``scores.xlsx`` print it: “第 4 名”; “暂列第 4 名（第 2–5 名）” when
    unknown points could still move it (``best``/``worst``: its rank if every unknown point went for or
    against it); “不参加排名” when a gate's consequence takes it out of the ranking (it is listed after
    the ranked units, but that place is not a rank)."""
    if not ranked:
        return "不参加排名"
    if best is not None and worst is not None and int(best) != int(worst):
        return f"暂列第 {int(rank)} 名（第 {int(best)}–{int(worst)} 名）"
    return f"第 {int(rank)} 名"


#: the scheme file's field names, as a reader says them (a note written for the scheme's author may
#: name one: “条目可扣到负数（min_points）”)
FIELD_ZH = {
    "min_points": "最低分", "max_points": "满分", "max_deduction": "最多扣分", "bonus_cap": "附加分上限",
    "undefined_points": "无法计算时的得分", "declared_points": "文件标注的分值", "declared_total": "文件标注的总分",
    "declared_bonus": "文件标注的附加分", "label_points": "标题中的分值", "max_attainable": "实际可得的最高分",
    "no_criteria": "缺少评分标准", "grade_cap": "等级上限", "exclude_from_ranking": "不参加排名",
    "hard_indicator_ref": "硬指标序号",
}


GRADE_GOOD = ("优秀", "优", "好", "先进", "示范", "A")
GRADE_BAD = ("差", "较差", "未通过", "D")


def grade_tone(grade: Any) -> str:
    """The colour a grade is drawn in, the same in text, tables and charts: ``"good"`` (green) for the top
    words (优秀), ``"bad"`` (red) for failing ones (不合格, 不达标, 差), ``""`` (the text's own colour)
    otherwise; a grade not yet certain is marked 未定 in grey beside it, whatever its colour."""
    s = "" if _missing(grade) else str(grade).strip()
    if not s:
        return ""
    if s.startswith("不") or s in GRADE_BAD:
        return "bad"
    return "good" if s in GRADE_GOOD else ""


def grade_class(grade: Any) -> str:
    """The CSS class of a grade's colour (``g-good``, ``g-bad``, or none), for every page's templates."""
    tone = grade_tone(grade)
    return f"g-{tone}" if tone else ""


def grade_attr(grade: Any) -> Markup:
    """`` class="g-bad"`` for a cell's start tag (empty when the grade has no colour of its own)."""
    c = grade_class(grade)
    return Markup(f' class="{c}"') if c else Markup("")


UNSETTLED_ZH = ("未定", "尚有分数未知，补齐后等级可能变化")


def grade_legend(grades: Any, unsettled: bool = True) -> list[tuple[str, str]]:
    """The key to the grade colours, as every page and Word file prints it above a table of coloured
    grades: (text, tone) per colour in use — “■ 优秀” green, “■ 不合格” red, the other grades in the text's
    own colour — and, with ``unsettled``, the grey 未定 mark (tone ``unsettled``: a page draws it as the tag its
    tables put beside a grade). Grades in the scheme's order."""
    groups: dict[str, list[str]] = {"good": [], "bad": [], "": []}
    for g in grades:
        if not _missing(g) and str(g) not in groups[grade_tone(g)]:
            groups[grade_tone(g)].append(str(g))
    out = [("■ " + "、".join(gs), tone) for tone, gs in groups.items() if gs]
    return out + ([("：".join(UNSETTLED_ZH), "unsettled")] if unsettled else [])
