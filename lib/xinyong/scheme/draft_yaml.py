"""A :class:`~xinyong.scheme.draft.Draft` as commented YAML, in the layout of the shipped schemes.

Written as text, not dumped, because the point of a draft is its comments: every guess is a
``# 待确认：…`` line above the field it concerns. Strings are written as JSON strings (valid YAML, and a
quote with “:”, “#” or “{” in it stays one scalar).
"""
from __future__ import annotations

import json

from .draft import Draft, DraftGate, DraftInput, DraftItem, DraftSection, veto_consequence


def s(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def n(value: float) -> str:
    return f"{value:g}"


def src(file: str, line: int, quote: str) -> str:
    return f"{{file: {s(file)}, line: {line}, quote: {s(quote)}}}"


def draft_yaml(draft: Draft, source_file: str, yaml_name: str, document_name: str) -> str:
    """The draft's YAML text; ``source_file`` is the written document text, relative to the YAML."""
    out = [f"# {draft.id}：由“{document_name}”起草（xinyong new --from）。这是草稿：标有“待确认”的地方都是",
           "# 按措辞猜的，请逐条对照原文核对、修改后删去该注释。说明见 docs/SCHEMES.md“从办法原文起草”。",
           f"# 检查：xinyong check {yaml_name}（格式、分值合计、引文是否在 {source_file} 的所写行）",
           f"id: {draft.id}", f"title: {s(draft.title)}", f"short_title: {s(draft.title[:20])}",
           *_level_and_period(draft.title),
           f"source: {src(source_file, draft.title_line, draft.title)}"]
    items = draft.items
    base = sum(it.points for it in items if not it.bonus)
    if draft.total is not None:
        out.append(f"declared_total: {n(draft.total.value)}  # 照抄第{draft.total.line}行“{draft.total.quote}”")
    else:
        out.append(f"declared_total: {n(base)}  # 待确认：文件中没找到“满分…分”，暂填条目满分之和；请照抄文件声明的满分")
    if draft.bonus_cap is not None:
        b = draft.bonus_cap
        out += [f"declared_bonus: {n(b.value)}",
                f"# 待确认：附加分上限由第{b.line}行“{b.quote}”推断",
                f"bonus_cap: {{max: {n(b.value)}, source: {src(source_file, b.line, b.quote)}}}"]
    out += ["", *_inputs(draft), "", "sections:"]
    for sec in draft.sections:
        out += _section(sec, source_file)
    out += _gates(draft.gates, source_file, [label for label, _ in draft.grades])
    out += _grades(draft, source_file)
    return "\n".join(out) + "\n"


def _level_and_period(title: str) -> list[str]:
    """Who is assessed and how often, from the title's words (“县直单位…季度考核办法”), else the defaults."""
    level = next((lv for words, lv in (("乡镇", "乡镇"), ("街道", "乡镇"), ("县直", "县直单位"), ("成员单位", "县直单位"),
                                       ("部门", "县直单位"), ("城市", "城市"), ("区县", "区县"), ("县区", "区县"))
                  if words in title), None)
    period = "quarter" if "季度" in title else "year" if ("年度" in title or "年" in title) else None
    def said(found) -> str:
        return "由标题中的词推断" if found else "标题中没有写明，暂取默认"

    return [f"level: {level or '县直单位'}  # 待确认：城市 / 区县 / 县直单位 / 乡镇（{said(level)}）",
            f"period_kind: {period or 'year'}  # 待确认：year / quarter / once（{said(period)}）",
            f"unit_kinds: [{level or '县直单位'}]  # 待确认：被考核单位的类型；文件对某类单位另有规定时，条目用 variants"]


def _all_inputs(draft: Draft) -> list[DraftInput]:
    return [i for it in draft.items for i in it.inputs] + [g.input for g in draft.gates]


def _inputs(draft: Draft) -> list[str]:
    specs = _all_inputs(draft)
    if not specs:
        return ["inputs: []  # 本草稿的条目都由评审人员打分，没有需要填报的事实"]
    out = ["# 待确认：输入的编号（英文）是按条目位置起的，中文名称和单位是按措辞猜的，请改成单位填报时看得懂的说法",
           "inputs:"]
    for i in specs:
        rng = ", min: 0" if i.type == "integer" else ""
        unit = f", unit: {s(i.unit)}" if i.unit and i.type != "percent" else ""
        out.append(f"  - {{id: {i.id}, label: {s(i.label)}{unit}, type: {i.type}{rng}}}")
    return out


def _notes(notes: list[str], indent: str) -> list[str]:
    return [f"{indent}# 待确认：{note}" for note in notes]


def _section(sec: DraftSection, source_file: str) -> list[str]:
    out = _notes(sec.notes, "  ") + [f"  - id: {sec.id}", f"    name: {s(sec.name)}"]
    if sec.points is not None:
        out.append(f"    declared_points: {n(sec.points)}")
    else:
        out.append("    # 待确认：标题中没有写明本部分分值（declared_points），如文件另有写明请补上")
    if sec.bonus:
        out.append("    bonus: true")
    if sec.line is not None:
        out.append(f"    source: {src(source_file, sec.line, sec.quote)}")
    limits = ([f"max: {n(sec.cap_max)}"] if sec.cap_max is not None else []) + \
             ([f"min: {n(sec.cap_min)}"] if sec.cap_min is not None else [])
    if limits:
        where = f", source: {src(source_file, sec.line, sec.quote)}" if sec.line is not None else ""
        out.append(f"    cap: {{{', '.join(limits)}{where}}}")
    out.append("    items:")
    for it in sec.items:
        out += _item(it, source_file)
    return out


def _item(it: DraftItem, source_file: str) -> list[str]:
    params = ", ".join(f"{k}: {_value(v)}" for k, v in it.params.items())
    out = [f"      - id: {it.id}", f"        name: {s(it.name)}", f"        max_points: {n(it.points)}"]
    if it.bonus:
        out.append("        bonus: true")
    out += _notes(it.notes, "        ")
    out.append(f"        rule: {{kind: {it.kind}, params: {{{params}}}}}")
    if it.inputs:
        out.append(f"        inputs: [{', '.join(i.id for i in it.inputs)}]")
    out.append(f"        source: {src(source_file, it.line, it.quote)}")
    return out


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return n(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return s(str(v))


def _gates(gates: list[DraftGate], source_file: str, grade_labels: list[str]) -> list[str]:
    if not gates:
        return []
    out = ["", "# 待确认：以下否决条件由“一票否决”推断。每条用一个是/否输入（1 = 没有出现否决情形）；",
           "# 文件写明否决后果（如“定为不合格”“不参加排名”）时，加 consequence（见 docs/SCHEMES.md）", "gates:"]
    for g in gates:
        out += [f"  - id: {g.id}", f"    name: 一票否决（第{g.line}行）", "    kind: veto",
                f"    source: {src(source_file, g.line, g.quote)}", "    conditions:",
                f"      - id: {g.id}.1", f"        name: {s(g.input.label)}",
                f"        test: \"{g.input.id} == 1\"", f"        inputs: [{g.input.id}]",
                f"        source: {src(source_file, g.line, g.quote)}"]
        consequence = veto_consequence(g.quote, grade_labels)
        if consequence:
            out += [f"    # 待确认：否决的后果由第{g.line}行的措辞推断", "    consequence: "
                    + _value({**consequence, "source": {"file": source_file, "line": g.line, "quote": g.quote}})]
    return out


def _grades(draft: Draft, source_file: str) -> list[str]:
    if not draft.grades or draft.grades_at is None:
        return ["", "# 待确认：文件中没有找到等级划分（如“90分以上为优秀”）；有的话照 docs/SCHEMES.md 写 grades"]
    at = draft.grades_at
    out = ["", f"# 待确认：等级由第{at.line}行推断；“以上”按含本数处理", "grades:", "  basis: total",
           f"  source: {src(source_file, at.line, at.quote)}", "  bands:"]
    for label, low in draft.grades:
        out.append(f"    - {{label: {s(label)}, min: {n(low)}}}" if low is not None else f"    - {{label: {s(label)}}}")
    return out
