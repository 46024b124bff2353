"""The rule-kind registry: an explicit ``register`` / ``get`` pair, filled by one function.

This module knows no rule kind: :func:`xinyong.scoring.kinds.register_builtin_kinds` fills a registry
and :func:`xinyong.scoring.kinds.default_registry` builds the one with the built-in kinds.

A rule kind is one typed, vectorised function ``(frame, params) -> points`` (one float per row), a
pydantic params model checked against the function's signature at registration, an ``explain``
function that writes the computation out with one unit's numbers for an auditor, and optionally a
``describe`` function that says it in words for a reader (both called lazily, only for what is shown).
What the rule can give at most is its params model's :meth:`RuleParams.reach`. The built-in kinds keep
all four in one module per family (:mod:`xinyong.scoring.kinds`).

``frame`` is what the engine hands every rule: :class:`Columns`, the inputs as float arrays by name
(``frame[name]``, ``len(frame)`` rows). A pandas DataFrame of float columns reads the same way, so a
rule kind can be called on one directly (the kinds' own tests do). The built-in kinds compute on numpy
arrays: a pandas operation costs tens of microseconds whatever the size, and a scheme of ~50 items
paid that on every operation of every item of every ``score()``.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
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

    def reach(self, inputs: Mapping[str, Any]) -> float | None:
        """Most points the rule gives before the engine clips to the item's 满分, or None when unknowable.

        ``inputs``: the interval (:class:`xinyong.scoring.reach.Interval`) each input id may lie in, as
        its spec declares. ``xinyong check`` compares the answer with the item's 满分."""
        return None


class Columns:
    """Input columns as float64 arrays by name, one row per unit: what a rule function reads.

    ``frame[name]`` is the column (a read-only array), ``len(frame)`` the number of rows, ``columns`` the
    names. :meth:`take` gives the rows of a mask (a variant's units), each column cut when first read.
    """

    __slots__ = ("_arrays", "_rows", "_n", "_cut")

    def __init__(self, arrays: Mapping[str, np.ndarray], n: int, rows: np.ndarray | None = None):
        self._arrays, self._rows, self._n, self._cut = arrays, rows, n, {}

    @classmethod
    def of(cls, frame: pd.DataFrame) -> "Columns":
        """The float columns of ``frame`` (one conversion for the whole frame, not one per rule)."""
        block = np.ascontiguousarray(frame.to_numpy(dtype=float).T)
        block.setflags(write=False)
        return cls(dict(zip(map(str, frame.columns), block)), len(frame))

    def take(self, mask: np.ndarray) -> "Columns":
        mask = np.asarray(mask, dtype=bool)
        return Columns(self, int(mask.sum()), mask)

    def __getitem__(self, name: str) -> np.ndarray:
        if self._rows is None:
            return self._arrays[name]
        col = self._cut.get(name)
        if col is None:
            col = self._cut[name] = self._arrays[name][self._rows]
            col.setflags(write=False)
        return col

    def __contains__(self, name: str) -> bool:
        return name in self._arrays

    def __len__(self) -> int:
        return self._n

    @property
    def columns(self) -> list[str]:
        return list(self._arrays.columns if isinstance(self._arrays, Columns) else self._arrays)


@dataclass(frozen=True)
class RuleKind:
    name: str
    func: Callable[[Columns, Any], Any]
    params: type[RuleParams]
    explain: Callable[[Mapping[str, Any], Any, float], str]
    label: str  # Chinese name shown in reports
    doc: str = ""
    # (values, params, points, names) -> the computation in words; None: a reader sees ``explain``
    describe: Callable[..., str] | None = None

    def parse_params(self, raw: Mapping[str, Any], max_points: float) -> RuleParams:
        data = dict(raw)
        data.setdefault("max_points", max_points)
        return self.params.model_validate(data)


@dataclass
class Registry:
    kinds: dict[str, RuleKind] = field(default_factory=dict)

    def register(self, name: str, func, params: type[RuleParams], explain, label: str,
                 describe=None) -> RuleKind:
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
        kind = RuleKind(name, func, params, explain, label, inspect.cleandoc(func.__doc__), describe)
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

