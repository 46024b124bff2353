"""Scoring: rule kinds, the restricted formula evaluator, the vectorised engine."""
from .engine import score
from .registry import Registry, RuleParams, default_registry
from .result import ScoreResult

__all__ = ["score", "Registry", "RuleParams", "default_registry", "ScoreResult"]
