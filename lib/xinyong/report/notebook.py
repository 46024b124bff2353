"""A report notebook of the analyst's own: the package's notebook with its parameters cell filled in.

``xinyong notebook SCHEME --period P --unit U --data FILE -o my.ipynb`` checks the arguments first (the
scheme loads, the files exist, the unit is in the data) and writes a copy whose paths are relative to
the new notebook's folder, so the folder can be moved or shared as a whole. Only the values change:
the Chinese comments of the parameters cell stay beside them.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..demo import PREFIX as DEMO_PREFIX
from ..demo import data_path
from ..errors import XinyongError
from ..util import atomic_write_bytes

ASSIGN = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<value>.*?)(?P<comment>\s+#.*)?$")


def _literal(value: Any) -> str:
    """A Python literal for str / list / dict of str (JSON spells those the same way, Chinese kept)."""
    return json.dumps(value, ensure_ascii=False)


def _relative(path: str | os.PathLike, folder: Path) -> str:
    text = os.fspath(path)
    if text.startswith(DEMO_PREFIX):
        return text
    try:
        return Path(os.path.relpath(Path(text).resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(text).resolve().as_posix()


def fill_parameters(source: str, values: Mapping[str, Any]) -> str:
    """The parameters cell with each ``name = value  # comment`` line's value replaced, comments kept."""
    out, seen = [], set()
    for line in source.splitlines():
        m = ASSIGN.match(line)
        if m and m["name"] in values:
            seen.add(m["name"])
            line = f"{m['name']} = {_literal(values[m['name']])}{m['comment'] or ''}"
        out.append(line)
    missing = set(values) - seen
    if missing:
        raise XinyongError(f"模板笔记本的参数单元缺少参数：{'、'.join(sorted(missing))}",
                           f"parameters cell lacks {sorted(missing)}")
    return "\n".join(out)


def write_notebook(scheme: str, period: str, data: str | os.PathLike, out: str | os.PathLike, unit: str | None = None,
                   history: Sequence[Mapping[str, Any]] | None = None,
                   readings: Mapping[str, str] | None = None, notebooks: str | os.PathLike | None = None) -> Path:
    """Write a parameterized copy of the unit report (or, without ``unit``, the overview) notebook
    (taken from the folder ``notebooks`` when given, else the packaged one)."""
    import nbformat

    from .load import load_run
    from .render import OVERVIEW_NOTEBOOK, UNIT_NOTEBOOK, notebook_path

    out = Path(out)
    if out.suffix != ".ipynb":
        raise XinyongError(f"笔记本文件名应以 .ipynb 结尾：{out}", f"output must end in .ipynb: {out}")
    history = [dict(h) for h in (history or [])]
    data_path(data)  # the Chinese error naming a missing file, now rather than in the analyst's first cell
    for h in history:
        data_path(h["data"])
    run = load_run(scheme, data, period=period, readings=readings, history=history)
    values: dict[str, Any] = {
        "scheme": _relative(scheme, out.parent) if str(scheme).endswith((".yaml", ".yml")) else str(scheme),
        "period": str(period),
        "data": _relative(data, out.parent),
        "history": [{"period": str(h["period"]), "data": _relative(h["data"], out.parent)} for h in history],
        "readings": dict(readings or {}),
    }
    if unit is not None:
        values["unit"] = run.unit_id(unit)  # an unknown unit is a Chinese error listing the known ones
    nb = nbformat.read(notebook_path(UNIT_NOTEBOOK if unit is not None else OVERVIEW_NOTEBOOK, notebooks), as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        raise XinyongError("模板笔记本没有 parameters 单元", "template notebook has no parameters cell")
    cell.source = fill_parameters(cell.source, values)
    for c in nb.cells:  # the analyst's copy starts clean: outputs come from their own run
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    out.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(out, (nbformat.writes(nb) + "\n").encode("utf-8"))
