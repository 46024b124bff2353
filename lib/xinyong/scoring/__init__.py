"""Scoring: rule kinds, the compiled plan, the vectorised scorer (the formula evaluator is xinyong.formula)."""
from .scorer import score
from .kinds import default_registry
from .registry import Registry, RuleParams
from .result import ScoreResult

__all__ = ["score", "Registry", "RuleParams", "default_registry", "ScoreResult"]
