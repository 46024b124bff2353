"""Cross-unit comparison of recorded sub-metrics (003 临沂市“信用县”创建基础评价指标).

003 gives no formulas (SEED_NOTES D1): every measure is judged, and its numbered sub-metrics are
recorded inputs listed in ``meta.sub_metrics`` (``{input, label, direction}``) of the items marked
``meta.compare: true``. Many of them are comparisons between counties by nature (“各区县黑名单……
占全市的比重”), so the report shows, per sub-metric, where each unit stands among the units.

Nothing here scores: ranks and percentiles never become points.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..errors import SchemeError

#: Stable English column names (keys) and the Chinese labels shown in reports, in column order.
COLUMNS: dict[str, str] = {
    "unit_name": "单位",
    "item": "条目编号",
    "item_name": "条目",
    "input": "输入编号",
    "label": "子指标",
    "measure": "计量单位",
    "direction": "方向",
    "value": "数值",
    "rank": "名次",
    "n": "有数据单位数",
    "median": "中位数",
    "percentile": "百分位",
}
#: Name of the index (the unit id) in each labelling.
INDEX_NAME = {"en": "unit", "zh": "单位编号"}
#: Directions a sub-metric may declare, and how the Chinese table writes them.
DIRECTIONS: dict[str, str] = {"higher": "越高越好", "lower": "越低越好", "none": "不排名"}


def cross_unit_comparison(result, labels: Literal["zh", "en"] = "zh") -> pd.DataFrame:
    """One long tidy frame: every unit × every sub-metric of every item with ``meta.compare``.

    ``result`` is a :class:`~xinyong.scoring.result.ScoreResult`; values are read from
    ``result.frame`` (the engine puts every input of the scheme's catalogue there, also those that
    only judgement items list, NaN where not given).

    Index: the unit id (named ``unit``; ``单位编号`` with Chinese labels), so that
    ``table.reset_index()`` starts each row with the unit id and the report can mark the unit's rows.
    Rows: items in document order, sub-metrics in ``meta.sub_metrics`` order, then units from best to
    worst (units without a value, and every unit of an unranked sub-metric, in the result's order).

    Columns (``labels="en"``: the stable English names, for code; ``labels="zh"``, the default: the
    Chinese labels of :data:`COLUMNS`, for reports, and the direction written out in Chinese):

    - ``unit_name`` 单位; ``item`` 条目编号; ``item_name`` 条目; ``input`` 输入编号;
      ``label`` 子指标; ``measure`` 计量单位 (the input's unit, e.g. ``%``);
    - ``direction`` 方向: ``higher`` | ``lower`` | ``none`` (越高越好 / 越低越好 / 不排名);
    - ``value`` 数值: the unit's recorded value; missing stays NaN, never 0;
    - ``rank`` 名次: 1 = best among the units with a value, honouring the direction; ties share the
      best place (method ``min``: 1, 1, 3); NaN for a unit without a value and for direction ``none``;
    - ``n`` 有数据单位数: how many units have a value for this sub-metric;
    - ``median`` 中位数: median of the values present (NaN when none);
    - ``percentile`` 百分位: 100 × (units with a value that this unit is at least as good as,
      itself included) / ``n``. The best unit gets 100; units that tie get the same percentile; NaN
      where ``rank`` is NaN.

    A sub-metric naming an input the scheme does not declare is a scheme error. An item with
    ``meta.compare`` but no ``meta.sub_metrics`` compares its listed inputs, unranked.
    """
    if labels not in ("zh", "en"):
        raise ValueError(f"labels must be 'zh' or 'en', not {labels!r}")
    unit_ids = pd.Index(result.units.index, name=INDEX_NAME["en"])
    names = result.units["unit_name"].reindex(unit_ids).astype(str).to_numpy()
    blocks = [_sub_metric_block(result, it, sm, unit_ids, names)
              for it in result.scheme.walk_items() if it.meta.get("compare") for sm in _sub_metrics(it)]
    return _labelled(pd.concat(blocks) if blocks else _empty_table(), labels)


def _sub_metrics(item) -> list[dict]:
    """An item's ``meta.sub_metrics``; without them, its listed inputs, unranked."""
    return item.meta.get("sub_metrics") or [{"input": i, "direction": "none"} for i in item.input_ids]


def _sub_metric_block(result, it, sm: dict, unit_ids: pd.Index, names) -> pd.DataFrame:
    """Every unit's row for one sub-metric ``sm`` of item ``it``, best first (see :func:`cross_unit_comparison`)."""
    catalogue = result.scheme.input_catalogue
    iid = sm.get("input")
    direction = sm.get("direction", "none")
    if iid not in catalogue:
        raise SchemeError(f"条目 {it.id} 的比较子指标引用了未声明的输入 {iid}",
                          f"sub-metric of {it.id} names undeclared input {iid!r}", item=it.id)
    if direction not in DIRECTIONS:
        raise SchemeError(f"条目 {it.id} 的子指标 {iid} 方向无效：{direction}（应为 higher、lower 或 none）",
                          f"invalid direction {direction!r} for {iid} in {it.id}", item=it.id)
    spec = catalogue[iid]
    if iid in result.frame.columns:
        values = pd.to_numeric(result.frame[iid], errors="coerce").reindex(unit_ids).astype(float)
    else:  # not produced by the engine (it adds every catalogue input, so this is defensive)
        values = pd.Series(np.nan, index=unit_ids, dtype=float)
    n = int(values.notna().sum())
    median = float(values.median()) if n else np.nan
    if direction == "none":
        rank = pd.Series(np.nan, index=unit_ids, dtype=float)
        pct = pd.Series(np.nan, index=unit_ids, dtype=float)
    else:
        good = values if direction == "higher" else -values  # larger is better
        rank = good.rank(ascending=False, method="min", na_option="keep").astype(float)
        pct = (good.rank(ascending=True, method="max", pct=True, na_option="keep") * 100.0).astype(float)
    block = pd.DataFrame({
        "unit_name": names,
        "item": it.id,
        "item_name": it.name,
        "input": iid,
        "label": sm.get("label") or spec.label,
        "measure": spec.unit,
        "direction": direction,
        "value": values.to_numpy(),
        "rank": rank.to_numpy(),
        "n": n,
        "median": median,
        "percentile": pct.to_numpy(),
    }, index=unit_ids)
    return block.sort_values("rank", kind="stable", na_position="last")


def _empty_table() -> pd.DataFrame:
    """The comparison of a scheme that compares nothing: the columns, no rows."""
    return pd.DataFrame({c: pd.Series(dtype=float if c in ("value", "rank", "median", "percentile") else object)
                         for c in COLUMNS}, index=pd.Index([], name=INDEX_NAME["en"]))


def _labelled(table: pd.DataFrame, labels: str) -> pd.DataFrame:
    """The columns in :data:`COLUMNS` order, ``n`` as int; with ``labels="zh"``, Chinese labels and directions."""
    table = table[list(COLUMNS)]
    table["n"] = table["n"].astype(int)
    if labels == "zh":
        table = table.assign(direction=table["direction"].map(DIRECTIONS)).rename(columns=COLUMNS)
        table.index.name = INDEX_NAME["zh"]
    return table
