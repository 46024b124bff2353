"""The built-in rule kinds, one module per family; each kind's module holds all of it.

A kind is its params model (what the scheme writes, checked at compile time; its formulas parsed there,
once, and kept on the model; ``input_ids`` and ``reach``, the most points it can give), its typed,
vectorised ``(frame, params) -> points`` function (the docstring quotes a clause of the seed documents
that uses it), ``explain_<kind>`` (the exact computation for an auditor) and ``describe_<kind>`` (the
same in words for a reader). The registry (:mod:`..registry`) dispatches; this module only lists them.

``frame`` has one row per unit and one column per input (floats; booleans as 1.0/0.0; NaN where
missing — the engine marks those items ``missing_input`` whatever the function returns).

    sets.py         all_of, any_of, checklist
    conditions.py   threshold, condition
    formulas.py     formula, count_factor
    segments.py     piecewise, stepwise
    deductions.py   deduction, capped_sum
    judgement.py    judgement
    base.py         what they share (columns as arrays, clip, steps, a formula with a unit's values)
"""
from __future__ import annotations

from ...labels import fmt, pts  # noqa: F401 (the explanations' number formats; kinds.fmt is public)
from ..registry import Registry
from .conditions import (ConditionParams, ThresholdParams, condition, describe_condition, describe_threshold,
                         explain_condition, explain_threshold, threshold)
from .deductions import (CappedSumParams, DeductionParams, Part, capped_sum, deduction, describe_capped_sum,
                         describe_deduction, explain_capped_sum, explain_deduction)
from .formulas import (CountFactorParams, FormulaParams, count_factor, describe_count_factor, describe_formula,
                       explain_count_factor, explain_formula, formula)
from .judgement import JudgementParams, describe_judgement, explain_judgement, judgement
from .segments import (PiecewiseParams, Segment, StepwiseParams, describe_piecewise, describe_stepwise,
                       explain_piecewise, explain_stepwise, piecewise, stepwise)
from .sets import (BoolSetParams, ChecklistParams, all_of, any_of, checklist, describe_all_of, describe_any_of,
                   describe_checklist, explain_all_of, explain_any_of, explain_checklist)

__all__ = [
    "BUILTIN", "register_builtin_kinds", "default_registry",
    "BoolSetParams", "ChecklistParams", "ThresholdParams", "ConditionParams", "FormulaParams",
    "CountFactorParams", "PiecewiseParams", "Segment", "StepwiseParams", "DeductionParams", "Part",
    "CappedSumParams", "JudgementParams",
]

# name, function, params model, explain, Chinese label, describe
BUILTIN = [
    ("all_of", all_of, BoolSetParams, explain_all_of, "全部满足", describe_all_of),
    ("any_of", any_of, BoolSetParams, explain_any_of, "满足其一", describe_any_of),
    ("checklist", checklist, ChecklistParams, explain_checklist, "逐项计分", describe_checklist),
    ("threshold", threshold, ThresholdParams, explain_threshold, "达标计分", describe_threshold),
    ("condition", condition, ConditionParams, explain_condition, "条件计分", describe_condition),
    ("formula", formula, FormulaParams, explain_formula, "公式计分", describe_formula),
    ("count_factor", count_factor, CountFactorParams, explain_count_factor, "按数量计分", describe_count_factor),
    ("piecewise", piecewise, PiecewiseParams, explain_piecewise, "分段计分", describe_piecewise),
    ("stepwise", stepwise, StepwiseParams, explain_stepwise, "阶梯加分", describe_stepwise),
    ("deduction", deduction, DeductionParams, explain_deduction, "扣分制", describe_deduction),
    ("capped_sum", capped_sum, CappedSumParams, explain_capped_sum, "分项加总", describe_capped_sum),
    ("judgement", judgement, JudgementParams, explain_judgement, "评审赋分", describe_judgement),
]


def register_builtin_kinds(reg: Registry) -> None:
    for name, func, params, explain, label, describe in BUILTIN:
        reg.register(name, func, params, explain, label, describe)


_DEFAULT: Registry | None = None


def default_registry() -> Registry:
    """The registry with the built-in kinds, built once (here, beside the kinds, so that the
    registry module imports nothing of them: no registry <-> kinds cycle)."""
    global _DEFAULT
    if _DEFAULT is None:
        reg = Registry()
        register_builtin_kinds(reg)
        _DEFAULT = reg
    return _DEFAULT
