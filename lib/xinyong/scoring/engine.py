"""Score every unit against a scheme, vectorised over units (one pass per item, never per unit)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..errors import SchemeError, XinyongError
from ..scheme.model import Item, Scheme
from ..formula import parse as parse_formula
from .inputs import judge_col, prepare
from .kinds import default_registry
from .registry import Registry, RuleParams
from .result import STATUSES, ScoreResult

SCORED, MISSING, PENDING, NA, UNDEFINED = range(5)


@dataclass
class EffectiveRule:
    """The rule an item is scored with after readings (and, per unit kind, variants) are applied."""

    item: Item
    kind: str
    params: RuleParams
    max_points: float
    min_points: float
    readings: dict[str, str] = field(default_factory=dict)  # reading id -> option id
    variant_rules: dict[str, tuple[str, Any, str]] = field(default_factory=dict)  # unit kind -> (mode, params|None, note)


def _apply_overrides(item: Item, over: Mapping[str, Any]) -> tuple[str, dict, float, float]:
    kind = over.get("kind", item.rule.kind)
    base = dict(item.rule.params) if kind == item.rule.kind else {}
    base.update(over.get("params", {}))
    base.update({k: v for k, v in over.items() if k not in ("kind", "params", "max_points", "min_points")})
    return kind, base, float(over.get("max_points", item.max_points)), float(over.get("min_points", item.min_points))


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


def effective_rules(scheme: Scheme, chosen: Mapping[str, str], registry: Registry) -> tuple[dict[str, EffectiveRule], dict[str, str], dict[str, Any]]:
    overrides: dict[str, dict[str, Any]] = {}
    used: dict[str, dict[str, str]] = {}
    gate_tests: dict[str, str] = {}
    scheme_opts: dict[str, Any] = {}
    conditions = {c.id for g in scheme.gates for c in g.conditions}
    for r in scheme.readings:
        opt = r.option(chosen[r.id])
        for target in r.targets:
            if target == "@scheme":
                scheme_opts.update(opt.set.get(target, {}))
                continue
            used.setdefault(target, {})[r.id] = opt.id
            if target in opt.set:
                if target in conditions and "test" in opt.set[target]:  # a gate condition's test; an item may have a param named test
                    gate_tests[target] = opt.set[target]["test"]
                else:
                    overrides.setdefault(target, {}).update(opt.set[target])
    rules: dict[str, EffectiveRule] = {}
    for it in scheme.walk_items():
        kind, params, mx, mn = _apply_overrides(it, overrides.get(it.id, {}))
        rk = registry.get(kind)
        p = rk.parse_params(_judge_params(kind, params, it.id), mx)
        er = EffectiveRule(it, kind, p, mx, mn, used.get(it.id, {}))
        for unit_kind, var in it.variants.items():
            vmx = var.max_points if var.max_points is not None else mx
            if var.mode == "rule":
                vk = registry.get(var.rule.kind)
                er.variant_rules[unit_kind] = ("rule", (var.rule.kind, vk.parse_params(_judge_params(var.rule.kind, var.rule.params, it.id), vmx)), var.note)
            elif var.mode == "judgement":
                jk = registry.get("judgement")
                er.variant_rules[unit_kind] = ("rule", ("judgement", jk.parse_params({"column": judge_col(it.id)}, vmx)), var.note)
            else:
                er.variant_rules[unit_kind] = ("not_applicable", None, var.note)
        rules[it.id] = er
    return rules, gate_tests, scheme_opts


def _judge_params(kind: str, params: dict, item_id: str) -> dict:
    if kind == "judgement" and not params.get("column"):
        return {**params, "column": judge_col(item_id)}
    return params


def judgement_items(scheme: Scheme) -> dict[str, float]:
    """Items that take an assessor's points (always, or for some unit kind), with their caps."""
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


def judgement_caps(scheme: Scheme, rules: Mapping[str, EffectiveRule]) -> dict[str, dict[str, float]]:
    """Judgement caps per item and unit kind ("" = units of no variant kind) under the rules in force.

    Items that are judgements only under a reading not chosen keep their columns accepted (capped at
    that reading's maximum), so an assessor can prepare them; they are not used unless chosen.
    """
    out: dict[str, dict[str, float]] = {}
    for item_id, er in rules.items():
        caps: dict[str, float] = {}
        if er.kind == "judgement":
            caps[""] = float(er.max_points)
        for unit_kind, (mode, spec, _note) in er.variant_rules.items():
            if mode == "rule" and spec[0] == "judgement":
                caps[unit_kind] = float(spec[1].max_points)
            elif "" in caps:
                caps[unit_kind] = caps[""]  # not applicable or scored by a rule: the entry is not used
        if caps:
            caps.setdefault("", max(caps.values()))
            out[item_id] = caps
    for item_id, cap in judgement_items(scheme).items():
        out.setdefault(item_id, {"": cap})
    return out


def _run(registry: Registry, kind: str, frame: pd.DataFrame, params: RuleParams, mx: float, mn: float):
    rk = registry.get(kind)
    needed = sorted(params.input_ids())
    missing = frame[needed].isna().any(axis=1).to_numpy() if needed else np.zeros(len(frame), dtype=bool)
    pts = rk.func(frame, params)
    pts = np.asarray(pd.Series(pts, index=frame.index, dtype=float), dtype=float)
    pts = np.where(np.isnan(pts), np.nan, np.clip(pts, mn, mx))
    status = np.full(len(frame), SCORED, dtype=np.int8)
    status[np.isnan(pts)] = UNDEFINED
    status[missing] = PENDING if kind == "judgement" else MISSING
    pts[missing] = np.nan
    return pts, status


def score(scheme: Scheme | str, inputs: pd.DataFrame, readings: Mapping[str, str] | None = None,
          registry: Registry | None = None) -> ScoreResult:
    """Score every unit (row) of ``inputs`` against ``scheme``.

    ``inputs``: one row per unit (index or ``unit_id`` column), one column per input id; or a long
    frame with ``unit``, ``input``, ``value``. Optional columns ``unit_name``, ``unit_kind``, and
    judgement columns ``judge:<item id>`` / ``why:<item id>``. ``readings`` maps a reading id (or an
    item id it targets) to an option id, overriding the scheme's chosen reading.
    """
    from ..scheme.loader import load_scheme

    registry = registry or default_registry()
    scheme = load_scheme(scheme) if not isinstance(scheme, Scheme) else scheme
    chosen = resolve_readings(scheme, readings)
    rules, gate_tests, scheme_opts = effective_rules(scheme, chosen, registry)
    frame, meta, ignored = prepare(scheme, inputs, judgement_caps(scheme, rules))
    n = len(frame)
    items = scheme.items
    P = np.full((n, len(items)), np.nan)
    S = np.zeros((n, len(items)), dtype=np.int8)
    MX = np.zeros((n, len(items)))
    kinds = meta["unit_kind"].fillna("").astype(str).to_numpy()
    for j, it in enumerate(items):
        er = rules[it.id]
        pts, st = _run(registry, er.kind, frame, er.params, er.max_points, er.min_points)
        MX[:, j] = er.max_points
        for unit_kind, (mode, spec, _note) in er.variant_rules.items():
            mask = kinds == unit_kind
            if not mask.any():
                continue
            if mode == "not_applicable":
                pts[mask], st[mask], MX[mask, j] = np.nan, NA, 0.0
            else:
                vkind, vparams = spec
                sub = frame.loc[mask]
                vp, vs = _run(registry, vkind, sub, vparams, vparams.max_points, er.min_points)
                pts[mask], st[mask], MX[mask, j] = vp, vs, vparams.max_points
        P[:, j], S[:, j] = pts, st
    return ScoreResult.build(scheme, frame, meta, P, S, MX, rules, chosen, gate_tests, scheme_opts, ignored, registry)


def gate_formula(text: str):
    try:
        return parse_formula(text)
    except XinyongError as exc:
        raise SchemeError(exc.message, exc.detail) from None
