"""The rule-kind registry: an explicit ``register`` / ``get`` pair, filled by one function.

This module knows no rule kind: :func:`xinyong.scoring.kinds.register_builtin_kinds` fills a registry
and :func:`xinyong.scoring.kinds.default_registry` builds the one with the built-in kinds.

A rule kind is one typed, vectorised function ``(frame, params) -> Series`` of points, a pydantic
params model checked against the function's signature at registration, and an ``explain`` function
that writes the computation out with one unit's numbers (called lazily, only for what is shown).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import pandas as pd
from pydantic import BaseModel, ConfigDict

from ..errors import UnknownRuleKind, XinyongError


class RuleParams(BaseModel):
    """Base of every params model. ``max_points`` is filled by the engine from the item."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_points: float = 0.0

    def input_ids(self) -> set[str]:
        """Input ids this rule reads (a missing one makes the item ``missing_input``)."""
        return set()

    def max_attainable(self) -> float | None:
        """Most points the rule can give, when that is knowable from the parameters alone."""
        return None


@dataclass(frozen=True)
class RuleKind:
    name: str
    func: Callable[[pd.DataFrame, Any], pd.Series]
    params: type[RuleParams]
    explain: Callable[[Mapping[str, Any], Any, float], str]
    label: str  # Chinese name shown in reports
    doc: str = ""

    def parse_params(self, raw: Mapping[str, Any], max_points: float) -> RuleParams:
        data = dict(raw)
        data.setdefault("max_points", max_points)
        return self.params.model_validate(data)


@dataclass
class Registry:
    kinds: dict[str, RuleKind] = field(default_factory=dict)

    def register(self, name: str, func, params: type[RuleParams], explain, label: str) -> RuleKind:
        if name in self.kinds:
            raise XinyongError(f"规则类型重复注册：{name}", f"duplicate rule kind {name!r}")
        if not (isinstance(params, type) and issubclass(params, RuleParams)):
            raise XinyongError(f"规则类型 {name} 的参数模型无效", "params must subclass RuleParams")
        sig = list(inspect.signature(func).parameters.values())
        if len(sig) != 2:
            raise XinyongError(f"规则函数 {name} 的签名应为 (frame, params)", "rule function takes (frame, params)")
        ann = sig[1].annotation
        if ann is not inspect.Parameter.empty and ann not in (params, params.__name__):
            raise XinyongError(
                f"规则函数 {name} 的参数注解与参数模型不一致",
                f"annotation {ann!r} does not match params model {params.__name__}",
            )
        if not (func.__doc__ or "").strip():
            raise XinyongError(f"规则函数 {name} 缺少说明（docstring）", "rule functions must be documented")
        kind = RuleKind(name, func, params, explain, label, inspect.cleandoc(func.__doc__))
        self.kinds[name] = kind
        return kind

    def get(self, name: str) -> RuleKind:
        try:
            return self.kinds[name]
        except KeyError:
            raise UnknownRuleKind(
                f"未知的规则类型：{name}（可用：{', '.join(sorted(self.kinds))}）",
                f"unknown rule kind {name!r}; known: {sorted(self.kinds)}",
                kind=name,
            ) from None

    def __contains__(self, name: str) -> bool:
        return name in self.kinds

    def names(self) -> list[str]:
        return sorted(self.kinds)

