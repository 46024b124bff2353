"""The structural checks of a loaded scheme, all collected into one located :class:`SchemeError`.

Ids are unique and start with their parent's id; inputs are declared once and every reference to one is
declared; readings target things that exist and set only what they may; a gate's consequence names a grade
of the scheme and its tests read the inputs they list; a cross-input check reads declared inputs. A rule's
kind and parameters are not checked here: that is compiling the scheme against a registry
(:func:`xinyong.scoring.plan.compile`).
"""
from __future__ import annotations

from pydantic import ValidationError

from ..errors import FormulaError
from ..formula import parse as parse_formula
from .model import Consequence, InputSpec, Item, Scheme, Section
from .scheme_problems import Problems, closest

CONSEQUENCE_FIELDS = {"grade", "grade_cap", "exclude_from_ranking", "total"}  # what a reading may set on a gate
GATE_NAMES = {"total", "base_total", "bonus"}


def check_structure(scheme: Scheme) -> None:
    """Every structural problem of ``scheme``, then one error (nothing when there is none)."""
    problems = Problems(scheme.origin, scheme.id)
    ids = _Ids(problems)
    _inputs_defined_once(scheme, problems)
    catalogue, reading_ids = scheme.input_catalogue, {r.id for r in scheme.readings}
    for sec in scheme.sections:
        _section(scheme, sec, scheme.id, ids, lambda it: _item(scheme, it, catalogue, reading_ids, problems))
    if scheme.bonus_cap is not None and (scheme.bonus_cap.max is None or scheme.bonus_cap.min is not None):
        problems.add(scheme.id, "bonus_cap", "附加分上限 bonus_cap 只能写 max（附加分最高多少分）",
                     "bonus_cap takes max only")
    _reading_targets(scheme, problems)
    _gates(scheme, ids, problems)
    _checks(scheme, ids, problems)
    problems.raise_if_any()


class _Ids:
    """Ids seen so far: each unique, and each below its parent (``mini.1.2`` under ``mini.1``)."""

    def __init__(self, problems: Problems):
        self.seen: set[str] = set()
        self.bad = problems.add

    def check(self, node_id: str, parent: str) -> None:
        if node_id in self.seen:
            self.bad(node_id, "id", f"编号重复：{node_id}", f"duplicate id {node_id}")
        self.seen.add(node_id)
        if not node_id.startswith(parent + "."):
            self.bad(node_id, "id", f"编号 {node_id} 应以上级编号 {parent}. 开头", f"id must start with {parent}.")


def _meant(ref: str, catalogue) -> str:
    """“（是否想写 gov_rectified？）” when a declared input id is close to a misspelt one, else nothing."""
    hit = closest(ref, catalogue)
    return f"（是否想写 {hit}？）" if hit else ""


def _inputs_defined_once(scheme: Scheme, problems: Problems) -> None:
    input_defs: dict[str, InputSpec] = {}
    for spec in list(scheme.inputs) + [s for it in scheme.walk_items() for s in it.input_specs]:
        prev = input_defs.get(spec.id)
        if prev is not None and prev != spec and spec not in scheme.inputs:
            problems.add(spec.id, "inputs", f"输入 {spec.id} 被定义了两次且内容不同", f"input {spec.id} defined twice differently")
        input_defs.setdefault(spec.id, spec)


def _section(scheme: Scheme, sec: Section, parent: str, ids: _Ids, check_item) -> None:
    ids.check(sec.id, parent)
    if sec.cap is not None and len({it.bonus for it in sec.walk_items()}) > 1:
        ids.bad(sec.id, "cap", f"部分 {sec.id} 设有上限/下限（cap），但同时含基础条目和附加条目；请把附加条目放入单独的部分",
                "a capped section must hold only base items or only bonus items")
    for it in sec.items:
        ids.check(it.id, sec.id)
        check_item(it)
    for s in sec.sections:
        _section(scheme, s, sec.id, ids, check_item)


def _item(scheme: Scheme, it: Item, catalogue, reading_ids: set[str], problems: Problems) -> None:
    for ref in it.inputs:
        if isinstance(ref, str) and ref not in catalogue:
            problems.add(it.id, "inputs", f"条目 {it.id} 引用了未声明的输入 {ref}{_meant(ref, catalogue)}",
                         f"undeclared input {ref!r}")
    for rid in it.readings:
        if rid not in reading_ids:
            problems.add(it.id, "readings", f"条目 {it.id} 引用了不存在的解读 {rid}", f"unknown reading {rid!r}")
    for k in it.variants:
        if scheme.unit_kinds and k not in scheme.unit_kinds:
            problems.add(it.id, f"variants.{k}", f"条目 {it.id} 的变体 {k} 不是本方案的单位类型 {scheme.unit_kinds}",
                         f"variant {k!r} not in unit_kinds")


def _reading_targets(scheme: Scheme, problems: Problems) -> None:
    """Every target a reading sets exists (the parameters it sets are checked when the scheme is compiled)."""
    bad = problems.add
    items = {it.id for it in scheme.walk_items()}
    conds = {c.id for g in scheme.gates for c in g.conditions}
    gate_ids = {g.id for g in scheme.gates}
    for r in scheme.readings:
        for o in r.options:
            for target, over in o.set.items():
                where = f"options.{o.id}.set"
                if target == "@scheme":
                    continue
                if target in conds:
                    if set(over) - {"test"}:
                        bad(r.id, where, f"解读 {r.id} 对门槛条件 {target} 只能修改 test", "gate overrides: test only")
                elif target in gate_ids:  # a gate's consequence, as a reading of a text silent on it
                    _consequence_override(r.id, where, target, over, problems)
                elif target not in items:
                    bad(r.id, where, f"解读 {r.id} 的选项 {o.id} 指向不存在的条目 {target}",
                        f"reading option targets unknown item {target!r}")


def _consequence_override(reading: str, where: str, gate: str, over: dict, problems: Problems) -> None:
    extra = set(over) - CONSEQUENCE_FIELDS
    if extra:
        problems.add(reading, where, f"解读 {reading} 对否决/认定门槛 {gate} 只能修改后果："
                     f"{'、'.join(sorted(CONSEQUENCE_FIELDS))}（不能改 {'、'.join(sorted(extra))}）",
                     f"gate overrides: consequence fields only, not {sorted(extra)}")
        return
    try:
        Consequence.model_validate(over)
    except ValidationError as exc:
        problems.add(reading, where, f"解读 {reading} 对门槛 {gate} 的后果写法有误：{exc.errors()[0]['msg']}",
                     "invalid consequence override")


def _gates(scheme: Scheme, ids: _Ids, problems: Problems) -> None:
    bad = problems.add
    catalogue = scheme.input_catalogue
    bands = [b.label for b in scheme.grades.bands] if scheme.grades else []
    for g in scheme.gates:
        cq = g.consequence
        for fld in ("grade", "grade_cap"):
            label = getattr(cq, fld) if cq else None
            if label is not None and label not in bands:
                bad(g.id, f"consequence.{fld}",
                    f"门槛 {g.id} 的后果 {fld}: {label} 不是本方案的等级" + (f"（可用等级：{'、'.join(bands)}）" if bands
                                                                   else "（本方案没有 grades，不能规定等级）"),
                    f"consequence {fld} {label!r} is not a grade band of the scheme {bands}")
        for c in g.conditions:
            ids.check(c.id, scheme.id)
            try:
                f = parse_formula(c.test)
                extra = set(f.names) - set(c.input_ids) - GATE_NAMES
                if extra:
                    bad(c.id, "test", f"门槛条件 {c.id} 读取了未列出的输入：{', '.join(sorted(extra))}",
                        f"gate condition reads undeclared inputs {sorted(extra)}")
            except FormulaError as exc:
                bad(c.id, "test", exc.message, exc.detail)
            for ref in c.inputs:
                if isinstance(ref, str) and ref not in catalogue:
                    bad(c.id, "inputs", f"门槛条件 {c.id} 引用了未声明的输入 {ref}{_meant(ref, catalogue)}",
                        f"undeclared input {ref!r}")


def _checks(scheme: Scheme, ids: _Ids, problems: Problems) -> None:
    catalogue = scheme.input_catalogue
    for chk in scheme.checks:
        ids.check(chk.id, scheme.id)
        try:
            names = set(parse_formula(chk.test).names)
        except FormulaError as exc:
            problems.add(chk.id, "test", exc.message, exc.detail)
            continue
        for name in sorted(names - set(catalogue)):
            near = closest(name, catalogue)
            problems.add(chk.id, "test", f"校验 {chk.id} 读取了未声明的输入 {name}" + (f"，是否想写 {near}？" if near else ""),
                         f"check reads undeclared input {name!r}")
        if not names:
            problems.add(chk.id, "test", f"校验 {chk.id} 的 test 没有读取任何输入", "check reads no input")
