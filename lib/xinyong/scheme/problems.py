"""Problems found in a scheme, collected — all of them — then raised as one located SchemeError.

The loader finds the structural ones (ids, inputs, readings, gate tests); compiling the scheme
against a rule-kind registry (:func:`xinyong.scoring.plan.compile`) finds the rule ones (kinds,
parameters, inputs a rule reads). Both report through this class, so both read
``方案文件有误：file 第N行 条目 item 字段 field：…`` with the English detail listing every problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SchemeError
from .model import SchemeOrigin


@dataclass
class Problems:
    """``add`` each problem as (node id, field path, Chinese message, English detail)."""

    origin: SchemeOrigin | None
    scheme_id: str = ""
    found: list[tuple[str | None, str, str, str]] = field(default_factory=list)

    def add(self, node_id: str | None, field_path: str, zh: str, en: str) -> None:
        self.found.append((node_id, field_path, zh, en))

    def raise_if_any(self) -> None:
        if self.found:
            raise self.error()

    def error(self) -> SchemeError:
        """The one error for everything found, located at the first problem."""
        lines = self.origin.id_lines if self.origin else {}
        file = self.origin.file if self.origin else None
        name = Path(file).name if file else self.scheme_id  # a scheme built in code has no file
        node_id, field_path, zh, _ = self.found[0]
        line = lines.get(node_id or "")
        more = f"（另有 {len(self.found) - 1} 处）" if len(self.found) > 1 else ""
        return SchemeError(
            f"方案文件有误：{name} 第{line or '?'}行 条目 {node_id} 字段 {field_path}：{zh}{more}",
            "; ".join(f"{name}:{lines.get(n or '', '?')} {n}.{f}: {e}" for n, f, _, e in self.found),
            file=file, line=line, item=node_id, field=field_path,
        )
