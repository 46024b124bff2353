"""What one unit answers for: the items, inputs and evidence rows of its own workbook.

"Answers for" is decided from the scheme, in this order:

1. **By unit kind.** An item whose variant for the unit's kind is ``not_applicable`` is left out. An
   item the unit's kind is scored on by an assessor (a ``judgement`` rule, or a ``judgement`` variant
   such as wangyi's 开发区酌情计分) keeps its evidence row and the facts it declares as reference (the
   assessor judges from them), but its points are the assessor's: the unit's 评审 sheet stays empty.
   Where a variant scores the unit's kind by a rule of its own (wangyi 1.4.1 开发区只评估中小微企业), the
   unit answers for that rule's inputs only.
2. **By 责任单位, where the scheme names the unit.** An item whose 责任单位 lists only named bodies, none
   of them a collective (各成员单位, 有关单位, 各乡镇…), and one of them is another unit of the units file,
   goes to that unit only. Otherwise every unit answers for it: in 004 (郏县) every item's 责任单位 is
   “县社会信用体系建设领导小组各成员单位及有关单位”, i.e. each assessed unit; in 000 (王益区) the 参与单位
   (区联合征信中心, 区金融办…) are offices inside the assessed district, not units of the file, so the
   district answers for all of them. An item the scheme assigns to nobody in the file is never dropped.
3. An input is in the unit's 输入 sheet when an item the unit answers for reads it (its declared inputs,
   or under a variant the variant's), when a gate (认定条件) reads it, or when no item reads it under the
   chosen readings (an input an alternative reading uses). Everything else is left out, and so missing
   for that unit: the same as a blank cell, never zero.

Evidence rows: one per item the unit answers for whose scheme entry states evidence (佐证材料), with the
requirement as written, the 资料盒 number (000: the box of the item or of its top category) and the
deadline (``deadline``, else 000's 工作进度要求 ``meta.progress``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from ...scheme.model import InputSpec, Item, Scheme, Section
from ...scoring.plan import Plan
from ..template import UnitRow, ordered_inputs

# a 责任单位 entry naming a collective of units, not one body
COLLECTIVE = re.compile(r"各|成员单位|有关单位|责任单位|相关单位|相关部门|所有|全体")
READING_NOTE = re.compile(r"[（(]解读\s*[A-Za-z0-9_]+[）)]")


@dataclass(frozen=True)
class EvidenceRow:
    item_id: str
    item_name: str
    requirement: str
    box: str
    deadline: str


@dataclass(frozen=True)
class Answers:
    unit: UnitRow
    items: tuple[Item, ...]  # document order
    inputs: tuple[InputSpec, ...]  # the 输入 columns, document order
    evidence: tuple[EvidenceRow, ...]
    judged: tuple[str, ...]  # items whose points the assessor gives for this unit's kind
    elsewhere: tuple[str, ...]  # items left out because the scheme assigns them to another listed unit


def names_match(entry: str, name: str) -> bool:
    """Whether a 责任单位 entry names the unit ``name`` (区财政局 ~ 王益区财政局)."""
    e, n = re.sub(r"\s+", "", entry), re.sub(r"\s+", "", name)
    return bool(e and n) and (e == n or e in n or n in e)


def assigned_to(item: Item, units: Sequence[UnitRow]) -> list[str] | None:
    """The ids of the listed units the item's 责任单位 assigns it to, or None when every unit answers."""
    resp = item.responsible
    if not resp or any(COLLECTIVE.search(r) for r in resp):
        return None
    hit = [u.unit_id for u in units if u.unit_name and any(names_match(r, u.unit_name) for r in resp)]
    return hit or None


def item_boxes(scheme: Scheme) -> dict[str, Any]:
    """Item id -> 资料盒 number (the item's own, else the nearest enclosing section's)."""
    out: dict[str, Any] = {}

    def walk(sec: Section, box: Any) -> None:
        box = sec.meta.get("box", box)
        for it in sec.items:
            b = it.meta.get("box", box)
            if b is not None:
                out[it.id] = b
        for sub in sec.sections:
            walk(sub, box)

    for sec in scheme.sections:
        walk(sec, None)
    return out


def box_label(scheme: Scheme, box: Any) -> str:
    if box is None:
        return ""
    names = scheme.meta.get("boxes") or {}
    name = names.get(box, names.get(str(box))) if isinstance(names, dict) else None
    return f"{box}号" + (f"（{name}）" if name else "")


def requirement(item: Item) -> str:
    text = item.evidence.strip()
    if item.period:
        text += ("；" if text else "") + "统计期间：" + READING_NOTE.sub("", item.period).strip()
    return text


def deadline(item: Item) -> str:
    return str(item.deadline or item.meta.get("progress") or "")


def answers_for(plan: Plan, unit: UnitRow, units: Sequence[UnitRow]) -> Answers:
    scheme = plan.scheme
    kind = unit.unit_kind or ""
    items: list[Item] = []
    judged: list[str] = []
    elsewhere: list[str] = []
    wanted: set[str] = set()
    read_somewhere: set[str] = set()
    for it in scheme.walk_items():
        rule = plan.rules[it.id]
        read_somewhere |= set(it.input_ids) | set(rule.params.input_ids())
        var = rule.variant_rules.get(kind)
        if var is not None and var.mode == "not_applicable":
            continue
        to = assigned_to(it, units)
        if to is not None and unit.unit_id not in to:
            elsewhere.append(it.id)
            continue
        items.append(it)
        if var is not None:
            wanted |= set(var.params.input_ids()) if var.params is not None else set()
            read_somewhere |= set(var.params.input_ids()) if var.params is not None else set()
            if var.is_judgement:
                judged.append(it.id)
                wanted |= set(it.input_ids)
        else:
            wanted |= set(it.input_ids) | set(rule.params.input_ids())
            if rule.kind == "judgement":
                judged.append(it.id)
    for g in scheme.gates:
        for c in g.conditions:
            wanted |= set(c.input_ids)
            read_somewhere |= set(c.input_ids)
    specs = [s for s in ordered_inputs(scheme) if s.id in wanted or s.id not in read_somewhere]
    boxes = item_boxes(scheme)
    evidence = [EvidenceRow(it.id, it.name, requirement(it), box_label(scheme, boxes.get(it.id)), deadline(it))
                for it in items if it.evidence.strip()]
    return Answers(unit, tuple(items), tuple(specs), tuple(evidence), tuple(judged), tuple(elsewhere))
