"""The inconsistency checker: finds, from the scheme data, the defects of the official text.

It never fixes anything: declared totals stay as the document states them, and each finding says
what is declared, what the items give, where (item id) and the clause (seed file + quote). The
same findings are data for reports (``Finding.as_dict``) and text for ``xinyong check``.

It analyses a compiled scheme: a scheme given alone is compiled first, so a rule the registry cannot
read stops the check with the compiler's ``file:line item.field`` error. What an item can attain is
read from its rule as written (``item.rule``), not from a chosen reading's override: the findings are
about the document's text, and readings are our interpretations of it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..scheme.model import Citation, Item, Scheme, Section
from .plan import Plan, compile
from .reach import input_interval
from .registry import Registry

EPS = 1e-9


@dataclass(frozen=True)
class Finding:
    scheme: str
    code: str  # total_mismatch | bonus_mismatch | section_mismatch | unreachable_max | exceeds_max
    #           | cap_unreachable | bonus_never_counts | no_criteria | inferred_category | label_mismatch
    #           | no_declared_total | ranking_default
    target: str  # scheme, section or item id
    message: str  # Chinese
    detail: str  # English
    declared: float | None = None
    computed: float | None = None
    source_file: str | None = None
    source_line: int | None = None
    quote: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _src(source: Citation | None) -> dict[str, Any]:
    if source is None:
        return {}
    return {"source_file": source.file, "source_line": source.line, "quote": source.quote}


def _n(x: float) -> str:
    return f"{x:g}"


def check_scheme(scheme: Scheme | Plan, registry: Registry | None = None) -> list[Finding]:
    """Every finding on the scheme's text: its totals, its sections, its items, and what its rules can reach."""
    plan = scheme if isinstance(scheme, Plan) else compile(scheme, registry=registry)
    scheme, registry = plan.scheme, plan.registry
    ranges = _ranges(scheme)
    return [*_total_findings(scheme, registry, ranges), *_section_findings(scheme),
            *_item_findings(scheme, registry, ranges), *_cap_findings(scheme, registry, ranges)]


def _total_findings(scheme: Scheme, registry: Registry, ranges) -> list[Finding]:
    """The scheme's declared total and bonus against its items, and what a unit can attain at most."""
    out: list[Finding] = []
    sid = scheme.id
    base, bonus = scheme.base_max, scheme.bonus_max
    attainable = float(scheme.add_up([[_reach_or_max(it, registry, ranges) for it in scheme.walk_items()]]).total[0])
    if scheme.declared_total is None:
        out.append(Finding(sid, "no_declared_total", sid,
                           f"文件未给出总分（也未给出达标分数线）；各条目满分合计为 {_n(base)}"
                           + (f"，另有附加分 {_n(bonus)}" if bonus else ""),
                           f"no declared total; items sum to {base:g} (+{bonus:g} bonus)",
                           None, base, **_src(scheme.source)))
    elif abs(scheme.declared_total - base) > EPS:
        capped = "（计入各部分上限后）" if any(s.cap for s in scheme.walk_sections()) else ""
        if abs(scheme.declared_total - (base + bonus)) < EPS and bonus > 0:
            msg = (f"声明满分 {_n(scheme.declared_total)} 分，但基础条目合计{capped}只有 {_n(base)} 分；"
                   f"只有计入附加分 {_n(bonus)} 分才能达到满分")
        else:
            # the comparison is the declared total against the base: name that first, then what the
            # bonus would add, so neither number reads as the one compared
            msg = f"声明满分 {_n(scheme.declared_total)} 分，但基础条目合计{capped}为 {_n(base)} 分"
            if bonus:
                msg += f"；计入附加分 {_n(bonus)} 分{'也只有' if base + bonus < scheme.declared_total else '则为'} {_n(base + bonus)} 分"
        out.append(Finding(sid, "total_mismatch", sid, msg,
                           f"declared total {scheme.declared_total:g} != items base {base:g} (+{bonus:g} bonus)",
                           scheme.declared_total, base, **_src(scheme.source)))
    if scheme.declared_bonus is not None and abs(scheme.declared_bonus - bonus) > EPS:
        out.append(Finding(sid, "bonus_mismatch", sid,
                           f"声明附加分 {_n(scheme.declared_bonus)} 分，但附加条目合计"
                           + ("（计入附加分上限后）" if scheme.bonus_cap else "") + f"为 {_n(bonus)} 分",
                           f"declared bonus {scheme.declared_bonus:g} != bonus items {bonus:g}",
                           scheme.declared_bonus, bonus, **_src(scheme.source)))
    if attainable < base + bonus - EPS:
        out.append(Finding(sid, "unreachable_max", sid,
                           f"按评分标准字面计算，最多只能得到 {_n(attainable)} 分（条目满分合计 {_n(base + bonus)} 分）",
                           f"literal maximum attainable {attainable:g} < item maxima {base + bonus:g}",
                           base + bonus, attainable, **_src(scheme.source)))

    return out


def _section_findings(scheme: Scheme) -> list[Finding]:
    """Each section's declared points and label against its items; sections without criteria or inferred."""
    out: list[Finding] = []
    sid = scheme.id
    maxima = scheme.add_up([[it.max_points or 0 for it in scheme.walk_items()]])
    for sec in scheme.walk_sections():
        items_sum = sec.bonus_points if sec.bonus else sec.max_points
        if sec.bonus and sec.max_points:
            items_sum = sec.max_points + sec.bonus_points
        if sec.cap is not None:  # “本部分最高…分”: the section can give no more than its cap
            items_sum = float(maxima.sections[sec.id][0])
        if sec.declared_points is not None and abs(sec.declared_points - items_sum) > EPS:
            out.append(Finding(sid, "section_mismatch", sec.id,
                               f"“{sec.name}”声明 {_n(sec.declared_points)} 分，但所含条目合计 {_n(items_sum)} 分",
                               f"section declares {sec.declared_points:g}, items sum to {items_sum:g}",
                               sec.declared_points, items_sum, **_src(sec.source or _first_item_source(sec))))
        label = sec.meta.get("label_points")
        if label is not None and abs(float(label) - items_sum) > EPS:
            out.append(Finding(sid, "label_mismatch", sec.id,
                               f"“{sec.name}”名称旁标注 {_n(float(label))} 分，实际所含条目合计 {_n(items_sum)} 分",
                               f"label shows {float(label):g}, items carry {items_sum:g}",
                               float(label), items_sum, **_src(sec.source or _first_item_source(sec))))
        if sec.no_criteria:
            out.append(Finding(sid, "no_criteria", sec.id, f"“{sec.name}”没有评分标准，只能评审赋分",
                               "section has no scoring criteria", sec.declared_points, None,
                               **_src(sec.source or _first_item_source(sec))))
        if sec.inferred:
            out.append(Finding(sid, "inferred_category", sec.id,
                               f"“{sec.name}”的所属类别是推断的：{sec.inferred}",
                               "category membership inferred", None, items_sum,
                               **_src(sec.source or _first_item_source(sec))))

    return out


def _item_findings(scheme: Scheme, registry: Registry, ranges) -> list[Finding]:
    """Each item's label, criteria and category, and its rule's reach against its 满分 (both ways)."""
    out: list[Finding] = []
    sid = scheme.id
    for it in scheme.walk_items():
        if it.label_points is not None and abs(it.label_points - (it.max_points or 0)) > EPS:
            out.append(Finding(sid, "label_mismatch", it.id,
                               f"“{it.name}”标注 {_n(it.label_points)} 分，实际满分 {_n(it.max_points or 0)} 分",
                               f"label shows {it.label_points:g}, item carries {it.max_points:g}",
                               it.label_points, it.max_points, **_src(it.source)))
        if it.no_criteria:
            out.append(Finding(sid, "no_criteria", it.id, f"“{it.name}”（{_n(it.max_points or 0)} 分）没有评分标准，只能评审赋分",
                               "item has no scoring criteria", it.max_points, None, **_src(it.source)))
        if it.meta.get("inferred_category"):
            out.append(Finding(sid, "inferred_category", it.id,
                               f"“{it.name}”的所属类别是推断的：{it.meta['inferred_category']}",
                               "category inferred", None, it.max_points, **_src(it.source)))
        reach = _item_reach(it, registry, ranges)
        mx = it.max_points or 0.0
        if reach is not None and reach < mx - EPS:
            out.append(Finding(sid, "unreachable_max", it.id,
                               f"“{it.name}”满分 {_n(mx)} 分，但按评分标准字面最多只能得 {_n(reach)} 分",
                               f"maximum {mx:g} unreachable: rule gives at most {reach:g}",
                               mx, reach, **_src(it.source)))
        elif reach is not None and reach > mx + EPS:
            out.append(Finding(sid, "exceeds_max", it.id,
                               f"“{it.name}”满分 {_n(mx)} 分，但评分标准最多可给 {_n(reach)} 分：超出满分的部分被截去",
                               f"rule gives up to {reach:g}, above the item's maximum {mx:g} (the excess is cut)",
                               mx, reach, **_src(it.source)))
        if it.bonus and reach is not None and reach <= EPS:
            out.append(Finding(sid, "bonus_never_counts", it.id,
                               f"附加分“{it.name}”按评分标准永远得 0 分",
                               "bonus item can never give points", mx, reach, **_src(it.source)))

    return out


def _cap_findings(scheme: Scheme, registry: Registry, ranges) -> list[Finding]:
    """A section cap its items never reach, a veto silent on ranking, a bonus ceiling of nothing."""
    out: list[Finding] = []
    sid = scheme.id
    for sec in scheme.walk_sections():
        if sec.cap is None or sec.cap.max is None:
            continue
        items_reach = _uncapped(sec, registry, ranges)
        cap_value = float(sec.cap.max)
        if items_reach < cap_value - EPS:
            out.append(Finding(sid, "cap_unreachable", sec.id,
                               f"“{sec.name}”上限 {_n(cap_value)} 分，但所含条目最多合计 {_n(items_reach)} 分，上限永远用不上",
                               f"section cap {cap_value:g} above what its items can give ({items_reach:g})",
                               cap_value, items_reach, **_src(sec.cap.source or sec.source or _first_item_source(sec))))
    # a veto whose text says nothing of the ranking: the default (not ranked) applies, and is said
    read = {t for r in scheme.readings for t in r.targets}
    for g in scheme.gates:
        if g.kind != "veto" or g.id in read or (g.consequence is not None and g.consequence.exclude_from_ranking is not None):
            continue
        out.append(Finding(sid, "ranking_default", g.id,
                           f"“{g.name}”（一票否决）的原文没有说被否决的单位是否参加排名：按默认处理，被否决的单位"
                           "不参加排名，排在所有未被否决的单位之后",
                           f"veto {g.id}: the text is silent on ranking; default exclude_from_ranking: true "
                           "(write consequence.exclude_from_ranking if the text says otherwise, or record a reading)",
                           **_src((g.consequence.source if g.consequence else None) or g.source)))
    if scheme.bonus_cap is not None and scheme.bonus_cap.max is not None:
        ceiling = float(scheme.bonus_cap.max)
        if ceiling <= EPS and scheme.items_bonus_max > EPS:
            out.append(Finding(sid, "bonus_never_counts", sid, f"附加分上限为 {_n(ceiling)} 分：附加分永远不计入总分",
                               "bonus ceiling of 0: no bonus ever counts", ceiling, 0.0,
                               **_src(scheme.bonus_cap.source or scheme.source)))
    return out


def _ranges(scheme: Scheme):
    """Every input's declared interval (what the inputs may be, as their specs say)."""
    return {k: input_interval(v) for k, v in scheme.input_catalogue.items()}


def _item_reach(it: Item, registry: Registry, ranges) -> float | None:
    """Most points the item's rule, as written, gives before the engine clips to 满分 (None: unknowable)."""
    if it.rule is None:
        return None
    params = dict(it.rule.params)
    if it.rule.kind == "judgement":
        params.setdefault("column", f"judge:{it.id}")
    # the plan was compiled, so the kind is known and the params are valid
    p = registry.get(it.rule.kind).parse_params(params, it.max_points or 0.0)
    return p.reach(ranges)


def _reach_or_max(it: Item, registry: Registry, ranges) -> float:
    r = _item_reach(it, registry, ranges)
    return (it.max_points or 0.0) if r is None else min(r, it.max_points or 0.0)


def _uncapped(sec: Section, registry: Registry, ranges) -> float:
    """What a section's items (and sub-sections, through their own caps) can give at most, before its cap."""
    total = 0.0
    for ch in sec.children():
        if isinstance(ch, Section):
            sub = _uncapped(ch, registry, ranges)
            if ch.cap is not None and ch.cap.max is not None:
                sub = min(sub, float(ch.cap.max))
            total += sub
        else:
            total += _reach_or_max(ch, registry, ranges)
    return total


def _first_item_source(sec: Section) -> Citation | None:
    for it in sec.walk_items():
        if it.source:
            return it.source
    return None


# ------------------------------------------------------------------ quotes against the source text
def scheme_sources(scheme: Scheme) -> list[tuple[str, Citation]]:
    """Every (node id, source) of a scheme: the scheme, sections, items, caps, gates, conditions, grades."""
    out: list[tuple[str, Citation]] = [(scheme.id, scheme.source)]
    if scheme.bonus_cap is not None and scheme.bonus_cap.source is not None:
        out.append((f"{scheme.id}.bonus_cap", scheme.bonus_cap.source))
    for sec in scheme.walk_sections():
        if sec.source is not None:
            out.append((sec.id, sec.source))
        if sec.cap is not None and sec.cap.source is not None:
            out.append((f"{sec.id}.cap", sec.cap.source))
    out += [(it.id, it.source) for it in scheme.walk_items() if it.source is not None and not it.ref]
    for g in scheme.gates:
        out.append((g.id, g.source))
        if g.consequence is not None and g.consequence.source is not None:
            out.append((f"{g.id}.consequence", g.consequence.source))
        out += [(c.id, c.source) for c in g.conditions]
    for chk in getattr(scheme, "checks", []) or []:
        if chk.source is not None:
            out.append((chk.id, chk.source))
    if scheme.grades is not None:
        out.append((f"{scheme.id}.grades", scheme.grades.source))
    return out


def _span_problem(src: Citation, lines: list[str]) -> tuple[str, str] | None:
    """A quote over lines ``line``..``end_line``: the lines' texts joined (each stripped, no break between)
    must hold it, starting on the first line and ending on the last, so every line of the span is quoted.
    None when it does; else (Chinese message, English detail)."""
    span = [ln.strip() for ln in lines[src.line - 1:src.end_line]]
    where = f"{src.file} 第{src.line}–{src.end_line}行"
    if len(span) < src.end_line - src.line + 1:
        return f"引文所写的行 {where} 超出文件（共 {len(lines)} 行）：“{src.quote}”", f"lines beyond {src.file}"
    joined = "".join(span)
    at = joined.find(src.quote)
    if at < 0:
        return (f"引文在 {where} 中找不到（各行连起来比对）：“{src.quote}”",
                f"quote not found across lines {src.line}-{src.end_line} of {src.file}")
    last_starts = len(joined) - len(span[-1])
    if at >= len(span[0]) or at + len(src.quote) <= last_starts:
        return (f"引文不是从第{src.line}行开始、到第{src.end_line}行结束：“{src.quote}”",
                f"quote does not start on line {src.line} and end on line {src.end_line}")
    return None


def check_quotes(scheme: Scheme) -> tuple[list[Finding], list[str]]:
    """Each quote against its source text, when ``source.file`` is found relative to the scheme file.

    Returns (findings, files not found beside the scheme). A finding ``quote_mismatch`` says the quote
    is not on the stated line (and where it is, if it is elsewhere in the file); ``quote_missing`` that
    it is nowhere in the file. A quote is compared verbatim, as copied: restoring lost characters
    belongs in a reading's ``why``, not in the quote.
    """
    from pathlib import Path

    if scheme.origin is None:
        return [], []
    base = Path(scheme.origin.file).parent
    texts: dict[str, list[str] | None] = {}
    out: list[Finding] = []
    for node_id, src in scheme_sources(scheme):
        if src.file not in texts:
            f = base / src.file
            texts[src.file] = f.read_text(encoding="utf-8").splitlines() if f.is_file() else None
        lines = texts[src.file]
        if lines is None:
            continue
        if src.end_line is not None:
            problem = _span_problem(src, lines)
            if problem is not None:
                out.append(Finding(scheme.id, "quote_mismatch", node_id, problem[0], problem[1], **_src(src)))
            continue
        where = [k for k, ln in enumerate(lines, 1) if src.quote in ln]
        if src.line is not None and src.line in where:
            continue
        if src.line is None and where:
            continue
        srcd = _src(src)
        if where:
            at = "、".join(f"第{k}行" for k in where[:3])
            msg = f"引文不在 {src.file} 第{src.line}行，而在{at}：“{src.quote}”"
            out.append(Finding(scheme.id, "quote_mismatch", node_id, msg,
                               f"quote not on line {src.line} of {src.file}, found on {where[:3]}", **srcd))
        else:
            line_txt = f" 第{src.line}行" if src.line is not None else ""
            shown = f"；该行为：“{lines[src.line - 1].strip()}”" if src.line and src.line <= len(lines) else ""
            msg = f"引文在 {src.file} 中找不到{('（应在' + line_txt.strip() + '）') if line_txt else ''}：“{src.quote}”{shown}"
            out.append(Finding(scheme.id, "quote_missing", node_id, msg,
                               f"quote not found in {src.file}", **srcd))
    missing = [f for f, t in texts.items() if t is None]
    return out, missing
