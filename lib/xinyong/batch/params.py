"""The params file of ``xinyong batch --all`` (``params/demo.yaml``): which runs, with which data.

``runs: [{scheme, period, data, history: [{period, data}], readings, notice}]``, and a ``notice:`` block
beside ``runs`` for every run's 通报 (``issuer``, ``date``, ``to``, ``rectify_by``, ``number``; a run's own
``notice:`` block overrides it key by key). Relative paths are looked up
from the current folder, then the params file's folder, then its parent (``params/demo.yaml`` names
files relative to the repository root).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import XinyongError
from .names import safe_component


def _resolve(p: Any, bases: list[Path]) -> Path:
    path = Path(str(p))
    if path.is_absolute():
        return path
    for b in bases:
        if (b / path).exists():
            return (b / path).resolve()
    return (bases[0] / path).resolve()  # does not exist: intake says so, in the run's summary


def load_params(params_file: str | os.PathLike) -> list[dict]:
    """The runs of a params file: ``[{scheme, period, data, history: [{period, data}], readings}]``, paths
    resolved (see the module's docstring)."""
    import yaml

    pf = Path(params_file)
    try:
        raw = yaml.safe_load(pf.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise XinyongError(f"无法读取参数文件：{pf}", f"{type(exc).__name__}: {exc}", file=str(pf)) from None
    except yaml.YAMLError as exc:
        raise XinyongError(f"参数文件不是有效的 YAML：{pf}", str(exc), file=str(pf)) from None
    runs = raw.get("runs") if isinstance(raw, dict) else None
    if not isinstance(runs, list):
        raise XinyongError(f"参数文件应有 runs: 列表：{pf}", "params file needs a 'runs:' list", file=str(pf))
    bases = [Path.cwd(), pf.resolve().parent, pf.resolve().parent.parent]
    from ..report.notice import NoticeOptions

    every = NoticeOptions.from_mapping(raw.get("notice"), f"参数文件 {pf.name}：")
    out = []
    for k, r in enumerate(runs, 1):
        if not isinstance(r, dict) or not all(x in r for x in ("scheme", "period", "data")):
            raise XinyongError(f"参数文件第 {k} 个运行缺少 scheme、period 或 data：{pf}", f"run {k} needs scheme, period, data")
        scheme = r["scheme"]
        if str(scheme).endswith((".yaml", ".yml")):
            scheme = str(_resolve(scheme, bases))
        out.append({"scheme": scheme, "period": str(r["period"]), "data": _resolve(r["data"], bases),
                    "history": [{"period": str(h["period"]), "data": _resolve(h["data"], bases)}
                                for h in (r.get("history") or [])],
                    "readings": dict(r.get("readings") or {}),
                    "notice": NoticeOptions.from_mapping(r.get("notice"), f"参数文件 {pf.name} 第 {k} 个运行：").over(every)})
    return out


def history_list(history: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None) -> list[tuple[str, Path]]:
    """Earlier periods as given to ``run_batch`` (``[{period, data}]`` or ``{period: data}``) as
    ``(period, data file)`` pairs."""
    if history is None:
        return []
    if isinstance(history, Mapping):
        history = [{"period": k, "data": v} for k, v in history.items()]
    out = []
    for h in history:
        if not isinstance(h, Mapping) or "period" not in h or "data" not in h:
            raise XinyongError("历史数据应写成 {period: 考核期, data: 文件} 的列表", f"bad history entry {h!r}")
        out.append((str(h["period"]), Path(h["data"])))
    return out


def folder_key(run: Mapping[str, Any]) -> tuple[str, str]:
    """The ``<scheme>/<period>`` folder a run of the params file writes into."""
    return safe_component(Path(str(run["scheme"])).stem), safe_component(str(run["period"]))
