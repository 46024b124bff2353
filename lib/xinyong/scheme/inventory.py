"""Tables about a scheme: its inputs and where each is read."""
from __future__ import annotations

import pandas as pd

from .model import Scheme


def input_users(scheme: Scheme) -> dict[str, list[str]]:
    """Input id -> the items and gate conditions that read it, in document order."""
    used: dict[str, list[str]] = {}
    for it in scheme.walk_items():
        for i in it.input_ids:
            used.setdefault(i, []).append(it.id)
    for g in scheme.gates:
        for c in g.conditions:
            for i in c.input_ids:
                used.setdefault(i, []).append(c.id)
    return used


#: the columns of :func:`input_table` with their Chinese headers (``xinyong inputs --csv``; ``--lang en`` keeps
#: the English names)
INPUT_COLUMNS_ZH = {"input": "输入编号", "label": "名称", "unit": "计量单位", "type": "类型", "min": "最小值",
                    "max": "最大值", "range": "取值范围", "items": "使用它的条目"}


def input_table(scheme: Scheme) -> pd.DataFrame:
    used = input_users(scheme)
    rows = []
    for spec in scheme.input_catalogue.values():
        rows.append({
            "input": spec.id, "label": spec.label, "unit": spec.unit, "type": spec.type,
            "min": spec.min, "max": spec.max, "range": spec.range_text(),
            "items": ", ".join(used.get(spec.id, [])),
        })
    return pd.DataFrame(rows, columns=["input", "label", "unit", "type", "min", "max", "range", "items"])
