"""The scheme model: one official indicator scheme as typed data (pydantic v2).

A scheme is a tree of sections holding scoring items. Every item carries its maximum, its rule
(kind + parameters), the inputs it reads, responsible units, evidence requirement, deadline, the
source clause it was taken from, and the readings (interpretations of ambiguous text) that touch it.
Declared totals are recorded as the document states them and are never "fixed": the checker
compares them with the items (see :mod:`xinyong.scoring.scheme_audit`).
"""
# Why this module is long: it is the whole schema of a scheme file, one class per YAML mapping, read top
# to bottom as a scheme file is written; split, an author would chase one file's keys through several.
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

if TYPE_CHECKING:
    from .totals import Totals

INPUT_ID = r"^[a-z][a-z0-9_]*$"
NODE_ID = r"^[a-z][a-z0-9_]*(\.[0-9a-z_]+)*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Citation(Strict):
    """Where a clause comes from: seed file name, line in that file, quoted text.

    A clause that wraps over several lines (most real tables do) gives its first ``line`` and its last
    ``end_line``; ``quote`` is then the clause as one text, the line breaks left out, and ``xinyong check``
    verifies that it starts on ``line``, ends on ``end_line`` and runs through every line between."""

    file: str
    line: int | None = Field(default=None, ge=1)
    end_line: int | None = Field(default=None, ge=1)
    quote: str = Field(min_length=1)

    @model_validator(mode="after")
    def _span(self):
        if self.end_line is not None and (self.line is None or self.end_line < self.line):
            raise ValueError("end_line 须与 line 一起写，且不小于 line（引文跨行时写起止行号）")
        return self


class InputSpec(Strict):
    """One recorded fact about a unit. Percentages are stored in percent (2.6 means 2.6%)."""

    id: str = Field(pattern=INPUT_ID)
    label: str = Field(min_length=1)
    unit: str = ""
    type: Literal["number", "integer", "percent", "bool"] = "number"
    min: float | None = None
    max: float | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _range(self):
        if self.type == "bool":
            self.min, self.max = 0, 1
        if self.type == "percent":
            self.min = 0 if self.min is None else self.min
            self.max = 100 if self.max is None else self.max
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} 大于 max {self.max:g}")
        return self

    def range_text(self) -> str:
        """What may be entered, as a person says it: “不小于 0 的整数（个）”, “0 到 100 之间的数（%）”, “是/否”.

        One wording for the fill-in template's range row, its cell validation, the reader's “应为” and
        ``xinyong inputs``: no interval notation, no ∞."""
        if self.type == "bool":
            return "是/否"
        what = "整数" if self.type == "integer" else "数"
        lo = None if self.min is None else f"{self.min:g}"
        hi = None if self.max is None else f"{self.max:g}"
        if lo is not None and hi is not None:
            text = f"{lo} 到 {hi} 之间的{what}"
        elif lo is not None:
            text = f"不小于 {lo} 的{what}"
        elif hi is not None:
            text = f"不大于 {hi} 的{what}"
        else:
            text = "整数" if what == "整数" else "数值"
        unit = "%" if self.type == "percent" else self.unit.strip()
        return text + (f"（{unit}）" if unit else "")


class Cap(Strict):
    """A limit the document puts on a sum of items, applied when the unit is scored.

    ``max``: “本部分最高不超过 20 分”, “附加分最高 5 分”. ``min``: “本部分扣完为止” (``min: 0``), for a
    section whose items may go below zero. ``source``: the clause that states the limit.
    """

    max: float | None = None
    min: float | None = None
    source: Citation | None = None

    @model_validator(mode="after")
    def _some_limit(self):
        if self.max is None and self.min is None:
            raise ValueError("cap 至少要写 max（最高）或 min（最低，如“扣完为止”写 0）")
        if self.max is not None and self.min is not None and self.min > self.max:
            raise ValueError(f"cap 的 min {self.min:g} 大于 max {self.max:g}")
        return self


class Rule(Strict):
    kind: str
    params: dict[str, Any] = Field(default_factory=dict)


class Variant(Strict):
    """How an item applies to a kind of unit (e.g. 开发区) that the document treats differently."""

    mode: Literal["not_applicable", "judgement", "rule"]
    rule: Rule | None = None
    max_points: float | None = None
    note: str = Field(min_length=1)

    @model_validator(mode="after")
    def _rule_needed(self):
        if self.mode == "rule" and self.rule is None:
            raise ValueError("mode 为 rule 时缺少 rule")
        return self


class Item(Strict):
    id: str = Field(pattern=NODE_ID)
    name: str = Field(min_length=1)
    max_points: float | None = Field(default=None, ge=0)
    bonus: bool = False
    rule: Rule | None = None
    ref: str | None = None  # reuse another scheme's item (002 quotes 001's formulas)
    inputs: list[str | InputSpec] = Field(default_factory=list)
    responsible: list[str] = Field(default_factory=list)
    evidence: str = ""
    deadline: str | None = None
    period: str | None = None
    variants: dict[str, Variant] = Field(default_factory=dict)
    source: Citation | None = None
    readings: list[str] = Field(default_factory=list)
    hard_indicator_ref: int | None = None
    label_points: float | None = None  # the points printed in the item's label, when they differ
    no_criteria: bool = False  # the document gives no scoring criteria
    min_points: float = 0.0  # a reading may allow a net deduction below zero (004 E2)
    meta: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _rule_or_ref(self):
        if self.ref is None:
            if self.rule is None:
                raise ValueError("缺少 rule（计分规则；或用 ref 引用其他方案的条目）")
            if self.max_points is None:
                raise ValueError("缺少 max_points（条目满分）")
            if self.source is None:
                raise ValueError("缺少 source（来源文件、行号和原文引文）")
        return self

    @property
    def input_specs(self) -> list[InputSpec]:
        return [i for i in self.inputs if isinstance(i, InputSpec)]

    @property
    def input_ids(self) -> list[str]:
        return [i if isinstance(i, str) else i.id for i in self.inputs]


def id_sort_key(node_id: str) -> tuple:
    """``city2019.7.10`` after ``city2019.7.9``: numbers compare as numbers, words as text after them."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in node_id.split("."))


class Section(Strict):
    id: str = Field(pattern=NODE_ID)
    name: str = Field(min_length=1)
    declared_points: float | None = None  # as the document states it; None when it states none
    bonus: bool = False
    source: Citation | None = None
    responsible: list[str] = Field(default_factory=list)
    inferred: str | None = None  # why membership is inferred (003: category cell lost)
    no_criteria: bool = False
    cap: Cap | None = None  # “本部分最高…分” / “扣完为止”: limits the sum of the section's items
    meta: dict[str, Any] = Field(default_factory=dict)
    sections: list["Section"] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)

    def children(self) -> list["Item | Section"]:
        """Items and sub-sections in the document's order. YAML keeps them in two lists; where a
        section has both (004 三: 三.1 is a block of items, 三.2–三.4 are items), their ids, which
        number the document's own order, interleave them: 三.1.x come before 三.2."""
        kids: list[Item | Section] = [*self.items, *self.sections]
        if not (self.items and self.sections):
            return kids
        return sorted(kids, key=lambda n: id_sort_key(n.id))  # stable: equal keys keep file order

    def walk_items(self) -> Iterator[Item]:
        for n in self.children():
            if isinstance(n, Section):
                yield from n.walk_items()
            else:
                yield n

    def walk_sections(self) -> Iterator["Section"]:
        yield self
        for n in self.children():
            if isinstance(n, Section):
                yield from n.walk_sections()

    @property
    def max_points(self) -> float:
        """Sum of the base items' maxima as written (before the section's cap)."""
        return float(sum(i.max_points or 0 for i in self.walk_items() if not i.bonus))

    @property
    def bonus_points(self) -> float:
        return float(sum(i.max_points or 0 for i in self.walk_items() if i.bonus))


class ReadingOption(Strict):
    id: str = Field(pattern=INPUT_ID)
    label: str = Field(min_length=1)
    # target -> parameter overrides. A target is an item id (rule params; the key "kind" replaces
    # the rule kind, "max_points"/"min_points" the item's), a gate condition id ("test"), or
    # "@scheme" for scheme-level options (e.g. grade basis).
    set: dict[str, dict[str, Any]] = Field(default_factory=dict)


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u2018-\u201d"
CJK_FOLD = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")  # one space between two Chinese characters/marks


class Reading(Strict):
    """One ambiguity of the text: the reading chosen, why, and the alternatives as named options."""

    id: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    seed_note: str | None = None  # SEED_NOTES section reference, e.g. "A2"
    question: str = Field(min_length=1)
    chosen: str
    why: str = Field(min_length=1)
    disagrees_with_seed_notes: str | None = None  # where we read the clause differently, and why
    options: list[ReadingOption] = Field(min_length=1)

    @field_validator("question", "why", "disagrees_with_seed_notes")
    @classmethod
    def _unfold(cls, v: str | None) -> str | None:
        # YAML's folded block (>-) joins lines with a space; between two Chinese characters or
        # punctuation marks that space is an artefact of the line break, not of the author
        return None if v is None else CJK_FOLD.sub("", v)

    @model_validator(mode="after")
    def _chosen_exists(self):
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"解读 {self.id} 的选项编号重复")
        if self.chosen not in ids:
            raise ValueError(f"chosen 的取值 {self.chosen} 不是本解读的选项（可用取值：{'、'.join(ids)}）")
        return self

    def option(self, option_id: str) -> ReadingOption:
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(option_id)

    @property
    def targets(self) -> list[str]:
        seen: list[str] = []
        for o in self.options:
            for t in o.set:
                if t not in seen:
                    seen.append(t)
        return seen


class GateCondition(Strict):
    id: str = Field(pattern=NODE_ID)
    name: str = Field(min_length=1)
    test: str = Field(min_length=1)  # boolean formula over inputs and total/base_total/bonus
    inputs: list[str | InputSpec] = Field(default_factory=list)
    responsible: list[str] = Field(default_factory=list)
    source: Citation
    readings: list[str] = Field(default_factory=list)
    no_criteria: bool = False
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def input_ids(self) -> list[str]:
        return [i if isinstance(i, str) else i.id for i in self.inputs]


class Consequence(Strict):
    """What failing a gate does to a unit's result, as the document says it (every field optional).

    ``grade``: the grade is set to this band (“实行一票否决，考核等次定为不合格”). ``grade_cap``: the grade
    is at most this band (“不得评为良好以上” → ``grade_cap: 合格``). ``exclude_from_ranking``: whether the
    unit takes no place in the ranking (it is listed after every ranked unit); left out (``None``) when
    the text says nothing about the ranking, and then the default of :meth:`Scheme.gate_consequence`
    applies (a veto: not ranked), which ``xinyong check`` reports. ``total``: the total is set to this
    value (“考核得分计 0 分”).
    """

    grade: str | None = None
    grade_cap: str | None = None
    exclude_from_ranking: bool | None = None
    total: float | None = None
    source: Citation | None = None

    @model_validator(mode="after")
    def _one_grade_rule(self):
        if self.grade is not None and self.grade_cap is not None:
            raise ValueError("grade 与 grade_cap 只能写一个")
        return self


class Gate(Strict):
    """A pass/fail gate over conditions.

    ``veto`` (一票否决, 002): any failed condition fails the whole scheme whatever the score.
    ``qualification`` (认定条件, 000): every condition must hold for the unit to be recognised;
    evaluated after the score, so conditions may read ``total``.
    ``consequence``: what a failure does to the grade, the ranking and the total; when omitted, see
    :meth:`Scheme.gate_consequence` for the default.
    """

    id: str = Field(pattern=NODE_ID)
    name: str
    kind: Literal["veto", "qualification"]
    source: Citation
    conditions: list[GateCondition] = Field(min_length=1)
    consequence: Consequence | None = None


class InputCheck(Strict):
    """A fact the inputs of one unit must satisfy together (a part is not more than its whole).

    ``test``: a boolean formula over input ids, e.g. ``gov_events_rectified <= gov_events_total``.
    ``message``: what is wrong, in Chinese, for the person who filled the workbook. ``severity``:
    ``error`` stops the unit (like an invalid cell); ``warning`` is shown and the unit is scored.
    A unit with any input of the test missing is not checked.
    """

    id: str = Field(pattern=NODE_ID)
    test: str = Field(min_length=1)
    message: str = Field(min_length=1)
    severity: Literal["error", "warning"] = "error"
    source: Citation | None = None  # the clause that implies it, when the document states one
    note: str | None = None  # why the check follows from the inputs, when no clause states it


class GradeBand(Strict):
    label: str
    min: float | None = None  # None: the lowest band
    min_inclusive: bool = True


class Grades(Strict):
    basis: Literal["total", "base_total"] = "total"
    bands: list[GradeBand] = Field(min_length=1)  # highest first
    source: Citation

    @field_validator("bands")
    @classmethod
    def _descending(cls, bands: list[GradeBand]):
        mins = [b.min for b in bands if b.min is not None]
        if mins != sorted(mins, reverse=True):
            raise ValueError("等级须从高到低排列")
        if bands[-1].min is not None:
            raise ValueError("最后一个等级不能写 min（它接住其余所有分数）")
        return bands


@dataclass(frozen=True)
class SchemeOrigin:
    """Where a loaded scheme came from: its file, and the line of each node id in it.

    Recorded by the loader so that problems found later, when the scheme is compiled against a
    rule-kind registry (:func:`xinyong.scoring.plan.compile`), point to ``file:line item.field`` like
    the loader's own errors.
    """

    file: str
    id_lines: dict[str, int] = field(default_factory=dict)
    id_nouns: dict[str, str] = field(default_factory=dict)  # node id -> 条目 / 部分 / 输入 / 门槛 …


class Scheme(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    short_title: str = ""
    source: Citation
    level: str = ""  # 城市 / 区县 / 县直单位 / 乡镇
    period_kind: Literal["year", "quarter", "once"] = "year"
    unit_kinds: list[str] = Field(default_factory=list)
    declared_total: float | None = None
    declared_bonus: float | None = None  # as printed; compared by the checker, never applied
    bonus_cap: Cap | None = None  # “附加分最高 5 分”: applied to the bonus when scoring (max only)
    declared_note: str | None = None
    imports: list[str] = Field(default_factory=list)
    inputs: list[InputSpec] = Field(default_factory=list)
    sections: list[Section] = Field(min_length=1)
    gates: list[Gate] = Field(default_factory=list)
    checks: list[InputCheck] = Field(default_factory=list)  # cross-input checks (已整改 ≤ 事件数)
    grades: Grades | None = None
    readings: list[Reading] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)
    _origin: SchemeOrigin | None = PrivateAttr(default=None)  # set by the loader; None when built in code

    @property
    def origin(self) -> SchemeOrigin | None:
        return self._origin

    # --- navigation -------------------------------------------------------------------------
    def walk_items(self) -> Iterator[Item]:
        for s in self.sections:
            yield from s.walk_items()

    def walk_sections(self) -> Iterator[Section]:
        for s in self.sections:
            yield from s.walk_sections()

    @property
    def items(self) -> list[Item]:
        return list(self.walk_items())

    def item(self, item_id: str) -> Item:
        for i in self.walk_items():
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    def gate_consequence(self, gate: "Gate", options: dict[str, Any] | None = None) -> Consequence:
        """What failing ``gate`` does: its own ``consequence`` (changed by a chosen reading that targets the
        gate, ``options["consequences"][gate id]`` — a plan's ``scheme_opts``), or the default; a field the
        text leaves out takes the default's value.

        Default for a veto: the unit is not ranked and, in a graded scheme, is graded in the lowest
        band. 一票否决 means the whole assessment fails whatever the score — 002: “要求必须完成，有一项
        未完成的则一票否决”; the unit report already says “无论得分高低，本期考核不合格”. The lowest band is
        the document's own word for failing (004 第七条: “60 分以下为不合格”), and a failed unit ranked among
        the passed would contradict it, so vetoed units stay after every unit that was not: a consequence
        that states only the grade (as most texts do) keeps ``exclude_from_ranking: true``, and ``check``
        says so. A qualification gate (认定条件, 000) decides recognition, not the grade: no default
        consequence, and its units stay ranked.
        """
        veto = gate.kind == "veto"
        c = gate.consequence
        if c is None:
            lowest = self.grades.bands[-1].label if (veto and self.grades is not None) else None
            c = Consequence(grade=lowest)
        over = ((options or {}).get("consequences") or {}).get(gate.id)
        if over:
            c = Consequence.model_validate({**c.model_dump(), **over})
        if c.exclude_from_ranking is None:
            c = c.model_copy(update={"exclude_from_ranking": veto})
        return c

    def reading(self, reading_id: str) -> Reading:
        for r in self.readings:
            if r.id == reading_id:
                return r
        raise KeyError(reading_id)

    def section_of(self) -> dict[str, list[str]]:
        """item id -> ids of the sections that contain it, outermost first."""
        out: dict[str, list[str]] = {}

        def rec(sec: Section, path: list[str]):
            here = path + [sec.id]
            for it in sec.items:
                out[it.id] = here
            for s in sec.sections:
                rec(s, here)

        for s in self.sections:
            rec(s, [])
        return out

    @property
    def input_catalogue(self) -> dict[str, InputSpec]:
        """Every input the scheme reads, by id (scheme-level and inline item/gate inputs)."""
        cat = {i.id: i for i in self.inputs}
        for it in self.walk_items():
            for spec in it.input_specs:
                cat.setdefault(spec.id, spec)
        for g in self.gates:
            for c in g.conditions:
                for spec in c.inputs:
                    if isinstance(spec, InputSpec):
                        cat.setdefault(spec.id, spec)
        return cat

    @property
    def base_max(self) -> float:
        """Most base points a unit can get: item maxima added up through the section caps."""
        return float(self.add_up([[i.max_points or 0 for i in self.walk_items()]]).base[0])

    @property
    def bonus_max(self) -> float:
        """Most bonus points a unit can get: bonus item maxima through section caps and ``bonus_cap``."""
        return float(self.add_up([[i.max_points or 0 for i in self.walk_items()]]).bonus[0])

    @property
    def items_base_max(self) -> float:
        """Sum of the base items' maxima as written, before any cap."""
        return float(sum(i.max_points or 0 for i in self.walk_items() if not i.bonus))

    @property
    def items_bonus_max(self) -> float:
        """Sum of the bonus items' maxima as written, before any cap."""
        return float(sum(i.max_points or 0 for i in self.walk_items() if i.bonus))

    def add_up(self, points) -> "Totals":
        """Add item points (units × items in :attr:`items` order; NaN counts 0) up the way the document
        does: sections bottom-up, each section's cap applied to its sum, then ``bonus_cap``."""
        from .totals import add_up

        return add_up(self, points)


Section.model_rebuild()
