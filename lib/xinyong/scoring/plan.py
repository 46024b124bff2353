"""A compiled plan: the scheme as it is scored under the readings in force, decided once.

``compile(scheme, readings, registry)`` is the one place where a reading's overrides are merged into an
item's rule, where variant rules (per kind of unit) are typed, and where the judgement items and their
caps are worked out. The engine scores with the plan; the template writer and the reader take their
judgement slots from it; the checker compiles before it analyses. Compiling also checks every rule —
the item's own, each variant's and each reading option's, chosen or not — against the registry and
reports, all at once, the unknown kinds, invalid parameters and undeclared inputs as ``file:line
item.field`` errors (the loader knows no rule kind).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from pydantic import ValidationError

from ..errors import XinyongError
from ..formula import Formula, parse
from ..scheme.model import Item, Rule, Scheme
from ..scheme.scheme_problems import Problems, closest, zh_message
from ..scheme.values import judge_col
from .input_checks import check_inputs, check_problems  # noqa: F401 — intake's one door to the cross-input checks
from .kinds import default_registry
from .registry import Registry, RuleParams

# keys of a reading's override that are not rule parameters
_ITEM_KEYS = ("kind", "params", "max_points", "min_points")


@dataclass(frozen=True)
class VariantRule:
    """How an item is scored for one kind of unit that the document treats differently.

    ``mode="rule"``: scored by ``kind`` with ``params`` (a variant ``judgement`` becomes a ``judgement``
    rule on the item's ``judge:`` column) and capped at ``max_points``. ``mode="not_applicable"``: the
    item does not apply (no kind, no params, ``max_points`` 0).
    """

    unit_kind: str
    mode: Literal["rule", "not_applicable"]
    kind: str = ""
    params: RuleParams | None = None
    max_points: float = 0.0
    note: str = ""

    @property
    def is_judgement(self) -> bool:
        return self.mode == "rule" and self.kind == "judgement"


@dataclass(frozen=True)
class EffectiveRule:
    """The rule an item is scored with after the chosen readings are applied, and its variants."""

    item: Item
    kind: str
    params: RuleParams
    max_points: float
    min_points: float
    readings: dict[str, str] = field(default_factory=dict)  # reading id -> option id, for readings touching the item
    variant_rules: dict[str, VariantRule] = field(default_factory=dict)  # unit kind -> variant rule


@dataclass(frozen=True)
class JudgeSlot:
    """One judgement item as it applies to one kind of unit (a row of the template's 评审 sheet)."""

    item: str
    name: str
    cap: float
    only_under: str = ""  # "A2=option" when the item is a judgement only under a non-chosen reading


@dataclass(frozen=True)
class Plan:
    """A scheme compiled against a registry under chosen readings. Read it; do not change it."""

    scheme: Scheme
    registry: Registry
    readings: dict[str, str]  # reading id -> chosen option id (every reading of the scheme)
    rules: dict[str, EffectiveRule]  # item id -> effective rule, in document order
    gate_tests: dict[str, str]  # gate condition id -> test text replaced by a chosen reading
    scheme_opts: dict[str, Any]  # scheme-level options set by chosen readings ("@scheme", e.g. grade_basis)
    # item id -> unit kind ("" = a unit of no variant kind) -> cap of the assessor's points: every
    # column ``judge:<item>`` the inputs may carry, checked against the cap for the unit's kind
    judgement_caps: dict[str, dict[str, float]]
    # unit kind ("" = a unit of no listed kind) -> item id -> slot: what the template asks an assessor
    judge_slots: dict[str, dict[str, JudgeSlot]]
    # the formulas the scoring evaluates besides the rules' own (parsed on their params models): every gate
    # condition's test under the chosen readings, every cross-input check's test; parsed here, once
    gate_formulas: dict[str, Formula]  # gate condition id -> test
    check_formulas: dict[str, Formula]  # check id -> test


def compile(scheme: Scheme, readings: Mapping[str, str] | None = None,  # noqa: A001 — the issue's name
            registry: Registry | None = None) -> Plan:
    """Compile ``scheme`` under ``readings`` (reading id, or an item id a reading targets → option id;
    the scheme's chosen options otherwise) against ``registry`` (the built-in kinds by default).

    Raises :class:`SchemeError` listing every rule problem of the scheme, located by file and line.
    """
    registry = registry or default_registry()
    _check_rules(scheme, registry)
    chosen = resolve_readings(scheme, readings)
    overrides, used, gate_tests, scheme_opts = _chosen_overrides(scheme, chosen)
    rules = {it.id: _effective(scheme, it, overrides.get(it.id, {}), used.get(it.id, {}), registry)
             for it in scheme.walk_items()}
    anywhere = _judgements_anywhere(scheme)
    gate_formulas = {c.id: parse(gate_tests.get(c.id, c.test)) for g in scheme.gates for c in g.conditions}
    return Plan(scheme, registry, chosen, rules, gate_tests, scheme_opts,
                _judgement_caps(rules, anywhere), _judge_slots(scheme, rules, anywhere),
                gate_formulas, {chk.id: parse(chk.test) for chk in scheme.checks})


# ------------------------------------------------------------------ readings and overrides
def resolve_readings(scheme: Scheme, readings: Mapping[str, str] | None) -> dict[str, str]:
    """Chosen option per reading, with caller overrides (by reading id, or by an item id it targets)."""
    chosen = {r.id: r.chosen for r in scheme.readings}
    for key, opt in (readings or {}).items():
        targets = [r for r in scheme.readings if r.id == key] or [r for r in scheme.readings if key in r.targets]
        if not targets:
            raise XinyongError(f"没有名为 {key} 的解读", f"no reading or reading target named {key!r}", scheme=scheme.id)
        for r in targets:
            if opt not in [o.id for o in r.options]:
                raise XinyongError(
                    f"解读 {r.id} 没有选项 {opt}（可选：{', '.join(o.id for o in r.options)}）",
                    f"reading {r.id} has no option {opt!r}", scheme=scheme.id)
            chosen[r.id] = opt
    return chosen


def _chosen_overrides(scheme: Scheme, chosen: Mapping[str, str]):
    """(item id -> override, item id -> {reading: option}, condition id -> test, scheme options)."""
    overrides: dict[str, dict[str, Any]] = {}
    used: dict[str, dict[str, str]] = {}
    gate_tests: dict[str, str] = {}
    scheme_opts: dict[str, Any] = {}
    conditions = {c.id for g in scheme.gates for c in g.conditions}
    gates = {g.id for g in scheme.gates}
    for r in scheme.readings:
        opt = r.option(chosen[r.id])
        for target in r.targets:
            if target == "@scheme":
                scheme_opts.update(opt.set.get(target, {}))
                continue
            if target in gates:  # a gate's consequence (e.g. whether a vetoed unit is ranked)
                scheme_opts.setdefault("consequences", {}).setdefault(target, {}).update(opt.set.get(target, {}))
                continue
            used.setdefault(target, {})[r.id] = opt.id
            if target in opt.set:
                if target in conditions and "test" in opt.set[target]:  # a gate condition's test; an item may have a param named test
                    gate_tests[target] = opt.set[target]["test"]
                else:
                    overrides.setdefault(target, {}).update(opt.set[target])
    return overrides, used, gate_tests, scheme_opts


def _merge(item: Item, over: Mapping[str, Any]) -> tuple[str, dict, float, float]:
    """The one override merge: (kind, params, max points, min points) of ``item`` under ``over``.

    ``kind`` replaces the rule kind (the item's params are then dropped: they belong to the old kind);
    ``params`` and any other key but ``max_points``/``min_points`` update the parameters.
    """
    kind = over.get("kind", item.rule.kind)
    params = dict(item.rule.params) if kind == item.rule.kind else {}
    params.update(over.get("params", {}))
    params.update({k: v for k, v in over.items() if k not in _ITEM_KEYS})
    return kind, params, float(over.get("max_points", item.max_points)), float(over.get("min_points", item.min_points))


def _judge_params(kind: str, params: Mapping[str, Any], item_id: str) -> Mapping[str, Any]:
    if kind == "judgement" and not params.get("column"):
        return {**params, "column": judge_col(item_id)}
    return params


# ------------------------------------------------------------------ effective rules
def _effective(scheme: Scheme, it: Item, over: Mapping[str, Any], used: Mapping[str, str],
               registry: Registry) -> EffectiveRule:
    kind, params, mx, mn = _merge(it, over)
    p = _parse(scheme, registry, it, "rule", kind, _judge_params(kind, params, it.id), mx)
    variants: dict[str, VariantRule] = {}
    for unit_kind, var in it.variants.items():
        vmx = var.max_points if var.max_points is not None else mx
        if var.mode == "not_applicable":
            variants[unit_kind] = VariantRule(unit_kind, "not_applicable", note=var.note)
            continue
        vrule = var.rule if var.mode == "rule" else Rule(kind="judgement", params={"column": judge_col(it.id)})
        vp = _parse(scheme, registry, it, f"variants.{unit_kind}.rule", vrule.kind,
                    _judge_params(vrule.kind, vrule.params, it.id), vmx)
        variants[unit_kind] = VariantRule(unit_kind, "rule", vrule.kind, vp, float(vp.max_points), var.note)
    return EffectiveRule(it, kind, p, mx, mn, dict(used), variants)


def _parse(scheme: Scheme, registry: Registry, it: Item, where: str, kind: str, params: Mapping[str, Any],
           mx: float) -> RuleParams:
    """Params already checked one by one in :func:`_check_rules`; what can still fail here is a
    combination (two chosen readings setting the same item), reported at the item like the rest."""
    try:
        return registry.get(kind).parse_params(params, mx)
    except (ValidationError, XinyongError) as exc:
        problems = Problems(scheme.origin, scheme.id)
        problems.add(it.id, where, f"条目 {it.id} 的规则参数无效：{_first_message(exc)}",
                     f"invalid params: {_first_message(exc)}")
        raise problems.error() from None


def _first_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return exc.errors()[0]["msg"]
    return exc.message if isinstance(exc, XinyongError) else str(exc)


# ------------------------------------------------------------------ rule checks
def _check_rules(scheme: Scheme, registry: Registry) -> None:
    """Every rule of the scheme — item, variants, each reading option — has a known kind, valid
    parameters and reads only the inputs its item lists. All problems, then one error."""
    problems = Problems(scheme.origin, scheme.id)

    def check(it: Item, where: str, kind_name: str, params: Mapping[str, Any], mx: float | None) -> None:
        if kind_name not in registry:
            best = closest(kind_name, registry.names())
            problems.add(it.id, f"{where}.kind",
                         f"条目 {it.id} 使用了未知的规则类型 {kind_name}"
                         + (f"，是否想写 {best}？" if best else "") + f"（可用：{', '.join(registry.names())}）",
                         f"unknown rule kind {kind_name!r}")
            return
        try:
            p = registry.get(kind_name).parse_params(params, mx or 0.0)
        except (ValidationError, XinyongError) as exc:
            msg = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": str(exc)}
            loc = ".".join(str(x) for x in msg["loc"])
            # in Chinese, listing the parameters of the kind (max_points comes from the item)
            model = registry.get(kind_name).params if len(msg["loc"]) <= 1 else None
            zh = zh_message(msg, model, hide=("max_points",)) if isinstance(exc, ValidationError) else msg["msg"]
            problems.add(it.id, f"{where}.params{'.' + loc if loc else ''}",
                         f"条目 {it.id} 的规则（{kind_name}）参数{'“' + loc + '”' if loc else ''}有误：{zh}",
                         f"invalid params: {msg['msg']}")
            return
        if kind_name == "judgement":
            return
        undeclared = p.input_ids() - set(it.input_ids)
        if undeclared:
            # a misspelt id is the usual cause: name the declared (or scheme-level) input it is closest to
            known = list(it.input_ids) + [i for i in scheme.input_catalogue if i not in it.input_ids]
            hints = {u: closest(u, known) for u in sorted(undeclared)}
            said = "；".join(f"{u}（是否想写 {h}？）" if h else u for u, h in hints.items())
            problems.add(it.id, f"{where}.params",
                         f"条目 {it.id} 的规则读取了未在 inputs 中列出的输入：{said}",
                         f"rule reads undeclared inputs {sorted(undeclared)}"
                         + "".join(f"; did you mean {h!r} for {u!r}?" for u, h in hints.items() if h))
        cat = scheme.input_catalogue
        not_bool = [r for r in getattr(p, "requires", []) if r in cat and cat[r].type != "bool"]
        if not_bool:  # a precondition is a yes/no fact (已报送：是/否), never a number compared with 1
            problems.add(it.id, f"{where}.params.requires",
                         f"条目 {it.id} 的 requires 只能是“是/否”输入（type: bool）：{'、'.join(not_bool)} 不是",
                         f"requires takes bool inputs only, not {not_bool}")

    items = {}
    for it in scheme.walk_items():
        items[it.id] = it
        check(it, "rule", it.rule.kind, it.rule.params, it.max_points)
        for k, v in it.variants.items():
            if v.rule:
                check(it, f"variants.{k}.rule", v.rule.kind, v.rule.params, v.max_points or it.max_points)
    conditions = {c.id for g in scheme.gates for c in g.conditions}
    for r in scheme.readings:
        for o in r.options:
            for target, over in o.set.items():
                if target == "@scheme" or target in conditions or target not in items:
                    continue  # scheme options and gate tests: nothing to compile; unknown targets: the loader says
                kind, params, mx, _ = _merge(items[target], over)
                check(items[target], f"readings.{r.id}.{o.id}", kind, params, mx)
    problems.raise_if_any()


# ------------------------------------------------------------------ judgements
def _judgements_anywhere(scheme: Scheme) -> dict[str, float]:
    """Items that take an assessor's points under some reading or for some unit kind, with a cap."""
    out = {}
    for it in scheme.walk_items():
        if it.rule and it.rule.kind == "judgement":
            out[it.id] = float(it.max_points)
        for v in it.variants.values():
            if v.mode == "judgement" or (v.rule and v.rule.kind == "judgement"):
                out[it.id] = float(v.max_points if v.max_points is not None else it.max_points)
    for r in scheme.readings:  # a reading may turn an item into a judgement
        for o in r.options:
            for t, over in o.set.items():
                if over.get("kind") == "judgement":
                    out.setdefault(t, float(over.get("max_points", scheme.item(t).max_points)))
    return out


def _judgement_caps(rules: Mapping[str, EffectiveRule], anywhere: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """Judgement caps per item and unit kind ("" = units of no variant kind) under the rules in force.

    Items that are judgements only under a reading not chosen keep their columns accepted (capped at
    that reading's maximum), so an assessor can prepare them; they are not used unless chosen.
    """
    out: dict[str, dict[str, float]] = {}
    for item_id, er in rules.items():
        caps: dict[str, float] = {}
        if er.kind == "judgement":
            caps[""] = float(er.max_points)
        for unit_kind, vr in er.variant_rules.items():
            if vr.is_judgement:
                caps[unit_kind] = vr.max_points
            elif "" in caps:
                caps[unit_kind] = caps[""]  # not applicable or scored by a rule: the entry is not used
        if caps:
            caps.setdefault("", max(caps.values()))
            out[item_id] = caps
    for item_id, cap in anywhere.items():
        out.setdefault(item_id, {"": cap})
    return out


def _judge_slots(scheme: Scheme, rules: Mapping[str, EffectiveRule],
                 anywhere: Mapping[str, float]) -> dict[str, dict[str, JudgeSlot]]:
    """unit kind ("" = a unit of no listed kind) -> item id -> slot, under the chosen readings.

    Items that become judgements only under an alternative reading are listed for every kind with
    ``only_under`` set, so an assessor may prepare the points without them being used by default.
    """
    kinds = list(scheme.unit_kinds) + [""]
    out: dict[str, dict[str, JudgeSlot]] = {k: {} for k in kinds}
    for item_id, er in rules.items():
        for k in kinds:
            vr = er.variant_rules.get(k)
            if vr is not None:
                if vr.is_judgement:
                    out[k][item_id] = JudgeSlot(item_id, er.item.name, vr.max_points)
            elif er.kind == "judgement":
                out[k][item_id] = JudgeSlot(item_id, er.item.name, float(er.max_points))
    chosen_any = {i for k in kinds for i in out[k]}
    for item_id, cap in anywhere.items():
        if item_id in chosen_any:
            continue
        where = [f"{r.id}={o.id}" for r in scheme.readings for o in r.options
                 if o.set.get(item_id, {}).get("kind") == "judgement"]
        for k in kinds:
            out[k][item_id] = JudgeSlot(item_id, scheme.item(item_id).name, cap, "、".join(where))
    return out


def rule_label(kind: str, registry: Registry | None = None) -> str:
    """A rule kind as an analyst reads it (“逐项计分”, “评审打分”), for the workbooks intake writes; the kind's
    own name only when the registry does not know it."""
    reg = registry or default_registry()
    return reg.get(kind).label if kind in reg.names() else kind
