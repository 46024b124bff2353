"""Score every unit against a scheme (its compiled plan), vectorised over units (one pass per item, never per unit)."""
from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ..errors import XinyongError
from ..scheme.loader import load_scheme
from ..scheme.model import Scheme
from .inputs import prepare
from .plan import Plan, compile
from .registry import Columns, Registry, RuleParams
from .input_checks import check_inputs
from .result import VIOLATION_COLUMNS, ScoreResult

SCORED, MISSING, PENDING, NA, UNDEFINED = range(5)


def _run(registry: Registry, kind: str, frame: Columns, params: RuleParams, mx: float, mn: float):
    rk = registry.get(kind)
    missing = np.zeros(len(frame), dtype=bool)
    for c in params.input_ids():
        missing |= np.isnan(frame[c])
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        pts = np.asarray(rk.func(frame, params), dtype=float)
    pts = np.array(np.broadcast_to(pts, (len(frame),)))  # a constant rule gives one number; a copy, ours to write
    pts = np.where(np.isnan(pts), np.nan, np.clip(pts, mn, mx))
    status = np.full(len(frame), SCORED, dtype=np.int8)
    status[np.isnan(pts)] = UNDEFINED
    status[missing] = PENDING if kind == "judgement" else MISSING
    pts[missing] = np.nan
    return pts, status


def score(scheme: Scheme | str | Plan, inputs: pd.DataFrame, readings: Mapping[str, str] | None = None,
          registry: Registry | None = None, unreported: Iterable[str] = ()) -> ScoreResult:
    """Score every unit (row) of ``inputs`` against ``scheme`` (or against a compiled :class:`Plan`).

    ``inputs``: one row per unit (index or ``unit_id`` column), one column per input id; or a long
    frame with ``unit``, ``input``, ``value``. Optional columns ``unit_name``, ``unit_kind``, and
    judgement columns ``judge:<item id>`` / ``why:<item id>``. ``readings`` maps a reading id (or an
    item id it targets) to an option id, overriding the scheme's chosen reading; with a plan, the
    readings and registry are the plan's and may not be given again.

    ``unreported``: units that did not report this period (intake's ``IntakeResult.unreported``):
    every item they are scored on is missing (未知, never 0), whatever a reading says about blanks, and
    they are ranked after every unit that reported; ``ScoreResult.unreported`` names them.
    """
    if isinstance(scheme, Plan):
        if readings or registry is not None:
            raise XinyongError("已编译的计分方案不能再指定解读或规则库", "a compiled Plan fixes readings and registry")
        plan = scheme
    else:
        plan = compile(scheme if isinstance(scheme, Scheme) else load_scheme(scheme), readings, registry)
    scheme, registry, rules = plan.scheme, plan.registry, plan.rules
    frame, meta, ignored = prepare(scheme, inputs, plan.judgement_caps)
    n = len(frame)
    items = scheme.items
    P = np.full((n, len(items)), np.nan)
    S = np.zeros((n, len(items)), dtype=np.int8)
    MX = np.zeros((n, len(items)))
    kinds = meta["unit_kind"].fillna("").astype(str).to_numpy()
    cols = Columns.of(frame)  # the rules read float arrays: one conversion here, no pandas op per item
    for j, it in enumerate(items):
        er = rules[it.id]
        pts, st = _run(registry, er.kind, cols, er.params, er.max_points, er.min_points)
        MX[:, j] = er.max_points
        for unit_kind, vr in er.variant_rules.items():
            mask = kinds == unit_kind
            if not mask.any():
                continue
            if vr.mode == "not_applicable":
                pts[mask], st[mask], MX[mask, j] = np.nan, NA, 0.0
            else:
                vp, vs = _run(registry, vr.kind, cols.take(mask), vr.params, vr.max_points, er.min_points)
                pts[mask], st[mask], MX[mask, j] = vp, vs, vr.max_points
        P[:, j], S[:, j] = pts, st
    silent = frame.index.isin([str(u) for u in unreported])
    if silent.any():  # nothing was reported: no rule may turn a blank into points (item_zero readings)
        rows = np.flatnonzero(silent)[:, None]
        P[rows, :] = np.nan
        S[rows, :] = np.where(S[rows, :] == NA, NA, MISSING)
    result = ScoreResult.build(plan, frame, meta, P, S, MX, ignored, unreported=silent)
    result.violations = pd.DataFrame([v.__dict__ for v in check_inputs(scheme, frame, plan.check_formulas)], columns=VIOLATION_COLUMNS)
    return result
